package io.chronicle.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.sql.functions.SketchAccumulator;
import io.chronicle.sql.functions.SketchMerge;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Arrays;

/**
 * A percentile across hosts: the 1h sketches of {@link #SKETCHES} series of one latency metric
 * merged into one, as {@code sketch_merge} does in a query (each row's bytes decoded into sparse
 * stores, merged into the accumulator, the result encoded). Beside the same merge with dense
 * stores, which Chronicle's own rollup uses for its rows, and against merging the same samples
 * as sorted arrays pairwise in rounds (exact quantiles without a sketch; the cheapest way to
 * merge many sorted arrays).
 */
@State(Scope.Thread)
public class SketchMergeAcrossSeries extends MicroBenchmark {

    static final int SKETCHES = 100;
    /** Hosts enough for {@link #SKETCHES} series of the latency metric, which has one per route (3) on each. */
    static final int HOSTS = 34;

    private final SketchMerge sketchMerge = new SketchMerge();
    private byte[][] sketches;
    private double[][] sorted;

    @Setup
    public void setUp() {
        SeriesSamples samples = SeriesSamples.generate(HOSTS);
        sketches = new byte[SKETCHES][];
        sorted = new double[SKETCHES][];
        int n = 0;
        for (int s = 0; s < samples.series && n < SKETCHES; s++) {
            if (samples.metrics[s].equals(SeriesSamples.LATENCY_METRIC)) {
                double[] values = samples.values[s];
                sketches[n] = RollupAggregate.ofSortedSamples(samples.tsMicros[s], values, values.length, false,
                        Double.NaN).sketch;
                sorted[n++] = SeriesSamples.sorted(values);
            }
        }
        if (n < SKETCHES) {
            throw new IllegalStateException("only " + n + " series of " + SeriesSamples.LATENCY_METRIC);
        }
        check();
    }

    /** Both merges count every sample and read the exact merge's quantiles within the accuracy. */
    private void check() {
        double[] exact = baselineMergeSortedArrays();
        for (byte[] merged : Arrays.asList(sqlSketchMerge(), denseSketchMerge())) {
            DDSketch sketch = SketchCodec.decode(merged);
            if (sketch.getCount() != exact.length) {
                throw new IllegalStateException("the merge counts " + sketch.getCount() + " of " + exact.length);
            }
            for (double q : new double[] {0.5, 0.9, 0.99}) {
                SeriesSamples.checkQuantile("the merge", sketch.getValueAtQuantile(q), exact, q,
                        SketchCodec.RELATIVE_ACCURACY);
            }
        }
    }

    @Benchmark
    public double[] baselineMergeSortedArrays() {
        return SeriesSamples.mergeAll(sorted);
    }

    @Benchmark
    public byte[] sqlSketchMerge() {
        SketchAccumulator accumulator = sketchMerge.createAccumulator();
        for (byte[] sketch : sketches) {
            sketchMerge.accumulate(accumulator, sketch);
        }
        return sketchMerge.getValue(accumulator);
    }

    @Benchmark
    public byte[] denseSketchMerge() {
        DDSketch merged = SketchCodec.decode(sketches[0]);
        for (int i = 1; i < sketches.length; i++) {
            merged.mergeWith(SketchCodec.decode(sketches[i]));
        }
        return SketchCodec.encode(merged);
    }
}
