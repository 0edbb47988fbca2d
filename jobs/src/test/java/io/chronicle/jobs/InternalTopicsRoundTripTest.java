package io.chronicle.jobs;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.operators.health.HealthPoints;
import io.chronicle.sinks.AlertTopics;
import io.chronicle.sinks.HealthTopic;
import io.chronicle.sources.InternalTopics;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** What one job writes to a topic between jobs, the job after it reads back unchanged. */
class InternalTopicsRoundTripTest {

    @Test
    void anAlertWrittenByTheAlertsJobIsReadBackWholeByTheDeliveryJob() throws Exception {
        AlertNotification resolved = notification();
        AlertNotification firing = notification();
        firing.state = AlertNotification.FIRING;
        firing.endsAtMicros = null;
        firing.value = null;

        for (AlertNotification a : new AlertNotification[] {resolved, firing}) {
            assertThat(new InternalTopics.Alerts().read(AlertTopics.toJson(a))).isEqualTo(a);
        }
    }

    @Test
    void aHealthPointWrittenByTheRollupsJobIsReadBackWholeByTheAlertsJob() throws Exception {
        TreeMap<String, String> tags = new TreeMap<>(Map.of("metric_name", "cpu \"seconds\""));
        MetricPoint p = new HealthPoints().gauge("acme", HealthRules.METRIC_SERIES, tags, 1_796_378_415_123L, 4_321);

        assertThat(new InternalTopics.HealthSeries().read(HealthTopic.toJson(p))).isEqualTo(p);
    }

    private static AlertNotification notification() {
        AlertNotification a = new AlertNotification();
        a.fingerprint = "c0ffee";
        a.state = AlertNotification.RESOLVED;
        a.tenant = "acme";
        a.ruleName = "HighCpu";
        a.seriesId = Long.MIN_VALUE + 7;
        a.labels = new TreeMap<>(Map.of("alertname", "HighCpu", "host", "h\u00e9", "tenant", "acme"));
        a.annotations = new TreeMap<>(Map.of("summary", "CPU at {{ $value }}"));
        a.startsAtMicros = 1_796_378_400_000_001L;
        a.endsAtMicros = 1_796_378_460_999_999L;
        a.changedAtMicros = 1_796_378_460_999_999L;
        a.value = 0.1 + 0.2;
        a.generatorUrl = "https://dash.example/?rule=HighCpu";
        return a;
    }
}
