package io.chronicle.watch;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.WatchSettings;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.Fingerprints;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The watcher's alert lifecycle and measures, round by round, with hand-computed expectations. */
class WatchEvaluatorTest {

    private static final long T0 = 1_700_000_000_000L;

    private static WatchSettings settings(Map<String, String> extra) {
        Map<String, String> values = new HashMap<>();
        values.put("chronicle.watch.jobs", "ingest;rollups");
        values.put("chronicle.watch.for", "30 s");
        values.put("chronicle.watch.max-restarts", "2");
        values.put("chronicle.watch.restart-window", "10 min");
        values.put("chronicle.watch.max-consumer-lag", "100");
        values.put("chronicle.watch.max-watermark-lag", "60 s");
        values.put("chronicle.watch.max-checkpoint-age", "120 s");
        values.put("chronicle.watch.max-commit-age", "300 s");
        values.putAll(extra);
        return WatchSettings.from(ChronicleConfig.validated(Configuration.fromMap(values)));
    }

    private static Observation.Job running(String name, String id, long restarts, long lastCheckpoint, Long watermark) {
        return new Observation.Job(name, id, JobStatus.RUNNING, T0 - 600_000, restarts, lastCheckpoint, watermark);
    }

    private static Observation flinkOnly(long now, Observation.Job... jobs) {
        Map<String, Observation.Job> byName = new LinkedHashMap<>();
        for (Observation.Job job : jobs) {
            byName.put(job.name(), job);
        }
        return new Observation(now, byName, List.of(), Map.of(), new EnumMap<>(Target.class));
    }

    private static Map<String, String> labels(String alertname, String severity, String key, String value) {
        Map<String, String> labels = new TreeMap<>();
        labels.put("alertname", alertname);
        labels.put("severity", severity);
        labels.put("tenant", "chronicle");
        labels.put("source", "chronicle-watch");
        labels.put(key, value);
        return labels;
    }

    @Test
    void healthyJobsFireNothingAndReportTheirMeasures() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of()), T0);
        WatchEvaluator.Evaluation e = evaluator.evaluate(flinkOnly(T0 + 10_000,
                running("ingest", "a", 0, T0 + 5_000, T0 + 1_000),
                running("rollups", "b", 1, T0 - 20_000, null)));
        assertThat(e.changes()).isEmpty();
        assertThat(e.measures().checkpointAgeSeconds()).containsExactly(Map.entry("ingest", 5.0), Map.entry("rollups", 30.0));
        assertThat(e.measures().watermarkLagSeconds()).containsExactly(Map.entry("ingest", 9.0));
        // A first sight of a job counts the restarts it already had.
        assertThat(e.measures().restartsInWindow()).containsExactly(Map.entry("ingest", 0L), Map.entry("rollups", 1L));
        assertThat(e.measures().targetUp()).containsExactly(
                Map.entry(Target.FLINK, true), Map.entry(Target.KAFKA, true), Map.entry(Target.CATALOG, true));
        assertThat(e.measures().firing()).isEmpty();
    }

    @Test
    void aJobNotRunningIsPendingForTheForDurationThenFiresThenResolves() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of()), T0);
        Observation.Job failed = new Observation.Job("ingest", "a", JobStatus.FAILED, T0 - 600_000, null, null, null);
        Observation.Job rollups = running("rollups", "b", 0, T0, null);
        assertThat(evaluator.evaluate(flinkOnly(T0, failed, rollups)).changes()).isEmpty();
        assertThat(evaluator.evaluate(flinkOnly(T0 + 29_999, failed, rollups)).changes()).isEmpty();

        List<AlertNotification> fired = evaluator.evaluate(flinkOnly(T0 + 30_000, failed, rollups)).changes();
        Map<String, String> labels = labels(WatchEvaluator.JOB_NOT_RUNNING, "critical", "job", "ingest");
        assertThat(fired).hasSize(1);
        AlertNotification firing = fired.get(0);
        assertThat(firing.state).isEqualTo(AlertNotification.FIRING);
        assertThat(firing.labels).isEqualTo(labels);
        assertThat(firing.fingerprint).isEqualTo(Fingerprints.of(labels));
        assertThat(firing.startsAtMicros).isEqualTo((T0 + 30_000) * 1000);
        assertThat(firing.endsAtMicros).isNull();
        assertThat(firing.annotations).containsEntry("summary", "Job ingest is failed");

        // Still failed: no new change; the job runs again (a new submission): resolved.
        assertThat(evaluator.evaluate(flinkOnly(T0 + 45_000, failed, rollups)).changes()).isEmpty();
        List<AlertNotification> resolved = evaluator.evaluate(
                flinkOnly(T0 + 60_000, running("ingest", "c", 0, T0 + 59_000, null), rollups)).changes();
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).state).isEqualTo(AlertNotification.RESOLVED);
        assertThat(resolved.get(0).fingerprint).isEqualTo(firing.fingerprint);
        assertThat(resolved.get(0).startsAtMicros).isEqualTo((T0 + 30_000) * 1000);
        assertThat(resolved.get(0).endsAtMicros).isEqualTo((T0 + 60_000) * 1000);
    }

    @Test
    void aConditionThatStopsBeforeTheForDurationNeverFires() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of()), T0);
        Observation.Job restarting = new Observation.Job("ingest", "a", JobStatus.RESTARTING, T0 - 600_000, 1L, T0, null);
        Observation.Job rollups = running("rollups", "b", 0, T0, null);
        assertThat(evaluator.evaluate(flinkOnly(T0, restarting, rollups)).changes()).isEmpty();
        assertThat(evaluator.evaluate(flinkOnly(T0 + 20_000, running("ingest", "a", 1, T0 + 19_000, null), rollups))
                .changes()).isEmpty();
        // Pending again from scratch: 29 s later it has not held for 30 s.
        assertThat(evaluator.evaluate(flinkOnly(T0 + 40_000, restarting, rollups)).changes()).isEmpty();
        assertThat(evaluator.evaluate(flinkOnly(T0 + 69_000, restarting, rollups)).changes()).isEmpty();
        assertThat(evaluator.evaluate(flinkOnly(T0 + 70_000, restarting, rollups)).changes())
                .extracting(n -> n.state).containsExactly(AlertNotification.FIRING);
    }

    @Test
    void aMissingJobIsNotRunning() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of("chronicle.watch.for", "0 s")), T0);
        WatchEvaluator.Evaluation e = evaluator.evaluate(flinkOnly(T0, running("ingest", "a", 0, T0, null)));
        assertThat(e.changes()).singleElement().satisfies(n -> {
            assertThat(n.labels).isEqualTo(labels(WatchEvaluator.JOB_NOT_RUNNING, "critical", "job", "rollups"));
            assertThat(n.annotations.get("summary")).isEqualTo("Job rollups is missing (no job of that name in the cluster)");
        });
        assertThat(e.measures().checkpointAgeSeconds()).containsOnlyKeys("ingest");
    }

    @Test
    void restartsAreCountedWithinTheWindowAcrossSubmissions() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of("chronicle.watch.for", "0 s")), T0);
        long minute = 60_000;
        // restarts of job id a: 0, 1, 2 (two in the window: not more than 2), then a new id c with 1.
        assertThat(evaluator.evaluate(flinkOnly(T0, running("ingest", "a", 0, T0, null), running("rollups", "b", 0, T0, null))).changes()).isEmpty();
        assertThat(evaluator.evaluate(flinkOnly(T0 + minute, running("ingest", "a", 1, T0 + minute, null), running("rollups", "b", 0, T0 + minute, null)))
                .measures().restartsInWindow()).containsEntry("ingest", 1L);
        assertThat(evaluator.evaluate(flinkOnly(T0 + 2 * minute, running("ingest", "a", 2, T0 + 2 * minute, null), running("rollups", "b", 0, T0 + 2 * minute, null)))
                .changes()).isEmpty();
        WatchEvaluator.Evaluation third = evaluator.evaluate(
                flinkOnly(T0 + 3 * minute, running("ingest", "c", 1, T0 + 3 * minute, null), running("rollups", "b", 0, T0 + 3 * minute, null)));
        assertThat(third.measures().restartsInWindow()).containsEntry("ingest", 3L);
        assertThat(third.changes()).singleElement().satisfies(n -> {
            assertThat(n.labels).isEqualTo(labels(WatchEvaluator.JOB_RESTARTING, "critical", "job", "ingest"));
            assertThat(n.value).isEqualTo(3.0);
        });
        // The first increase (at T0 + 1 min) leaves the 10-minute window at T0 + 11 min: 2 left.
        WatchEvaluator.Evaluation later = evaluator.evaluate(
                flinkOnly(T0 + 11 * minute, running("ingest", "c", 1, T0 + 11 * minute, null), running("rollups", "b", 0, T0 + 11 * minute, null)));
        assertThat(later.measures().restartsInWindow()).containsEntry("ingest", 2L);
        assertThat(later.changes()).extracting(n -> n.state).containsExactly(AlertNotification.RESOLVED);
    }

    @Test
    void staleCheckpointsAndLaggingWatermarksFire() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of("chronicle.watch.for", "0 s")), T0);
        // ingest: last checkpoint 121 s ago, watermark 60 s behind (not more than 60 s);
        // rollups: no checkpoint since its start 600 s ago, watermark 61 s behind.
        WatchEvaluator.Evaluation e = evaluator.evaluate(flinkOnly(T0,
                running("ingest", "a", 0, T0 - 121_000, T0 - 60_000),
                new Observation.Job("rollups", "b", JobStatus.RUNNING, T0 - 600_000, 0L, null, T0 - 61_000)));
        assertThat(e.measures().checkpointAgeSeconds()).containsExactly(Map.entry("ingest", 121.0), Map.entry("rollups", 600.0));
        assertThat(e.measures().watermarkLagSeconds()).containsExactly(Map.entry("ingest", 60.0), Map.entry("rollups", 61.0));
        assertThat(e.changes()).extracting(n -> n.labels).containsExactlyInAnyOrder(
                labels(WatchEvaluator.CHECKPOINTS_STALE, "critical", "job", "ingest"),
                labels(WatchEvaluator.CHECKPOINTS_STALE, "critical", "job", "rollups"),
                labels(WatchEvaluator.WATERMARK_LAGGING, "warning", "job", "rollups"));
        assertThat(e.measures().firing()).containsExactly(
                Map.entry(WatchEvaluator.CHECKPOINTS_STALE, 2), Map.entry(WatchEvaluator.WATERMARK_LAGGING, 1));
    }

    @Test
    void consumerLagIsSummedPerGroupAndTopic() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of("chronicle.watch.for", "0 s")), T0);
        List<Observation.PartitionLag> lags = List.of(
                new Observation.PartitionLag("g", "points", 0, 10, 60),
                new Observation.PartitionLag("g", "points", 1, 5, 56),
                new Observation.PartitionLag("g", "events", 0, 7, 107),
                // a committed offset past the end (a truncated topic) is no lag
                new Observation.PartitionLag("g", "events", 1, 9, 3));
        WatchEvaluator.Evaluation e = evaluator.evaluate(new Observation(T0, null, lags, null, unreachable(Target.FLINK, Target.CATALOG)));
        assertThat(e.measures().topicLag()).isEqualTo(Map.of("g", Map.of("points", 101L, "events", 100L)));
        assertThat(e.changes()).extracting(n -> n.labels).contains(
                withTopic(labels(WatchEvaluator.CONSUMER_LAG, "warning", "group", "g"), "points"));
        assertThat(e.changes()).extracting(n -> n.labels.get("topic")).doesNotContain("events");
    }

    private static Map<String, String> withTopic(Map<String, String> labels, String topic) {
        labels.put("topic", topic);
        return labels;
    }

    @Test
    void commitAgesCountFromTheWatchersStartAtTheEarliest() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of("chronicle.watch.for", "0 s")), T0);
        Map<String, Long> commits = new TreeMap<>();
        commits.put("points_raw", T0 + 100_000);
        commits.put("rejected", T0 - 3_600_000);
        commits.put("rollup_1h", null);
        WatchEvaluator.Evaluation first = evaluator.evaluate(
                new Observation(T0 + 300_000, null, null, commits, unreachable(Target.FLINK, Target.KAFKA)));
        assertThat(first.measures().commitAgeSeconds()).containsExactly(
                Map.entry("points_raw", 200.0), Map.entry("rejected", 300.0), Map.entry("rollup_1h", 300.0));
        assertThat(first.changes()).extracting(n -> n.labels.get("table")).doesNotContain("points_raw", "rejected", "rollup_1h");
        WatchEvaluator.Evaluation later = evaluator.evaluate(
                new Observation(T0 + 300_001, null, null, commits, unreachable(Target.FLINK, Target.KAFKA)));
        assertThat(later.changes()).filteredOn(n -> n.labels.containsKey("table")).extracting(n -> n.labels)
                .containsExactlyInAnyOrder(
                        labels(WatchEvaluator.TABLE_COMMIT_STALE, "warning", "table", "rejected"),
                        labels(WatchEvaluator.TABLE_COMMIT_STALE, "warning", "table", "rollup_1h"));
    }

    @Test
    void anUnreachableTargetFiresBlindAndLeavesItsAlertsAsTheyWere() {
        WatchEvaluator evaluator = new WatchEvaluator(settings(Map.of("chronicle.watch.for", "0 s")), T0);
        Observation.Job failed = new Observation.Job("ingest", "a", JobStatus.FAILED, T0, null, null, null);
        assertThat(evaluator.evaluate(flinkOnly(T0, failed, running("rollups", "b", 0, T0, null))).changes())
                .extracting(n -> n.ruleName).containsExactly(WatchEvaluator.JOB_NOT_RUNNING);

        // Flink unreachable: the job's alert is neither resolved nor fired again; blind fires.
        WatchEvaluator.Evaluation blind = evaluator.evaluate(
                new Observation(T0 + 15_000, null, List.of(), Map.of(), unreachable(Target.FLINK)));
        assertThat(blind.changes()).singleElement().satisfies(n -> {
            assertThat(n.state).isEqualTo(AlertNotification.FIRING);
            assertThat(n.labels).isEqualTo(labels(WatchEvaluator.WATCH_BLIND, "critical", "target", "flink"));
        });
        assertThat(blind.measures().jobs()).isNull();
        assertThat(blind.measures().targetUp()).containsEntry(Target.FLINK, false).containsEntry(Target.KAFKA, true);
        assertThat(blind.measures().firing()).containsExactly(
                Map.entry(WatchEvaluator.JOB_NOT_RUNNING, 1), Map.entry(WatchEvaluator.WATCH_BLIND, 1));

        // Flink answers again, both jobs running: blind and the job's alert resolve.
        WatchEvaluator.Evaluation back = evaluator.evaluate(flinkOnly(T0 + 30_000,
                running("ingest", "c", 0, T0 + 29_000, null), running("rollups", "b", 0, T0 + 29_000, null)));
        assertThat(back.changes()).extracting(n -> n.ruleName + " " + n.state).containsExactlyInAnyOrder(
                WatchEvaluator.JOB_NOT_RUNNING + " resolved", WatchEvaluator.WATCH_BLIND + " resolved");
        assertThat(back.measures().firing()).isEmpty();
    }

    private static Map<Target, String> unreachable(Target... targets) {
        Map<Target, String> out = new EnumMap<>(Target.class);
        for (Target t : targets) {
            out.put(t, "down");
        }
        return out;
    }
}
