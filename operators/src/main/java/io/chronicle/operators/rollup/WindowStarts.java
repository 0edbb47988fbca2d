package io.chronicle.operators.rollup;

import java.util.Arrays;

/**
 * The starts of a series' open windows, ascending, as the rollup operators keep them in a
 * {@code ValueState<long[]>}: a timer reads them and looks each window up by its start, because
 * iterating a series' map state in RocksDB seeks past the tombstones of every window removed
 * before, and so slows down with the series' history.
 */
final class WindowStarts {

    private WindowStarts() {}

    /** {@code starts} (null for none) with {@code start} in its place. */
    static long[] with(long[] starts, long start) {
        if (starts == null) {
            return new long[] {start};
        }
        int at = Arrays.binarySearch(starts, start);
        if (at >= 0) {
            return starts;
        }
        at = -at - 1;
        long[] grown = new long[starts.length + 1];
        System.arraycopy(starts, 0, grown, 0, at);
        grown[at] = start;
        System.arraycopy(starts, at, grown, at + 1, starts.length - at);
        return grown;
    }
}
