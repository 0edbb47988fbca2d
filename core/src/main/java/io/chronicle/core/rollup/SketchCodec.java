package io.chronicle.core.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * The bytes of a rollup row's {@code sketch} column: a DDSketch in DDSketch's own binary encoding.
 * The jobs write them, the SQL functions and any reader decode them, so the codec lives here.
 */
public final class SketchCodec {

    /** Relative accuracy of the quantile sketch: a returned quantile is within 1 % of the true one. */
    public static final double RELATIVE_ACCURACY = 0.01;

    /**
     * The largest magnitude the sketch tracks (about 1.78e308, its index mapping's own bound):
     * adding a larger value throws, so no such value may reach a rollup. Magnitudes at or below the
     * mapping's smallest (about 2.27e-308, subnormals) are counted as zero, within that much of
     * their value.
     */
    public static final double MAX_MAGNITUDE = newSketch().getIndexMapping().maxIndexableValue();

    private SketchCodec() {}

    /** Whether the sketch can add {@code value}: a magnitude up to {@link #MAX_MAGNITUDE}, never NaN. */
    public static boolean holds(double value) {
        return Math.abs(value) <= MAX_MAGNITUDE;
    }

    public static DDSketch newSketch() {
        return DDSketches.unboundedDense(RELATIVE_ACCURACY);
    }

    /** DDSketch's own binary encoding (not its protobuf form), index mapping included. */
    public static byte[] encode(DDSketch sketch) {
        GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
        try {
            sketch.encode(out, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.trimmedCopy();
    }

    /** A sketch that {@link #encode} wrote, into dense stores: the fastest for Chronicle's own rows. */
    public static DDSketch decode(byte[] bytes) {
        return decode(bytes, UnboundedSizeDenseStore::new);
    }

    /**
     * A sketch that {@link #encode} wrote, into stores from {@code stores}. Bytes that are not such
     * a sketch fail with an {@link IllegalArgumentException}: the decoder reports them as I/O errors
     * or as illegal arguments depending on where they go wrong, and callers want one answer. For
     * bytes of unknown origin use {@link SparseStore}: a dense store allocates the whole index range
     * that corrupt bytes may claim, a sparse one no more than the bins the bytes hold.
     */
    public static DDSketch decode(byte[] bytes, Supplier<Store> stores) {
        try {
            return DDSketch.decode(ByteArrayInput.wrap(bytes), stores);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Not a serialized DDSketch: " + e, e);
        }
    }

    /** The value at quantile {@code q} (0 to 1) of an encoded sketch. */
    public static double quantile(byte[] sketch, double q) {
        return decode(sketch).getValueAtQuantile(q);
    }
}
