package io.chronicle.sinks;

import io.chronicle.catalog.RollupTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.util.DateTimeUtil;
import org.apache.iceberg.util.StructLikeSet;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Replaces the rows of a rollup table whose windows start in {@code [from, to)} with new data
 * files, in one Iceberg commit: readers see the old range or the new one, never a mix.
 *
 * <p>The old rows go by equality deletes on {@code window_start}, one delete file per partition
 * (tenant and day) the range touches. Deletes apply only to data committed before them, so the
 * new files added in the same commit survive, and no old file has to be read or rewritten. The
 * commit fails rather than lose data if anything was written into the range since the rebuild
 * began (the range is then still being written by the stream: rebuild it later).
 */
public final class RangeReplace {

    private RangeReplace() {}

    /** What a replace did. */
    public record Result(long snapshotId, int dataFilesAdded, int deleteFilesAdded) {}

    /** {@code baseSnapshotId} is the table's snapshot when the new rows were computed (or null). */
    public static Result replace(Table table, Long baseSnapshotId, long fromMicros, long toMicros,
            long windowMicros, List<DataFile> newFiles) {
        Expression range = Expressions.and(
                Expressions.greaterThanOrEqual(RollupTable.WINDOW_START, fromMicros),
                Expressions.lessThan(RollupTable.WINDOW_START, toMicros));
        RowDelta delta = table.newRowDelta();
        newFiles.forEach(delta::addRows);
        List<DeleteFile> deletes = new ArrayList<>();
        for (StructLike partition : partitionsTouched(table, range, baseSnapshotId)) {
            deletes.add(writeDeletes(table, partition, fromMicros, toMicros, windowMicros));
        }
        deletes.forEach(delta::addDeletes);
        if (baseSnapshotId != null) {
            delta.validateFromSnapshot(baseSnapshotId);
        }
        delta.conflictDetectionFilter(range)
                .validateNoConflictingDataFiles()
                .validateNoConflictingDeleteFiles()
                .commit();
        Snapshot committed = table.currentSnapshot();
        return new Result(committed.snapshotId(), newFiles.size(), deletes.size());
    }

    private static List<StructLike> partitionsTouched(Table table, Expression range, Long snapshotId) {
        if (snapshotId == null) {
            return List.of();
        }
        StructLikeSet partitions = StructLikeSet.create(table.spec().partitionType());
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan().useSnapshot(snapshotId).filter(range).planFiles()) {
            for (FileScanTask task : tasks) {
                partitions.add(task.file().partition());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ArrayList<>(partitions);
    }

    /** An equality delete of every window start of the range inside the partition's day. */
    private static DeleteFile writeDeletes(Table table, StructLike partition, long fromMicros,
            long toMicros, long windowMicros) {
        PartitionSpec spec = table.spec();
        Schema deleteSchema = table.schema().select(RollupTable.WINDOW_START);
        int windowStartId = deleteSchema.findField(RollupTable.WINDOW_START).fieldId();
        long dayStart = dayOf(spec, partition) * 86_400_000_000L;
        long start = Math.max(fromMicros, dayStart);
        long end = Math.min(toMicros, dayStart + 86_400_000_000L);
        EncryptedOutputFile out = OutputFileFactory.builderFor(table, 0, 0)
                .operationId("rebuild-" + UUID.randomUUID())
                .suffix("deletes")
                .format(FileFormat.PARQUET)
                .build()
                .newOutputFile(spec, partition);
        EqualityDeleteWriter<Record> writer = new GenericFileWriterFactory.Builder(table)
                .deleteFileFormat(FileFormat.PARQUET)
                .equalityFieldIds(new int[] {windowStartId})
                .equalityDeleteRowSchema(deleteSchema)
                .build()
                .newEqualityDeleteWriter(out, spec, partition);
        try (writer) {
            GenericRecord record = GenericRecord.create(deleteSchema);
            for (long ws = start; ws < end; ws += windowMicros) {
                writer.write(record.copy(RollupTable.WINDOW_START, DateTimeUtil.timestamptzFromMicros(ws)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write the delete file " + out.encryptingOutputFile().location(), e);
        }
        return writer.toDeleteFile();
    }

    /** The partition's day (days since the epoch) from its day(window_start) field. */
    private static int dayOf(PartitionSpec spec, StructLike partition) {
        for (int i = 0; i < spec.fields().size(); i++) {
            if (spec.fields().get(i).sourceId()
                    == spec.schema().findField(RollupTable.WINDOW_START).fieldId()) {
                return partition.get(i, Integer.class);
            }
        }
        throw new IllegalStateException("Table is not partitioned by day(window_start): " + spec);
    }
}
