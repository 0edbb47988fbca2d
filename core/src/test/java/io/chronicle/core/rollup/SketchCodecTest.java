package io.chronicle.core.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.CubicallyInterpolatedMapping;
import com.datadoghq.sketch.ddsketch.proto.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HexFormat;
import java.util.List;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

/**
 * The rollup sketch's bytes: DDSketch's protobuf message, decoded back unchanged; DDSketch's own
 * encoding, which rows and state held before, still read and never taken for the other; anything
 * else refused with one exception type.
 */
class SketchCodecTest {

    private static final double[] QUANTILES = {0, 0.01, 0.25, 0.5, 0.9, 0.99, 1};

    @Test
    void decodingGivesBackTheEncodedSketchInDenseAndSparseStores() {
        byte[] encoded = sketchOf(1000, 11);
        DDSketch original = SketchCodec.decode(encoded);
        DDSketch sparse = SketchCodec.decode(encoded, SparseStore::new);
        assertThat(original.getCount()).isEqualTo(1000);
        assertThat(sparse.getCount()).isEqualTo(1000);
        for (double q : QUANTILES) {
            assertThat(sparse.getValueAtQuantile(q)).as("q=%s", q).isEqualTo(original.getValueAtQuantile(q));
        }
        assertThat(SketchCodec.encode(original)).isEqualTo(encoded);
        assertThat(SketchCodec.decode(SketchCodec.encode(sparse)).getValuesAtQuantiles(QUANTILES))
                .containsExactly(original.getValuesAtQuantiles(QUANTILES));
    }

    @Test
    void writesDdSketchsProtobufMessageWithTheMappingOtherLanguagesRead() throws IOException {
        DDSketch sketch = SketchCodec.decode(sketchOf(1000, 15));
        byte[] encoded = SketchCodec.encode(sketch);
        // Parsed by protobuf's own runtime from the message DDSketch.proto declares.
        com.datadoghq.sketch.ddsketch.proto.DDSketch message =
                com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(encoded);
        assertThat(message.getMapping().getInterpolation()).isEqualTo(IndexMapping.Interpolation.CUBIC);
        CubicallyInterpolatedMapping mapping = new CubicallyInterpolatedMapping(
                message.getMapping().getGamma(), message.getMapping().getIndexOffset());
        assertThat(mapping).isEqualTo(SketchCodec.newSketch().getIndexMapping());
        assertThat(mapping.relativeAccuracy()).isCloseTo(SketchCodec.RELATIVE_ACCURACY, within(1e-12));
        double counted = message.getZeroCount();
        for (com.datadoghq.sketch.ddsketch.proto.Store store
                : List.of(message.getPositiveValues(), message.getNegativeValues())) {
            counted += store.getContiguousBinCountsList().stream().mapToDouble(Double::doubleValue).sum()
                    + store.getBinCountsMap().values().stream().mapToDouble(Double::doubleValue).sum();
        }
        assertThat(counted).isEqualTo(1000);
        assertThat(encoded[0]).as("field 1 (mapping), length-delimited").isEqualTo((byte) 0x0A);
    }

    @Test
    void readsDdSketchsOwnEncodingAsBeforeWithTheSameQuantilesAndMerges() throws IOException {
        // Written by the code before the protobuf form (checked in, so a library change shows).
        byte[] legacy = HexFormat.of().parseHex(LEGACY_ONE_TO_TEN);
        assertThat(SketchCodec.isLegacy(legacy)).isTrue();
        DDSketch old = SketchCodec.decode(legacy);
        DDSketch fresh = SketchCodec.newSketch();
        for (int v = 1; v <= 10; v++) {
            fresh.accept(v);
        }
        assertThat(old.getCount()).isEqualTo(10);
        assertThat(old.getValuesAtQuantiles(QUANTILES)).containsExactly(fresh.getValuesAtQuantiles(QUANTILES));
        // Old and new bytes merge, as a tier merging rows from both sides of an upgrade does.
        DDSketch merged = SketchCodec.decode(legacy);
        merged.mergeWith(SketchCodec.decode(SketchCodec.encode(fresh)));
        DDSketch twice = fresh.copy();
        twice.mergeWith(fresh);
        assertThat(merged.getValuesAtQuantiles(QUANTILES)).containsExactly(twice.getValuesAtQuantiles(QUANTILES));
        assertThat(SketchCodec.isLegacy(SketchCodec.encode(merged))).isFalse();
    }

    @Test
    void theFirstByteTellsTheEncodingsApartForEverySketch() throws IOException {
        Random random = new Random(16);
        for (int i = 0; i < 500; i++) {
            DDSketch sketch = SketchCodec.newSketch();
            int kind = i % 5;
            for (int n = random.nextInt(200); n > 0; n--) {
                double v = switch (kind) {
                    case 0 -> 0;
                    case 1 -> -random.nextDouble() * Math.pow(10, random.nextInt(20));
                    case 2 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                    case 3 -> (random.nextDouble() - 0.5) * 1e6;
                    default -> random.nextInt(3) - 1;
                };
                sketch.accept(v);
            }
            byte[] fresh = SketchCodec.encode(sketch);
            byte[] legacy = legacyEncoding(sketch);
            assertThat(SketchCodec.isLegacy(fresh)).as("new bytes of sketch %d", i).isFalse();
            assertThat(SketchCodec.isLegacy(legacy)).as("old bytes of sketch %d", i).isTrue();
            for (byte[] bytes : List.of(fresh, legacy)) {
                assertThat(SketchCodec.decode(bytes).getCount()).isEqualTo(sketch.getCount());
                if (!sketch.isEmpty()) {
                    assertThat(SketchCodec.decode(bytes, SparseStore::new).getValuesAtQuantiles(QUANTILES))
                            .containsExactly(sketch.getValuesAtQuantiles(QUANTILES));
                }
            }
        }
        // No protobuf message starts with the old encoding's first byte (wire type 6 does not exist).
        for (int i = 0; i < 2_000; i++) {
            byte[] bytes = new byte[1 + random.nextInt(64)];
            random.nextBytes(bytes);
            bytes[0] = SketchCodec.LEGACY_FIRST_BYTE;
            assertThatThrownBy(() -> com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(bytes))
                    .isInstanceOf(InvalidProtocolBufferException.class);
        }
    }

    @Test
    void bytesThatAreNotASketchAreAnIllegalArgument() {
        byte[] valid = sketchOf(50, 12);
        for (byte[] bytes : new byte[][] {
                new byte[0],
                "hello".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOf(valid, valid.length - 1),
                // a valid protobuf message of DDSketch's fields without its index mapping
                com.datadoghq.sketch.ddsketch.proto.DDSketch.newBuilder().setZeroCount(3).build().toByteArray(),
                // an index mapping no sketch has
                com.datadoghq.sketch.ddsketch.proto.DDSketch.newBuilder()
                        .setMapping(IndexMapping.newBuilder().setGamma(0.5)).build().toByteArray(),
                // counts no sketch has
                withCounts(-1), withCounts(Double.NaN), withCounts(Double.POSITIVE_INFINITY),
                withCounts(Double.MAX_VALUE, Double.MAX_VALUE)}) {
            assertThatThrownBy(() -> SketchCodec.decode(bytes))
                    .as(Arrays.toString(bytes))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Not a serialized DDSketch");
        }
    }

    @Test
    void corruptBytesIntoSparseStoresEitherDecodeOrAreAnIllegalArgument() {
        Random random = new Random(13);
        byte[] fresh = sketchOf(200, 14);
        byte[] legacy = legacyEncoding(SketchCodec.decode(fresh));
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(40)];
                random.nextBytes(bytes);
            } else {
                bytes = (i % 4 == 1 ? fresh : legacy).clone();
                for (int flips = random.nextInt(4) + 1; flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
                }
            }
            byte[] input = bytes;
            Throwable thrown = catchThrowable(() -> SketchCodec.decode(input, SparseStore::new));
            if (thrown != null) {
                assertThat(thrown).as(Arrays.toString(input)).isInstanceOf(IllegalArgumentException.class);
                refused++;
            }
        }
        assertThat(refused).as("most corrupt inputs are refused").isGreaterThan(10_000);
    }

    @Test
    void holdsExactlyTheValuesTheSketchAdds() {
        double max = SketchCodec.MAX_MAGNITUDE;
        double[] candidates = {0, -0.0, 1, -1, 1e-300, 1e300, Math.sqrt(Double.MAX_VALUE),
                max, -max, Math.nextDown(max), Math.nextUp(max), -Math.nextUp(max),
                Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_NORMAL, Double.MIN_VALUE, -Double.MIN_VALUE,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (double v : candidates) {
            // Judged by a DDSketch itself, which throws for what it cannot add (and takes NaN silently).
            boolean added = !Double.isNaN(v) && catchThrowable(() -> SketchCodec.newSketch().accept(v)) == null;
            assertThat(SketchCodec.holds(v)).as("holds(%s)", v).isEqualTo(added);
        }
        assertThat(SketchCodec.holds(Double.MAX_VALUE)).as("the largest double").isFalse();
        assertThat(max).isBetween(1.7e308, Double.MAX_VALUE);
    }

    @Test
    void valuesHeldComeBackWithinTheAccuracyAndSubnormalsAsZero() {
        for (double v : new double[] {SketchCodec.MAX_MAGNITUDE, -SketchCodec.MAX_MAGNITUDE, 1e300, 1, 3e-308}) {
            DDSketch sketch = SketchCodec.newSketch();
            sketch.accept(v);
            assertThat(sketch.getValueAtQuantile(0.5)).as("%s", v)
                    .isCloseTo(v, within(Math.abs(v) * SketchCodec.RELATIVE_ACCURACY * (1 + 1e-9)));
        }
        for (double v : new double[] {Double.MIN_VALUE, -Double.MIN_VALUE, 2e-308}) {
            DDSketch sketch = SketchCodec.newSketch();
            sketch.accept(v);
            assertThat(sketch.getValueAtQuantile(0.5)).as("%s", v).isZero();
        }
    }

    @Test
    void writesTheContiguousBinsPythonReadsAlsoForSketchesInSparseStores() throws IOException {
        DDSketch sparse = SketchCodec.decode(sketchOf(300, 17), SparseStore::new);
        com.datadoghq.sketch.ddsketch.proto.DDSketch message =
                com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(SketchCodec.encode(sparse));
        assertThat(message.getPositiveValues().getBinCountsMap()).isEmpty();
        assertThat(message.getNegativeValues().getBinCountsMap()).isEmpty();
        assertThat(message.getPositiveValues().getContiguousBinCountsList()).isNotEmpty();
        assertThat(SketchCodec.decode(SketchCodec.encode(sparse)).getValuesAtQuantiles(QUANTILES))
                .containsExactly(sparse.getValuesAtQuantiles(QUANTILES));
        // Bins no value reaches, from foreign bytes: kept as a map, not a dense range of 2^32 bins.
        byte[] far = com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(SketchCodec.encode(SketchCodec.newSketch()))
                .toBuilder().setPositiveValues(com.datadoghq.sketch.ddsketch.proto.Store.newBuilder()
                        .putBinCounts(Integer.MIN_VALUE, 1).putBinCounts(Integer.MAX_VALUE, 1)).build().toByteArray();
        byte[] again = SketchCodec.encode(SketchCodec.decode(far, SparseStore::new));
        assertThat(com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(again).getPositiveValues().getBinCountsMap())
                .containsOnlyKeys(Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** A message of Chronicle's mapping whose positive bins have {@code counts}. */
    private static byte[] withCounts(double... counts) {
        try {
            com.datadoghq.sketch.ddsketch.proto.Store.Builder store = com.datadoghq.sketch.ddsketch.proto.Store.newBuilder();
            for (double count : counts) {
                store.addContiguousBinCounts(count);
            }
            return com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(SketchCodec.encode(SketchCodec.newSketch()))
                    .toBuilder().setPositiveValues(store).build().toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** DDSketch's own encoding of 1..10 in Chronicle's sketch, as the code before wrote it. */
    private static final String LEGACY_ONE_TO_TEN = "0ec2f1e7e9ed51f03f0000000000000000050a000244022a021c021802120210020c020c020c02";

    /** DDSketch's own encoding, as Chronicle wrote the column before. */
    private static byte[] legacyEncoding(DDSketch sketch) {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        try {
            sketch.encode(out, false);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.trimmedCopy();
    }

    private static byte[] sketchOf(int n, long seed) {
        Random random = new Random(seed);
        long[] ts = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = i;
            values[i] = (random.nextDouble() - 0.2) * 1000;
        }
        return RollupAggregate.ofSortedSamples(ts, values, n, false, Double.NaN).sketch;
    }
}
