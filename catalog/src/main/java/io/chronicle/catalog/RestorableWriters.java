package io.chronicle.catalog;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.flink.sink.SinkUtil;
import org.apache.iceberg.util.SnapshotUtil;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The snapshots a writing job needs on a restore. Iceberg's Flink sink, restored from a checkpoint,
 * finds the last checkpoint it committed by walking the table's main branch back from its current
 * snapshot to its own latest commit (its {@code flink.job-id} and {@code flink.operator-id} in the
 * summary), and commits again every checkpoint of its state it does not find: if expiry removed that
 * commit, or any snapshot on the way to it, appended rows come twice and upserted rows revert.
 */
public final class RestorableWriters {

    private RestorableWriters() {}

    /**
     * The oldest timestamp snapshot expiry must keep so that every writer whose latest commit is
     * younger than {@code grace} still finds it: the smallest timestamp on the way from the current
     * snapshot down to the oldest such commit (commits from other machines' clocks need not be in
     * order). Empty when no writer's latest commit is that young.
     */
    public static OptionalLong keepSince(Table table, long nowMillis, Duration grace) {
        long youngestProtected = nowMillis - grace.toMillis();
        Set<String> seen = new HashSet<>();
        long smallestOnTheWay = Long.MAX_VALUE;
        long keepSince = Long.MAX_VALUE;
        for (Snapshot snapshot : SnapshotUtil.currentAncestors(table)) {
            smallestOnTheWay = Math.min(smallestOnTheWay, snapshot.timestampMillis());
            Map<String, String> summary = snapshot.summary();
            String job = summary.get(SinkUtil.FLINK_JOB_ID);
            // What the sink's walk stops at: its job, with a committed checkpoint.
            if (job != null && summary.containsKey(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID)
                    && seen.add(job + '/' + summary.get(SinkUtil.OPERATOR_ID))
                    && snapshot.timestampMillis() >= youngestProtected) {
                keepSince = smallestOnTheWay;
            }
        }
        return keepSince == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(keepSince);
    }
}
