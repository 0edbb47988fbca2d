package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupFunctions;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code rollup_stddev(sum DOUBLE, sum_squares DOUBLE, count BIGINT) → DOUBLE}: the population
 * standard deviation of the values behind a rollup row ({@code value_sum},
 * {@code value_sum_squares}, {@code sample_count}), or behind several rows' summed columns. NULL
 * when an argument is NULL or the count is 0.
 */
public final class RollupStddev extends ScalarFunction {

    static final String NAME = RollupFunctions.ROLLUP_STDDEV;

    public Double eval(Double sum, Double sumSquares, Long count) {
        return RollupFunctions.stddev(sum, sumSquares, count);
    }
}
