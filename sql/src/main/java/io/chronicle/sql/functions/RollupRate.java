package io.chronicle.sql.functions;

import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.functions.ScalarFunction;

import java.time.Duration;
import java.time.Instant;

/**
 * {@code rollup_rate(increase DOUBLE, window_start TIMESTAMP_LTZ(6), window_end TIMESTAMP_LTZ(6))
 * → DOUBLE}: a counter's per-second rate over a window, from the rollup row's
 * {@code counter_increase} and window bounds (or several adjacent rows' summed increases and the
 * outer bounds). NULL when an argument is NULL, so gauges, whose increase is NULL, give NULL.
 */
public final class RollupRate extends ScalarFunction {

    static final String NAME = "rollup_rate";

    public Double eval(
            Double increase,
            @DataTypeHint("TIMESTAMP_LTZ(6)") Instant windowStart,
            @DataTypeHint("TIMESTAMP_LTZ(6)") Instant windowEnd) {
        if (increase == null || windowStart == null || windowEnd == null) {
            return null;
        }
        if (!windowEnd.isAfter(windowStart)) {
            throw new IllegalArgumentException(NAME + ": window_end must be after window_start, got "
                    + windowStart + " to " + windowEnd);
        }
        Duration window = Duration.between(windowStart, windowEnd);
        return increase / (window.getSeconds() + window.getNano() / 1e9);
    }
}
