package io.chronicle.sql.functions;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.rollup.RollupFunctions;
import io.chronicle.core.rollup.SketchCodec;

/**
 * The sketches {@link SketchMerge} has merged so far. It holds none until the first, so sketches of
 * any one relative accuracy merge, not only Chronicle's.
 */
public final class SketchAccumulator {

    private DDSketch merged;

    /** Merges {@code sketch} in; the accumulator may keep {@code sketch} itself. */
    void add(DDSketch sketch) {
        if (merged == null) {
            merged = sketch;
        } else {
            mergeWith(sketch);
        }
    }

    /** Merges in what {@code other} holds, leaving {@code other} as it was. */
    void addAll(SketchAccumulator other) {
        if (other.merged == null) {
            return;
        }
        if (merged == null) {
            merged = other.merged.copy();
        } else {
            mergeWith(other.merged);
        }
    }

    /** The merged sketch, encoded as rollup rows hold it; NULL when nothing was merged. */
    byte[] encoded() {
        return merged == null ? null : SketchCodec.encode(merged);
    }

    SketchAccumulator copy() {
        SketchAccumulator copy = new SketchAccumulator();
        copy.merged = merged == null ? null : merged.copy();
        return copy;
    }

    private void mergeWith(DDSketch sketch) {
        RollupFunctions.mergeInto(merged, sketch);
    }
}
