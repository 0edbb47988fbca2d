package io.chronicle.operators.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A window's aggregate computed by brute force from all of its samples, the way the rollups
 * define it: samples in time order (samples of one instant in arrival order), sums in exact
 * decimal arithmetic, the increase step by step from the series' previous sample, the sketch
 * built from every value at once.
 */
final class RollupReference {

    /** One sample and when it arrived among its series' samples. */
    record Sample(long tsMicros, double value, int arrival) {}

    private RollupReference() {}

    /** {@code window} holds the window's samples; {@code previous}, the series' sample before it, or null. */
    static void assertMatches(String what, RollupAggregate actual, List<Sample> window, Sample previous,
            boolean counter) {
        List<Sample> sorted = new ArrayList<>(window);
        sorted.sort(Comparator.comparingLong(Sample::tsMicros).thenComparingInt(Sample::arrival));
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal squares = BigDecimal.ZERO;
        BigDecimal increase = BigDecimal.ZERO;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        DDSketch sketch = SketchCodec.newSketch();
        Sample before = previous;
        for (Sample s : sorted) {
            BigDecimal v = new BigDecimal(s.value());
            sum = sum.add(v);
            squares = squares.add(v.multiply(v));
            min = Math.min(min, s.value());
            max = Math.max(max, s.value());
            sketch.accept(s.value());
            if (before != null) {
                increase = increase.add(s.value() >= before.value()
                        ? v.subtract(new BigDecimal(before.value())) : v);
            }
            before = s;
        }
        Sample first = sorted.get(0);
        Sample last = sorted.get(sorted.size() - 1);
        assertThat(actual.count).as(what + " count").isEqualTo(sorted.size());
        assertThat(actual.min).as(what + " min").isEqualTo(min);
        assertThat(actual.max).as(what + " max").isEqualTo(max);
        assertThat(actual.firstValue).as(what + " first").isEqualTo(first.value());
        assertThat(actual.firstTsMicros).as(what + " first ts").isEqualTo(first.tsMicros());
        assertThat(actual.lastValue).as(what + " last").isEqualTo(last.value());
        assertThat(actual.lastTsMicros).as(what + " last ts").isEqualTo(last.tsMicros());
        assertThat(actual.totalSum()).as(what + " sum")
                .isCloseTo(sum.doubleValue(), within(Math.abs(sum.doubleValue()) * 1e-12));
        assertThat(actual.totalSumSquares()).as(what + " sum of squares")
                .isCloseTo(squares.doubleValue(), within(Math.abs(squares.doubleValue()) * 1e-12));
        double expectedIncrease = counter ? increase.doubleValue() : 0;
        assertThat(actual.totalIncrease()).as(what + " increase")
                .isCloseTo(expectedIncrease, within(Math.abs(expectedIncrease) * 1e-12));
        DDSketch got = SketchCodec.decode(actual.sketch);
        assertThat(got.getCount()).as(what + " sketch count").isEqualTo(sketch.getCount());
        for (int q = 0; q <= 100; q++) {
            assertThat(got.getValueAtQuantile(q / 100.0)).as(what + " sketch p" + q)
                    .isEqualTo(sketch.getValueAtQuantile(q / 100.0));
        }
    }
}
