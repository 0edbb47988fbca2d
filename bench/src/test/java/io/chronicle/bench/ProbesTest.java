package io.chronicle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AlertRules;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointNormalizer;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ProbesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T0 = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();

    @Test
    void theRuleIsAValidZeroForThresholdOnTheProbeMetric() {
        AlertRule rule = AlertRules.parseRule(Probes.rule());
        assertThat(rule.name).isEqualTo(Probes.RULE);
        assertThat(rule.kind).isEqualTo(AlertRule.Kind.THRESHOLD);
        assertThat(rule.forMicros).isZero();
    }

    /** Steps alternate: a point above the threshold, then the same probe's point below it. */
    @Test
    void probesTakeTurnsFiringAndResolvingOnPointsTheJobAccepts() throws Exception {
        Probes probes = new Probes(3, 2);
        Normalization<MetricPoint> normalization = new Normalization<>(new PointNormalizer(NormalizerSettings.defaults()));
        AlertRule rule = AlertRules.parseRule(Probes.rule());
        List<Probes.Point> points = new ArrayList<>();
        for (long step = 0; step < 8; step++) {
            points.add(probes.point(step, T0 + step * 1_000));
        }
        assertThat(points).extracting(Probes.Point::status).containsExactly(
                Probes.FIRING, Probes.RESOLVED, Probes.FIRING, Probes.RESOLVED,
                Probes.FIRING, Probes.RESOLVED, Probes.FIRING, Probes.RESOLVED);
        assertThat(points).extracting(Probes.Point::partition).containsExactly(0, 0, 1, 1, 0, 0, 0, 0);
        assertThat(points.get(0).key()).isEqualTo("p-000@" + T0);
        assertThat(points.get(6).key()).isEqualTo("p-000@" + (T0 + 6_000));
        for (Probes.Point point : points) {
            MetricPoint p = normalization.normalize(new RawRecord("bench", point.partition(), 0, 0, null, point.json()),
                    System.currentTimeMillis() * 1_000).right();
            assertThat(rule.selects(p)).isTrue();
            assertThat(rule.compare(p.value)).isEqualTo(point.status().equals(Probes.FIRING));
        }
    }

    @Test
    void aProbesPointsAreLaterThanItsLastEvenWhenEventTimeStandsStill() {
        Probes probes = new Probes(1, 1);
        assertThat(probes.point(0, T0).key()).isEqualTo("p-000@" + T0);
        assertThat(probes.point(1, T0).key()).isEqualTo("p-000@" + (T0 + 1));
        assertThat(probes.point(2, T0 - 5_000).key()).isEqualTo("p-000@" + (T0 + 2));
    }

    /** A message as the alerts topic carries it: its key is that of the point that caused it. */
    @Test
    void anAlertOfTheProbeRuleReadsBackAsTheKeyOfItsPoint() throws Exception {
        Probes probes = new Probes(50, 4);
        Probes.Point point = probes.point(14, T0 + 1_234);
        JsonNode alert = JSON.readTree("""
                {"fingerprint": "5158976e13672c2e", "status": "firing",
                 "labels": {"alertname": "LatencyProbe", "probe": "p-007", "tenant": "default"},
                 "annotations": {}, "startsAt": "2025-01-01T00:00:01.234Z", "endsAt": null,
                 "generatorURL": null, "rule": "LatencyProbe", "tenant": "default", "seriesId": 81273,
                 "value": 150.0, "changedAt": "2025-01-01T00:00:01.234Z"}
                """);
        assertThat(Probes.read(alert)).contains(new Probes.Change(Probes.FIRING, point.key()));

        JsonNode other = JSON.readTree("""
                {"status": "firing", "labels": {"alertname": "HighCpu", "probe": "p-007"}, "rule": "HighCpu",
                 "changedAt": "2025-01-01T00:00:01.234Z"}
                """);
        assertThat(Probes.read(other)).isEmpty();
    }
}
