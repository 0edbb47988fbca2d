package io.chronicle.catalog;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

import java.time.Instant;
import java.util.Optional;

/**
 * How far a rollup tier's table is complete: the event-time watermark its writing job had passed
 * when a checkpoint began, recorded in the table property {@value #PROPERTY} once that
 * checkpoint's commit is in the table, together with the snapshot of that commit. Every window of
 * a tenant ending at or before the watermark less the tenant's allowed lateness is then in the
 * table. The record holds only while its snapshot is the table's current one or an ancestor of it,
 * so a table rolled back past it (or whose snapshot has expired) counts as having no progress until
 * the job records again.
 */
public final class TierProgress {

    public static final String PROPERTY = "chronicle.rollup.complete-through";

    /** Snapshot summary keys of Iceberg's Flink committer. */
    static final String FLINK_JOB_ID = "flink.job-id";
    static final String MAX_COMMITTED_CHECKPOINT_ID = "flink.max-committed-checkpoint-id";

    private TierProgress() {}

    /** A recorded watermark (epoch milliseconds) and the snapshot it was checked against. */
    public record Mark(long watermarkMillis, long snapshotId) {

        String encode() {
            return watermarkMillis + "@" + snapshotId;
        }

        static Optional<Mark> decode(String text) {
            int at = text == null ? -1 : text.indexOf('@');
            if (at <= 0) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Mark(Long.parseLong(text.substring(0, at)),
                        Long.parseLong(text.substring(at + 1))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    /** The recorded watermark, if its snapshot is still in the table's current history. */
    public static Optional<Instant> watermark(Table table) {
        Snapshot current = table.currentSnapshot();
        return mark(table)
                .filter(m -> current != null && SnapshotUtil.isAncestorOf(table, current.snapshotId(), m.snapshotId()))
                .map(m -> Instant.ofEpochMilli(m.watermarkMillis()));
    }

    static Optional<Mark> mark(Table table) {
        return Mark.decode(table.properties().get(PROPERTY));
    }

    /**
     * The latest snapshot in the table's current history committed by Flink job {@code jobId},
     * whose summary names the highest checkpoint committed.
     */
    public static Optional<Snapshot> lastCommitOf(Table table, String jobId) {
        for (Snapshot snapshot : SnapshotUtil.currentAncestors(table)) {
            if (jobId.equals(snapshot.summary().get(FLINK_JOB_ID))
                    && snapshot.summary().containsKey(MAX_COMMITTED_CHECKPOINT_ID)) {
                return Optional.of(snapshot);
            }
        }
        return Optional.empty();
    }

    public static long checkpointOf(Snapshot snapshot) {
        return Long.parseLong(snapshot.summary().get(MAX_COMMITTED_CHECKPOINT_ID));
    }

    /** Records {@code mark} unless a valid later one is there already. */
    public static void record(Table table, Mark mark) {
        Optional<Instant> recorded = watermark(table);
        if (recorded.isPresent() && recorded.get().toEpochMilli() >= mark.watermarkMillis()) {
            return;
        }
        table.updateProperties().set(PROPERTY, mark.encode()).commit();
    }
}
