package io.chronicle.sql.catalog;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.core.RollupPolicy;
import io.chronicle.services.S3Server;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.catalog.CatalogDescriptor;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Chronicle's catalog in a Table API program, as any Flink program would use it: tables created
 * exactly as the jobs create them, rows written through Iceberg's own (writable) Flink catalog,
 * then read back through a catalog of type {@code chronicle}, its functions called with no
 * registration, and every kind of change refused while the rows stay as they were. S3 credentials
 * come from the AWS default chain (system properties here), never from the catalog's options.
 */
class ChronicleCatalogITCase {

    private static final String READ_ONLY = "is read-only. " + ChronicleCatalog.WRITTEN_BY_JOBS;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    static Path tempDir;

    private static S3Server s3;
    private static Configuration chronicle;
    private static Configuration client;
    private static TableEnvironment sql;

    @BeforeAll
    static void start(@InjectClusterRESTAddress URI clusterRest) throws Exception {
        s3 = S3Server.start(tempDir.resolve("s3"), 0, "catalog-it", "catalog-it-secret");
        s3.createBucket("lake");
        // The catalog reads S3 with the AWS default credentials chain, here in the planner and in
        // the MiniCluster's task managers alike.
        System.setProperty("aws.accessKeyId", s3.accessKey());
        System.setProperty("aws.secretAccessKey", s3.secretKey());
        Map<String, String> values = new HashMap<>();
        values.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + tempDir.resolve("catalog.db"));
        values.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), "s3://lake/warehouse");
        values.put(ChronicleOptions.S3_ENDPOINT.key(), s3.endpoint().toString());
        values.put(ChronicleOptions.S3_PATH_STYLE_ACCESS.key(), "true");
        values.put(ChronicleOptions.S3_ACCESS_KEY.key(), s3.accessKey());
        values.put(ChronicleOptions.S3_SECRET_KEY.key(), s3.secretKey());
        chronicle = ChronicleConfig.validated(Configuration.fromMap(values));
        TableBootstrap.ensureTables(ChronicleCatalogLoader.from(chronicle), "chronicle",
                ChronicleTable.POINTS_RAW, new RollupTable(RollupPolicy.Tier.parse("tier", "5m")));

        client = new Configuration();
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(RestOptions.ADDRESS, clusterRest.getHost());
        client.set(RestOptions.PORT, clusterRest.getPort());
        SampleTables.write(chronicle, client);

        sql = TableEnvironment.create(EnvironmentSettings.newInstance().inBatchMode().withConfiguration(client).build());
        sql.createCatalog("chronicle", CatalogDescriptor.of("chronicle",
                Configuration.fromMap(ChronicleCatalogOptions.of(chronicle))));
        sql.useCatalog("chronicle");
    }

    @AfterAll
    static void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void readsTheTablesInTheNamespaceItStartsIn() throws Exception {
        assertThat(sql.getCurrentDatabase()).isEqualTo("chronicle");
        assertThat(strings("SELECT metric, count(*) FROM points_raw GROUP BY metric"))
                .containsExactlyInAnyOrderElementsOf(SampleTables.countsPerMetric());
        assertThat(strings("SHOW TABLES")).containsExactlyInAnyOrder("points_raw", "rollup_5m");
    }

    @Test
    void offersChroniclesFunctionsWithoutRegistration() throws Exception {
        assertThat(strings("SHOW USER FUNCTIONS")).containsExactlyInAnyOrder(
                "sketch_quantile", "sketch_merge", "rollup_mean", "rollup_stddev", "rollup_rate");
        List<Row> rows = rows("SELECT sketch_quantile(sketch_merge(sketch), 0.5),"
                + " rollup_mean(SUM(value_sum), SUM(sample_count)) FROM rollup_5m");
        // Merged sketches hold the same buckets as one sketch of all hundred values.
        assertThat(rows).containsExactly(Row.of(SampleTables.median(), 50.5));
        // Qualified, from another catalog.
        sql.useCatalog("default_catalog");
        try {
            assertThat(rows("SELECT chronicle.chronicle.rollup_mean(SUM(value_sum), SUM(sample_count))"
                    + " FROM chronicle.chronicle.rollup_5m")).containsExactly(Row.of(50.5));
        } finally {
            sql.useCatalog("chronicle");
        }
    }

    @Test
    void refusesEveryChangeAndKeepsTheRows() throws Exception {
        List<String> before = strings("SELECT metric, count(*) FROM points_raw GROUP BY metric");
        String t = "chronicle.chronicle.";
        Map<String, String> refusals = new HashMap<>();
        refusals.put("DROP TABLE " + t + "points_raw", "Cannot drop table chronicle.points_raw");
        refusals.put("DROP TABLE IF EXISTS " + t + "rollup_5m", "Cannot drop table chronicle.rollup_5m");
        refusals.put("CREATE TABLE " + t + "t (x INT)", "Cannot create table chronicle.t");
        refusals.put("CREATE TABLE " + t + "t AS SELECT * FROM " + t + "points_raw", "Cannot create table chronicle.t");
        refusals.put("CREATE VIEW " + t + "v AS SELECT 1", "Cannot create view chronicle.v");
        refusals.put("ALTER TABLE " + t + "points_raw SET ('write.format.default' = 'orc')",
                "Cannot alter table chronicle.points_raw");
        refusals.put("ALTER TABLE " + t + "points_raw RENAME TO p", "Cannot rename table chronicle.points_raw");
        refusals.put("ALTER TABLE " + t + "points_raw ADD (x INT)", "Cannot alter table chronicle.points_raw");
        refusals.put("DROP DATABASE chronicle.chronicle CASCADE", "Cannot drop database chronicle");
        refusals.put("CREATE DATABASE chronicle.other", "Cannot create database other");
        refusals.put("CREATE FUNCTION " + t + "f AS 'io.chronicle.sql.functions.RollupMean'",
                "Cannot create function chronicle.f");
        refusals.put("DROP FUNCTION " + t + "rollup_mean", "Cannot drop function chronicle.rollup_mean");
        String written = "Cannot write to table chronicle.chronicle.";
        refusals.put("INSERT INTO " + t + "points_raw SELECT * FROM " + t + "points_raw", written + "points_raw");
        refusals.put("INSERT OVERWRITE " + t + "rollup_5m SELECT * FROM " + t + "rollup_5m", written + "rollup_5m");
        refusals.put("DELETE FROM " + t + "points_raw WHERE metric = 'cpu'", written + "points_raw");
        refusals.put("UPDATE " + t + "points_raw SET `value` = 0", written + "points_raw");
        refusals.put("TRUNCATE TABLE " + t + "points_raw", written + "points_raw");
        // From another catalog: Flink itself refuses to drop the database a session is in.
        sql.useCatalog("default_catalog");
        try {
            for (Map.Entry<String, String> refusal : refusals.entrySet()) {
                assertThatThrownBy(() -> sql.executeSql(refusal.getKey()).await())
                        .as(refusal.getKey())
                        .satisfies(e -> assertThat(messages(e)).anyMatch(m -> m.contains(refusal.getValue())
                                && m.contains(READ_ONLY)));
            }
        } finally {
            sql.useCatalog("chronicle");
        }
        assertThat(strings("SHOW TABLES")).containsExactlyInAnyOrder("points_raw", "rollup_5m");
        assertThat(strings("SELECT metric, count(*) FROM points_raw GROUP BY metric")).containsExactlyInAnyOrderElementsOf(before);
        assertThat(strings("SELECT count(*) FROM rollup_5m")).containsExactly("2");
    }

    @Test
    void describesTablesWithoutIcebergsConnectorOrCatalogOptions() throws Exception {
        String ddl = strings("SHOW CREATE TABLE points_raw").get(0);
        assertThat(ddl).contains("`series_id` BIGINT NOT NULL").doesNotContain("src-catalog")
                .doesNotContain("'connector'").doesNotContain(s3.secretKey());
    }

    private static List<Row> rows(String query) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = sql.executeSql(query).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    /** Each row as its fields joined by '='. */
    private static List<String> strings(String query) throws Exception {
        return rows(query).stream()
                .map(r -> IntStream.range(0, r.getArity())
                        .mapToObj(i -> String.valueOf(r.getField(i))).collect(Collectors.joining("=")))
                .collect(Collectors.toList());
    }

    private static List<String> messages(Throwable thrown) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return messages;
    }
}
