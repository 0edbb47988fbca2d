package io.chronicle.operators.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * A coarser tier built from a finer one's rows (keyed by series id), never from raw points: each
 * coarse window merges the partial aggregates of the fine windows inside it and is written when
 * the watermark passes its end plus the tenant's allowed lateness. The fine tier writes its last
 * window inside a coarse one at that same watermark, just before forwarding it, and never passes
 * idleness on ({@link TierOperator}), so every fine row arrives before its coarse window is written. The fine rows' sketches are kept apart, each
 * under its fine window, and merged once when the coarse window is written: a sketch is decoded
 * once and encoded once per coarse window, not at every fine row.
 *
 * <p>Only lowering a tenant's allowed lateness across a restore can make a fine row arrive after
 * its coarse window was written. Such a row is counted ({@code rowsAfterCoarseWindow}) and
 * logged rather than failing the job; the fine tier still holds it and a rebuild restores the
 * coarse range.
 *
 * <p>State is only read and written by key, never iterated: a timer finds the series' open
 * windows in {@link WindowStarts}.
 */
public class TierMergeFunction extends KeyedProcessFunction<Long, RollupRow, RollupRow>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TierMergeFunction.class);

    private final long fineWindowMicros;
    private final long windowMicros;
    private final RollupPolicy policy;
    private final StateLayout layout = new StateLayout("rollup tier merge");

    /** Coarse window start to the merge of the fine rows seen so far, without their sketches. */
    private transient MapState<Long, RollupRow> open;
    /** Each fine row's sketch by its window start, merged once when the coarse window is written. */
    private transient MapState<Long, byte[]> fineSketches;
    /** The keys of {@link #open}, ascending. */
    private transient ValueState<long[]> openStarts;
    private transient Counter rowsAfterCoarseWindow;

    public TierMergeFunction(long fineWindowMicros, long windowMicros, RollupPolicy policy) {
        if (windowMicros % fineWindowMicros != 0) {
            throw new IllegalArgumentException("A " + windowMicros / 1_000_000 + " s tier cannot be"
                    + " built from " + fineWindowMicros / 1_000_000 + " s windows: not a multiple");
        }
        this.fineWindowMicros = fineWindowMicros;
        this.windowMicros = windowMicros;
        this.policy = policy;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        layout.initialize(context);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        layout.snapshot();
    }

    @Override
    public void open(OpenContext openContext) {
        open = getRuntimeContext().getMapState(layout.reads(new MapStateDescriptor<>(
                "open-coarse-windows", Types.LONG, TypeInformation.of(RollupRow.class))));
        openStarts = getRuntimeContext().getState(layout.reads(new ValueStateDescriptor<>(
                "open-coarse-window-starts", TypeInformation.of(long[].class))));
        fineSketches = getRuntimeContext().getMapState(layout.reads(new MapStateDescriptor<>(
                "open-coarse-window-sketches", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)));
        layout.verify(getRuntimeContext());
        rowsAfterCoarseWindow = getRuntimeContext().getMetricGroup().counter("rowsAfterCoarseWindow");
    }

    @Override
    public void processElement(RollupRow fine, Context ctx, Collector<RollupRow> out)
            throws Exception {
        long start = Math.floorDiv(fine.windowStartMicros, windowMicros) * windowMicros;
        long writeAtMillis = WindowTimes.writeTimerMillis(
                start + windowMicros, policy.forTenant(fine.tenant).allowedLatenessMicros());
        if (writeAtMillis <= ctx.timerService().currentWatermark()) {
            rowsAfterCoarseWindow.inc();
            LOG.warn("{} arrived after its {} s window was written (allowed lateness lowered?);"
                    + " rebuild that range of the coarse tier", fine, windowMicros / 1_000_000);
            return;
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
            merged.aggregate = fine.aggregate.withoutSketch();
            openStarts.update(WindowStarts.with(openStarts.value(), start));
        } else {
            merged.aggregate = merged.aggregate.merge(fine.aggregate.withoutSketch());
        }
        open.put(start, merged);
        byte[] sameWindow = fineSketches.get(fine.windowStartMicros);
        fineSketches.put(fine.windowStartMicros, sameWindow == null
                ? fine.aggregate.sketch : SketchCodec.merge(sameWindow, fine.aggregate.sketch));
        ctx.timerService().registerEventTimeTimer(writeAtMillis);
    }

    /** Writes every open window that is due, whichever timer fires. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RollupRow> out)
            throws Exception {
        long[] starts = openStarts.value();
        if (starts == null) {
            return;
        }
        // At the end of a bounded input (a rebuild) every timer fires now; nothing later would.
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
        long[] stillOpen = new long[starts.length];
        int waiting = 0;
        for (long start : starts) {
            RollupRow row = open.get(start);
            long writeAtMillis = WindowTimes.writeTimerMillis(row.windowEndMicros,
                    policy.forTenant(row.tenant).allowedLatenessMicros());
            if (writeAtMillis <= timestamp) {
                row.aggregate.sketch = mergeFineSketches(row.aggregate);
                out.collect(row);
                open.remove(start);
            } else {
                stillOpen[waiting++] = start;
                if (!endOfInput) {
                    ctx.timerService().registerEventTimeTimer(writeAtMillis);
                }
            }
        }
        if (waiting == 0) {
            openStarts.clear();
        } else if (waiting < starts.length) {
            openStarts.update(Arrays.copyOf(stillOpen, waiting));
        }
    }

    /**
     * The coarse window's sketch: the fine rows' sketches, looked up by the fine windows between
     * its first and last sample, merged once, and let go. A window restored from a version that
     * merged sketches as rows came has that merge in {@code aggregate.sketch}, and starts from it.
     */
    private byte[] mergeFineSketches(RollupAggregate aggregate) throws Exception {
        DDSketch merged = aggregate.sketch == null ? SketchCodec.newSketch() : SketchCodec.decode(aggregate.sketch);
        long last = Math.floorDiv(aggregate.lastTsMicros, fineWindowMicros) * fineWindowMicros;
        for (long fine = Math.floorDiv(aggregate.firstTsMicros, fineWindowMicros) * fineWindowMicros;
                fine <= last; fine += fineWindowMicros) {
            byte[] sketch = fineSketches.get(fine);
            if (sketch != null) {
                merged.mergeWith(SketchCodec.decode(sketch));
                fineSketches.remove(fine);
            }
        }
        return SketchCodec.encode(merged);
    }
}
