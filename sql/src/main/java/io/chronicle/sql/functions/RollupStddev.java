package io.chronicle.sql.functions;

import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code rollup_stddev(sum DOUBLE, sum_squares DOUBLE, count BIGINT) → DOUBLE}: the population
 * standard deviation of the values behind a rollup row ({@code value_sum},
 * {@code value_sum_squares}, {@code sample_count}), or behind several rows' summed columns. NULL
 * when an argument is NULL or the count is 0.
 */
public final class RollupStddev extends ScalarFunction {

    static final String NAME = "rollup_stddev";

    public Double eval(Double sum, Double sumSquares, Long count) {
        if (sum == null || sumSquares == null || !RollupMean.hasSamples(NAME, count)) {
            return null;
        }
        double mean = sum / count;
        // E[x²] − E[x]² can come out slightly negative by rounding when all values are equal.
        double variance = sumSquares / count - mean * mean;
        return Math.sqrt(Math.max(0, variance));
    }
}
