package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
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
import org.apache.flink.util.OutputTag;

import java.util.Arrays;

/**
 * Event-time tumbling windows of one series (keyed by series id, its points in
 * {@link PointBatch}es), each written once when the watermark passes the window's end plus its
 * tenant's allowed lateness. Points arriving out of order within the lateness are folded in; a
 * point for a window already written goes to {@link #TOO_LATE} as a rejected record, never
 * dropped. A batch reads and writes each window it touches once.
 *
 * <p>A point costs the same whatever its window holds: the window keeps its latest points apart,
 * in time order, and folds the oldest into its aggregate once it holds twice
 * {@code reorderBuffer} of them (its sketch, in state of its own, is re-encoded once per fold).
 * A point older than the folded ones is folded in at once: exactly for every column but a
 * counter's increase, whose steps depend on the point's neighbours. Before all of them, its step
 * to the window's first sample is exact; among them, it is assumed to continue the counter
 * without a reset (exact unless the point or its successor is a reset) and counted in
 * {@code counterPointsBeyondReorderBuffer}.
 *
 * <p>A timer writes every window that is due at its time rather than one window it was set for,
 * so a restore with a different allowed lateness neither strands nor repeats a window. The
 * series' last written sample is kept for counter increases across windows, and cleared by an
 * event-time timer once the series has been quiet for {@code seriesStateTtlMicros}, so state and
 * timers drain for series that stop; a step across a longer gap is never counted.
 *
 * <p>State is only read and written by key, never iterated: windows are kept by their start, and
 * a timer finds the series' open windows in {@link WindowStarts}.
 *
 * <p>A value the quantile sketch cannot hold ({@link SketchCodec#holds}) never fails the job: the
 * normalizer refuses such points, and one that comes another way (a rebuild over
 * {@code points_raw} written before that check) is refused here as {@code value_out_of_range}.
 * A sample of one in state restored from an earlier version is left out of its window when the
 * window is folded or written, with a rejection of its own, rather than fail on every restart.
 * Both are counted in {@code valuesOutOfRange}.
 */
public class SeriesRollupFunction extends KeyedProcessFunction<Long, PointBatch, RollupRow>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("finest rollup tier");

    /** Points refused by the tier: {@code too_late}, or {@code value_out_of_range}. */
    public static final OutputTag<RejectedRecord> TOO_LATE =
            new OutputTag<>("too-late", TypeInformation.of(RejectedRecord.class));

    /** Where a sample found in state came from is not kept: its rejection names this instead. */
    static final String STATE_SOURCE = "(rollup state)";

    /** A series' first point since it was last quiet (+1), and its going quiet (-1). */
    public static final OutputTag<SeriesChange> SERIES_CHANGES =
            new OutputTag<>("series-changes", TypeInformation.of(SeriesChange.class));

    private final long windowMicros;
    private final RollupPolicy policy;
    private final long seriesStateTtlMicros;
    private final CounterRule counters;
    private final int reorderBuffer;

    /** Windows not yet written, by their start. */
    private transient MapState<Long, PendingWindow> pending;
    /** The encoded sketch of each pending window's folded samples, by window start. */
    private transient MapState<Long, byte[]> foldedSketches;
    /** The keys of {@link #pending}, ascending. */
    private transient ValueState<long[]> openWindows;
    /** Tenant, metric and tags of the series, for the rows it writes. */
    private transient ValueState<MetricPoint> identity;
    /** The value and time of the latest sample written, for the next window's counter increase. */
    private transient ValueState<Double> lastWrittenValue;
    private transient ValueState<Long> lastWrittenTsMicros;
    private transient Counter beyondReorderBuffer;
    private transient Counter valuesOutOfRange;

    public SeriesRollupFunction(long windowMicros, RollupPolicy policy, long seriesStateTtlMicros,
            CounterRule counters, int reorderBuffer) {
        this.windowMicros = windowMicros;
        this.policy = policy;
        this.seriesStateTtlMicros = seriesStateTtlMicros;
        this.counters = counters;
        this.reorderBuffer = reorderBuffer;
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
        pending = getRuntimeContext().getMapState(layout.reads(new MapStateDescriptor<>(
                "pending-windows", Types.LONG, TypeInformation.of(PendingWindow.class))));
        foldedSketches = getRuntimeContext().getMapState(layout.reads(new MapStateDescriptor<>(
                "pending-window-sketches", Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)));
        openWindows = getRuntimeContext().getState(layout.reads(new ValueStateDescriptor<>(
                "open-window-starts", TypeInformation.of(long[].class))));
        identity = getRuntimeContext().getState(layout.reads(
                new ValueStateDescriptor<>("series-identity", TypeInformation.of(MetricPoint.class))));
        lastWrittenValue = getRuntimeContext().getState(layout.reads(
                new ValueStateDescriptor<>("last-written-value", Types.DOUBLE)));
        lastWrittenTsMicros = getRuntimeContext().getState(layout.reads(
                new ValueStateDescriptor<>("last-written-ts", Types.LONG)));
        beyondReorderBuffer = getRuntimeContext().getMetricGroup()
                .counter("counterPointsBeyondReorderBuffer");
        valuesOutOfRange = getRuntimeContext().getMetricGroup().counter("valuesOutOfRange");
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(PointBatch batch, Context ctx, Collector<RollupRow> out)
            throws Exception {
        long latenessMicros = policy.forTenant(batch.tenant).allowedLatenessMicros();
        boolean counter = counters.isCounter(batch.metric);
        long watermark = ctx.timerService().currentWatermark();
        // The window in hand: read once and written once for all the batch's points in it.
        long windowStart = 0;
        PendingWindow window = null;
        for (int i = 0; i < batch.size(); i++) {
            long ts = batch.tsMicros[i];
            double value = batch.values[i];
            if (!SketchCodec.holds(value)) {
                valuesOutOfRange.inc();
                ctx.output(TOO_LATE, RejectedPoints.of(batch.point(i), RejectReason.VALUE_OUT_OF_RANGE,
                        outOfRange(value), ctx.timerService().currentProcessingTime()));
                continue;
            }
            long start = Math.floorDiv(ts, windowMicros) * windowMicros;
            long writeAtMillis = WindowTimes.writeTimerMillis(start + windowMicros, latenessMicros);
            if (writeAtMillis <= watermark) {
                ctx.output(TOO_LATE, tooLate(batch.point(i), latenessMicros,
                        ctx.timerService().currentProcessingTime()));
                continue;
            }
            if (window == null || start != windowStart) {
                if (window != null) {
                    pending.put(windowStart, window);
                }
                window = openWindow(batch, start, ctx);
                windowStart = start;
            }
            if (window.writeTimerMillis != writeAtMillis) {
                // Once per window, and again only if a restore changed its tenant's lateness.
                ctx.timerService().registerEventTimeTimer(writeAtMillis);
                window.writeTimerMillis = writeAtMillis;
            }
            if (window.folded == null || ts >= window.folded.lastTsMicros) {
                window.add(ts, value);
                if (window.size() >= 2 * reorderBuffer) {
                    fold(start, window, counter, ctx);
                }
            } else {
                foldBehind(start, window, ts, value, counter);
            }
        }
        if (window != null) {
            pending.put(windowStart, window);
        }
    }

    /** The series' window starting at {@code start}, opened (with the series' identity) if new. */
    private PendingWindow openWindow(PointBatch batch, long start, Context ctx) throws Exception {
        PendingWindow window = pending.get(start);
        if (window != null) {
            return window;
        }
        openWindows.update(WindowStarts.with(openWindows.value(), start));
        // Checked only here: a series with a window open has its identity.
        if (identity.value() == null) {
            MetricPoint id = new MetricPoint();
            id.tenant = batch.tenant;
            id.metric = batch.metric;
            id.tags = batch.tags;
            id.seriesId = batch.seriesId;
            identity.update(id);
            ctx.output(SERIES_CHANGES, new SeriesChange(batch.tenant, batch.metric, 1));
        }
        return new PendingWindow();
    }

    /** Folds the window's samples kept apart into its aggregate, all but the latest reorderBuffer. */
    private void fold(long start, PendingWindow window, boolean counter, Context ctx) throws Exception {
        dropUnheldValues(window, ctx);
        int n = window.size() - reorderBuffer;
        if (n <= 0) {
            return;
        }
        RollupAggregate batch = RollupAggregate.ofSortedSamples(window.tsMicros, window.values, n,
                counter, window.folded == null ? Double.NaN : window.folded.lastValue);
        storeFolded(start, window, window.folded == null ? batch : withSketch(start, window.folded).merge(batch));
        window.dropOldest(n);
    }

    /** Folds in a point older than the window's latest folded sample, whose neighbours are gone. */
    private void foldBehind(long start, PendingWindow window, long ts, double value, boolean counter)
            throws Exception {
        RollupAggregate folded = withSketch(start, window.folded);
        RollupAggregate merged = folded.merge(RollupAggregate.ofSortedSamples(
                new long[] {ts}, new double[] {value}, 1, counter, Double.NaN));
        if (counter) {
            if (ts < folded.firstTsMicros) {
                merged.addStep(value, folded.firstValue);
            } else {
                beyondReorderBuffer.inc();
            }
        }
        storeFolded(start, window, merged);
    }

    private RollupAggregate withSketch(long start, RollupAggregate folded) throws Exception {
        folded.sketch = foldedSketches.get(start);
        return folded;
    }

    private void storeFolded(long start, PendingWindow window, RollupAggregate folded) throws Exception {
        foldedSketches.put(start, folded.sketch);
        folded.sketch = null;
        window.folded = folded;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RollupRow> out)
            throws Exception {
        MetricPoint id = identity.value();
        if (id == null) {
            return;
        }
        long latenessMicros = policy.forTenant(id.tenant).allowedLatenessMicros();
        // At the end of a bounded input (a rebuild) every timer fires now; nothing later would.
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
        long[] starts = openWindows.value();
        int waiting = 0;
        if (starts != null) {
            long[] stillOpen = new long[starts.length];
            for (long start : starts) {
                long writeAtMillis = WindowTimes.writeTimerMillis(start + windowMicros, latenessMicros);
                if (writeAtMillis <= timestamp) {
                    writeWindow(id, start, pending.get(start), ctx, out);
                    pending.remove(start);
                } else {
                    stillOpen[waiting++] = start;
                    if (!endOfInput) {
                        ctx.timerService().registerEventTimeTimer(writeAtMillis);
                    }
                }
            }
            if (waiting == 0) {
                openWindows.clear();
            } else if (waiting < starts.length) {
                openWindows.update(Arrays.copyOf(stillOpen, waiting));
            }
        }
        if (waiting > 0) {
            return;
        }
        // Nothing waits to be written: keep the last sample until the series has been quiet long
        // enough, then let everything go.
        Long lastTs = lastWrittenTsMicros.value();
        long idleAtMillis = lastTs == null
                ? timestamp : Math.floorDiv(lastTs + seriesStateTtlMicros, 1_000L);
        if (idleAtMillis <= timestamp || endOfInput) {
            ctx.output(SERIES_CHANGES, new SeriesChange(id.tenant, id.metric, -1));
            identity.clear();
            lastWrittenValue.clear();
            lastWrittenTsMicros.clear();
        } else {
            ctx.timerService().registerEventTimeTimer(idleAtMillis);
        }
    }

    private void writeWindow(MetricPoint id, long start, PendingWindow window, Context ctx,
            Collector<RollupRow> out) throws Exception {
        dropUnheldValues(window, ctx);
        if (window.folded == null && window.size() == 0) {
            return;
        }
        boolean counter = counters.isCounter(id.metric);
        Double previous = lastWrittenValue.value();
        Long previousTs = lastWrittenTsMicros.value();
        long firstTs = window.folded != null ? window.folded.firstTsMicros : window.tsMicros[0];
        if (previousTs != null && previousTs < firstTs - seriesStateTtlMicros) {
            // Decided by event time alone, not by whether the idle timer has fired yet, so a
            // rebuild from points_raw gives the same increase as the stream did.
            previous = null;
        }
        RollupAggregate aggregate;
        if (window.folded == null) {
            aggregate = RollupAggregate.ofSortedSamples(window.tsMicros, window.values, window.size(),
                    counter, previous == null ? Double.NaN : previous);
        } else {
            aggregate = withSketch(start, window.folded);
            foldedSketches.remove(start);
            if (window.size() > 0) {
                aggregate = aggregate.merge(RollupAggregate.ofSortedSamples(window.tsMicros,
                        window.values, window.size(), counter, aggregate.lastValue));
            }
            if (counter && previous != null) {
                aggregate.addStep(previous, aggregate.firstValue);
            }
        }
        RollupRow row = new RollupRow();
        row.tenant = id.tenant;
        row.metric = id.metric;
        row.tags = id.tags;
        row.seriesId = id.seriesId;
        row.windowStartMicros = start;
        row.windowEndMicros = start + windowMicros;
        row.counter = counter;
        row.aggregate = aggregate;
        out.collect(row);
        lastWrittenValue.update(aggregate.lastValue);
        lastWrittenTsMicros.update(aggregate.lastTsMicros);
    }

    /**
     * Takes out of the samples kept apart each one the sketch does not hold (only state of an
     * earlier version has them), counted and refused under the series it belongs to.
     */
    private void dropUnheldValues(PendingWindow window, Context ctx) throws Exception {
        if (window.allHeld()) {
            return;
        }
        MetricPoint id = identity.value();
        long[] times = new long[window.size()];
        double[] values = new double[window.size()];
        int kept = 0;
        for (int i = 0; i < window.size(); i++) {
            double v = window.values[i];
            if (SketchCodec.holds(v)) {
                times[kept] = window.tsMicros[i];
                values[kept++] = v;
                continue;
            }
            valuesOutOfRange.inc();
            MetricPoint sample = new MetricPoint();
            sample.tenant = id.tenant;
            sample.metric = id.metric;
            sample.tags = id.tags;
            sample.value = v;
            sample.timestampMicros = window.tsMicros[i];
            sample.provenance = new Provenance(STATE_SOURCE, -1, -1L, 0);
            ctx.output(TOO_LATE, RejectedPoints.of(sample, RejectReason.VALUE_OUT_OF_RANGE,
                    outOfRange(v) + " (a sample in the rollup's state)",
                    ctx.timerService().currentProcessingTime()));
        }
        window.tsMicros = Arrays.copyOf(times, kept);
        window.values = Arrays.copyOf(values, kept);
    }

    private static String outOfRange(double value) {
        return "value " + value + " is beyond the range the rollups' quantile sketch holds: magnitudes up to "
                + SketchCodec.MAX_MAGNITUDE;
    }

    private RejectedRecord tooLate(MetricPoint point, long latenessMicros, long nowMillis) {
        return RejectedPoints.of(point, RejectReason.TOO_LATE, "point at " + point.timestampMicros
                + "us is later than the allowed lateness of " + latenessMicros / 1_000_000 + "s: its "
                + windowMicros / 1_000_000 + "s window was already written", nowMillis);
    }
}
