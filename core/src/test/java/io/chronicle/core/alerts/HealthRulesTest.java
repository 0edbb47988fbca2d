package io.chronicle.core.alerts;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HealthRulesTest {

    private static MetricPoint point(String metric, Map<String, String> tags) {
        MetricPoint p = new MetricPoint();
        p.tenant = "acme";
        p.metric = metric;
        p.tags = new TreeMap<>(tags);
        return p;
    }

    @Test
    void eachHealthSeriesHasAThresholdRuleOnItsOption() {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.ALERTS_HEALTH_DEAD_LETTER_RATE, 2.5);
        conf.set(ChronicleOptions.ALERTS_HEALTH_MAX_COMMIT_AGE, Duration.ofMinutes(5));
        conf.set(ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_TENANT, 1_000L);
        conf.set(ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_METRIC, 10L);
        conf.set(ChronicleOptions.ALERTS_HEALTH_FOR, Duration.ofSeconds(30));

        List<AlertRule> rules = HealthRules.from(conf);

        assertThat(rules).extracting(r -> r.name).containsExactly("ChronicleDeadLetterRate",
                "ChronicleSinkCommitsFailing", "ChronicleTenantCardinality", "ChronicleMetricCardinality");
        assertThat(rules).allSatisfy(r -> {
            assertThat(r.kind).isEqualTo(AlertRule.Kind.THRESHOLD);
            assertThat(r.op).isEqualTo(">");
            assertThat(r.tenant).isNull();
            assertThat(r.labels).containsEntry("source", "chronicle");
        });
        assertThat(rules).extracting(r -> r.bound).containsExactly(2.5, 300.0, 1_000.0, 10.0);
        assertThat(rules).extracting(r -> r.forMicros).containsExactly(30_000_000L, 0L, 30_000_000L, 30_000_000L);
        assertThat(rules.get(1).selects(point(HealthRules.COMMIT_AGE, Map.of("table", "points_raw")))).isTrue();
        assertThat(rules.get(3).selects(point(HealthRules.METRIC_SERIES, Map.of("metric_name", "up")))).isTrue();
        assertThat(rules.get(3).selects(point(HealthRules.TENANT_SERIES, Map.of()))).isFalse();
    }

    /** A health rule over a name producers could write would let them fire or silence it. */
    @Test
    void everyHealthRuleSelectsAReservedMetricName() {
        List<AlertRule> rules = HealthRules.from(new Configuration());
        assertThat(rules).extracting(r -> r.metric).containsExactlyInAnyOrderElementsOf(HealthRules.METRICS);
        assertThat(HealthRules.METRICS).containsExactlyInAnyOrder("chronicle_dead_letters_per_second",
                "chronicle_table_commit_age_seconds", "chronicle_tenant_active_series", "chronicle_metric_active_series");
    }

    @Test
    void aCommitAgeAnIdleJobCouldReachFailsNamingTheOption() {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMinutes(1));
        conf.set(ChronicleOptions.ALERTS_HEALTH_MAX_COMMIT_AGE, Duration.ofMinutes(10));
        assertThatThrownBy(() -> HealthRules.from(conf))
                .hasMessageContaining("'chronicle.alerts.health.max-commit-age'")
                .hasMessageContaining("10 checkpoint intervals");
        conf.set(ChronicleOptions.ALERTS_HEALTH_MAX_COMMIT_AGE, Duration.ofMinutes(11));
        assertThat(HealthRules.from(conf).get(1).bound).isEqualTo(660.0);
    }

    @Test
    void theDefaultCommitAgeMakesRoomForLongCheckpointIntervals() {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(30));
        assertThat(HealthRules.from(conf).get(1).bound).isEqualTo(600.0);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMinutes(2));
        assertThat(HealthRules.from(conf).get(1).bound).as("15 intervals").isEqualTo(1_800.0);
    }

    @Test
    void boundsThatCannotWorkFailNamingTheirOption() {
        Configuration negativeRate = new Configuration();
        negativeRate.set(ChronicleOptions.ALERTS_HEALTH_DEAD_LETTER_RATE, -1.0);
        assertThatThrownBy(() -> HealthRules.from(negativeRate)).hasMessageContaining("'chronicle.alerts.health.dead-letter-rate'");
        Configuration noSeries = new Configuration();
        noSeries.set(ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_METRIC, 0L);
        assertThatThrownBy(() -> HealthRules.from(noSeries)).hasMessageContaining("'chronicle.alerts.health.max-series-per-metric'");
    }
}
