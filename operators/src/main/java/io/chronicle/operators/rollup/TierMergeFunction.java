package io.chronicle.operators.rollup;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A coarser tier built from a finer one's rows (keyed by series id), never from raw points: each
 * coarse window merges the partial aggregates of the fine windows inside it and is written when
 * the watermark passes its end plus the same allowed lateness. The fine tier writes its last
 * window inside a coarse one at that same watermark, just before forwarding it, so every fine
 * row arrives before its coarse window is written.
 */
public class TierMergeFunction extends KeyedProcessFunction<Long, RollupRow, RollupRow> {

    private static final long serialVersionUID = 1L;

    private final long windowMicros;
    private final long latenessMicros;

    /** Coarse window start to the merge of the fine rows seen so far. */
    private transient MapState<Long, RollupRow> open;

    public TierMergeFunction(long fineWindowMicros, long windowMicros, long latenessMicros) {
        if (windowMicros % fineWindowMicros != 0) {
            throw new IllegalArgumentException("A " + windowMicros / 1_000_000 + " s tier cannot be"
                    + " built from " + fineWindowMicros / 1_000_000 + " s windows: not a multiple");
        }
        this.windowMicros = windowMicros;
        this.latenessMicros = latenessMicros;
    }

    @Override
    public void open(OpenContext openContext) {
        open = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "open-windows", Types.LONG, TypeInformation.of(RollupRow.class)));
    }

    @Override
    public void processElement(RollupRow fine, Context ctx, Collector<RollupRow> out)
            throws Exception {
        long start = Math.floorDiv(fine.windowStartMicros, windowMicros) * windowMicros;
        long writeAtMillis = WindowTimes.writeTimerMillis(start + windowMicros, latenessMicros);
        if (writeAtMillis <= ctx.timerService().currentWatermark()) {
            // Impossible while both tiers share one lateness; a row here would be written twice.
            throw new IllegalStateException("Row " + fine + " arrived after its "
                    + windowMicros / 1_000_000 + " s window was written");
        }
        RollupRow merged = open.get(start);
        if (merged == null) {
            merged = new RollupRow();
            merged.tenant = fine.tenant;
            merged.metric = fine.metric;
            merged.tags = fine.tags;
            merged.seriesId = fine.seriesId;
            merged.counter = fine.counter;
            merged.windowStartMicros = start;
            merged.windowEndMicros = start + windowMicros;
            merged.aggregate = fine.aggregate;
            ctx.timerService().registerEventTimeTimer(writeAtMillis);
        } else {
            merged.aggregate = merged.aggregate.merge(fine.aggregate);
        }
        open.put(start, merged);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RollupRow> out)
            throws Exception {
        long start = WindowTimes.windowEndMicros(timestamp, latenessMicros) - windowMicros;
        RollupRow merged = open.get(start);
        if (merged != null) {
            out.collect(merged);
            open.remove(start);
        }
    }
}
