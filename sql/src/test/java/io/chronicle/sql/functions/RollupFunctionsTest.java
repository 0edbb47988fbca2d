package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupAggregate;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** rollup_mean, rollup_stddev and rollup_rate against the statistics computed from the raw values. */
class RollupFunctionsTest {

    private final RollupMean mean = new RollupMean();
    private final RollupStddev stddev = new RollupStddev();
    private final RollupRate rate = new RollupRate();

    @Test
    void meanAndStddevOfARollupRowMatchTwoPassComputationsOverItsValues() {
        Random random = new Random(41);
        double[] values = new double[4_000];
        Arrays.setAll(values, i -> 1_000 + random.nextGaussian() * 15);
        long[] ts = new long[values.length];
        Arrays.setAll(ts, i -> i);
        RollupAggregate row = RollupAggregate.ofSortedSamples(ts, values, values.length, false, Double.NaN);

        double exactMean = Arrays.stream(values).sum() / values.length;
        double squaredDeviations = Arrays.stream(values).map(v -> (v - exactMean) * (v - exactMean)).sum();
        double exactStddev = Math.sqrt(squaredDeviations / values.length);

        assertThat(mean.eval(row.totalSum(), row.count)).isCloseTo(exactMean, within(exactMean * 1e-12));
        assertThat(stddev.eval(row.totalSum(), row.totalSumSquares(), row.count))
                .isCloseTo(exactStddev, within(exactStddev * 1e-9));
    }

    @Test
    void theStddevOfEqualValuesIsZeroThoughRoundingMakesTheVarianceNegative() {
        double v = 0.1;
        int n = 3;
        double sum = v + v + v;
        double sumSquares = v * v + v * v + v * v;
        assertThat(sumSquares / n - (sum / n) * (sum / n)).as("the rounding this guards against").isNegative();
        assertThat(stddev.eval(sum, sumSquares, (long) n)).isEqualTo(0.0);
    }

    @Test
    void noSamplesOrNullArgumentsGiveNull() {
        assertThat(mean.eval(0.0, 0L)).isNull();
        assertThat(mean.eval(null, 3L)).isNull();
        assertThat(mean.eval(3.0, null)).isNull();
        assertThat(stddev.eval(0.0, 0.0, 0L)).isNull();
        assertThat(stddev.eval(null, 1.0, 1L)).isNull();
        assertThat(stddev.eval(1.0, null, 1L)).isNull();
        assertThat(stddev.eval(1.0, 1.0, null)).isNull();
    }

    @Test
    void negativeCountsAreRefusedNamingTheFunction() {
        assertThatThrownBy(() -> mean.eval(1.0, -2L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rollup_mean: count must not be negative, got -2");
        assertThatThrownBy(() -> stddev.eval(1.0, 1.0, -2L))
                .hasMessage("rollup_stddev: count must not be negative, got -2");
    }

    @Test
    void theRateIsTheIncreasePerSecondOfTheWindow() {
        Instant start = Instant.parse("2026-11-20T10:05:00Z");
        assertThat(rate.eval(600.0, start, start.plusSeconds(300))).isEqualTo(2.0);
        assertThat(rate.eval(7.5, start, start.plusSeconds(3_600))).isEqualTo(7.5 / 3_600);
        // Microseconds count: a window of 1.5 ms.
        assertThat(rate.eval(3.0, start, start.plusNanos(1_500_000))).isCloseTo(2_000.0, within(1e-9));
    }

    @Test
    void gaugesAndNullBoundsGiveNull() {
        Instant start = Instant.parse("2026-11-20T10:05:00Z");
        assertThat(rate.eval(null, start, start.plusSeconds(300))).isNull();
        assertThat(rate.eval(1.0, null, start)).isNull();
        assertThat(rate.eval(1.0, start, null)).isNull();
    }

    @Test
    void windowsThatDoNotEndAfterTheyStartAreRefused() {
        Instant start = Instant.parse("2026-11-20T10:05:00Z");
        assertThatThrownBy(() -> rate.eval(1.0, start, start))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rollup_rate: window_end must be after window_start, got "
                        + "2026-11-20T10:05:00Z to 2026-11-20T10:05:00Z");
    }
}
