package io.chronicle.core.alerts;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WatchedMetricsTest {

    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final long GRACE_MS = GRACE.toMillis();

    private static AlertRule rule(String name, String metric) {
        return AlertRules.parseRule("{\"name\": \"" + name + "\", \"selector\": \"" + metric
                + "\", \"threshold\": {\"above\": 1}}");
    }

    /** Rules whose metric starts with "unready" are ones the router could not evaluate. */
    private static WatchedMetrics watching(List<AlertRule> start, int maxNames) {
        WatchedMetrics watched = new WatchedMetrics(start, r -> !r.metric.startsWith("unready"), GRACE, maxNames);
        watched.restart(0);
        return watched;
    }

    @Test
    void everyMetricIsWatchedUntilTheTopicIsReadToItsEnd() {
        WatchedMetrics watched = watching(List.of(rule("Cpu", "cpu")), 100);
        watched.apply(RuleChange.upsert(rule("Disk", "disk")), 0);
        assertThat(watched.watched()).isNull();
        assertThat(watched.watches("anything")).isTrue();

        watched.caughtUp(0);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "disk");
        assertThat(watched.watches("anything")).isFalse();
    }

    @Test
    void aChangedOrDeletedRuleKeepsItsOldMetricWatchedForTheGrace() {
        WatchedMetrics watched = watching(List.of(rule("Cpu", "cpu"), rule("Mem", "mem")), 100);
        watched.caughtUp(0);
        watched.apply(RuleChange.upsert(rule("Cpu", "cpu_seconds")), 1_000);
        watched.apply(RuleChange.delete("Mem"), 2_000);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "cpu_seconds", "mem");

        watched.expire(1_000 + GRACE_MS - 1);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "cpu_seconds", "mem");
        watched.expire(1_000 + GRACE_MS);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu_seconds", "mem");
        watched.expire(2_000 + GRACE_MS);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu_seconds");
    }

    @Test
    void aRetiredMetricThatARuleSelectsAgainStaysWatched() {
        WatchedMetrics watched = watching(List.of(rule("Cpu", "cpu")), 100);
        watched.caughtUp(0);
        watched.apply(RuleChange.delete("Cpu"), 0);
        watched.apply(RuleChange.upsert(rule("Cpu2", "cpu")), 0);
        watched.expire(GRACE_MS);
        assertThat(watched.watched()).containsExactly("cpu");
    }

    @Test
    void aRefusedChangeLeavesTheRuleTheRouterKeeps() {
        WatchedMetrics watched = watching(List.of(), 100);
        watched.apply(RuleChange.upsert(rule("Cpu", "cpu")), 0);
        watched.apply(RuleChange.upsert(rule("Disk", "disk")), 0);
        watched.caughtUp(0);
        watched.apply(RuleChange.invalid("Cpu", "needs exactly one of threshold, absent, rate, anomaly"), 0);
        watched.apply(RuleChange.upsert(rule("Disk", "unready_disk")), 0);
        watched.expire(GRACE_MS * 2);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "disk");
    }

    @Test
    void aNameWithOnlyRefusedChangesWatchesEveryMetricUntilItIsDecided() {
        // The router may hold an earlier version, compacted away from the topic, from its checkpoint.
        WatchedMetrics watched = watching(List.of(rule("Cpu", "cpu")), 100);
        watched.apply(RuleChange.invalid("Gone", "not a rule"), 0);
        watched.caughtUp(0);
        assertThat(watched.watched()).isNull();
        watched.apply(RuleChange.upsert(rule("Start", "unready_start")), 0);
        assertThat(watched.watched()).isNull();

        watched.apply(RuleChange.delete("Gone"), 0);
        assertThat(watched.watched()).isNull();
        watched.apply(RuleChange.upsert(rule("Start", "start")), 0);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "start");
    }

    @Test
    void aStartRuleWithOnlyRefusedChangesWatchesEveryMetric() {
        // The router holds the start rule, or a version of it compacted away from the topic.
        WatchedMetrics watched = watching(List.of(rule("Cpu", "cpu")), 100);
        watched.apply(RuleChange.invalid("Cpu", "not a rule"), 0);
        watched.caughtUp(0);
        assertThat(watched.watched()).isNull();
        watched.apply(RuleChange.upsert(rule("Cpu", "cpu_seconds")), 0);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "cpu_seconds");
    }

    @Test
    void aMessageWithoutANameChangesNothing() {
        WatchedMetrics watched = watching(List.of(rule("Cpu", "cpu")), 100);
        watched.caughtUp(0);
        watched.apply(RuleChange.invalid(null, "a rule message needs the rule name as its key"), 0);
        assertThat(watched.watched()).containsExactly("cpu");
    }

    @Test
    void moreNamesThanTrackedWatchEveryMetricUntilAReadAfterThem() {
        WatchedMetrics watched = watching(List.of(rule("Cpu", "cpu")), 3);
        watched.caughtUp(0);
        for (int i = 0; i < 4; i++) {
            watched.apply(RuleChange.upsert(rule("R" + i, "m" + i)), 0);
        }
        assertThat(watched.overflowed()).isTrue();
        assertThat(watched.watched()).isNull();

        // Read again from the start, the compacted topic holds fewer names; what the router held
        // meanwhile is unknown, so every metric stays watched for the grace.
        watched.restart(1_000);
        watched.apply(RuleChange.upsert(rule("R0", "m0")), 1_000);
        watched.caughtUp(1_000);
        assertThat(watched.overflowed()).isFalse();
        assertThat(watched.watched()).isNull();
        watched.expire(1_000 + GRACE_MS);
        assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "m0");
    }

    @Test
    void aReadFromTheStartRetiresWhatWasWatchedBefore() {
        WatchedMetrics watched = watching(List.of(), 100);
        watched.apply(RuleChange.upsert(rule("Disk", "disk")), 0);
        watched.caughtUp(0);

        watched.restart(5_000);
        assertThat(watched.watched()).isNull();
        watched.apply(RuleChange.delete("Disk"), 5_000);
        watched.caughtUp(5_000);
        assertThat(watched.watched()).containsExactly("disk");
        watched.expire(5_000 + GRACE_MS);
        assertThat(watched.watched()).isEmpty();
        assertThat(watched.watches("disk")).isFalse();
    }
}
