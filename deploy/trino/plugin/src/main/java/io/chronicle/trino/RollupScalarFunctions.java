package io.chronicle.trino;

import io.airlift.slice.Slice;
import io.chronicle.core.rollup.RollupFunctions;
import io.trino.spi.function.Description;
import io.trino.spi.function.ScalarFunction;
import io.trino.spi.function.SqlNullable;
import io.trino.spi.function.SqlType;
import io.trino.spi.type.LongTimestampWithTimeZone;
import io.trino.spi.type.StandardTypes;

import java.time.Instant;

import static io.chronicle.trino.UserErrors.userError;

/**
 * The scalar functions. Their arguments are not nullable here, so Trino answers NULL for a NULL
 * argument without calling them, as Flink's do; NULL results come from {@link RollupFunctions}.
 */
public final class RollupScalarFunctions {

    private static final String TIMESTAMP_6_TZ = "timestamp(6) with time zone";

    private RollupScalarFunctions() {}

    @ScalarFunction(RollupFunctions.SKETCH_QUANTILE)
    @Description("The value at quantile q (0 to 1) of a rollup sketch, within the sketch's relative accuracy")
    @SqlNullable
    @SqlType(StandardTypes.DOUBLE)
    public static Double sketchQuantile(
            @SqlType(StandardTypes.VARBINARY) Slice sketch, @SqlType(StandardTypes.DOUBLE) double q) {
        return userError(() -> RollupFunctions.sketchQuantile(sketch.getBytes(), q));
    }

    @ScalarFunction(RollupFunctions.ROLLUP_MEAN)
    @Description("The mean of the values behind a rollup row, or behind several rows' summed columns")
    @SqlNullable
    @SqlType(StandardTypes.DOUBLE)
    public static Double rollupMean(
            @SqlType(StandardTypes.DOUBLE) double sum, @SqlType(StandardTypes.BIGINT) long count) {
        return userError(() -> RollupFunctions.mean(sum, count));
    }

    @ScalarFunction(RollupFunctions.ROLLUP_STDDEV)
    @Description("The population standard deviation of the values behind a rollup row, or behind several rows' summed columns")
    @SqlNullable
    @SqlType(StandardTypes.DOUBLE)
    public static Double rollupStddev(
            @SqlType(StandardTypes.DOUBLE) double sum,
            @SqlType(StandardTypes.DOUBLE) double sumSquares,
            @SqlType(StandardTypes.BIGINT) long count) {
        return userError(() -> RollupFunctions.stddev(sum, sumSquares, count));
    }

    @ScalarFunction(RollupFunctions.ROLLUP_RATE)
    @Description("A counter's per-second rate over a window, from its increase and the window's bounds")
    @SqlNullable
    @SqlType(StandardTypes.DOUBLE)
    public static Double rollupRate(
            @SqlType(StandardTypes.DOUBLE) double increase,
            @SqlType(TIMESTAMP_6_TZ) LongTimestampWithTimeZone windowStart,
            @SqlType(TIMESTAMP_6_TZ) LongTimestampWithTimeZone windowEnd) {
        return userError(() -> RollupFunctions.rate(increase, instant(windowStart), instant(windowEnd)));
    }

    private static Instant instant(LongTimestampWithTimeZone timestamp) {
        return Instant.ofEpochMilli(timestamp.getEpochMillis()).plusNanos(timestamp.getPicosOfMilli() / 1_000);
    }
}
