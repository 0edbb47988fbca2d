package io.chronicle.sql.functions;

import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code rollup_mean(sum DOUBLE, count BIGINT) → DOUBLE}: the mean of the values behind a rollup
 * row ({@code value_sum}, {@code sample_count}), or behind several rows' summed columns. NULL when
 * an argument is NULL or the count is 0.
 */
public final class RollupMean extends ScalarFunction {

    static final String NAME = "rollup_mean";

    public Double eval(Double sum, Long count) {
        if (sum == null || !hasSamples(NAME, count)) {
            return null;
        }
        return sum / count;
    }

    /** Whether {@code count} counts any samples; a negative count is not a rollup's and fails. */
    static boolean hasSamples(String function, Long count) {
        if (count != null && count < 0) {
            throw new IllegalArgumentException(function + ": count must not be negative, got " + count);
        }
        return count != null && count > 0;
    }
}
