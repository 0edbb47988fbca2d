package io.chronicle.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.operators.rollup.TierMergeFunction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One series' hour built from its twelve 5m rows, as {@link TierMergeFunction} folds them one by
 * one: each step decodes both sketches, merges them and encodes the result, since state holds the
 * row with its sketch as bytes. Against folding the same samples as sorted arrays the same way
 * (exact quantiles without a sketch), and beside merging the twelve sketches in memory with one
 * decode each and one encode, which tells what the bytes between steps cost.
 */
@State(Scope.Thread)
public class TierMerge extends MicroBenchmark {

    private RollupAggregate[][] fine;
    private double[][][] sortedFine;
    private int next;

    @Setup
    public void setUp() {
        SeriesSamples samples = SeriesSamples.generate(SeriesSamples.MIXED_HOSTS);
        fine = new RollupAggregate[samples.series][SeriesSamples.WINDOWS_PER_HOUR];
        sortedFine = new double[samples.series][SeriesSamples.WINDOWS_PER_HOUR][];
        for (int s = 0; s < samples.series; s++) {
            for (int w = 0; w < SeriesSamples.WINDOWS_PER_HOUR; w++) {
                int from = w * SeriesSamples.PER_5M;
                int to = from + SeriesSamples.PER_5M;
                double[] values = samples.values(s, from, to);
                fine[s][w] = RollupAggregate.ofSortedSamples(samples.times(s, from, to), values, values.length,
                        samples.counters[s], from == 0 ? Double.NaN : samples.values[s][from - 1]);
                sortedFine[s][w] = SeriesSamples.sorted(values);
            }
            check(s);
        }
    }

    /** The folded hour counts every sample and reads the exact fold's quantiles within the accuracy. */
    private void check(int s) {
        double[] exact = foldSorted(sortedFine[s]);
        RollupAggregate hour = foldAggregates(fine[s]);
        DDSketch inMemory = SketchCodec.decode(mergeInMemory(fine[s]));
        if (hour.count != exact.length || inMemory.getCount() != exact.length) {
            throw new IllegalStateException("series " + s + ": the hour counts " + hour.count + " and "
                    + inMemory.getCount() + ", of " + exact.length + " samples");
        }
        for (double q : new double[] {0.5, 0.99}) {
            SeriesSamples.checkQuantile("series " + s, hour.quantile(q), exact, q, SketchCodec.RELATIVE_ACCURACY);
            SeriesSamples.checkQuantile("series " + s, inMemory.getValueAtQuantile(q), exact, q,
                    SketchCodec.RELATIVE_ACCURACY);
        }
    }

    private static double[] foldSorted(double[][] windows) {
        double[] merged = windows[0];
        for (int w = 1; w < windows.length; w++) {
            merged = SeriesSamples.merge(merged, windows[w]);
        }
        return merged;
    }

    private static RollupAggregate foldAggregates(RollupAggregate[] windows) {
        RollupAggregate merged = windows[0];
        for (int w = 1; w < windows.length; w++) {
            merged = merged.merge(windows[w]);
        }
        return merged;
    }

    private static byte[] mergeInMemory(RollupAggregate[] windows) {
        DDSketch merged = SketchCodec.decode(windows[0].sketch);
        for (int w = 1; w < windows.length; w++) {
            merged.mergeWith(SketchCodec.decode(windows[w].sketch));
        }
        return SketchCodec.encode(merged);
    }

    private int nextSeries() {
        int s = next;
        next = s + 1 == fine.length ? 0 : s + 1;
        return s;
    }

    @Benchmark
    public double[] baselineFoldSortedArrays() {
        return foldSorted(sortedFine[nextSeries()]);
    }

    @Benchmark
    public RollupAggregate tierMerge() {
        return foldAggregates(fine[nextSeries()]);
    }

    @Benchmark
    public byte[] sketchMergeInMemory() {
        return mergeInMemory(fine[nextSeries()]);
    }
}
