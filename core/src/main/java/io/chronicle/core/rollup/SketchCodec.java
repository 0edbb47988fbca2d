package io.chronicle.core.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.DDSketchProtoBinding;
import com.datadoghq.sketch.ddsketch.DDSketches;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.store.DenseStore;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import com.datadoghq.sketch.ddsketch.store.Store;
import com.datadoghq.sketch.ddsketch.store.UnboundedSizeDenseStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The bytes of a rollup row's {@code sketch} column: a DDSketch as the protobuf message
 * {@code DDSketch} of DDSketch's {@code DDSketch.proto}, which DDSketch's libraries for Java, Go
 * and Python read. The jobs write them, the SQL functions (Flink's and Trino's) and any reader
 * decode them, so the codec lives here.
 *
 * <p>Rows and state written before hold DDSketch's own binary encoding, which {@link #decode}
 * still reads. The first byte tells the two apart: the own encoding starts with the flag of
 * Chronicle's index mapping (cubically interpolated), 0x0E, and as a protobuf tag that byte names
 * wire type 6, which protobuf does not define, so no protobuf message starts with it.
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

    /**
     * The first byte of DDSketch's own encoding of Chronicle's sketches: the flag of the index
     * mapping (type 2) with the cubically interpolated layout (3), which it writes first.
     */
    static final byte LEGACY_FIRST_BYTE = 0x0E;

    private SketchCodec() {}

    /** Whether the sketch can add {@code value}: a magnitude up to {@link #MAX_MAGNITUDE}, never NaN. */
    public static boolean holds(double value) {
        return Math.abs(value) <= MAX_MAGNITUDE;
    }

    public static DDSketch newSketch() {
        return DDSketches.unboundedDense(RELATIVE_ACCURACY);
    }

    /**
     * The protobuf message {@code DDSketch}, index mapping included, with the bins' counts in the
     * contiguous form: the only one Python's {@code ddsketch} reads. sketches-java writes it
     * without protobuf's runtime, so writing stays as cheap as its own encoding was.
     */
    public static byte[] encode(DDSketch sketch) {
        ByteBuffer buffer = contiguous(sketch).serialize();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /** The encoded merge of two encoded sketches. */
    public static byte[] merge(byte[] a, byte[] b) {
        DDSketch merged = decode(a);
        merged.mergeWith(decode(b));
        return encode(merged);
    }

    /**
     * A sketch that {@link #encode} wrote, or that DDSketch's own encoding wrote before, into dense
     * stores: the fastest for Chronicle's own rows.
     */
    public static DDSketch decode(byte[] bytes) {
        return decode(bytes, UnboundedSizeDenseStore::new);
    }

    /**
     * A sketch that {@link #encode} wrote, or that DDSketch's own encoding wrote before, into stores
     * from {@code stores}. Bytes that are not such
     * a sketch fail with an {@link IllegalArgumentException}: the decoder reports them as I/O errors
     * or as illegal arguments depending on where they go wrong, and callers want one answer. For
     * bytes of unknown origin use {@link SparseStore}: a dense store allocates the whole index range
     * that corrupt bytes may claim, a sparse one no more than the bins the bytes hold.
     */
    public static DDSketch decode(byte[] bytes, Supplier<Store> stores) {
        try {
            if (isLegacy(bytes)) {
                return DDSketch.decode(ByteArrayInput.wrap(bytes), stores);
            }
            com.datadoghq.sketch.ddsketch.proto.DDSketch proto =
                    com.datadoghq.sketch.ddsketch.proto.DDSketch.parseFrom(bytes);
            // Any bytes of known fields, even none, parse; a sketch always has its index mapping.
            if (!proto.hasMapping()) {
                throw new IllegalArgumentException("no index mapping");
            }
            checkCounts(proto);
            return DDSketchProtoBinding.fromProto(stores, proto);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("Not a serialized DDSketch: " + e, e);
        }
    }

    /**
     * {@code sketch} in dense stores, which sketches-java writes in the contiguous form. A sketch
     * in other stores (decoded from a query argument) is copied into dense ones unless its bins
     * lie beyond those any value has, which only foreign bytes give: then it stays as it is, and
     * is written as a map of bins rather than allocating the whole range between them.
     */
    private static DDSketch contiguous(DDSketch sketch) {
        if (sketch.getPositiveValueStore() instanceof DenseStore
                && sketch.getNegativeValueStore() instanceof DenseStore) {
            return sketch;
        }
        IndexMapping mapping = sketch.getIndexMapping();
        int lowest = mapping.index(mapping.minIndexableValue());
        int highest = mapping.index(mapping.maxIndexableValue());
        for (Store store : new Store[] {sketch.getPositiveValueStore(), sketch.getNegativeValueStore()}) {
            if (!store.isEmpty() && (store.getMinIndex() < lowest || store.getMaxIndex() > highest)) {
                return sketch;
            }
        }
        DDSketch dense = new DDSketch(mapping, UnboundedSizeDenseStore::new);
        dense.mergeWith(sketch);
        return dense;
    }

    /**
     * Refuses a message whose counts no sketch has: negative, NaN or infinite, alone or summed.
     * The decoder takes them, and quantiles of such a sketch fail or mean nothing.
     */
    private static void checkCounts(com.datadoghq.sketch.ddsketch.proto.DDSketch proto) {
        double total = checkCount(proto.getZeroCount());
        for (com.datadoghq.sketch.ddsketch.proto.Store store
                : new com.datadoghq.sketch.ddsketch.proto.Store[] {proto.getPositiveValues(), proto.getNegativeValues()}) {
            for (double count : store.getContiguousBinCountsList()) {
                total += checkCount(count);
            }
            for (double count : store.getBinCountsMap().values()) {
                total += checkCount(count);
            }
        }
        checkCount(total);
    }

    private static double checkCount(double count) {
        if (!(count >= 0 && count < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("a count of " + count);
        }
        return count;
    }

    /** Whether {@code bytes} are in DDSketch's own encoding, which rows and state held before. */
    static boolean isLegacy(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == LEGACY_FIRST_BYTE;
    }

    /** The value at quantile {@code q} (0 to 1) of an encoded sketch. */
    public static double quantile(byte[] sketch, double q) {
        return decode(sketch).getValueAtQuantile(q);
    }
}
