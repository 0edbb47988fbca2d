package io.chronicle.workload;

import io.chronicle.core.Event;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TraceRow;
import io.chronicle.operators.normalize.EventNormalizer;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.views.HeartbeatSignals;
import io.chronicle.operators.views.TraceFact;
import io.chronicle.operators.views.TraceLifecycle;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class SwarmTest {

    private static final int TRACES = 2_000;
    private static final int AGENTS = 40;
    private static final int TENANTS = 3;
    private static final Duration MAX_DELAY = Duration.ofSeconds(30);
    private static final long HOUR_MICROS = 3_600_000_000L;
    private static final Pattern AGENT_ID = Pattern.compile("\"agent_id\":\"([^\"]+)\"");
    private static final Pattern BUSY = Pattern.compile("\"busy_ms\":(\\d+)");

    private static Swarm swarm(long seed) {
        return new Swarm(TRACES, AGENTS, TENANTS, 20, 0.05, MAX_DELAY, seed);
    }

    /** A generated record, as handed out. */
    private record Delivered(int key, byte[] json, long atMillis) {}

    private static List<Delivered> delivered(Swarm swarm) {
        List<Delivered> records = new ArrayList<>();
        RecordCursor cursor = swarm.records();
        while (cursor.next()) {
            records.add(new Delivered(cursor.key(), cursor.json(), cursor.atMillis()));
        }
        return records;
    }

    /** Every record through the ingest job's own event normalizer, which must accept it. */
    private static List<Event> normalized(List<Delivered> records) {
        Normalization<Event> normalization = new Normalization<>(new EventNormalizer(NormalizerSettings.defaults()));
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            Either<RejectedRecord, Event> result = normalization.normalize(
                    new RawRecord("events", 0, i, 0, null, records.get(i).json()), System.currentTimeMillis() * 1_000);
            assertThat(result.isRight()).as("record %s", new String(records.get(i).json())).isTrue();
            events.add(result.right());
        }
        return events;
    }

    @Test
    void theSameSeedGivesTheSameRecordsAndAnotherSeedOthers() {
        List<Delivered> first = delivered(swarm(7));
        List<Delivered> again = delivered(swarm(7));
        List<Delivered> other = delivered(swarm(8));
        assertThat(again).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(again.get(i).json()).isEqualTo(first.get(i).json());
            assertThat(again.get(i).key()).isEqualTo(first.get(i).key());
            assertThat(again.get(i).atMillis()).isEqualTo(first.get(i).atMillis());
        }
        assertThat(other.get(0).json()).isNotEqualTo(first.get(0).json());
    }

    @Test
    void generateHandsOutTheCursorsRecordsAndSummarizesThem() {
        Swarm swarm = swarm(42);
        List<Delivered> records = delivered(swarm);
        List<byte[]> generated = new ArrayList<>();
        List<Integer> keys = new ArrayList<>();
        Swarm.Summary summary = swarm.generate((key, json) -> {
            keys.add(key);
            generated.add(json);
        });
        assertThat(generated).hasSameSizeAs(records);
        for (int i = 0; i < records.size(); i++) {
            assertThat(generated.get(i)).isEqualTo(records.get(i).json());
            assertThat(keys.get(i)).isEqualTo(records.get(i).key()).isNotNegative();
        }

        List<Event> events = normalized(records);
        assertThat(summary.events()).isEqualTo(events.size());
        assertThat(summary.bytes()).isEqualTo(records.stream().mapToLong(r -> r.json().length).sum());
        assertThat(events.stream().map(e -> e.eventId).distinct().count()).isEqualTo(events.size());
        assertThat(events.stream().filter(e -> !isHeartbeat(e)).map(e -> e.traceId).distinct().count())
                .isEqualTo(TRACES);
        assertThat(summary.traces()).isEqualTo(TRACES);
        assertThat(events.stream().map(e -> e.tenant).distinct()).containsExactlyInAnyOrder("default", "acme", "globex");
        assertThat(summary.tenants()).isEqualTo(TENANTS);
        assertThat(summary.agents()).isEqualTo(AGENTS);
        assertThat(summary.heartbeats()).isEqualTo(events.stream().filter(SwarmTest::isHeartbeat).count());
        assertThat(summary.busyMillis()).isEqualTo(records.stream()
                .map(r -> BUSY.matcher(new String(r.json())))
                .filter(Matcher::find)
                .mapToLong(m -> Long.parseLong(m.group(1))).sum());
        assertThat(summary.completed() + summary.failed() + summary.timedOut()).isEqualTo(TRACES);
        assertThat((double) summary.completed() / TRACES).isBetween(0.88, 0.92);
        assertThat((double) summary.failed() / TRACES).isBetween(0.05, 0.09);
        assertThat((double) summary.outOfOrder() / summary.events()).isBetween(0.04, 0.06);
        long firstMicros = events.stream().mapToLong(e -> e.eventTimeMicros).min().orElseThrow();
        long lastMicros = events.stream().mapToLong(e -> e.eventTimeMicros).max().orElseThrow();
        assertThat(firstMicros).isGreaterThanOrEqualTo(Workload.START.toEpochMilli() * 1_000);
        assertThat(summary.spanSeconds()).isEqualTo((lastMicros / 1_000 - Workload.START.toEpochMilli()) / 1_000);
    }

    /**
     * Replayed through the traces view's own lifecycle, every trace is legal from start to end and
     * ends the way the summary counts it, whatever order its events arrived in.
     */
    @Test
    void everyTraceFollowsTheLifecycleAndEndsAsTheSummaryCounts() {
        Swarm swarm = swarm(42);
        Swarm.Summary summary = swarm.generate((key, json) -> { });
        List<Event> events = normalized(delivered(swarm));
        Map<String, List<Event>> byTrace = new LinkedHashMap<>();
        for (Event e : events) {
            if (!isHeartbeat(e)) {
                byTrace.computeIfAbsent(e.tenant + "/" + e.traceId, id -> new ArrayList<>()).add(e);
            }
        }
        Map<String, String> tenantOfAgent = tenantsOfAgents(events);
        Map<String, Long> statuses = new TreeMap<>();
        long tracesArrivingOutOfOrder = 0;
        for (List<Event> trace : byTrace.values()) {
            Event first = trace.get(0);
            long lastMicros = trace.stream().mapToLong(e -> e.eventTimeMicros).max().orElseThrow();
            TraceRow row = TraceLifecycle.derive(first.tenant, first.traceId,
                    trace.stream().map(TraceFact::of).toList(), HOUR_MICROS, lastMicros);
            assertThat(row.illegalTransitions).as("trace %s: %s", first.traceId, row.lastIllegalTransition).isZero();
            assertThat(row.createdAtMicros).as("trace %s is created", first.traceId).isNotNull();
            assertThat(row.completedAtMicros).as("trace %s ends", first.traceId).isEqualTo(lastMicros);
            assertThat(trace.stream().filter(e -> Set.of(TraceLifecycle.COMPLETED, TraceLifecycle.FAILED,
                    TraceLifecycle.TIMEOUT).contains(e.eventType))).hasSize(1);
            if (row.assignedAgent != null) {
                assertThat(tenantOfAgent.get(row.assignedAgent)).as("agent of trace %s", first.traceId)
                        .isEqualTo(first.tenant);
            }
            statuses.merge(row.status, 1L, Long::sum);
            for (int i = 1; i < trace.size(); i++) {
                if (trace.get(i).eventTimeMicros < trace.get(i - 1).eventTimeMicros) {
                    tracesArrivingOutOfOrder++;
                    break;
                }
            }
        }
        assertThat(byTrace).hasSize(TRACES);
        assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of(
                "completed", summary.completed(), "failed", summary.failed(), "timed_out", summary.timedOut()));
        assertThat(tracesArrivingOutOfOrder).isPositive();
    }

    /** Records go out in the order of their times, each at its event time or at most the delay later. */
    @Test
    void recordsComeAtTimesThatNeverDecreaseAndTrailTheirEventsByAtMostTheDelay() {
        Swarm swarm = swarm(3);
        List<Delivered> records = delivered(swarm);
        List<Event> events = normalized(records);
        long previous = Long.MIN_VALUE;
        long late = 0;
        for (int i = 0; i < records.size(); i++) {
            long eventMillis = events.get(i).eventTimeMicros / 1_000;
            long at = records.get(i).atMillis();
            assertThat(at).as("record %d", i).isGreaterThanOrEqualTo(previous)
                    .isBetween(eventMillis, eventMillis + swarm.maxDisorder().toMillis());
            late += at > eventMillis ? 1 : 0;
            previous = at;
        }
        assertThat(late).isEqualTo(swarm.generate((key, json) -> { }).outOfOrder());
    }

    /** Each agent reports every heartbeat interval, from the start until the swarm's last task event. */
    @Test
    void everyAgentHeartbeatsEveryIntervalWhileTheSwarmWorks() {
        List<Event> events = normalized(delivered(swarm(5)));
        long lastTaskMicros = events.stream().filter(e -> !isHeartbeat(e))
                .mapToLong(e -> e.eventTimeMicros).max().orElseThrow();
        long intervalMicros = Swarm.HEARTBEAT_INTERVAL.toMillis() * 1_000;
        Map<String, List<Long>> beats = new HashMap<>();
        for (Event e : events) {
            if (isHeartbeat(e)) {
                beats.computeIfAbsent(agentOf(e), a -> new ArrayList<>()).add(e.eventTimeMicros);
            }
        }
        assertThat(beats).hasSize(AGENTS);
        long startMicros = Workload.START.toEpochMilli() * 1_000;
        for (Map.Entry<String, List<Long>> agent : beats.entrySet()) {
            List<Long> times = agent.getValue().stream().sorted().toList();
            assertThat(times.get(0)).as(agent.getKey()).isBetween(startMicros, startMicros + intervalMicros - 1);
            for (int i = 1; i < times.size(); i++) {
                assertThat(times.get(i) - times.get(i - 1)).as(agent.getKey()).isEqualTo(intervalMicros);
            }
            assertThat(times.get(times.size() - 1)).as(agent.getKey())
                    .isGreaterThan(lastTaskMicros - intervalMicros)
                    .isLessThan(lastTaskMicros + intervalMicros);
        }
    }

    @Test
    void noTracesMeansNoRecords() {
        Swarm.Summary summary = new Swarm(0, 4, 2, 1, 0.1, MAX_DELAY, 1).generate((key, json) -> {
            throw new AssertionError("no record expected");
        });
        assertThat(summary.events()).isZero();
        assertThat(summary.heartbeats()).isZero();
    }

    private static boolean isHeartbeat(Event e) {
        return HeartbeatSignals.HEARTBEAT.equals(e.eventType);
    }

    private static String agentOf(Event e) {
        Matcher m = AGENT_ID.matcher(e.metadata);
        assertThat(m.find()).as("agent of %s", e).isTrue();
        return m.group(1);
    }

    /** The tenant each agent heartbeats in; an agent belongs to one tenant. */
    private static Map<String, String> tenantsOfAgents(List<Event> events) {
        Map<String, String> tenants = new HashMap<>();
        Set<String> agentTenantPairs = new HashSet<>();
        for (Event e : events) {
            if (isHeartbeat(e)) {
                tenants.put(agentOf(e), e.tenant);
                agentTenantPairs.add(agentOf(e) + "/" + e.tenant);
            }
        }
        assertThat(agentTenantPairs).hasSize(tenants.size());
        return tenants;
    }
}
