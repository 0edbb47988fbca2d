package io.chronicle.deploy.sqlgateway;

import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.services.ChildProcess;
import io.chronicle.sql.catalog.ChronicleCatalogOptions;
import io.chronicle.sql.catalog.ReadOnlyCatalogStoreFactory;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Flink's own SQL gateway ({@code org.apache.flink.table.gateway.SqlGateway}, what
 * {@code sql-gateway.sh} runs) serving Chronicle's tables, as a child JVM on the jars of a Flink
 * distribution plus {@code chronicle-sql-<version>-gateway.jar}, configured as it would run next to
 * a cluster: {@code config.yaml} with Chronicle's read-only catalog store, every session in batch
 * mode on Chronicle's catalog and namespace, and queries submitted to a cluster's REST endpoint.
 *
 * <p>No secret is in any file a session can read: the gateway finds S3 keys and the catalog
 * database's password in its environment ({@code AWS_ACCESS_KEY_ID}, {@code
 * AWS_SECRET_ACCESS_KEY}, {@value ChronicleCatalogLoader#JDBC_PASSWORD_ENV}).
 */
public final class FlinkSqlGateway implements AutoCloseable {

    private static final String MAIN_CLASS = "org.apache.flink.table.gateway.SqlGateway";
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /** The JVM options of a Flink distribution's processes on Java 17, and a modest heap. */
    private static final List<String> JVM_OPTIONS = List.of(
            "-Xmx1g",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    private static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build();

    private final ChildProcess process;
    private final int port;

    private FlinkSqlGateway(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Writes the gateway's configuration and catalog store into {@code dir} and starts it.
     *
     * @param chronicle Chronicle's configuration: the catalog and S3 settings, and the credentials
     *     the gateway gets through its environment
     * @param port the REST port, or 0 for a free one
     * @param clusterRestAddress where the gateway submits queries, as {@code host:port}
     */
    public static FlinkSqlGateway start(Path dir, Configuration chronicle, int port, String clusterRestAddress)
            throws IOException {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Path catalogs = Files.createDirectories(dir.resolve("catalogs"));
        Path log = dir.resolve("sql-gateway.log");
        ChildProcess.stopOrphan("sql-gateway", log);
        int restPort = port == 0 ? freePort() : port;
        String catalog = chronicle.get(ChronicleOptions.CATALOG_NAME);
        YAML.writeValue(catalogs.resolve(catalog + ".yaml").toFile(), ChronicleCatalogOptions.of(chronicle));
        YAML.writeValue(conf.resolve("config.yaml").toFile(), configuration(restPort, clusterRestAddress, catalogs, catalog));
        Files.writeString(conf.resolve("log4j-console.properties"), resource("/io/chronicle/deploy/sqlgateway/log4j-console.properties"));

        ChildProcess process = ChildProcess.start("sql-gateway",
                ChildProcess.javaCommand(resource("/io/chronicle/sqlgateway/runtime/sql-gateway.classpath").trim(),
                        jvmOptions(conf), MAIN_CLASS, List.of()),
                environment(chronicle, conf), log);
        FlinkSqlGateway gateway = new FlinkSqlGateway(process, restPort);
        try {
            gateway.awaitReady();
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
        return gateway;
    }

    /**
     * The gateway's {@code config.yaml}: a REST endpoint on loopback; sessions in batch mode (Chronicle's
     * tables are read as bounded snapshots), starting in Chronicle's catalog, which Chronicle's
     * read-only catalog store defines; queries go to the cluster.
     */
    private static Map<String, Object> configuration(int port, String clusterRestAddress, Path catalogs, String catalog) {
        String[] cluster = clusterRestAddress.split(":");
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("sql-gateway.endpoint.type", "rest");
        config.put("sql-gateway.endpoint.rest.address", HOST);
        config.put("sql-gateway.endpoint.rest.bind-address", HOST);
        config.put("sql-gateway.endpoint.rest.port", port);
        config.put("execution.target", "remote");
        config.put("rest.address", cluster[0]);
        config.put("rest.port", Integer.parseInt(cluster[1]));
        config.put("execution.runtime-mode", "batch");
        config.put("table.catalog-store.kind", ReadOnlyCatalogStoreFactory.IDENTIFIER);
        config.put("table.catalog-store." + ReadOnlyCatalogStoreFactory.IDENTIFIER + "."
                + ReadOnlyCatalogStoreFactory.PATH.key(), catalogs.toAbsolutePath().toString());
        config.put("table.builtin-catalog-name", catalog);
        // The gateway jar carries hadoop-common: without these, Flink would try Hadoop's security
        // module and delegation tokens.
        config.put("security.module.factory.classes", List.of("org.apache.flink.runtime.security.modules.JaasModuleFactory"));
        config.put("security.delegation.tokens.enabled", false);
        return config;
    }

    /** Where Flink's scripts would point: the configuration folder, and logging into the log file. */
    private static List<String> jvmOptions(Path conf) {
        List<String> options = new ArrayList<>(JVM_OPTIONS);
        options.add("-Dlog4j.configurationFile=" + conf.resolve("log4j-console.properties").toUri());
        return options;
    }

    /** The credentials, as the gateway's own environment, where no session can read them. */
    private static Map<String, String> environment(Configuration chronicle, Path conf) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("FLINK_CONF_DIR", conf.toAbsolutePath().toString());
        chronicle.getOptional(ChronicleOptions.S3_ACCESS_KEY).ifPresent(key -> env.put("AWS_ACCESS_KEY_ID", key));
        chronicle.getOptional(ChronicleOptions.S3_SECRET_KEY).ifPresent(key -> env.put("AWS_SECRET_ACCESS_KEY", key));
        String password = chronicle.toMap().get(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.password");
        if (password != null) {
            env.put(ChronicleCatalogLoader.JDBC_PASSWORD_ENV, password);
        }
        return env;
    }

    /** The REST endpoint, for example {@code http://127.0.0.1:8083}. */
    public URI endpoint() {
        return URI.create("http://" + HOST + ":" + port);
    }

    public int port() {
        return port;
    }

    public Path logFile() {
        return process.logFile();
    }

    /** Stops the gateway (SIGTERM, forced after a deadline). */
    @Override
    public void close() {
        process.close();
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
        HttpRequest info = HttpRequest.newBuilder(endpoint().resolve("/v1/info")).timeout(REQUEST_TIMEOUT).GET().build();
        process.await("the SQL gateway answering on " + endpoint(), START_TIMEOUT,
                () -> http.send(info, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String resource(String name) {
        try (InputStream in = FlinkSqlGateway.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name
                        + "; it is written by the Maven build of chronicle-sql-gateway(-runtime)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
