package io.chronicle.core.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.SparseStore;

import java.time.Duration;
import java.time.Instant;

/**
 * What Chronicle's SQL functions over rollup rows compute, for every engine that offers them
 * (Flink SQL and Trino), so both give the same answers, NULLs and errors. A NULL argument gives
 * NULL; a bad argument throws an {@link IllegalArgumentException} whose message starts with the
 * function's SQL name.
 */
public final class RollupFunctions {

    public static final String SKETCH_QUANTILE = "sketch_quantile";
    public static final String SKETCH_MERGE = "sketch_merge";
    public static final String ROLLUP_MEAN = "rollup_mean";
    public static final String ROLLUP_STDDEV = "rollup_stddev";
    public static final String ROLLUP_RATE = "rollup_rate";

    private RollupFunctions() {}

    /** The value at quantile {@code q} (0 to 1) of an encoded sketch; NULL when it holds no values. */
    public static Double sketchQuantile(byte[] sketch, Double q) {
        if (sketch == null || q == null) {
            return null;
        }
        if (!isQuantile(q)) {
            throw new IllegalArgumentException(quantileOutOfRange(q));
        }
        DDSketch decoded = decodeArgument(SKETCH_QUANTILE, sketch);
        return decoded.isEmpty() ? null : decoded.getValueAtQuantile(q);
    }

    public static boolean isQuantile(double q) {
        return q >= 0 && q <= 1;
    }

    public static String quantileOutOfRange(double q) {
        return SKETCH_QUANTILE + ": q must be between 0 and 1, got " + q;
    }

    /**
     * The sketch in {@code bytes}, an argument of {@code function}. Query arguments may be any
     * bytes, so the sketch goes into sparse stores, whose memory is bounded by the input's length.
     */
    public static DDSketch decodeArgument(String function, byte[] bytes) {
        try {
            return SketchCodec.decode(bytes, SparseStore::new);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(function + ": the argument (" + bytes.length
                    + " bytes) is not a sketch column of a rollup table. " + e.getMessage(), e);
        }
    }

    /** Merges {@code sketch} into {@code merged} for {@code sketch_merge}. */
    public static void mergeInto(DDSketch merged, DDSketch sketch) {
        try {
            merged.mergeWith(sketch);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(SKETCH_MERGE
                    + ": sketches of different relative accuracy cannot be merged", e);
        }
    }

    /** The mean of the values behind summed rollup columns; NULL when the count is 0. */
    public static Double mean(Double sum, Long count) {
        if (sum == null || !hasSamples(ROLLUP_MEAN, count)) {
            return null;
        }
        return sum / count;
    }

    /** The population standard deviation of the values behind summed rollup columns; NULL when the count is 0. */
    public static Double stddev(Double sum, Double sumSquares, Long count) {
        if (sum == null || sumSquares == null || !hasSamples(ROLLUP_STDDEV, count)) {
            return null;
        }
        double mean = sum / count;
        // E[x²] − E[x]² can come out slightly negative by rounding when all values are equal.
        double variance = sumSquares / count - mean * mean;
        return Math.sqrt(Math.max(0, variance));
    }

    /** A counter's per-second rate from its increase over a window. */
    public static Double rate(Double increase, Instant windowStart, Instant windowEnd) {
        if (increase == null || windowStart == null || windowEnd == null) {
            return null;
        }
        if (!windowEnd.isAfter(windowStart)) {
            throw new IllegalArgumentException(ROLLUP_RATE + ": window_end must be after window_start, got "
                    + windowStart + " to " + windowEnd);
        }
        Duration window = Duration.between(windowStart, windowEnd);
        return increase / (window.getSeconds() + window.getNano() / 1e9);
    }

    /** Whether {@code count} counts any samples; a negative count is not a rollup's and fails. */
    private static boolean hasSamples(String function, Long count) {
        if (count != null && count < 0) {
            throw new IllegalArgumentException(function + ": count must not be negative, got " + count);
        }
        return count != null && count > 0;
    }
}
