package io.chronicle.operators.views;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TraceRow;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The traces view, keyed by (tenant, trace id): keeps every event of the trace, derives the row
 * with {@link TraceLifecycle} on each one and emits it. A finished task is counted for its agent
 * through {@link #AGENT_SIGNALS}, and corrected there if a late event changes it.
 *
 * <p>One event-time timer per trace: at the inactivity deadline while the trace runs (it then
 * times out), at the terminal time plus the grace period once it has ended (its state is then
 * cleared). An event of an unknown trace already older than the grace period behind the
 * watermark could only belong to a trace that was cleared; it goes to {@link #TOO_LATE} rather
 * than start a partial row that would overwrite the finished one.
 */
public class TraceViewFunction extends KeyedProcessFunction<String, Event, TraceRow> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    public static final OutputTag<AgentSignal> AGENT_SIGNALS =
            new OutputTag<>("agent-signals", TypeInformation.of(AgentSignal.class));
    public static final OutputTag<RejectedRecord> TOO_LATE =
            new OutputTag<>("too-late-events", TypeInformation.of(RejectedRecord.class));

    private final long inactivityTimeoutMicros;
    private final long graceMicros;
    private final Duration stateTtl;

    private transient ListState<TraceFact> facts;
    private transient ValueState<TraceProgress> progress;
    private transient Counter illegalTransitions;
    private transient Counter tooLate;

    public TraceViewFunction(Duration inactivityTimeout, Duration terminalGrace, Duration stateTtl) {
        this.inactivityTimeoutMicros = inactivityTimeout.toNanos() / 1_000L;
        this.graceMicros = terminalGrace.toNanos() / 1_000L;
        this.stateTtl = stateTtl;
    }

    /** The state key of an event's trace. */
    public static String traceKey(Event e) {
        return e.tenant + '\u0000' + e.traceId;
    }

    @Override
    public void open(OpenContext openContext) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(stateTtl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build();
        ListStateDescriptor<TraceFact> factsDescriptor =
                new ListStateDescriptor<>("trace-facts", TypeInformation.of(TraceFact.class));
        factsDescriptor.enableTimeToLive(ttl);
        facts = getRuntimeContext().getListState(factsDescriptor);
        ValueStateDescriptor<TraceProgress> progressDescriptor =
                new ValueStateDescriptor<>("trace-progress", TypeInformation.of(TraceProgress.class));
        progressDescriptor.enableTimeToLive(ttl);
        progress = getRuntimeContext().getState(progressDescriptor);
        illegalTransitions = getRuntimeContext().getMetricGroup().counter("illegalTransitions");
        tooLate = getRuntimeContext().getMetricGroup().counter("tooLateEvents");
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<TraceRow> out) throws Exception {
        long watermarkMicros = watermarkMicros(ctx.timerService().currentWatermark());
        TraceProgress current = progress.value();
        if (current == null && watermarkMicros != Long.MIN_VALUE
                && event.eventTimeMicros < watermarkMicros - graceMicros) {
            tooLate.inc();
            ctx.output(TOO_LATE, tooLate(event, ctx.timerService().currentProcessingTime()));
            return;
        }
        if (current == null) {
            current = new TraceProgress();
            current.tenant = event.tenant;
            current.traceId = event.traceId;
            current.timerMillis = Long.MIN_VALUE;
        }
        facts.add(TraceFact.of(event));
        TraceRow row = derive(current, watermarkMicros);
        if (row.illegalTransitions > current.illegalTransitions) {
            illegalTransitions.inc(row.illegalTransitions - current.illegalTransitions);
        }
        emit(row, current, ctx, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<TraceRow> out) throws Exception {
        TraceProgress current = progress.value();
        if (current == null || current.timerMillis != timestamp) {
            return;
        }
        TraceRow row = derive(current, timestamp * 1_000L);
        if (row.isTerminal() && timestamp * 1_000L >= cleanupAt(row)) {
            facts.clear();
            progress.clear();
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

    private TraceRow derive(TraceProgress current, long watermarkMicros) throws Exception {
        List<TraceFact> all = new ArrayList<>();
        for (TraceFact fact : facts.get()) {
            all.add(fact);
        }
        return TraceLifecycle.derive(current.tenant, current.traceId, all,
                inactivityTimeoutMicros, watermarkMicros);
    }

    private void emit(TraceRow row, TraceProgress current, Context ctx, Collector<TraceRow> out)
            throws Exception {
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

    private RejectedRecord tooLate(Event e, long nowMillis) {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = RejectReason.TOO_LATE.code();
        r.message = "event at " + e.eventTimeMicros + "us of trace " + e.traceId
                + " is more than the traces' grace period of " + graceMicros / 1_000_000
                + "s behind event time and its trace is not open: it was finished and cleared,"
                + " or is unknown";
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
}
