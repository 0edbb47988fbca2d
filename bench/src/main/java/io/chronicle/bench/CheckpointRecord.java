package io.chronicle.bench;

import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The checkpoints a job completed, as Flink's statistics record them: when each was triggered,
 * how long it took from trigger to the last acknowledgement, the size of the whole state it
 * refers to and the part it wrote itself (smaller than the state with incremental RocksDB
 * checkpoints).
 */
record CheckpointRecord(List<Checkpoint> checkpoints) {

    record Checkpoint(long id, long triggeredMillis, long durationMillis, long stateBytes, long checkpointedBytes) {}

    static CheckpointRecord of(AccessExecutionGraph graph) {
        List<Checkpoint> done = new ArrayList<>();
        for (AbstractCheckpointStats c : graph.getCheckpointStatsSnapshot().getHistory().getCheckpoints()) {
            if (c instanceof CompletedCheckpointStats) {
                done.add(new Checkpoint(c.getCheckpointId(), c.getTriggerTimestamp(), c.getEndToEndDuration(),
                        c.getStateSize(), c.getCheckpointedSize()));
            }
        }
        done.sort(Comparator.comparingLong(Checkpoint::id));
        return new CheckpointRecord(done);
    }

    Map<Long, Long> triggeredMillis() {
        Map<Long, Long> triggered = new LinkedHashMap<>();
        checkpoints.forEach(c -> triggered.put(c.id(), c.triggeredMillis()));
        return triggered;
    }

    int count() {
        return checkpoints.size();
    }

    /** The lower median, a duration one of the checkpoints took; 0 for none. */
    long medianDurationMillis() {
        long[] sorted = sorted(Checkpoint::durationMillis);
        return sorted.length == 0 ? 0 : sorted[(sorted.length - 1) / 2];
    }

    long maxDurationMillis() {
        return max(Checkpoint::durationMillis);
    }

    long maxStateBytes() {
        return max(Checkpoint::stateBytes);
    }

    long maxCheckpointedBytes() {
        return max(Checkpoint::checkpointedBytes);
    }

    private long[] sorted(ToLongFunction<Checkpoint> value) {
        long[] values = checkpoints.stream().mapToLong(value).toArray();
        Arrays.sort(values);
        return values;
    }

    private long max(ToLongFunction<Checkpoint> value) {
        return checkpoints.stream().mapToLong(value).max().orElse(0);
    }
}
