package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupFunctions;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * Flink's serializer for {@link SketchAccumulator}: a presence flag, then the sketch in the rollup
 * tables' encoding, length first. Keeps the accumulator off Kryo.
 */
public final class SketchAccumulatorSerializer extends TypeSerializerSingleton<SketchAccumulator> {

    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public SketchAccumulator createInstance() {
        return new SketchAccumulator();
    }

    @Override
    public SketchAccumulator copy(SketchAccumulator from) {
        return from.copy();
    }

    @Override
    public SketchAccumulator copy(SketchAccumulator from, SketchAccumulator reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SketchAccumulator record, DataOutputView target) throws IOException {
        byte[] sketch = record.encoded();
        target.writeBoolean(sketch != null);
        if (sketch != null) {
            target.writeInt(sketch.length);
            target.write(sketch);
        }
    }

    @Override
    public SketchAccumulator deserialize(DataInputView source) throws IOException {
        SketchAccumulator accumulator = new SketchAccumulator();
        if (source.readBoolean()) {
            byte[] sketch = new byte[source.readInt()];
            source.readFully(sketch);
            accumulator.add(RollupFunctions.decodeArgument(SketchMerge.NAME, sketch));
        }
        return accumulator;
    }

    @Override
    public SketchAccumulator deserialize(SketchAccumulator reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        boolean present = source.readBoolean();
        target.writeBoolean(present);
        if (present) {
            int length = source.readInt();
            target.writeInt(length);
            target.write(source, length);
        }
    }

    @Override
    public TypeSerializerSnapshot<SketchAccumulator> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration: any snapshot restores it as it is. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SketchAccumulator> {
        public Snapshot() {
            super(SketchAccumulatorSerializer::new);
        }
    }
}
