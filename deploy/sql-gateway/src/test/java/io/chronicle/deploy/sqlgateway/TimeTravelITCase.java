package io.chronicle.deploy.sqlgateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.sql.catalog.SampleTables;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Time travel through the SQL gateway, as a SQL user runs it: {@code points_raw} gets two more
 * commits after the sample rows, and each of its three snapshots is read back by id (a hint), by
 * time ({@code FOR SYSTEM_TIME AS OF} and the {@code as-of-timestamp} hint) and listed in
 * {@code points_raw$snapshots}, every read compared with the rows the test wrote up to that
 * commit. Bad requests and a locked catalog fail the statement with a clear message; the gateway
 * answers again, the same session too, once the catalog is free.
 */
class TimeTravelITCase {

    private static final DateTimeFormatter SQL_TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

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
    /** Each commit of points_raw, oldest first, with the rows the table held after it. */
    private static final List<Commit> COMMITS = new ArrayList<>();

    private String session;

    record Commit(long snapshotId, Instant committedAt, TreeSet<String> rows) {}

    @BeforeAll
    static void start(@InjectClusterRESTAddress URI clusterRest) throws Exception {
        // A query waits this long for a locked catalog database, then fails.
        fixture = GatewayFixture.start(tempDir, clusterRest, Map.of("jdbc.busy_timeout", "2000"));
        rest = fixture.rest;
        Catalog catalog = ChronicleCatalogLoader.from(fixture.chronicle).loadCatalog();
        try {
            Table points = catalog.loadTable(TableIdentifier.of(
                    fixture.chronicle.get(ChronicleOptions.CATALOG_NAMESPACE), "points_raw"));
            TreeSet<String> rows = new TreeSet<>();
            for (int i = 0; i < SampleTables.METRICS.length; i++) {
                rows.add(SampleTables.METRICS[i] + "=" + i);
            }
            COMMITS.add(commit(points, points.currentSnapshot().snapshotId(), rows));
            for (String[] batch : new String[][] {{"net", "100", "3"}, {"gpu", "200", "4"}}) {
                // Each commit in a millisecond of its own, so each is named by its time alone.
                while (System.currentTimeMillis() <= points.currentSnapshot().timestampMillis()) {
                    Thread.onSpinWait();
                }
                long first = Long.parseLong(batch[1]);
                int count = Integer.parseInt(batch[2]);
                long id = SampleTables.appendPoints(points, batch[0], first, count);
                rows = new TreeSet<>(rows);
                for (long offset = first; offset < first + count; offset++) {
                    rows.add(batch[0] + "=" + offset);
                }
                COMMITS.add(commit(points, id, rows));
            }
        } finally {
            ((Closeable) catalog).close();
        }
    }

    private static Commit commit(Table table, long id, TreeSet<String> rows) {
        return new Commit(id, Instant.ofEpochMilli(table.snapshot(id).timestampMillis()), rows);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @BeforeEach
    void openSession() throws Exception {
        session = rest.openSession();
        rest.execute(session, "SET 'table.local-time-zone' = 'UTC'");
    }

    @AfterEach
    void closeSession() throws Exception {
        rest.closeSession(session);
    }

    @Test
    void listsTheSnapshotsInTheMetadataTable() throws Exception {
        assertThat(rows("SELECT snapshot_id, operation, parent_id FROM `points_raw$snapshots` ORDER BY committed_at"))
                .containsExactly(
                        COMMITS.get(0).snapshotId() + "=append=null",
                        COMMITS.get(1).snapshotId() + "=append=" + COMMITS.get(0).snapshotId(),
                        COMMITS.get(2).snapshotId() + "=append=" + COMMITS.get(1).snapshotId());
        assertThat(rows("SELECT snapshot_id, is_current_ancestor FROM `points_raw$history` ORDER BY made_current_at"))
                .containsExactlyElementsOf(COMMITS.stream().map(c -> c.snapshotId() + "=true").collect(Collectors.toList()));
        // committed_at in microseconds, Iceberg's timestamps in milliseconds.
        assertThat(rows("SELECT CAST(committed_at AS STRING) FROM `points_raw$snapshots` ORDER BY committed_at"))
                .containsExactlyElementsOf(COMMITS.stream().map(c -> SQL_TIMESTAMP.format(c.committedAt()) + "000")
                        .collect(Collectors.toList()));
    }

    @Test
    void readsEachSnapshotByIdTimeAndHint() throws Exception {
        for (int i = 0; i < COMMITS.size(); i++) {
            Commit commit = COMMITS.get(i);
            String at = SQL_TIMESTAMP.format(commit.committedAt());
            assertThat(points("points_raw /*+ OPTIONS('snapshot-id'='" + commit.snapshotId() + "') */"))
                    .as("snapshot %d", i).containsExactlyElementsOf(commit.rows());
            assertThat(points("points_raw FOR SYSTEM_TIME AS OF TIMESTAMP '" + at + "'"))
                    .as("as of %s", at).containsExactlyElementsOf(commit.rows());
            assertThat(points("points_raw /*+ OPTIONS('as-of-timestamp'='" + commit.committedAt().toEpochMilli() + "') */"))
                    .as("as-of-timestamp %s", at).containsExactlyElementsOf(commit.rows());
            if (i > 0) {
                // A millisecond before a commit, the one before it was current.
                String before = SQL_TIMESTAMP.format(commit.committedAt().minusMillis(1));
                assertThat(points("points_raw FOR SYSTEM_TIME AS OF TIMESTAMP '" + before + "'"))
                        .as("as of %s", before).containsExactlyElementsOf(COMMITS.get(i - 1).rows());
            }
        }
        // Arithmetic on the time, and the present, read the current snapshot.
        String last = SQL_TIMESTAMP.format(COMMITS.get(2).committedAt());
        assertThat(points("points_raw FOR SYSTEM_TIME AS OF TIMESTAMP '" + last + "' + INTERVAL '1' SECOND"))
                .containsExactlyElementsOf(COMMITS.get(2).rows());
        assertThat(points("points_raw")).containsExactlyElementsOf(COMMITS.get(2).rows());
    }

    @Test
    void badRequestsFailClearlyAndTheGatewayAnswersOn() throws Exception {
        String first = SQL_TIMESTAMP.format(COMMITS.get(0).committedAt().minusMillis(1));
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("SELECT * FROM points_raw /*+ OPTIONS('snapshot-id'='123456789') */",
                "has no snapshot 123456789: it keeps snapshots from " + COMMITS.get(0).snapshotId());
        refusals.put("SELECT * FROM points_raw /*+ OPTIONS('snapshot-id'='latest') */",
                "option 'snapshot-id' must be a whole number, got 'latest'");
        refusals.put("SELECT * FROM points_raw FOR SYSTEM_TIME AS OF TIMESTAMP '" + first + "'",
                "has no snapshot at or before " + COMMITS.get(0).committedAt().minusMillis(1));
        refusals.put("SELECT * FROM points_raw FOR SYSTEM_TIME AS OF TIMESTAMP '1970-01-01 00:00:00'",
                "has no snapshot at or before 1970-01-01T00:00:00Z");
        refusals.put("SELECT * FROM points_raw FOR SYSTEM_TIME AS OF TIMESTAMP '2999-01-01 00:00:00'",
                "cannot be read as of 2999-01-01T00:00:00Z: that is in the future");
        refusals.put("SELECT * FROM points_raw /*+ OPTIONS('as-of-timestamp'='32503680000000') */",
                "cannot be read as of 3000-01-01T00:00:00Z: that is in the future");
        refusals.put("SELECT * FROM no_such_table FOR SYSTEM_TIME AS OF TIMESTAMP '2026-01-01 00:00:00'",
                "Object 'no_such_table' not found");
        refusals.put("SELECT * FROM `points_raw$nonsense`", "Illegal table name");
        // Objects that are not Iceberg tables: a view of the session, and tables of another catalog
        // (Flink 2.1 ignores FOR SYSTEM_TIME AS OF on temporary tables and views).
        refusals.put("SELECT * FROM recent /*+ OPTIONS('snapshot-id'='" + COMMITS.get(0).snapshotId() + "') */",
                "cannot be enriched with new options");
        refusals.put("SELECT * FROM default_catalog.default_database.ones /*+ OPTIONS('snapshot-id'='1') */",
                "Unsupported options found for 'datagen'");
        refusals.put("SELECT * FROM scratch.`default`.twos FOR SYSTEM_TIME AS OF TIMESTAMP '" + first + "'",
                "getTable(ObjectPath, long) is not implemented for class org.apache.flink.table.catalog.GenericInMemoryCatalog");
        rest.execute(session, "CREATE TEMPORARY VIEW recent AS SELECT * FROM points_raw WHERE source_offset >= 100");
        rest.execute(session, "CREATE TEMPORARY TABLE default_catalog.default_database.ones (x INT)"
                + " WITH ('connector' = 'datagen', 'number-of-rows' = '1')");
        rest.execute(session, "CREATE CATALOG scratch WITH ('type' = 'generic_in_memory')");
        rest.execute(session, "CREATE TABLE scratch.`default`.twos (x INT)"
                + " WITH ('connector' = 'datagen', 'number-of-rows' = '2')");
        SoftAssertions softly = new SoftAssertions();
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            softly.assertThat(failure(refusal.getKey())).as(refusal.getKey()).contains(refusal.getValue());
        }
        softly.assertAll();
        // The session, and the gateway, answer on.
        assertThat(points("points_raw")).containsExactlyElementsOf(COMMITS.get(2).rows());
    }

    @Test
    void aLockedCatalogFailsTheQueryAndTheSessionAnswersOnceItIsFree() throws Exception {
        Commit middle = COMMITS.get(1);
        String query = "points_raw FOR SYSTEM_TIME AS OF TIMESTAMP '" + SQL_TIMESTAMP.format(middle.committedAt()) + "'";
        // Another connection holds SQLite's exclusive lock past the catalog's busy timeout.
        try (Connection lock = DriverManager.getConnection(fixture.chronicle.get(ChronicleOptions.CATALOG_URI));
                Statement statement = lock.createStatement()) {
            statement.execute("BEGIN EXCLUSIVE");
            assertThat(failure("SELECT metric, source_offset FROM " + query)).contains("database is locked");
            statement.execute("ROLLBACK");
        }
        assertThat(points(query)).containsExactlyElementsOf(middle.rows());
    }

    /** The points of a table expression, as "metric=offset", sorted. */
    private List<String> points(String from) throws Exception {
        return new ArrayList<>(new TreeSet<>(rows("SELECT metric, source_offset FROM " + from)));
    }

    private List<String> rows(String statement) throws Exception {
        return rest.execute(session, statement).rows.stream()
                .map(r -> r.stream().map(JsonNode::asText).collect(Collectors.joining("=")))
                .collect(Collectors.toList());
    }

    /** The gateway's whole answer to a statement that must fail; if it succeeds, a line saying so. */
    private String failure(String statement) throws Exception {
        try {
            rest.execute(session, statement);
        } catch (SqlGatewayClient.GatewayError e) {
            return e.answer;
        }
        return "'" + statement + "' succeeded";
    }

}
