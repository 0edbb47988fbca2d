package io.chronicle.bench;

import io.chronicle.services.TrinoServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Trino 476 reading the bench's tables with its Iceberg connector, configured as
 * {@code deploy/trino/run} configures it ({@code deploy/trino/chronicle.properties}) but for the
 * bench's catalog database, bucket and S3 server; run on the JDK the build names (Trino needs 24+).
 */
final class BenchTrino implements AutoCloseable {

    /** Trino's name for the catalog, as in the local stack. */
    static final String CATALOG = "chronicle";

    private final Connection connection;

    private BenchTrino(Connection connection) {
        this.connection = connection;
    }

    /** Starts Trino on {@code env}'s catalog and S3 server and waits until it answers. */
    static BenchTrino start(BenchEnvironment env) throws Exception {
        Properties paths = new Properties();
        try (InputStream in = BenchTrino.class.getResourceAsStream("trino.properties")) {
            paths.load(in);
        }
        Path jvmConfig = Path.of(paths.getProperty("trino.jvm.config"));
        Map<String, String> catalog = template(jvmConfig.resolveSibling("chronicle.properties"));
        catalog.put("iceberg.jdbc-catalog.connection-url",
                "jdbc:sqlite:" + env.dir().resolve("catalog.db") + "?busy_timeout=30000");
        catalog.put("iceberg.jdbc-catalog.default-warehouse-dir", "s3://" + BenchEnvironment.BUCKET + "/warehouse");
        catalog.put("s3.endpoint", env.s3().endpoint().toString());
        catalog.put("s3.aws-access-key", env.s3().accessKey());
        catalog.put("s3.aws-secret-key", env.s3().secretKey());
        System.out.println("Starting Trino ...");
        TrinoServer server = env.stopsWith(TrinoServer.start(new TrinoServer.Setup(
                Path.of(paths.getProperty("trino.server.archive")),
                Path.of(paths.getProperty("trino.install.dir")),
                Path.of(paths.getProperty("trino.java.home")),
                jvmConfig,
                Map.of("iceberg", List.of(Path.of(paths.getProperty("sqlite.jdbc.jar")))),
                Map.of(CATALOG, catalog),
                env.dir().resolve("trino"))));
        server.awaitReady();
        Properties user = new Properties();
        user.setProperty("user", "bench");
        return new BenchTrino(DriverManager.getConnection(server.jdbcUrl(CATALOG, "default"), user));
    }

    /** The catalog template's properties (Java properties, as Trino reads them); the caller sets the run's own values over them. */
    private static Map<String, String> template(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        Map<String, String> template = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(key -> template.put(key, properties.getProperty(key)));
        return template;
    }

    /** Runs {@code sql} and returns every row, each its columns in order. */
    List<List<Object>> query(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<Object> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    row.add(result.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /** Closes the connection; the server stops with the environment. */
    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
