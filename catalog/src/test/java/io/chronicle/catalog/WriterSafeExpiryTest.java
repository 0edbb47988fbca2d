package io.chronicle.catalog;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.FlinkSinkRecords;
import org.apache.iceberg.flink.sink.SinkUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Snapshot expiry beside writers that are stopped, against a real Iceberg JDBC catalog on SQLite,
 * with commits as Iceberg's Flink sink makes them (job id, operator id, checkpoint) and commits of
 * maintenance between: what Iceberg's own sink finds on a restore after Iceberg's expiry and after
 * Chronicle's, and which snapshots each keeps.
 */
class WriterSafeExpiryTest {

    private static final Duration GRACE = Duration.ofHours(1);
    private static final int RETAIN_LAST = 2;

    @TempDir
    Path dir;

    private ChronicleCatalogLoader catalogLoader;
    private Catalog catalog;
    private TableIdentifier id;
    private Table table;
    /** Every snapshot committed, oldest first. */
    private final List<Snapshot> commits = new ArrayList<>();

    @BeforeEach
    void createTable() {
        Configuration conf = ChronicleConfig.validated(Configuration.fromMap(Map.of(
                ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("chronicle.catalog.db"),
                ChronicleOptions.CATALOG_WAREHOUSE.key(), dir.resolve("warehouse").toUri().toString(),
                ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "io-impl", "org.apache.iceberg.inmemory.InMemoryFileIO")));
        catalogLoader = ChronicleCatalogLoader.from(conf);
        catalog = catalogLoader.loadCatalog();
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        table = TableBootstrap.ensureTables(catalog, namespace, ChronicleTable.POINTS_RAW).get("points_raw");
        id = TableIdentifier.of(namespace, "points_raw");
    }

    @AfterEach
    void closeCatalog() throws IOException {
        ((Closeable) catalog).close();
    }

    @Test
    void icebergsOwnExpiryMakesAStoppedWriterLoseItsLastCommit() {
        writerCommits("ingest", "op-a", 1, 2, 3);
        maintenanceCommits(4);

        table.expireSnapshots().expireOlderThan(afterLastCommit()).retainLast(RETAIN_LAST).commit();

        // What a restore of the writer would commit again: every checkpoint of its state.
        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(table, "ingest", "op-a")).isEqualTo(-1);
        assertThat(keptSnapshots()).isEqualTo(lastCommits(RETAIN_LAST));
    }

    @Test
    void keepsEverySnapshotFromAStoppedWritersLastCommitOn() throws IOException {
        writerCommits("ingest", "op-a", 1, 2, 3);
        maintenanceCommits(4);

        expireThroughTheLoader(afterLastCommit());

        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(table, "ingest", "op-a")).isEqualTo(3);
        assertThat(keptSnapshots()).isEqualTo(lastCommits(5));
    }

    @Test
    void keepsTheOlderOfTwoWritersLatestCommits() throws IOException {
        writerCommits("other", "op-b", 6, 7);
        writerCommits("ingest", "op-a", 1);
        maintenanceCommits(1);
        writerCommits("ingest", "op-a", 2, 3);
        maintenanceCommits(3);

        expireThroughTheLoader(afterLastCommit());

        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(table, "other", "op-b")).isEqualTo(7);
        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(table, "ingest", "op-a")).isEqualTo(3);
        assertThat(keptSnapshots()).isEqualTo(lastCommits(8));
    }

    @Test
    void tellsWritersApartByOperator() throws IOException {
        writerCommits("ingest", "op-points", 1);
        writerCommits("ingest", "op-events", 1, 2);
        writerCommits("ingest", "op-events", 3);
        maintenanceCommits(2);

        expireThroughTheLoader(afterLastCommit());

        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(table, "ingest", "op-points")).isEqualTo(1);
        assertThat(keptSnapshots()).isEqualTo(lastCommits(6));
    }

    @Test
    void doesNotWaitForAWriterStoppedLongerThanTheGrace() {
        writerCommits("ingest", "op-a", 1, 2, 3);
        maintenanceCommits(4);
        long later = afterLastCommit() + GRACE.toMillis() + 1;

        new WriterSafeExpiry(table.expireSnapshots(), table, GRACE, () -> later)
                .expireOlderThan(later).retainLast(RETAIN_LAST).commit();

        assertThat(keptSnapshots()).isEqualTo(lastCommits(RETAIN_LAST));
    }

    @Test
    void guardsTheTablesOwnMaximumAgeToo() {
        writerCommits("ingest", "op-a", 1, 2);
        maintenanceCommits(3);
        table.updateProperties().set(TableProperties.MAX_SNAPSHOT_AGE_MS, "1").commit();
        long now = afterLastCommit() + 1;

        new WriterSafeExpiry(table.expireSnapshots(), table, GRACE, () -> now).retainLast(1).commit();

        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(table, "ingest", "op-a")).isEqualTo(2);
        assertThat(keptSnapshots()).isEqualTo(lastCommits(4));
    }

    @Test
    void loadsTheCatalogsTableWithTheGuardedExpiry() throws IOException {
        try (TableLoader loader = loader(); TableLoader copy = loader.clone()) {
            copy.open();
            Table loaded = copy.loadTable();
            assertThat(loaded).isInstanceOf(BaseTable.class);
            assertThat(((BaseTable) loaded).operations().current().metadataFileLocation())
                    .isEqualTo(((BaseTable) table).operations().current().metadataFileLocation());
            assertThat(loaded.expireSnapshots()).isInstanceOf(WriterSafeExpiry.class);
        }
    }

    private TableLoader loader() {
        return WriterSafeTableLoader.fromCatalog(catalogLoader, id, GRACE);
    }

    /** As the maintenance job's expiry task runs: on a table the loader loaded. */
    private void expireThroughTheLoader(long olderThan) throws IOException {
        try (TableLoader loader = loader()) {
            loader.open();
            loader.loadTable().expireSnapshots().expireOlderThan(olderThan).retainLast(RETAIN_LAST).commit();
        }
        table.refresh();
    }

    private void writerCommits(String jobId, String operatorId, long... checkpoints) {
        for (long checkpoint : checkpoints) {
            commit(Map.of(SinkUtil.FLINK_JOB_ID, jobId, SinkUtil.OPERATOR_ID, operatorId,
                    SinkUtil.MAX_COMMITTED_CHECKPOINT_ID, Long.toString(checkpoint)));
        }
    }

    /** Commits with no writer's marks, as compaction and retention make them. */
    private void maintenanceCommits(int count) {
        for (int i = 0; i < count; i++) {
            commit(Map.of());
        }
    }

    /** An empty commit in a millisecond of its own, so cut-offs fall between commits. */
    private void commit(Map<String, String> summary) {
        Snapshot previous = table.currentSnapshot();
        while (previous != null && System.currentTimeMillis() <= previous.timestampMillis()) {
            Thread.onSpinWait();
        }
        var append = table.newAppend();
        summary.forEach(append::set);
        append.commit();
        commits.add(table.currentSnapshot());
    }

    private long afterLastCommit() {
        long last = commits.get(commits.size() - 1).timestampMillis();
        while (System.currentTimeMillis() <= last) {
            Thread.onSpinWait();
        }
        return System.currentTimeMillis();
    }

    private List<Long> keptSnapshots() {
        return StreamSupport.stream(table.snapshots().spliterator(), false).map(Snapshot::snapshotId).sorted().toList();
    }

    private List<Long> lastCommits(int count) {
        return commits.subList(commits.size() - count, commits.size()).stream()
                .map(Snapshot::snapshotId).sorted().toList();
    }
}
