package io.chronicle.operators.rollup;

import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * A tier's keyed operator, which the next tier's merge never sees idle.
 *
 * <p>A tier holds each window until the watermark passes it, and sends its rows to every subtask
 * of the next tier's merge. Flink would pass an idle input on downstream (all the sources quiet,
 * say): the merge would then follow the other subtasks of this tier alone. When the sources
 * resume with event time far ahead, one subtask of this tier can take the jump before another;
 * the merge, leaving the slower one out as idle, would write its coarse windows before the slower
 * one's last fine rows of them arrived. So this operator keeps its watermark status to itself:
 * downstream it is always active, at the watermark it has passed, and every fine row of a coarse
 * window arrives before the merge's watermark can pass that window. While the sources are quiet,
 * every subtask's watermark is the one Flink flushes when all of its inputs go idle, so nothing
 * waits longer than the points themselves do.
 */
public final class TierOperator<IN> extends KeyedProcessOperator<Long, IN, RollupRow> {

    private static final long serialVersionUID = 1L;

    public TierOperator(KeyedProcessFunction<Long, IN, RollupRow> function) {
        super(function);
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // Downstream stays active, at this operator's own watermark.
    }
}
