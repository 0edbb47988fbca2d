package io.chronicle.trino;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.trino.spi.function.AccumulatorStateFactory;
import io.trino.spi.function.GroupedAccumulatorState;

import java.util.Arrays;

/** States of {@code sketch_merge}: one sketch, or one per group of a GROUP BY. */
public final class SketchStateFactory implements AccumulatorStateFactory<SketchState> {

    @Override
    public SketchState createSingleState() {
        return new Single();
    }

    @Override
    public SketchState createGroupedState() {
        return new Grouped();
    }

    /**
     * A best-effort estimate of a sketch's memory for Trino's accounting: its bins in sparse
     * stores (tree entries) cost several times their serialized bytes.
     */
    static long estimatedSize(DDSketch sketch) {
        return sketch == null ? 0 : 128 + 8L * sketch.serializedSize();
    }

    static final class Single implements SketchState {
        private DDSketch sketch;

        @Override
        public DDSketch getSketch() {
            return sketch;
        }

        @Override
        public void setSketch(DDSketch sketch) {
            this.sketch = sketch;
        }

        @Override
        public void sketchChanged(long sizeBefore) {}

        @Override
        public long getEstimatedSize() {
            return estimatedSize(sketch);
        }
    }

    static final class Grouped implements SketchState, GroupedAccumulatorState {
        private DDSketch[] sketches = new DDSketch[16];
        private int groupId;
        private long sketchesSize;

        @Override
        public void setGroupId(int groupId) {
            this.groupId = groupId;
        }

        @Override
        public void ensureCapacity(int size) {
            if (size > sketches.length) {
                sketches = Arrays.copyOf(sketches, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(size, 2L * sketches.length)));
            }
        }

        @Override
        public DDSketch getSketch() {
            return sketches[groupId];
        }

        @Override
        public void setSketch(DDSketch sketch) {
            sketchesSize += estimatedSize(sketch) - estimatedSize(sketches[groupId]);
            sketches[groupId] = sketch;
        }

        @Override
        public void sketchChanged(long sizeBefore) {
            sketchesSize += estimatedSize(sketches[groupId]) - sizeBefore;
        }

        @Override
        public long getEstimatedSize() {
            return 16L + 8L * sketches.length + sketchesSize;
        }
    }
}
