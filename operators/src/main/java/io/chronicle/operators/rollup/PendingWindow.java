package io.chronicle.operators.rollup;

import java.util.Arrays;

/**
 * The samples of one window that is not written yet, kept sorted by time as they arrive, so
 * writing the window needs no sort. Samples of one instant stay in arrival order.
 */
public class PendingWindow {

    public long[] tsMicros = new long[0];
    public double[] values = new double[0];

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
}
