package io.chronicle.trino;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.airlift.slice.Slice;
import io.airlift.slice.Slices;
import io.chronicle.core.rollup.RollupFunctions;
import io.chronicle.core.rollup.SketchCodec;
import io.trino.spi.block.BlockBuilder;
import io.trino.spi.function.AggregationFunction;
import io.trino.spi.function.AggregationState;
import io.trino.spi.function.CombineFunction;
import io.trino.spi.function.Description;
import io.trino.spi.function.InputFunction;
import io.trino.spi.function.OutputFunction;
import io.trino.spi.function.SqlType;
import io.trino.spi.type.StandardTypes;

import static io.chronicle.trino.UserErrors.userError;
import static io.trino.spi.type.VarbinaryType.VARBINARY;

/**
 * {@code sketch_merge(varbinary) → varbinary}: the sketch of all values the rows' sketches hold,
 * for {@code sketch_quantile(sketch_merge(sketch), 0.99)}. NULL sketches are skipped; with none
 * left the result is NULL. Partial merges travel between Trino's stages encoded.
 */
@AggregationFunction(RollupFunctions.SKETCH_MERGE)
@Description("The sketch of all values the rows' rollup sketches hold")
public final class SketchMergeAggregation {

    private SketchMergeAggregation() {}

    @InputFunction
    public static void input(@AggregationState SketchState state, @SqlType(StandardTypes.VARBINARY) Slice sketch) {
        DDSketch decoded = userError(() -> RollupFunctions.decodeArgument(RollupFunctions.SKETCH_MERGE, sketch.getBytes()));
        mergeInto(state, decoded);
    }

    @CombineFunction
    public static void combine(@AggregationState SketchState state, @AggregationState SketchState other) {
        if (other.getSketch() != null) {
            mergeInto(state, other.getSketch().copy());
        }
    }

    @OutputFunction(StandardTypes.VARBINARY)
    public static void output(@AggregationState SketchState state, BlockBuilder out) {
        if (state.getSketch() == null) {
            out.appendNull();
        } else {
            VARBINARY.writeSlice(out, Slices.wrappedBuffer(SketchCodec.encode(state.getSketch())));
        }
    }

    /** Merges {@code sketch}, which the state may keep, into the state. */
    private static void mergeInto(SketchState state, DDSketch sketch) {
        DDSketch merged = state.getSketch();
        if (merged == null) {
            state.setSketch(sketch);
            return;
        }
        long sizeBefore = SketchStateFactory.estimatedSize(merged);
        userError(() -> {
            RollupFunctions.mergeInto(merged, sketch);
            return null;
        });
        state.sketchChanged(sizeBefore);
    }
}
