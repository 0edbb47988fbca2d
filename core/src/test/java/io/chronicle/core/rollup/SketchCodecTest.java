package io.chronicle.core.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

/** The rollup sketch's bytes: decoded back unchanged, and anything else refused with one exception type. */
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
    void bytesThatAreNotASketchAreAnIllegalArgument() {
        byte[] valid = sketchOf(50, 12);
        for (byte[] bytes : new byte[][] {
                new byte[0],
                "hello".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOf(valid, valid.length - 1)}) {
            assertThatThrownBy(() -> SketchCodec.decode(bytes))
                    .as(Arrays.toString(bytes))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Not a serialized DDSketch");
        }
    }

    @Test
    void corruptBytesIntoSparseStoresEitherDecodeOrAreAnIllegalArgument() {
        Random random = new Random(13);
        byte[] valid = sketchOf(200, 14);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[random.nextInt(40)];
                random.nextBytes(bytes);
            } else {
                bytes = valid.clone();
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
