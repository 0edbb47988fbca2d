package io.chronicle.deploy.sqlgateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.sql.catalog.SampleTables;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What a SQL user can do through the gateway, as the local stack runs it: read every table, but
 * neither read a secret (the S3 secret key and the catalog database's password, which the gateway
 * holds in its environment) in anything a session is shown, nor change Chronicle's tables, its
 * catalog's definition, or another session's view of them, by plain statements or by Iceberg's own
 * catalog and connector pointed at the same tables.
 */
class SqlGatewaySecurityITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    static Path tempDir;

    private static GatewayFixture fixture;
    private static SqlGatewayClient rest;

    @BeforeAll
    static void start(@InjectClusterRESTAddress URI clusterRest) throws Exception {
        fixture = GatewayFixture.start(tempDir, clusterRest);
        rest = fixture.rest;
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void noSecretAppearsInAnythingASessionIsShown() throws Exception {
        String session = rest.openSession();
        List<String> shown = new ArrayList<>();
        try {
            // The gateway reads the tables' metadata from S3 itself: it holds working credentials.
            assertThat(rows(session, "SELECT count(*) FROM points_raw"))
                    .containsExactly(String.valueOf(SampleTables.METRICS.length));
            shown.add(rest.sessionConfig(session).toString());
            for (String statement : List.of("SET", "SHOW CREATE CATALOG chronicle", "DESCRIBE CATALOG chronicle",
                    "DESCRIBE CATALOG EXTENDED chronicle", "SHOW CATALOGS", "SHOW DATABASES", "SHOW TABLES",
                    "SHOW FUNCTIONS", "SHOW USER FUNCTIONS", "SHOW JARS", "SHOW MODULES",
                    "SHOW CREATE TABLE points_raw", "DESCRIBE points_raw", "EXPLAIN SELECT * FROM points_raw")) {
                shown.add(statement + ": " + String.join("\n", rows(session, statement)));
            }
            for (String failing : List.of("SELECT * FROM no_such_table",
                    "SELECT * FROM points_raw /*+ OPTIONS('snapshot-id'='1') */",
                    "CREATE CATALOG wrong WITH ('type' = 'chronicle', 'uri' = 'jdbc:postgresql://127.0.0.1:1/none')",
                    "CREATE CATALOG keyed WITH ('type' = 'chronicle', 'properties.s3.secret-access-key' = 'x')",
                    "DROP TABLE points_raw")) {
                shown.add(failing + ": " + failure(session, failing));
            }
        } finally {
            rest.closeSession(session);
        }
        assertThat(String.join("\n", shown))
                .contains("table.catalog-store.kind", "'uri' = 'jdbc:sqlite:", "points_raw", "Connection to 127.0.0.1:1")
                .doesNotContain(GatewayFixture.S3_SECRET)
                .doesNotContain(GatewayFixture.JDBC_PASSWORD);
    }

    @Test
    void changesAndSideDoorsFailAndTheTablesAndCatalogStayAsTheyWere() throws Exception {
        Map<String, List<String>> before = contents();
        Path definition = fixture.gateway.logFile().resolveSibling("catalogs").resolve("chronicle.yaml");
        String definitionBefore = Files.readString(definition);
        String readOnly = "is read-only. Chronicle's tables are written only by its jobs and admin commands.";
        String iceberg = String.join(", ",
                "'catalog-impl' = 'org.apache.iceberg.jdbc.JdbcCatalog'",
                "'uri' = 'jdbc:sqlite:" + tempDir.resolve("catalog.db") + "'",
                "'warehouse' = 's3://lake/warehouse'",
                "'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO'",
                "'s3.endpoint' = '" + fixture.s3.endpoint() + "'",
                "'s3.path-style-access' = 'true'");
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("DROP TABLE chronicle.chronicle.anomalies", "Cannot drop table chronicle.anomalies: catalog 'chronicle' " + readOnly);
        refusals.put("DROP TABLE chronicle.chronicle.points_raw", "Cannot drop table chronicle.points_raw: catalog 'chronicle' " + readOnly);
        refusals.put("CREATE TABLE chronicle.chronicle.mine (x INT)", "Cannot create table chronicle.mine: catalog 'chronicle' " + readOnly);
        refusals.put("ALTER TABLE chronicle.chronicle.points_raw SET ('history.expire.max-snapshot-age-ms' = '1')",
                "Cannot alter table chronicle.points_raw: catalog 'chronicle' " + readOnly);
        refusals.put("INSERT INTO chronicle.chronicle.points_raw SELECT * FROM chronicle.chronicle.points_raw",
                "Cannot write to table chronicle.chronicle.points_raw: catalog 'chronicle' " + readOnly);
        refusals.put("DELETE FROM chronicle.chronicle.anomalies",
                "Cannot write to table chronicle.chronicle.anomalies: catalog 'chronicle' " + readOnly);
        // From a catalog of the session's own: Flink itself refuses to drop the current database.
        refusals.put("CREATE CATALOG scratch WITH ('type' = 'generic_in_memory')", null);
        refusals.put("USE CATALOG scratch", null);
        refusals.put("DROP DATABASE chronicle.chronicle CASCADE", "Cannot drop database chronicle: catalog 'chronicle' " + readOnly);
        // Iceberg's own catalog and connector on the same tables, with the gateway's credentials.
        refusals.put("CREATE CATALOG lake WITH ('type' = 'iceberg', " + iceberg + ")",
                "Could not find any factory for identifier 'iceberg' that implements 'org.apache.flink.table.factories.CatalogFactory'");
        refusals.put("CREATE TEMPORARY TABLE side (x INT) WITH ('connector' = 'iceberg', 'catalog-name' = 'chronicle',"
                        + " 'catalog-database' = 'chronicle', 'catalog-table' = 'anomalies', " + iceberg + ")", null);
        refusals.put("INSERT INTO side VALUES (1)",
                "Could not find any factory for identifier 'iceberg' that implements 'org.apache.flink.table.factories.DynamicTableFactory'");
        // The catalog's definition, shared by every session.
        refusals.put("DROP CATALOG chronicle", "Catalog 'chronicle' is defined by the SQL gateway's catalog store");
        refusals.put("ALTER CATALOG chronicle SET ('uri' = 'jdbc:sqlite:" + tempDir.resolve("elsewhere.db") + "')",
                "Catalog 'chronicle' is defined by the SQL gateway's catalog store");
        String session = rest.openSession();
        try {
            for (Map.Entry<String, String> statement : refusals.entrySet()) {
                if (statement.getValue() == null) {
                    rest.execute(session, statement.getKey());
                } else {
                    assertThat(failure(session, statement.getKey())).as(statement.getKey()).contains(statement.getValue());
                }
            }
        } finally {
            rest.closeSession(session);
        }
        assertThat(Files.readString(definition)).isEqualTo(definitionBefore);
        assertThat(contents()).isEqualTo(before);
    }

    /** In a new session: the catalogs, tables and row counts. */
    private static Map<String, List<String>> contents() throws Exception {
        String session = rest.openSession();
        try {
            Map<String, List<String>> contents = new LinkedHashMap<>();
            contents.put("catalogs", rows(session, "SHOW CATALOGS"));
            contents.put("tables", rows(session, "SHOW TABLES"));
            contents.put("points_raw", rows(session, "SELECT metric, count(*) FROM points_raw GROUP BY metric ORDER BY metric"));
            contents.put("rollup_5m", rows(session, "SELECT count(*) FROM rollup_5m"));
            contents.put("anomalies", rows(session, "SELECT count(*) FROM anomalies"));
            assertThat(contents.get("catalogs")).containsExactly("chronicle");
            assertThat(contents.get("tables")).containsExactlyInAnyOrder("anomalies", "points_raw", "rollup_5m");
            assertThat(contents.get("points_raw")).isEqualTo(SampleTables.countsPerMetric());
            return contents;
        } finally {
            rest.closeSession(session);
        }
    }

    private static List<String> rows(String session, String statement) throws Exception {
        return rest.execute(session, statement).rows.stream()
                .map(r -> r.stream().map(JsonNode::asText).collect(Collectors.joining("=")))
                .collect(Collectors.toList());
    }

    /** The gateway's whole answer to a statement that must fail. */
    private static String failure(String session, String statement) throws Exception {
        try {
            rest.execute(session, statement);
        } catch (SqlGatewayClient.GatewayError e) {
            return e.answer;
        }
        return fail("'%s' succeeded", statement);
    }
}
