package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupFunctions;
import org.apache.flink.table.functions.ScalarFunction;

/**
 * {@code rollup_mean(sum DOUBLE, count BIGINT) → DOUBLE}: the mean of the values behind a rollup
 * row ({@code value_sum}, {@code sample_count}), or behind several rows' summed columns. NULL when
 * an argument is NULL or the count is 0.
 */
public final class RollupMean extends ScalarFunction {

    static final String NAME = RollupFunctions.ROLLUP_MEAN;

    public Double eval(Double sum, Long count) {
        return RollupFunctions.mean(sum, count);
    }
}
