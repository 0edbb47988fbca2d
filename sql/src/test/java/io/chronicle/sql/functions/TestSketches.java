package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;

import java.util.Arrays;
import java.util.Random;

/** Sample values, their rollup sketches, and exact quantiles to hold the sketches against. */
final class TestSketches {

    static final double[] QUANTILES = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1};

    private TestSketches() {}

    /** Values spread over several orders of magnitude, some negative, some zero. */
    static double[] values(int n, Random random) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextInt(20) == 0 ? 0 : (random.nextDouble() - 0.2) * Math.pow(10, random.nextInt(6));
        }
        return values;
    }

    /** The sketch a rollup row of these values holds. */
    static byte[] sketch(double[] values) {
        long[] ts = new long[values.length];
        Arrays.setAll(ts, i -> i);
        return RollupAggregate.ofSortedSamples(ts, values, values.length, false, Double.NaN).sketch;
    }

    /** The value of rank {@code q · (n − 1)}, rounded down: the rank DDSketch estimates. */
    static double exactQuantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.floor(q * (sorted.length - 1))];
    }

    /** The error DDSketch guarantees for a quantile whose exact value is {@code exact}. */
    static double tolerance(double exact) {
        return Math.abs(exact) * SketchCodec.RELATIVE_ACCURACY + 1e-12;
    }
}
