package io.chronicle.operators.views;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TraceRow;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.OutputTag;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The traces view, keyed by (tenant, trace id): folds each event into the trace's
 * {@link TraceSummary} and emits the row derived from it, so an event costs the same whatever the
 * trace's size. A finished task is counted for its agent through {@link #AGENT_SIGNALS}, and
 * corrected there if a late event changes it.
 *
 * <p>A trace takes at most {@code maxEvents} events; later ones go to {@link #TOO_MANY_EVENTS}
 * and are counted in the row's {@code events_dropped}. The row is emitted again when that count
 * reaches a power of two and before the trace's state is cleared, rather than for every refused
 * event, so a flooded trace costs one upsert per doubling, not one per event.
 *
 * <p>One event-time timer per trace: at the inactivity deadline while the trace runs (it then
 * times out), at the terminal time plus the grace period once it has ended (its state is then
 * cleared). An event of an unknown trace already older than the grace period behind the
 * watermark could only belong to a trace that was cleared; it goes to {@link #TOO_LATE} rather
 * than start a partial row that would overwrite the finished one. A processing-time timer clears
 * a trace untouched for {@code stateTtl}, for when event time stands still.
 */
public class TraceViewFunction extends KeyedProcessFunction<String, Event, TraceRow>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("traces view");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    public static final OutputTag<AgentSignal> AGENT_SIGNALS =
            new OutputTag<>("agent-signals", TypeInformation.of(AgentSignal.class));
    public static final OutputTag<RejectedRecord> TOO_LATE =
            new OutputTag<>("too-late-events", TypeInformation.of(RejectedRecord.class));
    public static final OutputTag<RejectedRecord> TOO_MANY_EVENTS =
            new OutputTag<>("too-many-events", TypeInformation.of(RejectedRecord.class));

    private final long inactivityTimeoutMicros;
    private final long graceMicros;
    private final Duration stateTtl;
    private final int maxEvents;

    /** Every event of a trace, as versions before {@link TraceSummary} kept them; read once, then cleared. */
    private transient ListState<TraceFact> legacyFacts;
    private transient ValueState<TraceProgress> progress;
    private transient MapState<Long, TimeBucket> timeBuckets;
    private transient ActivityRuns runs;
    private transient Counter illegalTransitions;
    private transient Counter tooLate;
    private transient Counter tooManyEvents;

    public TraceViewFunction(Duration inactivityTimeout, Duration terminalGrace, Duration stateTtl,
            int maxEvents) {
        this.inactivityTimeoutMicros = inactivityTimeout.toNanos() / 1_000L;
        this.graceMicros = terminalGrace.toNanos() / 1_000L;
        this.stateTtl = stateTtl;
        this.maxEvents = maxEvents;
    }

    /** The state key of an event's trace. */
    public static String traceKey(Event e) {
        return e.tenant + '\u0000' + e.traceId;
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
        // The TTL the progress and the legacy events were written with: a restore needs the same.
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
        ListStateDescriptor<TraceFact> factsDescriptor =
                new ListStateDescriptor<>("trace-facts", TypeInformation.of(TraceFact.class));
        factsDescriptor.enableTimeToLive(ttl);
        legacyFacts = getRuntimeContext().getListState(layout.reads(factsDescriptor));
        ValueStateDescriptor<TraceProgress> progressDescriptor =
                new ValueStateDescriptor<>("trace-progress", TypeInformation.of(TraceProgress.class));
        progressDescriptor.enableTimeToLive(ttl);
        progress = getRuntimeContext().getState(layout.reads(progressDescriptor));
        // No TTL: a run's buckets must live exactly as long as the trace, which the timers see to.
        timeBuckets = getRuntimeContext().getMapState(layout.reads(new MapStateDescriptor<>(
                "trace-time-buckets", Types.LONG, TypeInformation.of(TimeBucket.class))));
        runs = new ActivityRuns(new StateBuckets(), inactivityTimeoutMicros);
        illegalTransitions = getRuntimeContext().getMetricGroup().counter("illegalTransitions");
        tooLate = getRuntimeContext().getMetricGroup().counter("tooLateEvents");
        tooManyEvents = getRuntimeContext().getMetricGroup().counter("tooManyEvents");
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<TraceRow> out) throws Exception {
        long watermarkMicros = watermarkMicros(ctx.timerService().currentWatermark());
        long now = ctx.timerService().currentProcessingTime();
        TraceProgress current = progress.value();
        if (current == null && watermarkMicros != Long.MIN_VALUE
                && event.eventTimeMicros < watermarkMicros - graceMicros) {
            tooLate.inc();
            ctx.output(TOO_LATE, rejected(event, RejectReason.TOO_LATE, "event at "
                    + event.eventTimeMicros + "us of trace " + event.traceId
                    + " is more than the traces' grace period of " + graceMicros / 1_000_000
                    + "s behind event time and its trace is not open: it was finished and cleared,"
                    + " or is unknown", now));
            return;
        }
        if (current == null) {
            current = new TraceProgress();
            current.tenant = event.tenant;
            current.traceId = event.traceId;
            current.timerMillis = Long.MIN_VALUE;
            current.summary = new TraceSummary();
        } else {
            upgrade(current, ctx.timerService());
        }
        current.lastSeenMillis = now;
        if (current.expiryTimerMillis == 0) {
            current.expiryTimerMillis = now + stateTtl.toMillis();
            ctx.timerService().registerProcessingTimeTimer(current.expiryTimerMillis);
        }
        TraceSummary summary = current.summary;
        if (summary.events >= maxEvents) {
            tooManyEvents.inc();
            summary.eventsDropped++;
            ctx.output(TOO_MANY_EVENTS, rejected(event, RejectReason.TOO_MANY_EVENTS, "trace "
                    + event.traceId + " already has " + summary.events + " events, the most a"
                    + " trace may have (chronicle.traces.max-events); its row counts this one in"
                    + " events_dropped", now));
            if (Long.bitCount(summary.eventsDropped) == 1) {
                emit(summary.row(current.tenant, current.traceId, inactivityTimeoutMicros,
                        watermarkMicros), current, ctx, out);
            } else {
                progress.update(current);
            }
            return;
        }
        summary.add(TraceFact.of(event), runs);
        emit(summary.row(current.tenant, current.traceId, inactivityTimeoutMicros, watermarkMicros),
                current, ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TraceRow> out) throws Exception {
        TraceProgress current = progress.value();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            expireIfUntouched(timestamp, current, ctx);
            return;
        }
        if (current == null || current.timerMillis != timestamp) {
            return;
        }
        upgrade(current, ctx.timerService());
        TraceRow row = current.summary.row(current.tenant, current.traceId, inactivityTimeoutMicros,
                timestamp * 1_000L);
        if (row.isTerminal() && timestamp * 1_000L >= cleanupAt(row)) {
            if (row.eventsDropped != current.eventsDroppedEmitted) {
                // Events refused since the last row: the final row counts them all.
                out.collect(row);
            }
            if (current.expiryTimerMillis != 0) {
                ctx.timerService().deleteProcessingTimeTimer(current.expiryTimerMillis);
            }
            clear();
            return;
        }
        if (row.status.equals(current.status)) {
            current.timerMillis = Long.MIN_VALUE;
            schedule(row, current, ctx);
            progress.update(current);
        } else {
            emit(row, current, ctx, out);
        }
    }

    /** The safety net for a trace whose event time stands still: cleared once left untouched. */
    private void expireIfUntouched(long timestamp, TraceProgress current, OnTimerContext ctx)
            throws Exception {
        if (current == null) {
            // The progress outlived its own TTL a moment earlier: let the rest go too.
            timeBuckets.clear();
            return;
        }
        if (current.expiryTimerMillis != timestamp) {
            return;
        }
        long dueMillis = current.lastSeenMillis + stateTtl.toMillis();
        if (dueMillis > timestamp) {
            current.expiryTimerMillis = dueMillis;
            ctx.timerService().registerProcessingTimeTimer(dueMillis);
            progress.update(current);
            return;
        }
        if (current.timerMillis != Long.MIN_VALUE) {
            ctx.timerService().deleteEventTimeTimer(current.timerMillis);
        }
        clear();
    }

    private void clear() {
        progress.clear();
        timeBuckets.clear();
    }

    /**
     * A trace restored from a version that kept all its events: folds them into a summary once,
     * lets them go, and sets the processing-time timer that version did not have.
     */
    private void upgrade(TraceProgress current, TimerService timers) throws Exception {
        if (current.summary != null) {
            return;
        }
        TraceSummary summary = new TraceSummary();
        Iterable<TraceFact> facts = legacyFacts.get();
        if (facts != null) {
            for (TraceFact fact : facts) {
                summary.add(fact, runs);
            }
        }
        legacyFacts.clear();
        current.summary = summary;
        current.lastSeenMillis = timers.currentProcessingTime();
        current.expiryTimerMillis = current.lastSeenMillis + stateTtl.toMillis();
        timers.registerProcessingTimeTimer(current.expiryTimerMillis);
    }

    private void emit(TraceRow row, TraceProgress current, Context ctx, Collector<TraceRow> out)
            throws Exception {
        if (row.illegalTransitions > current.illegalTransitions) {
            illegalTransitions.inc(row.illegalTransitions - current.illegalTransitions);
        }
        out.collect(row);
        AgentSignal counted = countedTask(row);
        AgentSignal before = current.counted;
        if (before != null && (counted == null || !before.agentId.equals(counted.agentId))) {
            ctx.output(AGENT_SIGNALS, AgentSignal.withdraw(row.tenant, before.agentId, row.traceId));
        }
        if (counted != null && !counted.sameTask(before)) {
            ctx.output(AGENT_SIGNALS, counted);
        }
        current.counted = counted;
        current.status = row.status;
        current.illegalTransitions = row.illegalTransitions;
        current.eventsDroppedEmitted = row.eventsDropped;
        schedule(row, current, ctx);
        progress.update(current);
    }

    /** The task a row counts for its agent: a completed or failed trace with an agent. */
    private static AgentSignal countedTask(TraceRow row) {
        boolean completed = "completed".equals(row.status);
        if ((!completed && !"failed".equals(row.status)) || row.assignedAgent == null) {
            return null;
        }
        int day = (int) Math.floorDiv(row.completedAtMicros, MICROS_PER_DAY);
        return AgentSignal.task(row.tenant, row.assignedAgent, row.traceId, day, completed,
                row.durationMs);
    }

    private void schedule(TraceRow row, TraceProgress current, Context ctx) {
        long dueMicros = row.isTerminal()
                ? cleanupAt(row)
                : TraceLifecycle.inactivityDeadline(row, inactivityTimeoutMicros);
        long dueMillis = Math.floorDiv(dueMicros + 999L, 1_000L);
        if (dueMillis == current.timerMillis) {
            return;
        }
        if (current.timerMillis != Long.MIN_VALUE) {
            ctx.timerService().deleteEventTimeTimer(current.timerMillis);
        }
        ctx.timerService().registerEventTimeTimer(dueMillis);
        current.timerMillis = dueMillis;
    }

    private long cleanupAt(TraceRow row) {
        return Math.max(row.lastEventTimeMicros, row.completedAtMicros) + graceMicros;
    }

    private static long watermarkMicros(long watermarkMillis) {
        return watermarkMillis == Long.MIN_VALUE ? Long.MIN_VALUE : watermarkMillis * 1_000L;
    }

    private static RejectedRecord rejected(Event e, RejectReason reason, String message,
            long nowMillis) {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = reason.code();
        r.message = message;
        r.tenant = e.tenant;
        r.payload = describe(e);
        r.kafkaTimestampMillis = Math.floorDiv(e.eventTimeMicros, 1_000L);
        Provenance from = e.provenance;
        r.provenance = new Provenance(from.topic, from.partition, from.offset, nowMillis * 1_000L);
        return r;
    }

    /** The event as normalized JSON, so it can be inspected or produced again. */
    private static byte[] describe(Event e) {
        ObjectNode json = JSON.createObjectNode();
        json.put("tenant", e.tenant);
        json.put("event_id", e.eventId);
        json.put("trace_id", e.traceId);
        json.put("source", e.source);
        json.put("event_type", e.eventType);
        json.put("timestamp", e.eventTimeMicros);
        json.set("metadata", TraceFact.metadata(e.metadata));
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The trace's buckets in its keyed map state; a state failure is the job's, not the input's. */
    private final class StateBuckets implements ActivityRuns.Buckets {
        @Override
        public TimeBucket get(long index) {
            try {
                return timeBuckets.get(index);
            } catch (Exception e) {
                throw new FlinkRuntimeException("Cannot read the trace's time buckets", e);
            }
        }

        @Override
        public void put(long index, TimeBucket bucket) {
            try {
                timeBuckets.put(index, bucket);
            } catch (Exception e) {
                throw new FlinkRuntimeException("Cannot write the trace's time buckets", e);
            }
        }
    }
}
