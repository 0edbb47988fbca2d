package io.chronicle.operators.views;

import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TraceRow;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TraceViewFunctionTest {

    private static final long SECOND = 1_000_000L;
    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final long T0 = 1_790_000_000L;

    private long offset;

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> harness()
            throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new TraceViewFunction(TIMEOUT, GRACE, Duration.ofDays(7), 10_000)),
                        TraceViewFunction::traceKey, Types.STRING);
        h.open();
        return h;
    }

    private Event event(String type, long second, String source, String metadata) {
        Event e = new Event();
        e.tenant = "acme";
        e.traceId = "trace-1";
        e.eventId = type + "-" + second;
        e.eventType = type;
        e.eventTimeMicros = (T0 + second) * SECOND;
        e.source = source;
        e.metadata = metadata;
        e.provenance = new Provenance("events", 0, offset++, 0);
        return e;
    }

    private Event created(long s) {
        return event("task.created", s, "dispatch", "{\"task_title\":\"Index docs\",\"owner\":\"team-a\"}");
    }

    private Event assigned(long s) {
        return event("task.assigned", s, "dispatch", "{\"agent_id\":\"agent-7\"}");
    }

    private Event started(long s) {
        return event("task.started", s, "agent-7", "{}");
    }

    private Event completed(long s) {
        return event("task.completed", s, "agent-7", "{\"scoring_breakdown\":{\"quality\":91}}");
    }

    private Event failed(long s) {
        return event("task.failed", s, "agent-7", "{\"error\":\"exit code 2\"}");
    }

    private Event timeout(long s) {
        return event("task.timeout", s, "scheduler", "{}");
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h,
            Event... events) throws Exception {
        for (Event e : events) {
            h.processElement(new StreamRecord<>(e, e.eventTimeMicros / 1_000L));
        }
    }

    private static void watermark(KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h,
            long second) throws Exception {
        h.processWatermark((T0 + second) * 1_000L);
    }

    private static TraceRow last(KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h) {
        List<TraceRow> rows = h.extractOutputValues();
        return rows.get(rows.size() - 1);
    }

    private static List<AgentSignal> signals(
            KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h) {
        List<AgentSignal> out = new ArrayList<>();
        if (h.getSideOutput(TraceViewFunction.AGENT_SIGNALS) != null) {
            h.getSideOutput(TraceViewFunction.AGENT_SIGNALS).forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    private static long at(long second) {
        return (T0 + second) * SECOND;
    }

    @Test
    void eachLifecycleStepIsReflectedInTheRow() throws Exception {
        try (var h = harness()) {
            send(h, created(0));
            assertThat(last(h).status).isEqualTo("pending");
            assertThat(last(h).taskTitle).isEqualTo("Index docs");
            assertThat(last(h).owner).isEqualTo("team-a");
            send(h, assigned(5));
            assertThat(last(h).status).isEqualTo("assigned");
            assertThat(last(h).assignedAgent).isEqualTo("agent-7");
            send(h, started(12));
            assertThat(last(h).status).isEqualTo("in_progress");
            assertThat(last(h).timeToPickupMs).isEqualTo(7_000L);
            send(h, completed(72));
            TraceRow row = last(h);
            assertThat(row.status).isEqualTo("completed");
            assertThat(row.createdAtMicros).isEqualTo(at(0));
            assertThat(row.assignedAtMicros).isEqualTo(at(5));
            assertThat(row.startedAtMicros).isEqualTo(at(12));
            assertThat(row.completedAtMicros).isEqualTo(at(72));
            assertThat(row.durationMs).isEqualTo(60_000L);
            assertThat(row.spanCount).isEqualTo(4);
            assertThat(row.scoringBreakdown).isEqualTo("{\"quality\":91}");
            assertThat(row.lastEventTimeMicros).isEqualTo(at(72));
            assertThat(row.illegalTransitions).isZero();
            assertThat(signals(h)).containsExactly(
                    AgentSignal.task("acme", "agent-7", "trace-1", (int) ((T0 + 72) / 86_400), true, 60_000L));
        }
    }

    @Test
    void aFailureKeepsItsErrorAndCountsForTheAgentAsFailed() throws Exception {
        try (var h = harness()) {
            send(h, created(0), assigned(1), started(2), failed(9));
            TraceRow row = last(h);
            assertThat(row.status).isEqualTo("failed");
            assertThat(row.error).isEqualTo("exit code 2");
            assertThat(row.completedAtMicros).isEqualTo(at(9));
            assertThat(signals(h)).singleElement()
                    .satisfies(s -> assertThat(s.completed).isFalse())
                    .satisfies(s -> assertThat(s.durationMs).isNull());
        }
    }

    @Test
    void aTimeoutEventEndsATraceFromPendingAssignedOrInProgress() throws Exception {
        for (int steps = 1; steps <= 3; steps++) {
            try (var h = harness()) {
                List<Event> events = new ArrayList<>(List.of(created(0), assigned(1), started(2)));
                send(h, events.subList(0, steps).toArray(Event[]::new));
                send(h, timeout(100));
                assertThat(last(h).status).as("after %d steps", steps).isEqualTo("timed_out");
                assertThat(last(h).completedAtMicros).isEqualTo(at(100));
                assertThat(signals(h)).as("a timed-out task counts for no agent").isEmpty();
            }
        }
    }

    @Test
    void everyArrivalOrderOfTheLifecycleGivesTheSameRow() throws Exception {
        List<Event> lifecycle = List.of(created(0), assigned(5), started(12), completed(72));
        TraceRow expected;
        try (var h = harness()) {
            send(h, lifecycle.toArray(Event[]::new));
            expected = last(h);
        }
        List<List<Event>> orders = permutations(lifecycle);
        assertThat(orders).hasSize(24);
        for (List<Event> order : orders) {
            try (var h = harness()) {
                send(h, order.toArray(Event[]::new));
                assertThat(last(h)).as("arrival order %s", order).isEqualTo(expected);
                assertThat(countedFor(signals(h))).as("agent count for %s", order)
                        .containsExactly(AgentSignal.task("acme", "agent-7", "trace-1",
                                (int) ((T0 + 72) / 86_400), true, 60_000L));
            }
        }
    }

    @Test
    void aCompletionBeforeItsStartIsCorrectedWhenTheStartArrives() throws Exception {
        try (var h = harness()) {
            send(h, created(0), assigned(5), completed(72));
            assertThat(last(h).status).isEqualTo("completed");
            assertThat(last(h).durationMs).isNull();
            send(h, started(12));
            assertThat(last(h).durationMs).isEqualTo(60_000L);
            assertThat(last(h).illegalTransitions).isZero();
            List<AgentSignal> s = signals(h);
            assertThat(s).hasSize(2);
            assertThat(s.get(0).durationMs).isNull();
            assertThat(s.get(1).durationMs).as("the same trace, counted again with its duration")
                    .isEqualTo(60_000L);
        }
    }

    @Test
    void aStartAfterCompletionIsRecordedNotApplied() throws Exception {
        try (var h = harness()) {
            send(h, created(0), assigned(5), started(12), completed(72),
                    event("task.started", 80, "agent-7", "{}"));
            TraceRow row = last(h);
            assertThat(row.status).isEqualTo("completed");
            assertThat(row.startedAtMicros).isEqualTo(at(12));
            assertThat(row.spanCount).isEqualTo(5);
            assertThat(row.illegalTransitions).isEqualTo(1);
            assertThat(row.lastIllegalTransition).startsWith("task.started at ").endsWith("while completed");
        }
    }

    @Test
    void aSecondTerminalEventIsIllegalWhicheverArrivesFirst() throws Exception {
        for (boolean failedFirst : new boolean[] {true, false}) {
            try (var h = harness()) {
                send(h, created(0), assigned(5), started(12));
                if (failedFirst) {
                    send(h, failed(90), completed(72));
                } else {
                    send(h, completed(72), failed(90));
                }
                assertThat(last(h).status).isEqualTo("completed");
                assertThat(last(h).illegalTransitions).isEqualTo(1);
                assertThat(countedFor(signals(h))).singleElement()
                        .satisfies(s -> assertThat(s.completed).isTrue());
            }
        }
    }

    @Test
    void aQuietTraceTimesOutWhenEventTimePassesItsDeadline() throws Exception {
        try (var h = harness()) {
            send(h, created(0), assigned(5));
            watermark(h, 5 + TIMEOUT.toSeconds() - 1);
            assertThat(last(h).status).isEqualTo("assigned");
            watermark(h, 5 + TIMEOUT.toSeconds());
            assertThat(last(h).status).isEqualTo("timed_out");
            assertThat(last(h).completedAtMicros).isEqualTo(at(5 + TIMEOUT.toSeconds()));
            assertThat(h.extractOutputValues()).hasSize(3);
        }
    }

    @Test
    void aGapLongerThanTheTimeoutTimesOutEvenWhenTheLaterEventArrivesFirst() throws Exception {
        long late = 5 + TIMEOUT.toSeconds() + 60;
        try (var h = harness()) {
            send(h, started(late), created(0), assigned(5));
            TraceRow row = last(h);
            assertThat(row.status).isEqualTo("timed_out");
            assertThat(row.completedAtMicros).isEqualTo(at(5 + TIMEOUT.toSeconds()));
            assertThat(row.illegalTransitions).isEqualTo(1);
        }
    }

    @Test
    void stateAndTimersDrainAfterTheTerminalStatePlusGrace() throws Exception {
        try (var h = harness()) {
            send(h, created(0), assigned(5), started(12), completed(72));
            assertThat(h.numKeyedStateEntries()).isPositive();
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            watermark(h, 72 + GRACE.toSeconds() - 1);
            assertThat(h.numKeyedStateEntries()).isPositive();
            watermark(h, 72 + GRACE.toSeconds());
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aTimedOutTraceDrainsToo() throws Exception {
        try (var h = harness()) {
            send(h, created(0));
            watermark(h, TIMEOUT.toSeconds() + GRACE.toSeconds());
            assertThat(last(h).status).isEqualTo("timed_out");
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void anEventOfAClearedTraceIsRejectedAsTooLate() throws Exception {
        try (var h = harness()) {
            send(h, created(0), assigned(5), started(12), completed(72));
            watermark(h, 72 + GRACE.toSeconds() + 5);
            int rowsBefore = h.extractOutputValues().size();
            send(h, event("task.progress", 30, "agent-7", "{}"));
            assertThat(h.extractOutputValues()).hasSize(rowsBefore);
            List<RejectedRecord> rejected = new ArrayList<>();
            h.getSideOutput(TraceViewFunction.TOO_LATE).forEach(r -> rejected.add(r.getValue()));
            assertThat(rejected).singleElement().satisfies(r -> {
                assertThat(r.reasonCode).isEqualTo("too_late");
                assertThat(new String(r.payload)).contains("\"event_type\":\"task.progress\"");
            });
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void aRestoredTraceContinuesWhereItStopped() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            send(h, created(0), assigned(5));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new TraceViewFunction(TIMEOUT, GRACE, Duration.ofDays(7), 10_000)),
                TraceViewFunction::traceKey, Types.STRING)) {
            h.initializeState(snapshot);
            h.open();
            send(h, started(12), completed(72));
            assertThat(last(h).status).isEqualTo("completed");
            assertThat(last(h).spanCount).isEqualTo(4);
            assertThat(last(h).durationMs).isEqualTo(60_000L);
        }
    }

    /** What the agents end up counting: the last signal per trace, withdrawals removing it. */
    private static List<AgentSignal> countedFor(List<AgentSignal> signals) {
        List<AgentSignal> counted = new ArrayList<>();
        for (AgentSignal s : signals) {
            counted.removeIf(c -> c.traceId.equals(s.traceId) && c.agentId.equals(s.agentId));
            if (s.kind == AgentSignal.Kind.TASK) {
                counted.add(s);
            }
        }
        return counted;
    }

    private static <T> List<List<T>> permutations(List<T> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<T>> out = new ArrayList<>();
        Set<T> seen = new HashSet<>();
        for (T first : items) {
            if (!seen.add(first)) {
                continue;
            }
            List<T> rest = new ArrayList<>(items);
            rest.remove(first);
            for (List<T> tail : permutations(rest)) {
                List<T> p = new ArrayList<>();
                p.add(first);
                p.addAll(tail);
                out.add(p);
            }
        }
        return out;
    }
}
