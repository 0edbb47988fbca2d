package io.chronicle.catalog;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.sink.FlinkSinkRecords;
import org.apache.iceberg.flink.sink.SinkUtil;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rollbacks of {@code points_raw} against a real Iceberg JDBC catalog on SQLite (files in memory),
 * its commits made as Iceberg's Flink sink makes them (job id, operator id and checkpoint in each
 * summary) by two writers: what remains, the writers' last checkpoints as Iceberg's own sink reads
 * them on a restore, the removed rows' offsets against those written, and every bad target
 * refused with the table unchanged.
 */
class TableRollbackTest {

    private static final Instant NOW = Instant.parse("2100-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private Catalog catalog;
    private Table points;
    /** The snapshot of each commit, oldest first. */
    private final List<Snapshot> commits = new ArrayList<>();

    @BeforeEach
    void writeFourCommits() throws IOException {
        Configuration conf = ChronicleConfig.validated(Configuration.fromMap(Map.of(
                ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("chronicle.catalog.db"),
                ChronicleOptions.CATALOG_WAREHOUSE.key(), dir.resolve("warehouse").toUri().toString(),
                ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "io-impl", "org.apache.iceberg.inmemory.InMemoryFileIO")));
        catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        points = TableBootstrap.ensureTables(catalog, conf.get(ChronicleOptions.CATALOG_NAMESPACE),
                ChronicleTable.POINTS_RAW).get("points_raw");
        // The ingest job at checkpoints 1, 2 and 3, and another job's writer at its checkpoint 7.
        commit("ingest", "op-a", 1, rows(0, 0, 10));
        commit("ingest", "op-a", 2, concat(rows(0, 10, 10), rows(1, 0, 5)));
        commit("other", "op-b", 7, rows(1, 5, 5));
        commit("ingest", "op-a", 3, rows(0, 20, 10));
    }

    @AfterEach
    void closeCatalog() throws IOException {
        ((Closeable) catalog).close();
    }

    @Test
    void rollsBackToASnapshotKeepingEachWriterAtItsLastCheckpoint() {
        TableRollback.Result result = TableRollback.rollBack(points,
                new TableRollback.ToSnapshot(commits.get(0).snapshotId()), NOW);

        points.refresh();
        assertThat(offsets(points)).containsExactlyElementsOf(expectedOffsets(rows(0, 0, 10)));
        assertThat(result.plan().removed()).extracting(Snapshot::snapshotId).containsExactly(
                commits.get(3).snapshotId(), commits.get(2).snapshotId(), commits.get(1).snapshotId());
        assertThat(result.plan().writers()).containsExactly(
                new TableRollback.Writer("ingest", "op-a", 3), new TableRollback.Writer("other", "op-b", 7));
        // Iceberg's sink, restoring either writer, finds its last checkpoint and commits none again.
        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(points, "ingest", "op-a")).isEqualTo(3);
        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(points, "other", "op-b")).isEqualTo(7);
        // Two empty snapshots after the target, each naming the snapshot rolled back from.
        assertThat(result.writerSnapshots()).hasSize(2);
        Snapshot last = points.currentSnapshot();
        assertThat(last.snapshotId()).isEqualTo(result.writerSnapshots().get(1));
        assertThat(points.snapshot(result.writerSnapshots().get(0)).parentId()).isEqualTo(commits.get(0).snapshotId());
        for (long id : result.writerSnapshots()) {
            Snapshot s = points.snapshot(id);
            assertThat(s.summary()).containsEntry(TableRollback.ROLLED_BACK_FROM,
                    Long.toString(commits.get(3).snapshotId()));
            assertThat(s.addedDataFiles(points.io())).isEmpty();
        }
        // The removed rows: partition 0 offsets 10..29, partition 1 offsets 0..9.
        assertThat(result.removedRows().rows()).isEqualTo(30);
        assertThat(result.removedRows().offsets()).containsOnlyKeys("t");
        assertThat(result.removedRows().offsets().get("t")).containsOnlyKeys(0, 1);
        assertThat(result.removedRows().offsets().get("t").get(0)).containsExactly(10, 30);
        assertThat(result.removedRows().offsets().get("t").get(1)).containsExactly(0, 10);
    }

    @Test
    void rollsBackToTheSnapshotCurrentAtATime() {
        Instant time = Instant.ofEpochMilli(commits.get(2).timestampMillis());
        TableRollback.Result result = TableRollback.rollBack(points, new TableRollback.ToTime(time), NOW);

        assertThat(result.plan().target().snapshotId()).isEqualTo(commits.get(2).snapshotId());
        points.refresh();
        assertThat(offsets(points)).containsExactlyElementsOf(
                expectedOffsets(concat(rows(0, 0, 20), rows(1, 0, 10))));
        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(points, "ingest", "op-a")).isEqualTo(3);
        assertThat(FlinkSinkRecords.maxCommittedCheckpointId(points, "other", "op-b")).isEqualTo(7);
        assertThat(result.removedRows().offsets().get("t")).containsOnlyKeys(0);
        assertThat(result.removedRows().offsets().get("t").get(0)).containsExactly(20, 30);
    }

    @Test
    void refusesBadTargetsAndChangesNothing() {
        long first = commits.get(0).timestampMillis();
        String metadata = metadataLocation();
        assertRefused(new TableRollback.ToSnapshot(123456789L), "has no snapshot 123456789: it keeps snapshots from "
                + commits.get(0).snapshotId());
        assertRefused(new TableRollback.ToTime(Instant.ofEpochMilli(first - 1)),
                "has no snapshot committed at or before " + Instant.ofEpochMilli(first - 1));
        assertRefused(new TableRollback.ToTime(NOW.plusSeconds(1)), "that is in the future");
        assertRefused(new TableRollback.ToSnapshot(commits.get(3).snapshotId()), "is the current snapshot");
        assertThat(metadataLocation()).isEqualTo(metadata);

        // Once rolled back, the snapshots removed are no longer in the lineage to return to.
        TableRollback.rollBack(points, new TableRollback.ToSnapshot(commits.get(1).snapshotId()), NOW);
        String rolledBack = metadataLocation();
        assertRefused(new TableRollback.ToSnapshot(commits.get(3).snapshotId()), "is not in its current lineage");
        assertThat(metadataLocation()).isEqualTo(rolledBack);
    }

    private void assertRefused(TableRollback.Target target, String message) {
        assertThatThrownBy(() -> TableRollback.rollBack(points, target, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chronicle.points_raw")
                .hasMessageContaining(message);
    }

    private String metadataLocation() {
        points.refresh();
        return ((org.apache.iceberg.HasTableOperations) points).operations().current().metadataFileLocation();
    }

    /** Rows of topic t: partition, offsets {@code first, first + 1, ...}. */
    private List<long[]> rows(int partition, long first, int count) {
        List<long[]> rows = new ArrayList<>();
        for (long offset = first; offset < first + count; offset++) {
            rows.add(new long[] {partition, offset});
        }
        return rows;
    }

    private static List<long[]> concat(List<long[]> a, List<long[]> b) {
        List<long[]> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> expectedOffsets(List<long[]> rows) {
        TreeSet<String> set = new TreeSet<>();
        rows.forEach(r -> set.add(r[0] + ":" + r[1]));
        return new ArrayList<>(set);
    }

    private static List<String> offsets(Table table) {
        TreeSet<String> set = new TreeSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table)
                .select("source_partition", "source_offset").build()) {
            records.forEach(r -> set.add(r.getField("source_partition") + ":" + r.getField("source_offset")));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new ArrayList<>(set);
    }

    /** One commit as Iceberg's Flink sink makes it, in a millisecond of its own. */
    private void commit(String jobId, String operatorId, long checkpoint, List<long[]> rows) throws IOException {
        Snapshot previous = points.currentSnapshot();
        while (previous != null && System.currentTimeMillis() <= previous.timestampMillis()) {
            Thread.onSpinWait();
        }
        List<Record> records = new ArrayList<>();
        for (long[] row : rows) {
            GenericRecord r = GenericRecord.create(points.schema());
            r.setField("tenant", "default");
            r.setField("metric", "cpu");
            r.setField("tags", Map.of());
            r.setField("value", 1.0);
            r.setField("ts", Instant.parse("2026-11-01T00:00:00Z").atOffset(ZoneOffset.UTC));
            r.setField("series_id", 1L);
            r.setField("source_topic", "t");
            r.setField("source_partition", (int) row[0]);
            r.setField("source_offset", row[1]);
            r.setField("ingested_at", Instant.parse("2026-11-01T00:00:00Z").atOffset(ZoneOffset.UTC));
            records.add(r);
        }
        PartitionKey partition = new PartitionKey(points.spec(), points.schema());
        partition.partition(new InternalRecordWrapper(points.schema().asStruct()).wrap(records.get(0)));
        DataWriter<Record> writer = new GenericFileWriterFactory.Builder(points)
                .dataFileFormat(FileFormat.PARQUET)
                .build()
                .newDataWriter(OutputFileFactory.builderFor(points, 1, commits.size()).format(FileFormat.PARQUET)
                        .build().newOutputFile(points.spec(), partition), points.spec(), partition);
        try (writer) {
            records.forEach(writer::write);
        }
        DataFile file = writer.toDataFile();
        AppendFiles append = points.newAppend().appendFile(file)
                .set(SinkUtil.FLINK_JOB_ID, jobId)
                .set(SinkUtil.OPERATOR_ID, operatorId)
                .set(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID, Long.toString(checkpoint));
        append.commit();
        commits.add(points.currentSnapshot());
    }
}
