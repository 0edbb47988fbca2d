package io.chronicle.operators.rollup;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.core.rollup.SketchCodec;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;

/**
 * Event-time tumbling windows of one series (keyed by series id), each written once when the
 * watermark passes the window's end plus its tenant's allowed lateness. Samples wait in keyed
 * state until then, so points arriving out of order within the lateness are folded in; a point
 * for a window already written goes to {@link #TOO_LATE} as a rejected record, never dropped.
 *
 * <p>A timer writes every window that is due at its time rather than one window it was set for,
 * so a restore with a different allowed lateness neither strands nor repeats a window. The
 * series' last written sample is kept for counter increases across windows, and cleared by an
 * event-time timer once the series has been quiet for {@code seriesStateTtlMicros}, so state and
 * timers drain for series that stop; a step across a longer gap is never counted.
 *
 * <p>State is only read and written by key, never iterated: samples wait per window, and a timer
 * finds the series' open windows in {@link WindowStarts}.
 *
 * <p>A value the quantile sketch cannot hold ({@link SketchCodec#holds}) never fails the job: the
 * normalizer refuses such points, and one that comes another way (a rebuild over
 * {@code points_raw} written before that check) is refused here as {@code value_out_of_range}.
 * A sample of one in state restored from an earlier version is left out of its window when the
 * window is written, with a rejection of its own, rather than fail that write on every restart.
 * Both are counted in {@code valuesOutOfRange}.
 */
public class SeriesRollupFunction extends KeyedProcessFunction<Long, MetricPoint, RollupRow> {

    private static final long serialVersionUID = 1L;

    /** Points refused by the tier: {@code too_late}, or {@code value_out_of_range}. */
    public static final OutputTag<RejectedRecord> TOO_LATE =
            new OutputTag<>("too-late", TypeInformation.of(RejectedRecord.class));

    /** Where a sample found in state came from is not kept: its rejection names this instead. */
    static final String STATE_SOURCE = "(rollup state)";

    /** A series' first point since it was last quiet (+1), and its going quiet (-1). */
    public static final OutputTag<SeriesChange> SERIES_CHANGES =
            new OutputTag<>("series-changes", TypeInformation.of(SeriesChange.class));

    private static final JsonFactory JSON = new JsonFactory();

    private final long windowMicros;
    private final RollupPolicy policy;
    private final long seriesStateTtlMicros;
    private final CounterRule counters;

    /** Samples not yet written, by the start of their window. */
    private transient MapState<Long, PendingWindow> pending;
    /** The keys of {@link #pending}, ascending. */
    private transient ValueState<long[]> openWindows;
    /** Tenant, metric and tags of the series, for the rows it writes. */
    private transient ValueState<MetricPoint> identity;
    /** The value and time of the latest sample written, for the next window's counter increase. */
    private transient ValueState<Double> lastWrittenValue;
    private transient ValueState<Long> lastWrittenTsMicros;
    private transient Counter valuesOutOfRange;

    public SeriesRollupFunction(
            long windowMicros, RollupPolicy policy, long seriesStateTtlMicros, CounterRule counters) {
        this.windowMicros = windowMicros;
        this.policy = policy;
        this.seriesStateTtlMicros = seriesStateTtlMicros;
        this.counters = counters;
    }

    @Override
    public void open(OpenContext openContext) {
        pending = getRuntimeContext().getMapState(new MapStateDescriptor<>(
                "pending-windows", Types.LONG, TypeInformation.of(PendingWindow.class)));
        openWindows = getRuntimeContext().getState(new ValueStateDescriptor<>(
                "open-window-starts", TypeInformation.of(long[].class)));
        identity = getRuntimeContext().getState(
                new ValueStateDescriptor<>("series-identity", TypeInformation.of(MetricPoint.class)));
        lastWrittenValue = getRuntimeContext().getState(
                new ValueStateDescriptor<>("last-written-value", Types.DOUBLE));
        lastWrittenTsMicros = getRuntimeContext().getState(
                new ValueStateDescriptor<>("last-written-ts", Types.LONG));
        valuesOutOfRange = getRuntimeContext().getMetricGroup().counter("valuesOutOfRange");
    }

    @Override
    public void processElement(MetricPoint point, Context ctx, Collector<RollupRow> out)
            throws Exception {
        if (!SketchCodec.holds(point.value)) {
            valuesOutOfRange.inc();
            ctx.output(TOO_LATE, refused(point, point.provenance, RejectReason.VALUE_OUT_OF_RANGE,
                    outOfRange(point.value), ctx.timerService().currentProcessingTime()));
            return;
        }
        long latenessMicros = policy.forTenant(point.tenant).allowedLatenessMicros();
        long windowStart = Math.floorDiv(point.timestampMicros, windowMicros) * windowMicros;
        long writeAtMillis = WindowTimes.writeTimerMillis(windowStart + windowMicros, latenessMicros);
        if (writeAtMillis <= ctx.timerService().currentWatermark()) {
            ctx.output(TOO_LATE, refused(point, point.provenance, RejectReason.TOO_LATE,
                    "point at " + point.timestampMicros + "us is later than the allowed lateness of "
                            + latenessMicros / 1_000_000 + "s: its " + windowMicros / 1_000_000
                            + "s window was already written",
                    ctx.timerService().currentProcessingTime()));
            return;
        }
        PendingWindow window = pending.get(windowStart);
        if (window == null) {
            window = new PendingWindow();
            openWindows.update(WindowStarts.with(openWindows.value(), windowStart));
            // Checked only here: a series with a window open has its identity.
            if (identity.value() == null) {
                MetricPoint id = new MetricPoint();
                id.tenant = point.tenant;
                id.metric = point.metric;
                id.tags = point.tags;
                id.seriesId = point.seriesId;
                identity.update(id);
                ctx.output(SERIES_CHANGES, new SeriesChange(point.tenant, point.metric, 1));
            }
        }
        window.add(point.timestampMicros, point.value);
        pending.put(windowStart, window);
        ctx.timerService().registerEventTimeTimer(writeAtMillis);
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

    private void writeWindow(MetricPoint id, long start, PendingWindow window, OnTimerContext ctx,
            Collector<RollupRow> out) throws Exception {
        long[] sampleTimes = window.tsMicros;
        double[] sampleValues = window.values;
        int n = window.size();
        for (double v : sampleValues) {
            if (!SketchCodec.holds(v)) {
                PendingWindow held = withoutUnheldValues(id, window, ctx);
                sampleTimes = held.tsMicros;
                sampleValues = held.values;
                n = held.size();
                break;
            }
        }
        if (n == 0) {
            return;
        }
        boolean counter = counters.isCounter(id.metric);
        Double previous = lastWrittenValue.value();
        Long previousTs = lastWrittenTsMicros.value();
        if (previousTs != null && previousTs < sampleTimes[0] - seriesStateTtlMicros) {
            // Decided by event time alone, not by whether the idle timer has fired yet, so a
            // rebuild from points_raw gives the same increase as the stream did.
            previous = null;
        }
        RollupRow row = new RollupRow();
        row.tenant = id.tenant;
        row.metric = id.metric;
        row.tags = id.tags;
        row.seriesId = id.seriesId;
        row.windowStartMicros = start;
        row.windowEndMicros = start + windowMicros;
        row.counter = counter;
        row.aggregate = RollupAggregate.ofSortedSamples(sampleTimes, sampleValues, n, counter,
                previous == null ? Double.NaN : previous);
        out.collect(row);
        lastWrittenValue.update(sampleValues[n - 1]);
        lastWrittenTsMicros.update(sampleTimes[n - 1]);
    }

    /**
     * The samples of {@code window} the sketch holds; each one it does not hold (only state of an
     * earlier version has them) is counted and refused, under the series it belongs to.
     */
    private PendingWindow withoutUnheldValues(MetricPoint id, PendingWindow window, OnTimerContext ctx) {
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
            ctx.output(TOO_LATE, refused(sample, new Provenance(STATE_SOURCE, -1, -1L, 0),
                    RejectReason.VALUE_OUT_OF_RANGE, outOfRange(v) + " (a sample in the rollup's state)",
                    ctx.timerService().currentProcessingTime()));
        }
        PendingWindow held = new PendingWindow();
        held.tsMicros = Arrays.copyOf(times, kept);
        held.values = Arrays.copyOf(values, kept);
        return held;
    }

    private static String outOfRange(double value) {
        return "value " + value + " is beyond the range the rollups' quantile sketch holds: magnitudes up to "
                + SketchCodec.MAX_MAGNITUDE;
    }

    private static RejectedRecord refused(MetricPoint point, Provenance from, RejectReason reason,
            String message, long nowMillis) {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = reason.code();
        r.message = message;
        r.tenant = point.tenant;
        r.payload = describe(point);
        r.kafkaTimestampMillis = point.timestampMicros / 1_000L;
        r.provenance = new Provenance(from.topic, from.partition, from.offset, nowMillis * 1_000L);
        return r;
    }

    /** The point as normalized JSON, so it can be inspected or produced again. */
    private static byte[] describe(MetricPoint p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("tenant", p.tenant);
            json.writeStringField("metric", p.metric);
            json.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> tag : p.tags.entrySet()) {
                json.writeStringField(tag.getKey(), tag.getValue());
            }
            json.writeEndObject();
            json.writeNumberField("value", p.value);
            json.writeNumberField("timestamp", p.timestampMicros);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
