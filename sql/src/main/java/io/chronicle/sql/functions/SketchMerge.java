package io.chronicle.sql.functions;

import io.chronicle.core.rollup.RollupFunctions;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.functions.AggregateFunction;

/**
 * {@code sketch_merge(sketch BYTES) → BYTES}, an aggregate: the sketch of all values the rows'
 * sketches hold, for {@code sketch_quantile(sketch_merge(sketch), 0.99)} across series or windows.
 * A merged sketch keeps the relative accuracy of its inputs. NULL sketches are skipped; with none
 * left the result is NULL. Mergeable accumulators make two-phase aggregation possible.
 */
@FunctionHint(
        input = @DataTypeHint("BYTES"),
        accumulator = @DataTypeHint(value = "RAW", bridgedTo = SketchAccumulator.class,
                rawSerializer = SketchAccumulatorSerializer.class),
        output = @DataTypeHint("BYTES"))
public final class SketchMerge extends AggregateFunction<byte[], SketchAccumulator> {

    static final String NAME = RollupFunctions.SKETCH_MERGE;

    @Override
    public SketchAccumulator createAccumulator() {
        return new SketchAccumulator();
    }

    public void accumulate(SketchAccumulator accumulator, byte[] sketch) {
        if (sketch != null) {
            accumulator.add(RollupFunctions.decodeArgument(NAME, sketch));
        }
    }

    public void merge(SketchAccumulator accumulator, Iterable<SketchAccumulator> others) {
        for (SketchAccumulator other : others) {
            accumulator.addAll(other);
        }
    }

    @Override
    public byte[] getValue(SketchAccumulator accumulator) {
        return accumulator.encoded();
    }
}
