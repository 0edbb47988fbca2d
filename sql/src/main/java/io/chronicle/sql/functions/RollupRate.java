package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupFunctions;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

import java.time.Instant;

/**
 * {@code rollup_rate(increase DOUBLE, window_start TIMESTAMP_LTZ(6), window_end TIMESTAMP_LTZ(6))
 * → DOUBLE}: a counter's per-second rate over a window, from the rollup row's
 * {@code counter_increase} and window bounds (or several adjacent rows' summed increases and the
 * outer bounds). NULL when an argument is NULL, so gauges, whose increase is NULL, give NULL.
 */
public final class RollupRate extends ScalarFunction {

    static final String NAME = RollupFunctions.ROLLUP_RATE;

    public Double eval(
            Double increase,
            @DataTypeHint("TIMESTAMP_LTZ(6)") Instant windowStart,
            @DataTypeHint("TIMESTAMP_LTZ(6)") Instant windowEnd) {
        return RollupFunctions.rate(increase, windowStart, windowEnd);
    }
}
