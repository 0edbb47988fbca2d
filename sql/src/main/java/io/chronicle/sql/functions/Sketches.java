package io.chronicle.sql.functions;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.store.SparseStore;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;

/** Decoding of sketch arguments, with errors that name the SQL function they came through. */
final class Sketches {

    private Sketches() {}

    /**
     * The sketch in {@code bytes}. Query arguments may be any bytes, so the sketch goes into sparse
     * stores, whose memory is bounded by the input's length.
     */
    static DDSketch decode(String function, byte[] bytes) {
        try {
            return SketchCodec.decode(bytes, SparseStore::new);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(function + ": the argument (" + bytes.length
                    + " bytes) is not a sketch column of a rollup table. " + e.getMessage(), e);
        }
    }
}
