package io.chronicle.trino;

import io.airlift.slice.Slices;
import io.chronicle.core.rollup.RollupFunctions;
import io.chronicle.core.rollup.SketchCodec;
import io.trino.spi.block.Block;
import io.trino.spi.block.BlockBuilder;
import io.trino.spi.function.AccumulatorStateSerializer;
import io.trino.spi.type.Type;

import static io.trino.spi.type.VarbinaryType.VARBINARY;

/** A partial {@code sketch_merge} between Trino's stages: the sketch in the rollup tables' encoding, or NULL. */
public final class SketchStateSerializer implements AccumulatorStateSerializer<SketchState> {

    @Override
    public Type getSerializedType() {
        return VARBINARY;
    }

    @Override
    public void serialize(SketchState state, BlockBuilder out) {
        if (state.getSketch() == null) {
            out.appendNull();
        } else {
            VARBINARY.writeSlice(out, Slices.wrappedBuffer(SketchCodec.encode(state.getSketch())));
        }
    }

    @Override
    public void deserialize(Block block, int index, SketchState state) {
        state.setSketch(RollupFunctions.decodeArgument(RollupFunctions.SKETCH_MERGE,
                VARBINARY.getSlice(block, index).getBytes()));
    }
}
