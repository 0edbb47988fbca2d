package io.chronicle.operators.views;

import io.chronicle.core.AgentMetricsRow;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class AgentMetricsFunctionTest {

    private static final Duration GRACE = Duration.ofDays(2);
    private static final int DAY = 20_700;
    private static final long DAY_MS = 86_400_000L;

    private static KeyedOneInputStreamOperatorTestHarness<String, AgentSignal, AgentMetricsRow> harness()
            throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AgentMetricsFunction(GRACE)),
                AgentSignal::agentKey, Types.STRING);
        h.open();
        return h;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, AgentSignal, AgentMetricsRow> h,
            AgentSignal... signals) throws Exception {
        for (AgentSignal s : signals) {
            h.processElement(new StreamRecord<>(s));
        }
    }

    private static AgentSignal completed(String trace, int day, Long durationMs) {
        return AgentSignal.task("acme", "agent-1", trace, day, true, durationMs);
    }

    private static AgentMetricsRow last(KeyedOneInputStreamOperatorTestHarness<String, AgentSignal, AgentMetricsRow> h) {
        List<AgentMetricsRow> rows = h.extractOutputValues();
        return rows.get(rows.size() - 1);
    }

    @Test
    void countsTasksWithAnExactMeanAndASketchedP95() throws Exception {
        Random random = new Random(7);
        List<Long> durations = new ArrayList<>();
        try (var h = harness()) {
            for (int i = 0; i < 500; i++) {
                long d = 1_000L + (long) (random.nextDouble() * random.nextDouble() * 600_000);
                durations.add(d);
                send(h, completed("t" + i, DAY, d));
            }
            for (int i = 0; i < 37; i++) {
                send(h, AgentSignal.task("acme", "agent-1", "f" + i, DAY, false, null));
            }
            AgentMetricsRow row = last(h);
            assertThat(row.tenant).isEqualTo("acme");
            assertThat(row.agentId).isEqualTo("agent-1");
            assertThat(row.metricDate).isEqualTo(DAY);
            assertThat(row.tasksCompleted).isEqualTo(500);
            assertThat(row.tasksFailed).isEqualTo(37);
            long sum = durations.stream().mapToLong(Long::longValue).sum();
            assertThat(row.avgDurationMs).isEqualTo((double) sum / 500);
            Collections.sort(durations);
            double exactP95 = durations.get((int) Math.floor(0.95 * (durations.size() - 1)));
            assertThat(row.p95DurationMs).isCloseTo(exactP95, within(exactP95 * 0.01));
            assertThat(row.utilizationPct).as("no heartbeat yet").isNull();
        }
    }

    @Test
    void aTraceCountedAgainReplacesItsEarlierCount() throws Exception {
        try (var h = harness()) {
            send(h, completed("t1", DAY, null), completed("t2", DAY, 4_000L));
            assertThat(last(h).avgDurationMs).isEqualTo(4_000.0);
            send(h, completed("t1", DAY, 10_000L));
            AgentMetricsRow row = last(h);
            assertThat(row.tasksCompleted).isEqualTo(2);
            assertThat(row.avgDurationMs).isEqualTo(7_000.0);
            send(h, AgentSignal.task("acme", "agent-1", "t2", DAY, false, null));
            row = last(h);
            assertThat(row.tasksCompleted).isEqualTo(1);
            assertThat(row.tasksFailed).isEqualTo(1);
            assertThat(row.avgDurationMs).isEqualTo(10_000.0);
            assertThat(row.p95DurationMs).isCloseTo(10_000.0, within(100.0));
        }
    }

    @Test
    void aTaskMovedToAnotherDayLeavesItsOldDay() throws Exception {
        try (var h = harness()) {
            send(h, completed("t1", DAY, 5_000L), completed("t1", DAY + 1, 5_000L));
            List<AgentMetricsRow> rows = h.extractOutputValues();
            AgentMetricsRow oldDay = rows.get(rows.size() - 2);
            assertThat(oldDay.metricDate).isEqualTo(DAY);
            assertThat(oldDay.tasksCompleted).isZero();
            assertThat(oldDay.avgDurationMs).isNull();
            assertThat(last(h).metricDate).isEqualTo(DAY + 1);
            assertThat(last(h).tasksCompleted).isEqualTo(1);
        }
    }

    @Test
    void aWithdrawnTaskIsNoLongerCounted() throws Exception {
        try (var h = harness()) {
            send(h, completed("t1", DAY, 5_000L), AgentSignal.withdraw("acme", "agent-1", "t1"));
            assertThat(last(h).tasksCompleted).isZero();
            assertThat(last(h).p95DurationMs).isNull();
        }
    }

    @Test
    void utilizationIsBusyOverUptimeAcrossTheDaysHeartbeats() throws Exception {
        try (var h = harness()) {
            send(h, AgentSignal.heartbeat("acme", "agent-1", DAY, 30_000, 60_000),
                    AgentSignal.heartbeat("acme", "agent-1", DAY, 15_000, 60_000),
                    AgentSignal.heartbeat("acme", "agent-1", DAY + 1, 60_000, 60_000));
            List<AgentMetricsRow> rows = h.extractOutputValues();
            AgentMetricsRow first = rows.get(1);
            assertThat(first.busyMs).isEqualTo(45_000);
            assertThat(first.uptimeMs).isEqualTo(120_000);
            assertThat(first.utilizationPct).isEqualTo(37.5);
            assertThat(last(h).utilizationPct).isEqualTo(100.0);
        }
    }

    @Test
    void aDaysStateAndTimerDrainAfterItsGracePeriod() throws Exception {
        try (var h = harness()) {
            send(h, completed("t1", DAY, 5_000L), AgentSignal.heartbeat("acme", "agent-1", DAY, 1, 2));
            assertThat(h.numEventTimeTimers()).isEqualTo(1);
            long closesAt = (DAY + 1L) * DAY_MS + GRACE.toMillis();
            h.processWatermark(closesAt - 1);
            assertThat(h.numKeyedStateEntries()).isPositive();
            h.processWatermark(closesAt);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
            int rows = h.extractOutputValues().size();
            send(h, completed("t2", DAY, 5_000L));
            assertThat(h.extractOutputValues()).as("a closed day takes no update").hasSize(rows);
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }
}
