package io.chronicle.core.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;

/**
 * The mergeable partial aggregate of one series over one window: everything a rollup row holds.
 * Sums are compensated (Neumaier), so merging many windows loses no more precision than summing
 * the raw samples would; quantiles come from a DDSketch ({@link SketchCodec}).
 *
 * <p>A counter's increase counts every step between consecutive samples whose later sample lies
 * in the window, including the step from the series' last sample before the window; a drop is a
 * reset and counts the new value whole, as Prometheus does. Increases of adjacent windows
 * therefore add up exactly to the increase over their union.
 *
 * <p>Every value must be one the sketch holds ({@link SketchCodec#holds}). Sums follow IEEE
 * arithmetic and never throw: a sum, sum of squares or increase that overflows is ±Infinity from
 * then on (NaN where a +Infinity and a -Infinity meet), and the mean and standard deviation follow
 * it. The sum of squares overflows first, for values beyond about 1.34e154.
 */
public class RollupAggregate {

    public long count;
    public double sum;
    public double sumCompensation;
    public double min;
    public double max;
    public double firstValue;
    public long firstTsMicros;
    public double lastValue;
    public long lastTsMicros;
    public double sumSquares;
    public double sumSquaresCompensation;
    /** Reset-aware increase; 0 for gauges. */
    public double increase;
    public double increaseCompensation;
    /** The serialized DDSketch of the values. */
    public byte[] sketch;

    public RollupAggregate() {}

    /**
     * The aggregate of samples sorted by time. For counters, {@code previousValue} is the series'
     * last value before the first sample (NaN when there is none).
     *
     * @throws IllegalArgumentException if a value is one the sketch does not hold
     */
    public static RollupAggregate ofSortedSamples(
            long[] tsMicros, double[] values, int n, boolean counter, double previousValue) {
        if (n == 0) {
            throw new IllegalArgumentException("a window has at least one sample");
        }
        RollupAggregate a = new RollupAggregate();
        DDSketch sketch = SketchCodec.newSketch();
        a.count = n;
        a.min = Double.POSITIVE_INFINITY;
        a.max = Double.NEGATIVE_INFINITY;
        a.firstValue = values[0];
        a.firstTsMicros = tsMicros[0];
        a.lastValue = values[n - 1];
        a.lastTsMicros = tsMicros[n - 1];
        double previous = previousValue;
        for (int i = 0; i < n; i++) {
            double v = values[i];
            a.addToSum(v);
            a.addToSumSquares(v * v);
            a.min = Math.min(a.min, v);
            a.max = Math.max(a.max, v);
            sketch.accept(v);
            if (counter && !Double.isNaN(previous)) {
                a.addStep(previous, v);
            }
            previous = v;
        }
        a.sketch = SketchCodec.encode(sketch);
        return a;
    }

    /** The aggregate of this window followed by a later, adjacent one. */
    public RollupAggregate merge(RollupAggregate later) {
        RollupAggregate m = new RollupAggregate();
        m.count = count + later.count;
        m.sum = sum;
        m.sumCompensation = sumCompensation;
        m.addToSum(later.sum);
        m.addToSum(later.sumCompensation);
        m.sumSquares = sumSquares;
        m.sumSquaresCompensation = sumSquaresCompensation;
        m.addToSumSquares(later.sumSquares);
        m.addToSumSquares(later.sumSquaresCompensation);
        m.increase = increase;
        m.increaseCompensation = increaseCompensation;
        m.addToIncrease(later.increase);
        m.addToIncrease(later.increaseCompensation);
        m.min = Math.min(min, later.min);
        m.max = Math.max(max, later.max);
        boolean laterFirst = later.firstTsMicros < firstTsMicros;
        m.firstValue = laterFirst ? later.firstValue : firstValue;
        m.firstTsMicros = laterFirst ? later.firstTsMicros : firstTsMicros;
        boolean laterLast = later.lastTsMicros >= lastTsMicros;
        m.lastValue = laterLast ? later.lastValue : lastValue;
        m.lastTsMicros = laterLast ? later.lastTsMicros : lastTsMicros;
        if (sketch == null || later.sketch == null) {
            // A sketch kept apart (a tier merge keeps each fine row's until it writes): the other.
            m.sketch = sketch == null ? later.sketch : sketch;
        } else {
            m.sketch = SketchCodec.merge(sketch, later.sketch);
        }
        return m;
    }

    /** A copy of this aggregate without its sketch. */
    public RollupAggregate withoutSketch() {
        RollupAggregate a = new RollupAggregate();
        a.count = count;
        a.sum = sum;
        a.sumCompensation = sumCompensation;
        a.min = min;
        a.max = max;
        a.firstValue = firstValue;
        a.firstTsMicros = firstTsMicros;
        a.lastValue = lastValue;
        a.lastTsMicros = lastTsMicros;
        a.sumSquares = sumSquares;
        a.sumSquaresCompensation = sumSquaresCompensation;
        a.increase = increase;
        a.increaseCompensation = increaseCompensation;
        return a;
    }

    /**
     * Counts a counter's step from one sample's value to the next one's into the increase: the
     * difference, or the new value whole when it dropped (a reset). For a step into this
     * aggregate from a sample outside it, such as the series' last sample before the window.
     */
    public void addStep(double from, double to) {
        addToIncrease(to >= from ? to - from : to);
    }

    public double totalSum() {
        return sum + sumCompensation;
    }

    public double totalIncrease() {
        return increase + increaseCompensation;
    }

    public double totalSumSquares() {
        return sumSquares + sumSquaresCompensation;
    }

    public double mean() {
        return totalSum() / count;
    }

    /** Population standard deviation. */
    public double stddev() {
        double mean = mean();
        double variance = totalSumSquares() / count - mean * mean;
        return Math.sqrt(Math.max(0, variance));
    }

    /** The value at quantile {@code q} (0 to 1), within {@link SketchCodec#RELATIVE_ACCURACY}. */
    public double quantile(double q) {
        return SketchCodec.quantile(sketch, q);
    }

    private void addToSum(double v) {
        double t = sum + v;
        sumCompensation += lostLowOrderBits(sum, v, t);
        sum = t;
    }

    private void addToSumSquares(double v) {
        double t = sumSquares + v;
        sumSquaresCompensation += lostLowOrderBits(sumSquares, v, t);
        sumSquares = t;
    }

    private void addToIncrease(double v) {
        double t = increase + v;
        increaseCompensation += lostLowOrderBits(increase, v, t);
        increase = t;
    }

    /**
     * Neumaier's correction: what rounding dropped when {@code t = a + b} was computed. Nothing
     * once the sum has overflowed: the correction would be an infinity of the other sign and turn
     * the total into NaN.
     */
    private static double lostLowOrderBits(double a, double b, double t) {
        if (!Double.isFinite(t)) {
            return 0;
        }
        return Math.abs(a) >= Math.abs(b) ? (a - t) + b : (b - t) + a;
    }
}
