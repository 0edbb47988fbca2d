package io.chronicle.bench;

import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a table costs to keep and to read at one moment: the live data files of its current
 * snapshot per partition (mean and most) and the delete files a reader applies to them, the delete
 * files the snapshot references at all (a delete file that applies to no data file any more stays
 * referenced until something removes it), the snapshots it keeps, and every object under its
 * location in the bucket (data, deletes, manifests, metadata, orphans alike).
 */
record TableShape(int partitions, double dataFilesMean, long dataFilesMax, double deleteFilesMean,
        long deleteFilesMax, long dataFiles, long deleteFiles, long referencedDeleteFiles, long rows,
        long snapshots, long objects, long bytes) {

    static TableShape of(Table table) {
        table.refresh();
        Map<String, Long> data = new HashMap<>();
        Map<String, Set<String>> deletes = new HashMap<>();
        long rows = 0;
        if (table.currentSnapshot() != null) {
            try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
                for (FileScanTask task : tasks) {
                    String partition = task.spec().specId() + "/" + task.spec().partitionToPath(task.file().partition());
                    data.merge(partition, 1L, Long::sum);
                    rows += task.file().recordCount();
                    Set<String> of = deletes.computeIfAbsent(partition, p -> new HashSet<>());
                    for (DeleteFile delete : task.deletes()) {
                        of.add(delete.location());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long objects = 0;
        long bytes = 0;
        for (FileInfo file : ((SupportsPrefixOperations) table.io()).listPrefix(table.location())) {
            objects++;
            bytes += file.size();
        }
        long referenced = table.currentSnapshot() == null ? 0 : Long.parseLong(table.currentSnapshot().summary()
                .getOrDefault(SnapshotSummary.TOTAL_DELETE_FILES_PROP, "0"));
        long snapshots = 0;
        for (var ignored : table.snapshots()) {
            snapshots++;
        }
        int partitions = data.size();
        long dataFiles = data.values().stream().mapToLong(Long::longValue).sum();
        long deleteFiles = deletes.values().stream().mapToLong(Set::size).sum();
        return new TableShape(partitions,
                partitions == 0 ? 0 : (double) dataFiles / partitions,
                data.values().stream().mapToLong(Long::longValue).max().orElse(0),
                partitions == 0 ? 0 : (double) deleteFiles / partitions,
                deletes.values().stream().mapToLong(Set::size).max().orElse(0),
                dataFiles, deleteFiles, referenced, rows, snapshots, objects, bytes);
    }
}
