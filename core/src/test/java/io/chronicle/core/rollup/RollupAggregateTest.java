package io.chronicle.core.rollup;

import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Aggregates of windows, merged, against the same statistics computed by brute force over all the
 * samples (sums in exact decimal arithmetic).
 */
class RollupAggregateTest {

    private static final int WINDOWS = 12;
    private static final int PER_WINDOW = 300;

    @Test
    void isSerializedAsPojoWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RollupAggregate.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RollupRow.class);
    }

    @Test
    void mergedWindowsEqualTheWholeRangeComputedByBruteForce() {
        Random random = new Random(3);
        int n = WINDOWS * PER_WINDOW;
        long[] ts = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = 1_795_300_000_000_000L + i * 1_000_000L;
            values[i] = (random.nextDouble() - 0.3) * Math.pow(10, random.nextInt(9));
        }

        RollupAggregate merged = null;
        for (int w = 0; w < WINDOWS; w++) {
            int from = w * PER_WINDOW;
            RollupAggregate window = RollupAggregate.ofSortedSamples(
                    Arrays.copyOfRange(ts, from, from + PER_WINDOW),
                    Arrays.copyOfRange(values, from, from + PER_WINDOW), PER_WINDOW, false, Double.NaN);
            merged = merged == null ? window : merged.merge(window);
        }

        BigDecimal exactSum = BigDecimal.ZERO;
        BigDecimal exactSquares = BigDecimal.ZERO;
        for (double v : values) {
            exactSum = exactSum.add(new BigDecimal(v));
            exactSquares = exactSquares.add(new BigDecimal(v).multiply(new BigDecimal(v)));
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        assertThat(merged.count).isEqualTo(n);
        assertThat(merged.min).isEqualTo(sorted[0]);
        assertThat(merged.max).isEqualTo(sorted[n - 1]);
        assertThat(merged.firstValue).isEqualTo(values[0]);
        assertThat(merged.firstTsMicros).isEqualTo(ts[0]);
        assertThat(merged.lastValue).isEqualTo(values[n - 1]);
        assertThat(merged.lastTsMicros).isEqualTo(ts[n - 1]);
        assertThat(merged.totalSum()).isCloseTo(exactSum.doubleValue(), within(Math.abs(exactSum.doubleValue()) * 1e-12));
        double mean = exactSum.doubleValue() / n;
        double exactStddev = Math.sqrt(exactSquares.doubleValue() / n - mean * mean);
        assertThat(merged.stddev()).isCloseTo(exactStddev, within(exactStddev * 1e-9));
        for (double q : new double[] {0.01, 0.25, 0.5, 0.9, 0.95, 0.99}) {
            double exact = sorted[(int) Math.floor(q * (n - 1))];
            assertThat(merged.quantile(q)).as("quantile %s", q)
                    .isCloseTo(exact, within(Math.abs(exact) * SketchCodec.RELATIVE_ACCURACY + 1e-12));
        }
    }

    @Test
    void counterIncreasesAreResetAwareAndAddUpAcrossWindows() {
        // 10, 15, 3 (reset: +3), 8 | 2 (reset: +2), 7 | 7, 9
        long[] ts = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] values = {10, 15, 3, 8, 2, 7, 7, 9};
        RollupAggregate first = RollupAggregate.ofSortedSamples(
                Arrays.copyOfRange(ts, 0, 4), Arrays.copyOfRange(values, 0, 4), 4, true, Double.NaN);
        RollupAggregate second = RollupAggregate.ofSortedSamples(
                Arrays.copyOfRange(ts, 4, 6), Arrays.copyOfRange(values, 4, 6), 2, true, 8);
        RollupAggregate third = RollupAggregate.ofSortedSamples(
                Arrays.copyOfRange(ts, 6, 8), Arrays.copyOfRange(values, 6, 8), 2, true, 7);
        assertThat(first.totalIncrease()).isEqualTo(5 + 3 + 5);
        assertThat(second.totalIncrease()).isEqualTo(2 + 5);
        assertThat(third.totalIncrease()).isEqualTo(0 + 2);
        RollupAggregate whole = RollupAggregate.ofSortedSamples(ts, values, 8, true, Double.NaN);
        assertThat(first.merge(second).merge(third).totalIncrease()).isEqualTo(whole.totalIncrease()).isEqualTo(22);
    }

    @Test
    void gaugesHaveNoIncrease() {
        RollupAggregate gauge = RollupAggregate.ofSortedSamples(new long[] {1, 2}, new double[] {5, 1}, 2, false, 3);
        assertThat(gauge.totalIncrease()).isZero();
    }

    @Test
    void sumsOfTheLargestValuesSaturateToInfinityWithoutNaNOrAnException() {
        double max = SketchCodec.MAX_MAGNITUDE;
        RollupAggregate high = RollupAggregate.ofSortedSamples(
                new long[] {1, 2}, new double[] {max, max}, 2, false, Double.NaN);
        assertThat(high.totalSum()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(high.totalSumSquares()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(high.mean()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(high.min).isEqualTo(max);
        assertThat(high.max).isEqualTo(max);
        assertThat(high.quantile(1)).isCloseTo(max, within(max * SketchCodec.RELATIVE_ACCURACY));

        // Opposite values cancel in the sum, while their squares overflow.
        RollupAggregate both = RollupAggregate.ofSortedSamples(
                new long[] {3, 4}, new double[] {1e200, -1e200}, 2, false, Double.NaN);
        assertThat(both.totalSum()).isZero();
        assertThat(both.mean()).isZero();
        assertThat(both.totalSumSquares()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(both.stddev()).isEqualTo(Double.POSITIVE_INFINITY);

        RollupAggregate merged = high.merge(both);
        assertThat(merged.count).isEqualTo(4);
        assertThat(merged.totalSum()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(merged.min).isEqualTo(-1e200);
        assertThat(merged.quantile(0)).isCloseTo(-1e200, within(1e200 * SketchCodec.RELATIVE_ACCURACY));

        RollupAggregate low = RollupAggregate.ofSortedSamples(
                new long[] {5, 6}, new double[] {-max, -max}, 2, false, Double.NaN);
        assertThat(low.totalSum()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(merged.merge(low).totalSum()).as("+Infinity meets -Infinity").isNaN();
        assertThat(merged.merge(low).stddev()).isNaN();
    }

    @Test
    void aCounterStepBeyondTheDoubleRangeIsAnInfiniteIncrease() {
        double max = SketchCodec.MAX_MAGNITUDE;
        RollupAggregate counter = RollupAggregate.ofSortedSamples(
                new long[] {1, 2}, new double[] {-max, max}, 2, true, Double.NaN);
        assertThat(counter.totalIncrease()).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void theSmallestValuesKeepTheirSumsAndSubnormalsCountAsZeroInTheSketch() {
        double tiny = 3e-308;
        RollupAggregate a = RollupAggregate.ofSortedSamples(
                new long[] {1, 2, 3}, new double[] {tiny, -tiny, tiny}, 3, false, Double.NaN);
        assertThat(a.totalSum()).isEqualTo(tiny);
        assertThat(a.totalSumSquares()).isZero();
        assertThat(a.quantile(1)).isCloseTo(tiny, within(tiny * SketchCodec.RELATIVE_ACCURACY));
        assertThat(a.quantile(0)).isCloseTo(-tiny, within(tiny * SketchCodec.RELATIVE_ACCURACY));

        RollupAggregate subnormal = RollupAggregate.ofSortedSamples(
                new long[] {1, 2}, new double[] {Double.MIN_VALUE, 1}, 2, false, Double.NaN);
        assertThat(subnormal.min).isEqualTo(Double.MIN_VALUE);
        assertThat(subnormal.totalSum()).isEqualTo(1 + Double.MIN_VALUE);
        assertThat(subnormal.quantile(0)).isZero();
    }

    @Test
    void aValueTheSketchCannotHoldIsAnIllegalArgument() {
        assertThatThrownBy(() -> RollupAggregate.ofSortedSamples(
                new long[] {1}, new double[] {Double.MAX_VALUE}, 1, false, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
