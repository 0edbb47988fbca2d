package io.chronicle.operators.rollup;

import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;

import java.util.Arrays;

/**
 * One window of a series that is not written yet: the aggregate of the samples folded in so far,
 * and the latest samples apart, sorted by time (samples of one instant in arrival order), until
 * there are enough of them to fold a batch. Folding in batches keeps a point's cost the same
 * whatever the window's size, and re-encodes the window's sketch once per batch rather than once
 * per point; the samples kept apart let a point that arrives a little out of order still find
 * its neighbours, which a counter's increase depends on.
 *
 * <p>State written before windows were folded holds every sample in {@link #tsMicros} and
 * {@link #values} and nothing folded: the same thing, read the same way.
 */
public class PendingWindow {

    /** Samples not folded yet, by time. */
    public long[] tsMicros = new long[0];
    public double[] values = new double[0];
    /**
     * The samples folded so far, all before the ones above in time but for points that arrived
     * later than the samples kept apart could hold; null while none. Its sketch is kept in state
     * of its own and is null here.
     */
    public RollupAggregate folded;
    /** The event-time timer registered to write the window; 0 before one was recorded. */
    public long writeTimerMillis;

    public PendingWindow() {}

    public int size() {
        return tsMicros.length;
    }

    /** Inserts a sample after every sample at or before its time. */
    public void add(long ts, double value) {
        int n = tsMicros.length;
        int at = n;
        // Points mostly arrive in time order: the place is found from the end.
        while (at > 0 && tsMicros[at - 1] > ts) {
            at--;
        }
        long[] times = Arrays.copyOf(tsMicros, n + 1);
        double[] vals = Arrays.copyOf(values, n + 1);
        System.arraycopy(tsMicros, at, times, at + 1, n - at);
        System.arraycopy(values, at, vals, at + 1, n - at);
        times[at] = ts;
        vals[at] = value;
        tsMicros = times;
        values = vals;
    }

    /** Whether the rollups' quantile sketch holds every sample kept apart. */
    boolean allHeld() {
        for (double v : values) {
            if (!SketchCodec.holds(v)) {
                return false;
            }
        }
        return true;
    }

    /** Lets go of the {@code n} oldest samples, once folded. */
    void dropOldest(int n) {
        tsMicros = Arrays.copyOfRange(tsMicros, n, tsMicros.length);
        values = Arrays.copyOfRange(values, n, values.length);
    }
}
