package io.chronicle.services;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * An S3-compatible server (S3Proxy over its filesystem provider) run as a child JVM on 127.0.0.1.
 * Clients must use path-style addressing and the static keys of {@link #accessKey()} and
 * {@link #secretKey()}; any region is accepted.
 *
 * <p>Every directory in {@link #bucketsDir()} is a bucket and holds the objects as plain files.
 * That directory contains nothing else, because S3Proxy would list any file there as a bucket; the
 * server's configuration and log ({@code s3proxy.log}) sit one level up, in {@code dataDir}.
 */
public final class S3Server implements AutoCloseable {

    public static final String DEFAULT_ACCESS_KEY = "chronicle";
    public static final String DEFAULT_SECRET_KEY = "chronicle-secret";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** A server taken over serves already; one that does not answer within this is started anew. */
    private static final Duration ADOPT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);
    private static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-Djava.awt.headless=true");

    private final List<String> command;
    private final Path logFile;
    private final int httpPort;
    private final URI endpoint;
    private final Path bucketsDir;
    private final String accessKey;
    private final String secretKey;
    private ChildProcess process;

    private S3Server(List<String> command, Path logFile, int httpPort, URI endpoint, Path bucketsDir,
            String accessKey, String secretKey) {
        this.command = command;
        this.logFile = logFile;
        this.httpPort = httpPort;
        this.endpoint = endpoint;
        this.bucketsDir = bucketsDir;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Starts a server with the default keys. */
    public static S3Server start(Path dataDir, int port) throws IOException {
        return start(dataDir, port, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY);
    }

    /**
     * Starts a server keeping its buckets under {@code dataDir/buckets} and waits until it answers
     * HTTP. Existing buckets and objects are served as they are.
     *
     * @param port the HTTP port, or 0 for a free one
     */
    public static S3Server start(Path dataDir, int port, String accessKey, String secretKey) throws IOException {
        Path dir = dataDir.toAbsolutePath();
        Path bucketsDir = Files.createDirectories(dir.resolve("buckets"));
        Path logFile = dir.resolve("s3proxy.log");
        Path config = dir.resolve("s3proxy.properties");
        // A server left running by a parent killed outright, with this port, these buckets and
        // keys, serves on: taking it over spares its stop and a start after a crash. One that
        // does not answer is stopped and started anew.
        Optional<ChildProcess> orphan = ChildProcess.adoptOrphan("s3proxy", logFile);
        if (orphan.isPresent()) {
            if (port != 0 && Files.exists(config)
                    && Files.readString(config).equals(properties(port, bucketsDir, accessKey, secretKey))) {
                S3Server server = server(config, logFile, port, bucketsDir, accessKey, secretKey);
                server.process = orphan.get();
                try {
                    server.awaitReady(ADOPT_TIMEOUT);
                    return server;
                } catch (RuntimeException e) {
                    // Stopped below.
                }
            }
            orphan.get().close();
        }
        int httpPort = port == 0 ? Ports.free(1)[0] : port;
        Ports.requireFree(httpPort);
        Files.writeString(config, properties(httpPort, bucketsDir, accessKey, secretKey));
        S3Server server = server(config, logFile, httpPort, bucketsDir, accessKey, secretKey);
        server.launch();
        return server;
    }

    private static String properties(int port, Path bucketsDir, String accessKey, String secretKey) {
        return String.join("\n",
                "s3proxy.endpoint=" + endpoint(port),
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + accessKey,
                "s3proxy.credential=" + secretKey,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + bucketsDir,
                "");
    }

    private static URI endpoint(int port) {
        return URI.create("http://" + Ports.HOST + ":" + port);
    }

    private static S3Server server(Path config, Path logFile, int port, Path bucketsDir, String accessKey,
            String secretKey) {
        return new S3Server(
                ChildProcess.javaCommand(Classpaths.load("s3proxy.classpath"), JVM_OPTIONS,
                        "org.gaul.s3proxy.Main", List.of("--properties", config.toString())),
                logFile, port, endpoint(port), bucketsDir, accessKey, secretKey);
    }

    /**
     * Stops the server: until {@link #startAgain()}, connections to its port are refused. For
     * tests of outages.
     */
    public synchronized void stop() {
        process.close();
    }

    /** Starts a {@link #stop() stopped} server again on the same port, serving the same buckets. */
    public synchronized void startAgain() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("the S3 server on " + endpoint + " is running");
        }
        Ports.requireFree(httpPort);
        launch();
    }

    private void launch() throws IOException {
        process = ChildProcess.start("s3proxy", command, logFile);
        try {
            awaitReady(START_TIMEOUT);
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public Path bucketsDir() {
        return bucketsDir;
    }

    /**
     * Creates a bucket if it does not exist. The filesystem provider treats each directory as a
     * bucket and looks them up on every request, so creating the directory is enough, even while
     * the server runs.
     */
    public void createBucket(String bucket) {
        try {
            Files.createDirectories(bucketsDir.resolve(bucket));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the server (SIGTERM, forced after a deadline). */
    @Override
    public synchronized void close() {
        process.close();
    }

    /** Ready means any HTTP response; an unsigned request gets 403, which is fine. */
    private void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
        HttpRequest request = HttpRequest.newBuilder(endpoint).timeout(REQUEST_TIMEOUT).GET().build();
        process.await("HTTP answers on " + endpoint, timeout, () -> {
            http.send(request, HttpResponse.BodyHandlers.discarding());
            return true;
        });
    }
}
