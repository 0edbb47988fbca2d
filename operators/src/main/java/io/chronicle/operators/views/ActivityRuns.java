package io.chronicle.operators.views;

/**
 * A trace's event times grouped into runs: maximal sets of events whose consecutive times are at
 * most the inactivity timeout apart. The lifecycle needs only the end of the run that starts
 * with the trace's first event: a trace that has not ended by then times out there.
 *
 * <p>Times are kept per bucket of one timeout's width (its earliest and latest time), never one
 * by one. Two events of one bucket are less than a timeout apart; buckets with an empty bucket
 * between them are more than a timeout apart; neighbouring buckets belong to one run when the
 * later one's earliest time is within the timeout of the earlier one's latest. Runs only ever
 * merge as events arrive, in any order, so they are kept as a union-find forest of buckets
 * (union by size, path compression): an event costs a few bucket reads and writes, never a look
 * at the trace's other events, and the state holds at most one bucket per event.
 */
final class ActivityRuns {

    /** Where the buckets live: the trace's keyed map state, or a map. */
    interface Buckets {
        TimeBucket get(long index);

        void put(long index, TimeBucket bucket);
    }

    private final Buckets buckets;
    private final long timeoutMicros;

    ActivityRuns(Buckets buckets, long timeoutMicros) {
        this.buckets = buckets;
        this.timeoutMicros = timeoutMicros;
    }

    /** Records an event time; false when it changed no bucket, so no run changed either. */
    boolean add(long timeMicros) {
        long index = Math.floorDiv(timeMicros, timeoutMicros);
        TimeBucket bucket = buckets.get(index);
        boolean earlier;
        boolean later;
        if (bucket == null) {
            bucket = TimeBucket.of(index, timeMicros);
            earlier = true;
            later = true;
        } else {
            earlier = timeMicros < bucket.minMicros;
            later = timeMicros > bucket.maxMicros;
            if (!earlier && !later) {
                return false;
            }
            bucket.minMicros = Math.min(bucket.minMicros, timeMicros);
            bucket.maxMicros = Math.max(bucket.maxMicros, timeMicros);
        }
        buckets.put(index, bucket);
        if (later) {
            long root = root(index);
            TimeBucket top = buckets.get(root);
            if (timeMicros > top.endMicros) {
                top.endMicros = timeMicros;
                buckets.put(root, top);
            }
        }
        if (earlier) {
            TimeBucket before = buckets.get(index - 1);
            if (before != null && bucket.minMicros - before.maxMicros <= timeoutMicros) {
                union(index - 1, index);
            }
        }
        if (later) {
            TimeBucket after = buckets.get(index + 1);
            if (after != null && after.minMicros - bucket.maxMicros <= timeoutMicros) {
                union(index, index + 1);
            }
        }
        return true;
    }

    /** The latest event time of the run holding the event at {@code timeMicros}. */
    long endOfRunAt(long timeMicros) {
        return buckets.get(root(Math.floorDiv(timeMicros, timeoutMicros))).endMicros;
    }

    private long root(long index) {
        TimeBucket bucket = buckets.get(index);
        if (bucket.parent == index) {
            return index;
        }
        long root = root(bucket.parent);
        if (bucket.parent != root) {
            bucket.parent = root;
            buckets.put(index, bucket);
        }
        return root;
    }

    private void union(long a, long b) {
        long rootA = root(a);
        long rootB = root(b);
        if (rootA == rootB) {
            return;
        }
        TimeBucket topA = buckets.get(rootA);
        TimeBucket topB = buckets.get(rootB);
        if (topA.size < topB.size) {
            long swapIndex = rootA;
            rootA = rootB;
            rootB = swapIndex;
            TimeBucket swap = topA;
            topA = topB;
            topB = swap;
        }
        topB.parent = rootA;
        topA.size += topB.size;
        topA.endMicros = Math.max(topA.endMicros, topB.endMicros);
        buckets.put(rootB, topB);
        buckets.put(rootA, topA);
    }
}
