package io.chronicle.deploy;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.services.ChildProcess;
import io.chronicle.watch.ChronicleWatch;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * chronicle-watch as a child process of the local stack, as it would run beside a cluster: its
 * own JVM, so a job that fails or a MiniCluster that hangs does not take the watcher with it. It
 * watches this stack's Flink REST API with the stack's own configuration; the S3 keys and the
 * catalog database's password reach it through its environment, never its configuration file.
 */
final class WatchChild {

    private static final Duration START_TIMEOUT = Duration.ofMinutes(1);
    private static final Set<String> SECRETS = Set.of(ChronicleOptions.S3_ACCESS_KEY.key(),
            ChronicleOptions.S3_SECRET_KEY.key(), ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.password");

    private WatchChild() {}

    static ChildProcess start(Path dir, Configuration stack) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolve("chronicle-watch.log");
        ChildProcess.stopOrphan("chronicle-watch", log);
        Map<String, String> options = new LinkedHashMap<>();
        stack.toMap().forEach((key, value) -> {
            if (key.startsWith(ChronicleOptions.PREFIX) && !key.startsWith("chronicle.local.")
                    && !SECRETS.contains(key)) {
                options.put(key, value);
            }
        });
        options.putIfAbsent(ChronicleOptions.WATCH_FLINK_REST_URL.key(),
                "http://127.0.0.1:" + stack.get(LocalStackOptions.FLINK_PORT));
        // The stack checkpoints the jobs it restores itself, ingest first (LocalStack).
        options.put(ChronicleOptions.WATCH_CATCH_UP_CHECKPOINTS.key(), "false");
        // Receivers' headers may hold credentials: the file is the owner's alone.
        Path config = dir.resolve("watch.yaml");
        Files.deleteIfExists(config);
        Files.createFile(config, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(config, options.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\": \"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining("\n", "", "\n")));
        Map<String, String> env = new LinkedHashMap<>();
        stack.getOptional(ChronicleOptions.S3_ACCESS_KEY).ifPresent(k -> env.put("AWS_ACCESS_KEY_ID", k));
        stack.getOptional(ChronicleOptions.S3_SECRET_KEY).ifPresent(k -> env.put("AWS_SECRET_ACCESS_KEY", k));
        String password = stack.toMap().get(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.password");
        if (password != null) {
            env.put(ChronicleCatalogLoader.JDBC_PASSWORD_ENV, password);
        }
        ChildProcess watch = ChildProcess.start("chronicle-watch", ChildProcess.javaCommand(
                System.getProperty("java.class.path"),
                List.of("-Xmx256m", "-Dlog4j2.configurationFile=" + consoleLogging(dir).toUri()),
                ChronicleWatch.class.getName(), List.of("--config", config.toString())), env, log);
        int port = stack.get(ChronicleOptions.WATCH_PORT);
        HttpClient http = HttpClient.newHttpClient();
        try {
            watch.await("its metrics endpoint", START_TIMEOUT, () -> http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        } catch (RuntimeException e) {
            watch.close();
            throw e;
        }
        return watch;
    }

    /** The watcher logs to its console, which the child process's log file keeps. */
    private static Path consoleLogging(Path dir) throws IOException {
        Path file = dir.resolve("log4j2-console.properties");
        Files.writeString(file, String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.console.ref = Console",
                "appender.console.type = Console",
                "appender.console.name = Console",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{ISO8601} %-5p %-30c{1.} [%t] %m%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = ERROR",
                "logger.iceberg.name = org.apache.iceberg",
                "logger.iceberg.level = WARN",
                ""));
        return file;
    }
}
