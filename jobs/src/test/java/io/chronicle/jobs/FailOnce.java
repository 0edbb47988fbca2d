package io.chronicle.jobs;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fails the job once, at the given record count and only after a checkpoint has completed, so
 * the restore starts from that checkpoint and replays what followed it.
 */
final class FailOnce<T> implements MapFunction<T, T>, CheckpointListener {
    static final AtomicLong SEEN = new AtomicLong();
    static final AtomicBoolean FAILED = new AtomicBoolean();
    static final AtomicBoolean CHECKPOINTED = new AtomicBoolean();
    static volatile long failAt;

    static void reset(long at) {
        SEEN.set(0);
        FAILED.set(false);
        CHECKPOINTED.set(false);
        failAt = at;
    }

    @Override
    public T map(T value) {
        if (SEEN.incrementAndGet() >= failAt && CHECKPOINTED.get() && FAILED.compareAndSet(false, true)) {
            throw new IllegalStateException("Injected failure at record " + value);
        }
        return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        CHECKPOINTED.set(true);
    }
}
