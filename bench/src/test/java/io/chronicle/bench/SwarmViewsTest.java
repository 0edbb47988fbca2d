package io.chronicle.bench;

import io.chronicle.workload.Swarm;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SwarmViewsTest {

    /** 1,000 traces: 900 completed, 70 failed, 30 timed out; 2,500 heartbeats reporting 6,000,000 ms busy. */
    private static final Swarm.Summary SWARM =
            new Swarm.Summary(6_420, 1_000, 50, 4, 2_500, 900, 70, 30, 6_000_000, 64, 1_200_000, 310, 60);

    @Test
    void theViewsMustHoldOneTracePerTraceEndedAsGeneratedAndEveryFinishedTaskForItsAgent() {
        assertThat(SwarmViews.expected(SWARM)).containsExactly(
                Map.entry("traces_rows", 1_000L),
                Map.entry("traces_completed", 900L),
                Map.entry("traces_failed", 70L),
                Map.entry("traces_timed_out", 30L),
                Map.entry("traces_unfinished", 0L),
                Map.entry("agent_tasks_completed", 900L),
                Map.entry("agent_tasks_failed", 70L),
                Map.entry("agent_busy_ms", 6_000_000L));
    }

    @Test
    void viewsThatMatchTheSwarmPassTheCheck() {
        Map<String, Long> counts = SwarmViews.counts(
                Map.of("completed", 900L, "failed", 70L, "timed_out", 30L), 900, 70, 6_000_000);
        assertThat(counts).containsEntry("traces_rows", 1_000L).containsEntry("traces_unfinished", 0L);
        assertThat(IngestSuite.mismatches(counts, SwarmViews.expected(SWARM))).isEmpty();
    }

    @Test
    void aTraceStillOpenOrCountedTwiceIsAMismatchNamingTheCount() {
        // One completion not in yet: its trace is in progress, its agent one task short.
        Map<String, Long> counts = SwarmViews.counts(
                Map.of("completed", 899L, "in_progress", 1L, "failed", 70L, "timed_out", 30L), 899, 71, 6_000_000);
        assertThat(IngestSuite.mismatches(counts, SwarmViews.expected(SWARM))).containsExactly(
                "traces_completed 899, expected 900",
                "traces_unfinished 1, expected 0",
                "agent_tasks_completed 899, expected 900",
                "agent_tasks_failed 71, expected 70");
    }

    @Test
    void aMissingTraceShowsInTheRowsAndItsStatus() {
        Map<String, Long> counts = SwarmViews.counts(Map.of("completed", 900L, "failed", 70L, "timed_out", 29L),
                900, 70, 6_000_000);
        assertThat(IngestSuite.mismatches(counts, SwarmViews.expected(SWARM))).containsExactly(
                "traces_rows 999, expected 1000",
                "traces_timed_out 29, expected 30");
    }
}
