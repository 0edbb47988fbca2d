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
