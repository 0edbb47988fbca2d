package io.chronicle.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Trino as a child process, for the tests: the server archive Maven fetched, unpacked once into a
 * folder kept between runs with every plugin but Iceberg's removed (as {@code deploy/trino/run}
 * does: Trino starts faster with fewer), extra jars added to plugins, Trino's configuration
 * written for a port of its own, and run on the JDK given (Trino 476 needs Java 24 or newer).
 */
public final class TrinoServer implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final ChildProcess process;
    private final int port;

    private TrinoServer(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * What to run: {@code plugins} maps a plugin folder's name under {@code plugin/} to the jars it
     * gets (added to a folder the archive has, replacing one it does not); {@code catalogs} maps a
     * catalog's name to its properties; {@code jvmConfig} is Trino's {@code jvm.config}.
     */
    public record Setup(Path archive, Path installDir, Path javaHome, Path jvmConfig,
            Map<String, List<Path>> plugins, Map<String, Map<String, String>> catalogs, Path workDir) {}

    /** Starts Trino; {@link #awaitReady} waits until it answers. */
    public static TrinoServer start(Setup setup) throws IOException {
        Path javaBin = setup.javaHome().resolve("bin/java");
        if (!Files.isExecutable(javaBin)) {
            throw new IllegalStateException("Trino needs Java 24 or newer; no " + javaBin
                    + " (set trino.java.home to a JDK 24+)");
        }
        Path server = install(setup.archive(), setup.installDir());
        for (Map.Entry<String, List<Path>> plugin : setup.plugins().entrySet()) {
            Path dir = server.resolve("plugin").resolve(plugin.getKey());
            Files.createDirectories(dir);
            for (Path jar : plugin.getValue()) {
                Files.copy(jar, dir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        int port = Ports.free(1)[0];
        Path etc = setup.workDir().resolve("etc");
        Path data = setup.workDir().resolve("data");
        Files.createDirectories(etc.resolve("catalog"));
        Files.createDirectories(data);
        Files.writeString(etc.resolve("node.properties"), properties(Map.of(
                "node.environment", "chronicle",
                "node.id", "chronicle-test",
                "node.data-dir", data.toString(),
                "node.bind-ip", Ports.HOST,
                "node.internal-address", Ports.HOST)));
        Files.writeString(etc.resolve("config.properties"), properties(Map.of(
                "coordinator", "true",
                "node-scheduler.include-coordinator", "true",
                "http-server.http.port", Integer.toString(port),
                "discovery.uri", "http://" + Ports.HOST + ":" + port,
                "query.max-memory", "1GB",
                "query.max-memory-per-node", "1GB")));
        Files.copy(setup.jvmConfig(), etc.resolve("jvm.config"), StandardCopyOption.REPLACE_EXISTING);
        for (Map.Entry<String, Map<String, String>> catalog : setup.catalogs().entrySet()) {
            Files.writeString(etc.resolve("catalog").resolve(catalog.getKey() + ".properties"),
                    properties(catalog.getValue()));
        }
        List<String> command = List.of(server.resolve("bin/launcher").toString(), "run",
                "--etc-dir", etc.toString(), "--data-dir", data.toString());
        Map<String, String> environment = Map.of("JAVA_HOME", setup.javaHome().toString(),
                "PATH", setup.javaHome().resolve("bin") + ":" + System.getenv("PATH"));
        ChildProcess process = ChildProcess.start("trino", command, environment,
                setup.workDir().resolve("trino.log"));
        return new TrinoServer(process, port);
    }

    /** Waits until Trino has started and answers queries. */
    public void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
        HttpRequest info = HttpRequest.newBuilder(URI.create("http://" + Ports.HOST + ":" + port + "/v1/info"))
                .timeout(REQUEST_TIMEOUT).build();
        process.await("Trino started", START_TIMEOUT, () -> {
            HttpResponse<String> response = http.send(info, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().contains("\"starting\":false");
        });
    }

    /** A JDBC URL for Trino's driver, with {@code catalog} and {@code schema} as the session's. */
    public String jdbcUrl(String catalog, String schema) {
        return "jdbc:trino://" + Ports.HOST + ":" + port + "/" + catalog + "/" + schema;
    }

    public int port() {
        return port;
    }

    public String logTail() {
        return process.logTail();
    }

    @Override
    public void close() {
        process.close();
    }

    /**
     * The server unpacked from {@code archive} under {@code installDir}, once: the archive holds
     * hard links between plugins' jars, so it is unpacked whole by tar, then the plugins pruned.
     */
    private static synchronized Path install(Path archive, Path installDir) throws IOException {
        Path marker = installDir.resolve(".installed-" + archive.getFileName());
        Path server = installDir.resolve("server");
        if (Files.exists(marker)) {
            return server;
        }
        deleteRecursively(installDir);
        Files.createDirectories(server);
        run(List.of("tar", "xzf", archive.toString(), "-C", server.toString(), "--strip-components=1"));
        try (Stream<Path> plugins = Files.list(server.resolve("plugin"))) {
            for (Path plugin : plugins.filter(p -> !p.getFileName().toString().equals("iceberg")).toList()) {
                deleteRecursively(plugin);
            }
        }
        Files.createFile(marker);
        return server;
    }

    private static void run(List<String> command) throws IOException {
        Process tar = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes());
        try {
            if (tar.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String properties(Map<String, String> values) {
        List<String> lines = new ArrayList<>();
        values.forEach((k, v) -> lines.add(k + "=" + v));
        return lines.stream().sorted().collect(Collectors.joining("\n", "", "\n"));
    }
}
