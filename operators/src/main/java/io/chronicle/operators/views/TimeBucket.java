package io.chronicle.operators.views;

/**
 * The events of a trace that fall in one inactivity-timeout-wide slice of event time: their
 * earliest and latest time, and the bucket's place in a union-find forest of runs
 * ({@link ActivityRuns}). {@code end} and {@code size} are kept by a run's root only.
 */
public class TimeBucket {
    public long minMicros;
    public long maxMicros;
    /** The index of the parent bucket; its own index at a root. */
    public long parent;
    /** At a root: the latest event time of the run. */
    public long endMicros;
    /** At a root: the buckets in the run. */
    public int size;

    public TimeBucket() {}

    static TimeBucket of(long index, long timeMicros) {
        TimeBucket b = new TimeBucket();
        b.minMicros = timeMicros;
        b.maxMicros = timeMicros;
        b.parent = index;
        b.endMicros = timeMicros;
        b.size = 1;
        return b;
    }
}
