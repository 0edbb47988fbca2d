package io.chronicle.sql.functions;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.internal.TableEnvironmentInternal;
import org.apache.flink.table.catalog.DataTypeFactory;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.inference.CallContext;
import org.apache.flink.table.types.inference.utils.UnknownCallContext;
import org.apache.flink.table.types.logical.RawType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.DoubleStream;

import static io.chronicle.sql.functions.TestSketches.QUANTILES;
import static io.chronicle.sql.functions.TestSketches.exactQuantile;
import static io.chronicle.sql.functions.TestSketches.tolerance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SketchMergeTest {

    private final SketchMerge merge = new SketchMerge();
    private final SketchQuantile quantile = new SketchQuantile();

    @Test
    void theMergedSketchGivesTheQuantilesOfAllValuesWithinTheSketchAccuracy() {
        Random random = new Random(31);
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double[] values = TestSketches.values(1 + random.nextInt(200), random);
            // Series on different scales, so the union's quantiles differ from every row's.
            double scale = Math.pow(10, i % 4);
            rows.add(DoubleStream.of(values).map(v -> v * scale).toArray());
        }
        SketchAccumulator accumulator = merge.createAccumulator();
        for (double[] row : rows) {
            merge.accumulate(accumulator, TestSketches.sketch(row));
            merge.accumulate(accumulator, null);
        }
        byte[] merged = merge.getValue(accumulator);

        double[] union = rows.stream().flatMapToDouble(DoubleStream::of).toArray();
        for (double q : QUANTILES) {
            double exact = exactQuantile(union, q);
            assertThat(quantile.eval(merged, q)).as("q=%s", q).isCloseTo(exact, within(tolerance(exact)));
        }
    }

    @Test
    void mergingPartialAccumulatorsEqualsAccumulatingEveryRowInOne() {
        Random random = new Random(32);
        List<byte[]> sketches = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            sketches.add(TestSketches.sketch(TestSketches.values(50, random)));
        }
        SketchAccumulator whole = merge.createAccumulator();
        List<SketchAccumulator> parts = List.of(
                merge.createAccumulator(), merge.createAccumulator(), merge.createAccumulator());
        for (int i = 0; i < sketches.size(); i++) {
            merge.accumulate(whole, sketches.get(i));
            // The last part gets no rows: empty partials merge too.
            merge.accumulate(parts.get(i % 2), sketches.get(i));
        }
        SketchAccumulator global = merge.createAccumulator();
        merge.merge(global, parts);

        assertThat(merge.getValue(global)).isEqualTo(merge.getValue(whole));
    }

    @Test
    void mergingLeavesTheMergedAccumulatorsAsTheyWere() {
        SketchAccumulator part = merge.createAccumulator();
        merge.accumulate(part, TestSketches.sketch(new double[] {1, 2, 3}));
        byte[] before = merge.getValue(part);
        SketchAccumulator global = merge.createAccumulator();
        merge.merge(global, List.of(part));
        merge.accumulate(global, TestSketches.sketch(new double[] {100, 200}));
        merge.merge(global, List.of(part));

        assertThat(merge.getValue(part)).isEqualTo(before);
        assertThat(quantile.eval(merge.getValue(global), 1.0)).isCloseTo(200, within(2.0));
    }

    @Test
    void noSketchesGiveNull() {
        SketchAccumulator accumulator = merge.createAccumulator();
        assertThat(merge.getValue(accumulator)).isNull();
        merge.accumulate(accumulator, null);
        merge.merge(accumulator, List.of(merge.createAccumulator()));
        assertThat(merge.getValue(accumulator)).isNull();
    }

    @Test
    void sketchesOfDifferentAccuracyAreRefused() {
        SketchAccumulator accumulator = merge.createAccumulator();
        merge.accumulate(accumulator, TestSketches.sketch(new double[] {1}));
        DDSketch coarse = DDSketches.unboundedDense(0.05);
        coarse.accept(1);
        assertThatThrownBy(() -> merge.accumulate(accumulator, SketchCodec.encode(coarse)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sketch_merge: sketches of different relative accuracy cannot be merged");
    }

    @Test
    void bytesThatAreNotASketchAreRefusedNamingTheFunction() {
        assertThatThrownBy(() -> merge.accumulate(merge.createAccumulator(), new byte[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sketch_merge: the argument (2 bytes) is not a sketch column of a rollup table.");
    }

    @Test
    void flinkSerializesTheAccumulatorWithItsOwnSerializerNotKryo() {
        DataTypeFactory types = ((TableEnvironmentInternal) TableEnvironment.create(EnvironmentSettings.inBatchMode()))
                .getCatalogManager().getDataTypeFactory();
        CallContext call = new UnknownCallContext(types, SketchMerge.NAME, merge, 1, true);
        List<DataType> states = merge.getTypeInference(types).getStateTypeStrategies().values().stream()
                .map(strategy -> strategy.inferType(call).orElseThrow())
                .collect(Collectors.toList());

        assertThat(states).singleElement()
                .extracting(DataType::getLogicalType).isInstanceOf(RawType.class)
                .extracting(type -> ((RawType<?>) type).getTypeSerializer())
                .isInstanceOf(SketchAccumulatorSerializer.class);
    }

    @Test
    void theSerializerRoundTripsAndCopiesAccumulatorsDeeply() throws IOException {
        SketchAccumulatorSerializer serializer = new SketchAccumulatorSerializer();
        SketchAccumulator empty = merge.createAccumulator();
        SketchAccumulator full = merge.createAccumulator();
        merge.accumulate(full, TestSketches.sketch(TestSketches.values(500, new Random(33))));

        for (SketchAccumulator accumulator : List.of(empty, full)) {
            byte[] serialized = serialize(serializer, accumulator);
            SketchAccumulator back = serializer.deserialize(new DataInputDeserializer(serialized));
            assertThat(back.encoded()).isEqualTo(accumulator.encoded());

            // Sized up front: this test output does not grow for a copy from an input view.
            DataOutputSerializer copied = new DataOutputSerializer(serialized.length);
            serializer.copy(new DataInputDeserializer(serialized), copied);
            assertThat(copied.getCopyOfBuffer()).isEqualTo(serialized);
        }

        byte[] before = full.encoded();
        SketchAccumulator copy = serializer.copy(full);
        merge.accumulate(copy, TestSketches.sketch(new double[] {1e9}));
        assertThat(full.encoded()).isEqualTo(before);
        assertThat(copy.encoded()).isNotEqualTo(before);
    }

    @Test
    void theSerializerIsRestoredFromItsSnapshot() throws IOException {
        SketchAccumulatorSerializer serializer = new SketchAccumulatorSerializer();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, serializer.snapshotConfiguration());
        TypeSerializerSnapshot<SketchAccumulator> snapshot = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());

        TypeSerializer<SketchAccumulator> restored = snapshot.restoreSerializer();
        assertThat(restored).isEqualTo(serializer);
        assertThat(snapshot.resolveSchemaCompatibility(serializer.snapshotConfiguration()).isCompatibleAsIs())
                .isTrue();
    }

    private static byte[] serialize(SketchAccumulatorSerializer serializer, SketchAccumulator accumulator)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(accumulator, out);
        return out.getCopyOfBuffer();
    }
}
