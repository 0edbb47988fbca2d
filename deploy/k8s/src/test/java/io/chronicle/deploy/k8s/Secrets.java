package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.EnvVar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/** Finds secrets written into a manifest instead of referenced from a Kubernetes Secret. */
final class Secrets {

    /**
     * Option keys that hold a secret: Chronicle's and Flink's S3 keys, any password (a catalog's
     * JDBC password, a keystore's), tokens and credentials, a Kafka client's JAAS configuration.
     */
    private static final Pattern SECRET_OPTION = Pattern.compile(
            "(^|.*[.])(access[-.]key|secret[-.]key|secret|[a-z-]*password|passwd|token|credential|sasl\\.jaas\\.config)");
    /** Environment variables that hold a secret, which must come from a Secret ({@code valueFrom}). */
    private static final Pattern SECRET_ENV = Pattern.compile(".*(SECRET|PASSWORD|TOKEN|ACCESS_KEY|CREDENTIAL).*");

    private Secrets() {}

    static boolean isSecretOption(String key) {
        return SECRET_OPTION.matcher(key.toLowerCase(Locale.ROOT)).matches();
    }

    /** The variables of {@code env} taken from a Secret, as {@code secret/key} by variable name. */
    static Map<String, String> refs(List<EnvVar> env) {
        Map<String, String> refs = new HashMap<>();
        for (EnvVar var : env) {
            if (var.getValueFrom() != null && var.getValueFrom().getSecretKeyRef() != null) {
                refs.put(var.getName(), var.getValueFrom().getSecretKeyRef().getName() + "/"
                        + var.getValueFrom().getSecretKeyRef().getKey());
            }
        }
        return refs;
    }

    /**
     * Where a resource holds a secret: a secret option in a Flink configuration, in a {@code -D}
     * argument or in a configuration file of a ConfigMap, or a secret variable given a literal value.
     */
    static List<String> findIn(JsonNode resource) {
        List<String> found = new ArrayList<>();
        walk(resource, "$", found);
        if (resource.path("kind").asText().equals("ConfigMap")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = resource.path("data").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> file = it.next();
                if (file.getKey().endsWith(".yaml")) {
                    String path = "$.data." + file.getKey();
                    optionKeys(readYaml(file.getValue().asText(), path), path, found);
                }
            }
        }
        return found;
    }

    private static void walk(JsonNode node, String path, List<String> found) {
        if (node.isTextual() && node.asText().startsWith("-D")) {
            String key = node.asText().substring(2).split("=", 2)[0];
            if (isSecretOption(key)) {
                found.add(path + " (-D" + key + ")");
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path + "[" + i + "]", found);
            }
        } else if (node.isObject()) {
            if (node.has("name") && node.has("value") && SECRET_ENV.matcher(node.path("name").asText()).matches()) {
                found.add(path + " sets " + node.path("name").asText() + " to a literal value");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String fieldPath = path + "." + field.getKey();
                if (field.getKey().equals("flinkConfiguration")) {
                    optionKeys(field.getValue(), fieldPath, found);
                }
                walk(field.getValue(), fieldPath, found);
            }
        }
    }

    /** Option keys of a configuration, flat ({@code a.b: v}) or nested ({@code a: {b: v}}). */
    private static void optionKeys(JsonNode options, String path, List<String> found) {
        optionKeys(options, path, "", found);
    }

    private static void optionKeys(JsonNode options, String path, String prefix, List<String> found) {
        for (Iterator<Map.Entry<String, JsonNode>> it = options.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> option = it.next();
            String key = prefix + option.getKey();
            if (option.getValue().isObject()) {
                optionKeys(option.getValue(), path, key + ".", found);
            } else if (isSecretOption(key)) {
                found.add(path + "." + key);
            }
        }
    }

    private static JsonNode readYaml(String text, String path) {
        try {
            return Manifests.YAML.readTree(text);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(path + " is not YAML", e);
        }
    }
}
