package io.chronicle.operators.views;

import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TraceRow;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The traces view's bounds: rows equal to the replay of all events, event by event, on both state
 * backends; at most {@code maxEvents} events per trace, the rest refused and counted; a trace of
 * 100,000 events in bounded state; the processing-time safety net; and a checkpoint of the
 * version that kept every event, restored and continued.
 */
class TraceViewBoundsTest {

    private static final long SECOND = 1_000_000L;
    private static final Duration TIMEOUT = Duration.ofMinutes(30);
    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final Duration TTL = Duration.ofDays(7);
    private static final long T0 = 1_790_000_000L;

    private long offset;

    private static KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> harness(
            int maxEvents, boolean rocksDb) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new TraceViewFunction(TIMEOUT, GRACE, TTL, maxEvents)),
                        TraceViewFunction::traceKey, Types.STRING);
        h.setStateBackend(rocksDb ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
        return h;
    }

    private Event event(String trace, String type, long second, String source, String metadata) {
        Event e = new Event();
        e.tenant = "acme";
        e.traceId = trace;
        e.eventId = trace + "-" + type + "-" + second;
        e.eventType = type;
        e.eventTimeMicros = (T0 + second) * SECOND;
        e.source = source;
        e.metadata = metadata;
        e.provenance = new Provenance("events", 0, offset++, 0);
        return e;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h,
            Event... events) throws Exception {
        for (Event e : events) {
            h.processElement(new StreamRecord<>(e, e.eventTimeMicros / 1_000L));
        }
    }

    private static TraceRow replay(List<Event> events, long watermarkMicros) {
        Event first = events.get(0);
        return TraceReplay.row(first.tenant, first.traceId,
                events.stream().map(TraceFact::of).collect(Collectors.toList()),
                TIMEOUT.toNanos() / 1_000L, watermarkMicros);
    }

    private static List<RejectedRecord> rejected(
            KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h) {
        List<RejectedRecord> out = new ArrayList<>();
        if (h.getSideOutput(TraceViewFunction.TOO_MANY_EVENTS) != null) {
            h.getSideOutput(TraceViewFunction.TOO_MANY_EVENTS).forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    private static TraceRow withDropped(TraceRow row, long dropped) {
        row.eventsDropped = dropped;
        return row;
    }

    @ParameterizedTest(name = "RocksDB: {0}")
    @ValueSource(booleans = {false, true})
    void everyRowIsTheReplayOfTheEventsSoFar(boolean rocksDb) throws Exception {
        Random random = new Random(rocksDb ? 7 : 11);
        Map<String, List<Event>> traces = new LinkedHashMap<>();
        List<Event> arrivals = new ArrayList<>();
        for (int t = 0; t < 300; t++) {
            String trace = "trace-" + t;
            List<Event> events = new ArrayList<>();
            for (TraceFact f : TraceSummaryTest.randomTrace(random)) {
                Event e = new Event();
                e.tenant = "acme";
                e.traceId = trace;
                e.eventId = f.eventId;
                e.eventType = f.eventType;
                e.eventTimeMicros = f.timeMicros;
                e.source = f.source;
                e.metadata = "{" + String.join(",", json("agent_id", f.agentId), json("task_title", f.taskTitle),
                        json("owner", f.owner), json("error", f.error)).replaceAll(",+", ",")
                        .replaceAll("^,|,$", "")
                        + (f.scoringBreakdown == null ? "" : (f.agentId == null && f.taskTitle == null
                        && f.owner == null && f.error == null ? "" : ",") + "\"scoring_breakdown\":"
                        + f.scoringBreakdown) + "}";
                e.provenance = new Provenance("events", 0, offset++, 0);
                events.add(e);
            }
            traces.put(trace, events);
            arrivals.addAll(events);
        }
        // The traces interleaved, each in its own arrival order.
        Collections.shuffle(arrivals, random);
        Map<String, Integer> position = new HashMap<>();
        List<Event> ordered = new ArrayList<>();
        for (Event e : arrivals) {
            int at = position.merge(e.traceId, 1, Integer::sum) - 1;
            ordered.add(traces.get(e.traceId).get(at));
        }
        List<TraceRow> expected = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Event e : ordered) {
            int n = seen.merge(e.traceId, 1, Integer::sum);
            expected.add(replay(traces.get(e.traceId).subList(0, n), Long.MIN_VALUE));
        }
        try (var h = harness(10_000, rocksDb)) {
            h.open();
            send(h, ordered.toArray(Event[]::new));
            List<TraceRow> rows = h.extractOutputValues();
            assertThat(rows).hasSameSizeAs(expected);
            for (int i = 0; i < rows.size(); i++) {
                assertThat(rows.get(i)).as("row %d, for %s", i, ordered.get(i)).isEqualTo(expected.get(i));
            }
        }
    }

    /** Keys holding any of {@code states}, on either backend (RocksDB cannot count entries). */
    static long keysWithState(KeyedOneInputStreamOperatorTestHarness<String, Event, TraceRow> h,
            String... states) {
        KeyedStateBackend<Object> backend =
                ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        long keys = 0;
        for (String state : states) {
            try (Stream<Object> held = backend.getKeys(state, VoidNamespace.INSTANCE)) {
                keys += held.count();
            }
        }
        return keys;
    }

    private static String json(String name, String value) {
        return value == null ? "" : "\"" + name + "\":\"" + value + "\"";
    }

    @Test
    void aTraceTakesAtMostMaxEventsAndItsRowCountsTheRest() throws Exception {
        List<Event> accepted = List.of(
                event("tr", "task.created", 0, "dispatch", "{}"),
                event("tr", "task.assigned", 5, "dispatch", "{\"agent_id\":\"agent-7\"}"),
                event("tr", "task.started", 12, "agent-7", "{}"));
        List<Event> refused = List.of(
                event("tr", "task.completed", 72, "agent-7", "{}"),
                event("tr", "task.progress", 80, "agent-7", "{}"),
                event("tr", "task.failed", 90, "agent-7", "{\"error\":\"late\"}"));
        long deadline = 12 + TIMEOUT.toSeconds();
        try (var h = harness(3, false)) {
            h.open();
            send(h, accepted.toArray(Event[]::new));
            send(h, refused.toArray(Event[]::new));
            h.processWatermark((T0 + deadline) * 1_000L);
            List<Event> after = List.of(event("tr", "task.progress", 100, "agent-7", "{}"),
                    event("tr", "task.progress", 110, "agent-7", "{}"));
            send(h, after.toArray(Event[]::new));
            h.processWatermark((T0 + deadline + GRACE.toSeconds()) * 1_000L);

            long open = Long.MIN_VALUE;
            long timedOut = (T0 + deadline) * SECOND;
            long cleanup = (T0 + deadline + GRACE.toSeconds()) * SECOND;
            assertThat(h.extractOutputValues()).containsExactly(
                    replay(accepted.subList(0, 1), open),
                    replay(accepted.subList(0, 2), open),
                    replay(accepted, open),
                    withDropped(replay(accepted, open), 1),
                    withDropped(replay(accepted, open), 2),
                    withDropped(replay(accepted, timedOut), 3),
                    withDropped(replay(accepted, timedOut), 4),
                    withDropped(replay(accepted, cleanup), 5));
            assertThat(h.extractOutputValues().get(5).status).isEqualTo("timed_out");
            List<RejectedRecord> rejected = rejected(h);
            assertThat(rejected).extracting(r -> r.reasonCode).containsOnly("too_many_events").hasSize(5);
            assertThat(rejected).extracting(r -> r.provenance.offset).containsExactly(
                    refused.get(0).provenance.offset, refused.get(1).provenance.offset,
                    refused.get(2).provenance.offset, after.get(0).provenance.offset,
                    after.get(1).provenance.offset);
            assertThat(new String(rejected.get(2).payload, StandardCharsets.UTF_8))
                    .contains("\"event_type\":\"task.failed\"").contains("\"error\":\"late\"");
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    /**
     * 100,000 events of one trace: the first 10,000 (the default most) make the row, the other
     * 90,000 are refused one by one and counted; the state holds the same few entries and bytes
     * after 10,000 events as after 100,000.
     */
    @Test
    void oneHundredThousandEventsOfOneTraceKeepItsStateBounded() throws Exception {
        int n = 100_000;
        int max = 10_000;
        Random random = new Random(5);
        List<Event> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String type = i == 0 ? "task.created" : i == 1 ? "task.assigned" : i == 2 ? "task.started" : "task.progress";
            Event e = new Event();
            e.tenant = "acme";
            e.traceId = "hot";
            e.eventId = "hot-" + i;
            e.eventType = type;
            e.eventTimeMicros = T0 * SECOND + i * 10_000L;
            e.source = "agent-1";
            e.metadata = i == 1 ? "{\"agent_id\":\"agent-1\"}" : "{}";
            events.add(e);
        }
        // Out of order by a few places.
        for (int i = 0; i + 1 < n; i += 1 + random.nextInt(3)) {
            Collections.swap(events, i, i + 1);
        }
        for (int i = 0; i < n; i++) {
            events.get(i).provenance = new Provenance("events", 0, i, 0);
        }
        try (var h = harness(max, false)) {
            h.open();
            long sizeAtMax = 0;
            for (int i = 0; i < n; i++) {
                send(h, events.get(i));
                if (i + 1 == 1_000 || i + 1 == max || i + 1 == n) {
                    assertThat(h.numKeyedStateEntries()).as("state entries after %d events", i + 1)
                            .isEqualTo(2);
                }
                if (i + 1 == max) {
                    sizeAtMax = h.snapshot(1, 1).getStateSize();
                }
            }
            assertThat(h.snapshot(2, 2).getStateSize()).as("state bytes after 100,000 events")
                    .isBetween(sizeAtMax - 16, sizeAtMax + 16);
            long last = events.subList(0, max).stream().mapToLong(e -> e.eventTimeMicros).max().orElseThrow();
            long deadlineMillis = Math.floorDiv(last + TIMEOUT.toNanos() / 1_000L + 999, 1_000L);
            h.processWatermark(deadlineMillis + GRACE.toMillis());

            List<TraceRow> rows = h.extractOutputValues();
            // One per accepted event, one per power of two refused (1 to 65,536), and the timeout,
            // which counts every refused event, so none is due when the state is cleared.
            assertThat(rows.size()).isEqualTo(max + 17 + 1);
            TraceRow expectedLast = withDropped(replay(events.subList(0, max), deadlineMillis * 1_000L),
                    n - max);
            assertThat(rows.get(rows.size() - 1)).isEqualTo(expectedLast);
            assertThat(expectedLast.status).isEqualTo("timed_out");
            assertThat(expectedLast.spanCount).isEqualTo(max);
            List<RejectedRecord> rejected = rejected(h);
            assertThat(rejected).hasSize(n - max);
            assertThat(rejected).extracting(r -> r.provenance.offset)
                    .containsExactlyElementsOf(events.subList(max, n).stream().map(e -> e.provenance.offset)
                            .collect(Collectors.toList()));
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void aTraceUntouchedForTheStateTtlIsClearedWhenEventTimeStandsStill() throws Exception {
        try (var h = harness(10_000, false)) {
            h.open();
            h.setProcessingTime(1_000L);
            send(h, event("a", "task.created", 0, "d", "{}"), event("b", "task.created", 0, "d", "{}"));
            h.setProcessingTime(1_000L + TTL.toMillis() / 2);
            send(h, event("b", "task.assigned", 5, "d", "{}"));
            assertThat(h.numProcessingTimeTimers()).isEqualTo(2);
            h.setProcessingTime(1_000L + TTL.toMillis());
            // a is gone; b was touched half-way and waits for the rest of its TTL.
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            h.setProcessingTime(1_000L + TTL.toMillis() / 2 + TTL.toMillis());
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
            // Cleared, not finished: a later event starts the trace afresh.
            send(h, event("b", "task.started", 12, "d", "{}"));
            assertThat(h.extractOutputValues().get(h.extractOutputValues().size() - 1).spanCount).isEqualTo(1);
        }
    }

    /**
     * The checkpoints under {@code legacy-state/} were taken by the previous version of this
     * operator (commit 8720c81, which kept every event of a trace in a list), on the heap and in
     * RocksDB, after these events and a watermark at 100 s: three traces, one open, one finished
     * with an illegal start, one completed before its start came. Restored, each continues as if
     * it had never been stopped, and its state drains.
     */
    @ParameterizedTest(name = "RocksDB: {0}")
    @ValueSource(booleans = {false, true})
    void aCheckpointOfThePreviousVersionIsRestoredAndContinued(boolean rocksDb) throws Exception {
        List<Event> open = new ArrayList<>(List.of(
                event("open", "task.created", 0, "dispatch", "{\"task_title\":\"Index docs\",\"owner\":\"team-a\"}"),
                event("open", "task.progress", 3, "agent-7", "{}"),
                event("open", "task.assigned", 5, "dispatch", "{\"agent_id\":\"agent-7\"}")));
        List<Event> early = new ArrayList<>(List.of(
                event("early", "task.created", 0, "dispatch", "{}"),
                event("early", "task.assigned", 5, "dispatch", "{\"agent_id\":\"agent-9\"}"),
                event("early", "task.completed", 72, "agent-9", "{}")));
        String file = Objects.requireNonNull(getClass().getResource(
                "/legacy-state/traces-" + (rocksDb ? "rocksdb" : "heap") + ".snapshot")).getPath();
        OperatorSubtaskState legacy = OperatorSnapshotUtil.readStateHandle(file);
        try (var h = harness(10_000, rocksDb)) {
            h.initializeState(legacy);
            h.open();
            assertThat(keysWithState(h, "trace-facts")).as("traces with their events listed").isEqualTo(3);
            long watermark = (T0 + 100) * SECOND;
            early.add(event("early", "task.started", 12, "agent-9", "{}"));
            open.add(event("open", "task.started", 20, "agent-7", "{}"));
            send(h, early.get(3), open.get(3));
            assertThat(keysWithState(h, "trace-facts")).as("folded into summaries when touched").isEqualTo(1);
            assertThat(keysWithState(h, "trace-time-buckets")).isEqualTo(2);
            h.processWatermark((T0 + 690) * 1_000L);
            long openDeadline = 20 + TIMEOUT.toSeconds();
            h.processWatermark((T0 + openDeadline) * 1_000L);
            h.processWatermark((T0 + openDeadline + GRACE.toSeconds()) * 1_000L);

            assertThat(h.extractOutputValues()).containsExactly(
                    replay(early, watermark),
                    replay(open, watermark),
                    replay(open, (T0 + openDeadline) * SECOND));
            assertThat(h.extractOutputValues().get(0).durationMs).isEqualTo(60_000L);
            assertThat(h.extractOutputValues().get(2).status).isEqualTo("timed_out");
            List<AgentSignal> signals = new ArrayList<>();
            h.getSideOutput(TraceViewFunction.AGENT_SIGNALS).forEach(r -> signals.add(r.getValue()));
            assertThat(signals).as("the restored count corrected with the duration").containsExactly(
                    AgentSignal.task("acme", "agent-9", "early", (int) ((T0 + 72) / 86_400), true, 60_000L));
            assertThat(keysWithState(h, "trace-progress", "trace-facts", "trace-time-buckets")).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }
}
