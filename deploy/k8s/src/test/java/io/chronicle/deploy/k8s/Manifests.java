package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.chronicle.core.ChronicleJob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** The manifests under {@code deploy/k8s}, read as YAML documents, and the versions they must name. */
final class Manifests {

    static final YAMLMapper YAML = new YAMLMapper();

    /** {@code deploy/k8s}, set by the build. */
    static final Path DIR = Path.of(required("chronicle.k8s.dir"));
    /** The version of Chronicle's jars the manifests fetch. */
    static final String CHRONICLE_VERSION = required("chronicle.version");
    /** The Flink version the jars are built against, which the image and its S3 plugin must match. */
    static final String FLINK_VERSION = required("flink.version");

    static final String KUSTOMIZATION = "kustomization.yaml";

    /** Chronicle's jobs, each a FlinkDeployment of its own and, as an alternative, a FlinkSessionJob. */
    static final List<String> JOBS = Arrays.stream(ChronicleJob.values())
            .filter(job -> job != ChronicleJob.ALL).map(ChronicleJob::jobName).toList();

    private Manifests() {}

    /** One YAML document of a manifest file. */
    record Document(Path file, ObjectNode node) {
        String kind() {
            return node.path("kind").asText();
        }

        String name() {
            return node.path("metadata").path("name").asText();
        }

        String namespace() {
            return node.path("metadata").path("namespace").asText();
        }

        /** A deep copy, for a test to change. */
        ObjectNode copy() {
            return node.deepCopy();
        }

        @Override
        public String toString() {
            return DIR.relativize(file) + ": " + kind() + " " + name();
        }
    }

    /** Every manifest file (the kustomization aside): YAML files outside the build's folders. */
    static List<Path> files() {
        try (Stream<Path> paths = Files.walk(DIR)) {
            return paths.filter(path -> path.toString().endsWith(".yaml") || path.toString().endsWith(".yml"))
                    .filter(path -> !DIR.relativize(path).startsWith("src"))
                    .filter(path -> !DIR.relativize(path).startsWith("target"))
                    .filter(path -> !path.getFileName().toString().equals(KUSTOMIZATION))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Document> documents() {
        List<Document> documents = new ArrayList<>();
        for (Path file : files()) {
            for (JsonNode node : readAll(file)) {
                if (!node.isObject()) {
                    throw new IllegalStateException(file + " holds a document that is not a mapping");
                }
                documents.add(new Document(file, (ObjectNode) node));
            }
        }
        return documents;
    }

    static List<Document> ofKind(String kind) {
        return documents().stream().filter(document -> document.kind().equals(kind)).toList();
    }

    static Document get(String kind, String name) {
        return documents().stream()
                .filter(document -> document.kind().equals(kind) && document.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No " + kind + " named " + name + " in " + DIR));
    }

    static JsonNode read(Path file) {
        List<JsonNode> nodes = readAll(file);
        if (nodes.size() != 1) {
            throw new IllegalStateException(file + " holds " + nodes.size() + " documents, not one");
        }
        return nodes.get(0);
    }

    private static List<JsonNode> readAll(Path file) {
        try (MappingIterator<JsonNode> iterator = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            return iterator.readAll().stream().filter(node -> !node.isNull() && !node.isMissingNode()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static String required(String property) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("System property " + property + " is not set: run the tests through Maven");
        }
        return value;
    }
}
