package io.chronicle.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.sql.functions.SketchAccumulator;
import io.chronicle.sql.functions.SketchAccumulatorSerializer;
import io.chronicle.sql.functions.SketchMerge;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.util.Arrays;

/**
 * One series' 1h sketch written out and read back: as bytes and into dense stores (what each
 * step of the rollup's tier merge pays, state holding the sketch as bytes), and as the
 * {@code sketch_merge} accumulator through its Flink serializer (what the SQL state backend pays
 * per access). Against writing and reading the hour's samples themselves as doubles through the
 * same Flink memory views: the state a sketch replaces.
 */
@State(Scope.Thread)
public class SketchSerde extends MicroBenchmark {

    private final SketchAccumulatorSerializer serializer = new SketchAccumulatorSerializer();
    private final DataOutputSerializer out = new DataOutputSerializer(4_096);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private double[][] samples;
    private DDSketch[] sketches;
    private SketchAccumulator[] accumulators;
    private int next;

    @Setup
    public void setUp() throws IOException {
        SeriesSamples hour = SeriesSamples.generate(SeriesSamples.MIXED_HOSTS);
        SketchMerge sketchMerge = new SketchMerge();
        samples = hour.values;
        sketches = new DDSketch[hour.series];
        accumulators = new SketchAccumulator[hour.series];
        for (int s = 0; s < hour.series; s++) {
            byte[] bytes = RollupAggregate.ofSortedSamples(hour.tsMicros[s], samples[s], samples[s].length,
                    hour.counters[s], Double.NaN).sketch;
            sketches[s] = SketchCodec.decode(bytes);
            accumulators[s] = sketchMerge.createAccumulator();
            sketchMerge.accumulate(accumulators[s], bytes);
            check(s, sketchMerge);
        }
    }

    /** Each round trip gives back what went in. */
    private void check(int s, SketchMerge sketchMerge) throws IOException {
        if (!Arrays.equals(roundTripDoubles(samples[s]), samples[s])) {
            throw new IllegalStateException("series " + s + ": the samples came back changed");
        }
        byte[] sketch = SketchCodec.encode(sketches[s]);
        if (!Arrays.equals(SketchCodec.encode(roundTripSketch(sketches[s])), sketch)) {
            throw new IllegalStateException("series " + s + ": the sketch came back changed");
        }
        byte[] accumulated = sketchMerge.getValue(accumulators[s]);
        if (!Arrays.equals(sketchMerge.getValue(roundTripAccumulator(accumulators[s])), accumulated)) {
            throw new IllegalStateException("series " + s + ": the accumulator came back changed");
        }
    }

    private double[] roundTripDoubles(double[] values) throws IOException {
        out.clear();
        out.writeInt(values.length);
        for (double v : values) {
            out.writeDouble(v);
        }
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        double[] read = new double[in.readInt()];
        for (int i = 0; i < read.length; i++) {
            read[i] = in.readDouble();
        }
        return read;
    }

    private static DDSketch roundTripSketch(DDSketch sketch) {
        return SketchCodec.decode(SketchCodec.encode(sketch));
    }

    private SketchAccumulator roundTripAccumulator(SketchAccumulator accumulator) throws IOException {
        out.clear();
        serializer.serialize(accumulator, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return serializer.deserialize(in);
    }

    private int nextSeries() {
        int s = next;
        next = s + 1 == samples.length ? 0 : s + 1;
        return s;
    }

    @Benchmark
    public double[] baselineDoublesRoundTrip() throws IOException {
        return roundTripDoubles(samples[nextSeries()]);
    }

    @Benchmark
    public DDSketch sketchRoundTrip() {
        return roundTripSketch(sketches[nextSeries()]);
    }

    @Benchmark
    public SketchAccumulator accumulatorRoundTrip() throws IOException {
        return roundTripAccumulator(accumulators[nextSeries()]);
    }
}
