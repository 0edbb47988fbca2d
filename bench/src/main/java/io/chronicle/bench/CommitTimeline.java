package io.chronicle.bench;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.flink.sink.SinkUtil;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The commits a streaming job made to one Iceberg table, in order, as the table's snapshots
 * record them: the Flink sink names in each the checkpoint it completes.
 */
record CommitTimeline(List<Commit> commits) {

    /** One commit: the checkpoint it completes, the table's rows after it, the data files it added, when. */
    record Commit(long checkpointId, long totalRecords, long addedDataFiles, long timestampMillis) {}

    /** The table's commits by a Flink sink; other snapshots (a rewrite, say) are left out. */
    static CommitTimeline of(Table table) {
        table.refresh();
        List<Commit> commits = new ArrayList<>();
        for (Snapshot snapshot : table.snapshots()) {
            Map<String, String> summary = snapshot.summary();
            String checkpoint = summary.get(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID);
            if (checkpoint != null) {
                commits.add(new Commit(Long.parseLong(checkpoint),
                        Long.parseLong(summary.getOrDefault(SnapshotSummary.TOTAL_RECORDS_PROP, "0")),
                        Long.parseLong(summary.getOrDefault(SnapshotSummary.ADDED_FILES_PROP, "0")),
                        snapshot.timestampMillis()));
            }
        }
        commits.sort(Comparator.comparingLong(Commit::checkpointId));
        return new CommitTimeline(commits);
    }

    int count() {
        return commits.size();
    }

    long dataFiles() {
        return commits.stream().mapToLong(Commit::addedDataFiles).sum();
    }

    double dataFilesPerCommit() {
        return commits.isEmpty() ? Double.NaN : (double) dataFiles() / commits.size();
    }

    long maxDataFilesPerCommit() {
        return commits.stream().mapToLong(Commit::addedDataFiles).max().orElse(0);
    }

    /** When the first commit holding at least {@code records} rows was made. */
    OptionalLong committedAt(long records) {
        return commits.stream().filter(c -> c.totalRecords() >= records)
                .mapToLong(Commit::timestampMillis).findFirst();
    }

    /** A span of wall-clock time and the records read within it. */
    record Span(long startMillis, long endMillis, long records) {

        double recordsPerSecond() {
            return records * 1_000.0 / (endMillis - startMillis);
        }
    }

    /**
     * The span the job spent reading its input at full speed: from the first to the last checkpoint
     * taken while the input was part read, with the records committed between them. A checkpoint's
     * barrier leaves the source when it is triggered, so its commit holds exactly the records read
     * by then; start-up before the first record and the wait for the last commit fall outside.
     * Empty with fewer than two such checkpoints: the input was read within about one checkpoint
     * interval.
     *
     * @param triggeredMillis when each checkpoint was triggered, by checkpoint id
     * @param records the records of the whole input
     */
    Optional<Span> readingSpan(Map<Long, Long> triggeredMillis, long records) {
        List<Commit> reading = commits.stream()
                .filter(c -> c.totalRecords() > 0 && c.totalRecords() < records)
                .filter(c -> triggeredMillis.containsKey(c.checkpointId()))
                .toList();
        if (reading.size() < 2) {
            return Optional.empty();
        }
        Commit first = reading.get(0);
        Commit last = reading.get(reading.size() - 1);
        long start = triggeredMillis.get(first.checkpointId());
        long end = triggeredMillis.get(last.checkpointId());
        return end <= start ? Optional.empty()
                : Optional.of(new Span(start, end, last.totalRecords() - first.totalRecords()));
    }
}
