package io.chronicle.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;

/**
 * One 5m window's samples (20 at the default 15 s interval) into what its rollup row holds: the
 * DDSketch alone (insert every sample, encode), and the whole partial aggregate the rollup builds
 * ({@link RollupAggregate#ofSortedSamples}), against sorting a copy of the samples, which is
 * what exact quantiles of the window would cost instead.
 */
@State(Scope.Thread)
public class SketchInsert extends MicroBenchmark {

    private long[][] times;
    private double[][] values;
    private boolean[] counters;
    private int next;

    @Setup
    public void setUp() {
        SeriesSamples samples = SeriesSamples.generate(SeriesSamples.MIXED_HOSTS);
        int windows = samples.series * SeriesSamples.WINDOWS_PER_HOUR;
        times = new long[windows][];
        values = new double[windows][];
        counters = new boolean[windows];
        for (int w = 0; w < windows; w++) {
            int series = w / SeriesSamples.WINDOWS_PER_HOUR;
            int from = w % SeriesSamples.WINDOWS_PER_HOUR * SeriesSamples.PER_5M;
            times[w] = samples.times(series, from, from + SeriesSamples.PER_5M);
            values[w] = samples.values(series, from, from + SeriesSamples.PER_5M);
            counters[w] = samples.counters[series];
            check(w);
        }
    }

    /** The sketch and the aggregate count every sample and read quantiles within the accuracy. */
    private void check(int w) {
        double[] sorted = SeriesSamples.sorted(values[w]);
        DDSketch sketch = SketchCodec.decode(SeriesSamples.sketch(values[w]));
        RollupAggregate aggregate = RollupAggregate.ofSortedSamples(times[w], values[w], values[w].length,
                counters[w], Double.NaN);
        if (sketch.getCount() != sorted.length || aggregate.count != sorted.length) {
            throw new IllegalStateException("window " + w + ": sketch counts " + sketch.getCount()
                    + ", aggregate " + aggregate.count + ", of " + sorted.length + " samples");
        }
        for (double q : new double[] {0.5, 0.99}) {
            SeriesSamples.checkQuantile("window " + w, sketch.getValueAtQuantile(q), sorted, q,
                    SketchCodec.RELATIVE_ACCURACY);
            SeriesSamples.checkQuantile("window " + w, aggregate.quantile(q), sorted, q,
                    SketchCodec.RELATIVE_ACCURACY);
        }
    }

    private int nextWindow() {
        int w = next;
        next = w + 1 == values.length ? 0 : w + 1;
        return w;
    }

    @Benchmark
    public double[] baselineSortWindow() {
        double[] sorted = values[nextWindow()].clone();
        Arrays.sort(sorted);
        return sorted;
    }

    @Benchmark
    public byte[] sketchOfWindow() {
        return SeriesSamples.sketch(values[nextWindow()]);
    }

    @Benchmark
    public RollupAggregate rollupAggregateOfWindow() {
        int w = nextWindow();
        return RollupAggregate.ofSortedSamples(times[w], values[w], values[w].length, counters[w], Double.NaN);
    }
}
