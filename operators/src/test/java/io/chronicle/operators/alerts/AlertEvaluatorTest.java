package io.chronicle.operators.alerts;

import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AlertRules;
import io.chronicle.core.alerts.Fingerprints;
import io.chronicle.operators.rollup.CounterRule;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.heap.HeapKeyedStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class AlertEvaluatorTest {

    private static final long T0 = 1_790_000_000L;

    private static AlertEvaluator evaluator(List<AlertRule> fileRules) {
        return new AlertEvaluator(new RuleBook(fileRules, RuleLimits.defaults()), new CounterRule(Set.of()), "http://chronicle:8083",
                Duration.ofDays(7));
    }

    private static KeyedBroadcastOperatorTestHarness<String, RuleSample, RuleChange, AlertNotification> harness(
            AlertRule... fileRules) throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                evaluator(List.of(fileRules)), s -> s.key, Types.STRING, RuleBook.RULES);
    }

    static AlertRule rule(String yaml) {
        return AlertRules.parseRule(yaml);
    }

    private static MetricPoint point(String host, long second, double value) {
        MetricPoint p = new MetricPoint();
        p.tenant = "acme";
        p.metric = "cpu";
        p.tags = new TreeMap<>(Map.of("host", host));
        p.seriesId = host.hashCode();
        p.value = value;
        p.timestampMicros = (T0 + second) * 1_000_000L;
        p.provenance = new Provenance("points", 0, second, 0);
        return p;
    }

    private static void send(KeyedBroadcastOperatorTestHarness<String, RuleSample, RuleChange, AlertNotification> h,
            AlertRule rule, MetricPoint p) throws Exception {
        boolean perSeries = rule.kind != AlertRule.Kind.ABSENCE || rule.absentPerSeries;
        h.processElement(RuleSample.of(rule.name, perSeries, p), p.timestampMicros / 1_000L);
    }

    private static void watermark(KeyedBroadcastOperatorTestHarness<String, RuleSample, RuleChange, AlertNotification> h,
            long second) throws Exception {
        h.watermark((T0 + second) * 1_000L);
    }

    private static List<String> states(KeyedBroadcastOperatorTestHarness<?, ?, ?, AlertNotification> h) {
        return h.extractOutputValues().stream().map(n -> n.state).toList();
    }

    private static AlertNotification last(KeyedBroadcastOperatorTestHarness<?, ?, ?, AlertNotification> h) {
        List<AlertNotification> out = h.extractOutputValues();
        return out.get(out.size() - 1);
    }

    private static int keyedEntries(KeyedBroadcastOperatorTestHarness<?, ?, ?, ?> h) {
        AbstractStreamOperator<?> operator = (AbstractStreamOperator<?>) h.getTwoInputOperator();
        return ((HeapKeyedStateBackend<?>) operator.getKeyedStateBackend()).numKeyValueStateEntries();
    }

    private static long at(long second) {
        return (T0 + second) * 1_000_000L;
    }

    private static final AlertRule HIGH_CPU = rule("""
            name: HighCpu
            selector: 'cpu{host=~"web-.*"}'
            threshold: {above: 0.9}
            for: 60s
            labels: {severity: page}
            annotations: {summary: 'CPU on {{ $labels.host }} is {{ $value }}'}
            """);

    @Test
    void aThresholdIsPendingUntilItsForHasPassedThenFiresAndResolves() throws Exception {
        try (var h = harness(HIGH_CPU)) {
            send(h, HIGH_CPU, point("web-1", 0, 0.95));
            assertThat(states(h)).containsExactly("pending");
            send(h, HIGH_CPU, point("web-1", 30, 0.97));
            watermark(h, 59);
            assertThat(states(h)).as("not before for").containsExactly("pending");
            watermark(h, 60);
            assertThat(states(h)).containsExactly("pending", "firing");
            AlertNotification firing = last(h);
            assertThat(firing.startsAtMicros).isEqualTo(at(60));
            assertThat(firing.endsAtMicros).isNull();
            assertThat(firing.labels).isEqualTo(Map.of("alertname", "HighCpu", "host", "web-1",
                    "tenant", "acme", "severity", "page"));
            assertThat(firing.fingerprint).isEqualTo(Fingerprints.of(firing.labels));
            assertThat(firing.annotations).containsEntry("summary", "CPU on web-1 is 0.97");
            assertThat(firing.generatorUrl).isEqualTo("http://chronicle:8083?rule=HighCpu");
            send(h, HIGH_CPU, point("web-1", 90, 0.5));
            AlertNotification resolved = last(h);
            assertThat(resolved.state).isEqualTo("resolved");
            assertThat(resolved.startsAtMicros).isEqualTo(at(60));
            assertThat(resolved.endsAtMicros).isEqualTo(at(90));
            assertThat(resolved.fingerprint).isEqualTo(firing.fingerprint);
            assertThat(keyedEntries(h)).as("an inactive threshold keeps nothing").isZero();
        }
    }

    @Test
    void aConditionThatStopsWhilePendingNeverFires() throws Exception {
        try (var h = harness(HIGH_CPU)) {
            send(h, HIGH_CPU, point("web-1", 0, 0.95));
            send(h, HIGH_CPU, point("web-1", 30, 0.2));
            watermark(h, 600);
            assertThat(states(h)).containsExactly("pending", "inactive");
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void aSampleAfterForFiresEvenBeforeTheWatermarkGetsThere() throws Exception {
        try (var h = harness(HIGH_CPU)) {
            send(h, HIGH_CPU, point("web-1", 0, 0.95));
            send(h, HIGH_CPU, point("web-1", 61, 0.96));
            assertThat(states(h)).containsExactly("pending", "firing");
            assertThat(last(h).startsAtMicros).isEqualTo(at(60));
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void keepFiringForHoldsTheAlertAfterTheConditionClears() throws Exception {
        AlertRule rule = rule("""
                name: Flappy
                selector: cpu
                threshold: {above: 0.9}
                keep_firing_for: 2m
                """);
        try (var h = harness(rule)) {
            send(h, rule, point("db-1", 0, 0.95));
            assertThat(states(h)).containsExactly("firing");
            send(h, rule, point("db-1", 10, 0.1));
            send(h, rule, point("db-1", 60, 0.95));
            watermark(h, 200);
            assertThat(states(h)).as("cleared and back within keep_firing_for").containsExactly("firing");
            send(h, rule, point("db-1", 210, 0.1));
            watermark(h, 329);
            assertThat(states(h)).containsExactly("firing");
            watermark(h, 330);
            assertThat(states(h)).containsExactly("firing", "resolved");
            assertThat(last(h).endsAtMicros).isEqualTo(at(330));
        }
    }

    @Test
    void anAbsentSeriesFiresAfterItsDurationAndResolvesWhenPointsReturn() throws Exception {
        AlertRule rule = rule("""
                name: CpuGone
                selector: cpu
                absent: {for: 5m}
                """);
        try (var h = harness(rule)) {
            send(h, rule, point("web-1", 0, 1));
            send(h, rule, point("web-1", 100, 1));
            watermark(h, 399);
            assertThat(states(h)).isEmpty();
            watermark(h, 400);
            assertThat(states(h)).containsExactly("firing");
            assertThat(last(h).startsAtMicros).isEqualTo(at(400));
            assertThat(last(h).value).isNull();
            send(h, rule, point("web-1", 450, 1));
            assertThat(states(h)).containsExactly("firing", "resolved");
            assertThat(last(h).endsAtMicros).isEqualTo(at(450));
            watermark(h, 749);
            assertThat(states(h)).hasSize(2);
            watermark(h, 750);
            assertThat(states(h)).as("absent again").containsExactly("firing", "resolved", "firing");
        }
    }

    @Test
    void anAbsentSelectorIsOneAlertWithTheSelectorsLabels() throws Exception {
        AlertRule rule = rule("""
                name: NoWebCpu
                selector: 'cpu{role="web"}'
                absent: {for: 1m, per: selector}
                """);
        try (var h = harness(rule)) {
            MetricPoint a = point("web-1", 0, 1);
            a.tags.put("role", "web");
            MetricPoint b = point("web-2", 30, 1);
            b.tags.put("role", "web");
            send(h, rule, a);
            send(h, rule, b);
            watermark(h, 95);
            assertThat(states(h)).containsExactly("firing");
            assertThat(last(h).labels).isEqualTo(Map.of("alertname", "NoWebCpu", "role", "web"));
            assertThat(last(h).startsAtMicros).isEqualTo(at(90));
        }
    }

    @Test
    void aRateRuleMeasuresTheIncreasePerSecondAcrossCounterResets() throws Exception {
        AlertRule rule = rule("""
                name: Errors
                selector: errors_total
                rate: {window: 60s, above: 5}
                """);
        try (var h = harness(rule)) {
            MetricPoint[] points = {
                    counter(0, 100), counter(20, 150), counter(40, 20), counter(60, 120), counter(80, 130)};
            for (MetricPoint p : points) {
                send(h, rule, p);
            }
            // 0..60: +50, reset to 20 counts 20, +100 → 170 over 60 s = 2.83/s; not above 5.
            assertThat(states(h)).isEmpty();
            send(h, rule, counter(90, 400));
            // 40..90 in the window: 20 → 120 → 130 → 400 = 380 over 50 s = 7.6/s.
            assertThat(states(h)).containsExactly("firing");
            assertThat(last(h).value).isEqualTo(7.6);
        }
    }

    private static MetricPoint counter(long second, double value) {
        MetricPoint p = point("api", second, value);
        p.metric = "errors_total";
        return p;
    }

    @Test
    void rulesAddedChangedAndDeletedWhileRunningApplyWithoutARestart() throws Exception {
        try (var h = harness()) {
            send(h, HIGH_CPU, point("web-1", 0, 0.99));
            assertThat(states(h)).as("no rule yet").isEmpty();

            AlertRule fast = rule("""
                    name: HighCpu
                    selector: cpu
                    threshold: {above: 0.9}
                    """);
            h.processBroadcastElement(RuleChange.upsert(fast), 0);
            send(h, fast, point("web-1", 10, 0.99));
            assertThat(states(h)).containsExactly("firing");

            AlertRule reworded = rule("""
                    name: HighCpu
                    selector: cpu
                    threshold: {above: 0.9}
                    annotations: {summary: busy}
                    """);
            h.processBroadcastElement(RuleChange.upsert(reworded), 0);
            send(h, reworded, point("web-1", 20, 0.99));
            assertThat(states(h)).as("an annotation change keeps the alert").containsExactly("firing");

            AlertRule stricter = rule("""
                    name: HighCpu
                    selector: cpu
                    threshold: {above: 0.995}
                    """);
            watermark(h, 25);
            h.processBroadcastElement(RuleChange.upsert(stricter), 0);
            assertThat(states(h)).as("a changed condition resolves and starts afresh")
                    .containsExactly("firing", "resolved");
            assertThat(last(h).endsAtMicros).isEqualTo(at(25));
            send(h, stricter, point("web-1", 30, 0.99));
            assertThat(states(h)).hasSize(2);
            send(h, stricter, point("web-1", 40, 0.999));
            assertThat(states(h)).containsExactly("firing", "resolved", "firing");

            h.processBroadcastElement(RuleChange.delete("HighCpu"), 0);
            assertThat(states(h)).containsExactly("firing", "resolved", "firing", "resolved");
            send(h, stricter, point("web-1", 50, 0.999));
            assertThat(states(h)).as("a deleted rule is not evaluated").hasSize(4);
            assertThat(keyedEntries(h)).isZero();
        }
    }

    @Test
    void aDeletionOnTheTopicRemovesAFileRuleToo() throws Exception {
        try (var h = harness(HIGH_CPU)) {
            h.processBroadcastElement(RuleChange.delete("HighCpu"), 0);
            send(h, HIGH_CPU, point("web-1", 0, 0.99));
            assertThat(states(h)).isEmpty();
        }
    }

    @Test
    void aRestoredFiringAlertNeitherFiresAgainNorIsForgotten() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(HIGH_CPU)) {
            send(h, HIGH_CPU, point("web-1", 0, 0.95));
            watermark(h, 60);
            assertThat(states(h)).containsExactly("pending", "firing");
            snapshot = h.snapshot(1, 1);
        }
        try (var h = new KeyedBroadcastOperatorTestHarness<>(
                new CoBroadcastWithKeyedOperator<>(evaluator(List.of(HIGH_CPU)), List.of(RuleBook.RULES)),
                (RuleSample s) -> s.key, Types.STRING, 1, 1, 0)) {
            h.setup();
            h.initializeState(snapshot);
            h.open();
            send(h, HIGH_CPU, point("web-1", 70, 0.99));
            watermark(h, 200);
            assertThat(states(h)).as("still firing, not fired again").isEmpty();
            send(h, HIGH_CPU, point("web-1", 210, 0.1));
            assertThat(states(h)).containsExactly("resolved");
            assertThat(last(h).startsAtMicros).isEqualTo(at(60));
        }
    }

    @Test
    void anOutOfOrderSampleIsSkipped() throws Exception {
        try (var h = harness(HIGH_CPU)) {
            send(h, HIGH_CPU, point("web-1", 0, 0.95));
            send(h, HIGH_CPU, point("web-1", 10, 0.96));
            send(h, HIGH_CPU, point("web-1", 5, 0.1));
            watermark(h, 60);
            assertThat(states(h)).containsExactly("pending", "firing");
        }
    }

    @Test
    void anAnomalyRuleFiresOnAPointOutsideTheForecastsBandAndRecordsItsScore() throws Exception {
        AlertRule rule = rule("""
                name: CpuAnomaly
                selector: cpu
                anomaly: {model: ewma, alpha: 0.1, band: 3, warmup: 30}
                """);
        java.util.Random random = new java.util.Random(3);
        try (var h = harness(rule)) {
            for (int s = 0; s < 100; s++) {
                send(h, rule, point("web-1", s, 50 + random.nextGaussian()));
            }
            assertThat(states(h)).as("noise inside the band").isEmpty();
            send(h, rule, point("web-1", 100, 80));
            assertThat(states(h)).containsExactly("firing");
            assertThat(last(h).value).as("the anomaly score").isGreaterThan(1.0);
            List<io.chronicle.core.alerts.AnomalyRecord> anomalies = new java.util.ArrayList<>();
            h.getSideOutput(AlertEvaluator.ANOMALIES).forEach(r -> anomalies.add(r.getValue()));
            assertThat(anomalies).singleElement().satisfies(a -> {
                assertThat(a.value).isEqualTo(80.0);
                assertThat(a.expected).isCloseTo(50.0, org.assertj.core.api.Assertions.within(1.5));
                assertThat(a.score).isEqualTo(last(h).value);
            });
            send(h, rule, point("web-1", 101, 50.3));
            assertThat(states(h)).containsExactly("firing", "resolved");
        }
    }

    /** The largest values the normalizer accepts, through every kind of rule, never fail it. */
    @Test
    void valuesAtTheEdgeOfTheDoubleRangeAreEvaluatedWithoutFailing() throws Exception {
        double max = io.chronicle.core.rollup.SketchCodec.MAX_MAGNITUDE;
        AlertRule rate = rule("""
                name: Errors
                selector: errors_total
                rate: {window: 60s, above: 5}
                """);
        try (var h = harness(rate)) {
            send(h, rate, counter(0, -max));
            send(h, rate, counter(10, max));
            // An increase beyond the double range is an infinite rate: above any bound.
            assertThat(states(h)).containsExactly("firing");
            assertThat(last(h).value).isEqualTo(Double.POSITIVE_INFINITY);
            send(h, rate, counter(20, -max));
            assertThat(states(h)).containsExactly("firing");
            // Once the window has moved past them, the rate is an ordinary number again.
            send(h, rate, counter(100, 5));
            send(h, rate, counter(110, 6));
            assertThat(states(h)).containsExactly("firing", "resolved");
            assertThat(last(h).value).isEqualTo(0.1);
        }
        AlertRule anomaly = rule("""
                name: CpuAnomaly
                selector: cpu
                anomaly: {model: ewma, alpha: 0.1, band: 3, warmup: 5}
                """);
        try (var h = harness(anomaly)) {
            for (int s = 0; s < 10; s++) {
                send(h, anomaly, point("web-1", s, 50 + s % 2));
            }
            send(h, anomaly, point("web-1", 10, max));
            assertThat(states(h)).containsExactly("firing");
            send(h, anomaly, point("web-1", 11, -max));
            send(h, anomaly, point("web-1", 12, max));
            assertThat(states(h)).as("a model that overflowed starts afresh: no score in its warm-up")
                    .containsExactly("firing");
            for (int s = 13; s < 30; s++) {
                send(h, anomaly, point("web-1", s, 50 + s % 2));
            }
            assertThat(states(h)).containsExactly("firing", "resolved");
        }
    }

    @Test
    void annotationsExpandLabelsAndValue() {
        assertThat(AlertEvaluator.expand("{{ $labels.host }}: {{$value}} ({{ $labels.none }})",
                Map.of("host", "a"), 1.5)).isEqualTo("a: 1.5 ()");
    }

    private static KeyedBroadcastOperatorTestHarness<String, RuleSample, RuleChange, AlertNotification> harness(
            RuleLimits limits, AlertRule... fileRules) throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
                new AlertEvaluator(new RuleBook(List.of(fileRules), limits), new CounterRule(Set.of()), "",
                        Duration.ofDays(7)), s -> s.key, Types.STRING, RuleBook.RULES);
    }

    @Test
    void aRuleWhoseEvaluationFailsIsDisabledReportedAndTheOthersGoOn() throws Exception {
        // As an older version's state could hold it: a model its parameters cannot make.
        AlertRule broken = rule("{name: Broken, selector: cpu, anomaly: {model: ewma}}");
        broken.alpha = 0;
        try (var h = harness(broken, HIGH_CPU)) {
            send(h, broken, point("web-1", 0, 0.5));
            send(h, broken, point("web-2", 1, 0.5));
            send(h, HIGH_CPU, point("web-1", 2, 0.99));
            assertThat(states(h)).as("the other rule goes on").containsExactly("pending");
            assertThat(h.getSideOutput(RuleBook.STATUS)).as("reported once").singleElement().satisfies(r -> {
                assertThat(r.getValue().rule).isEqualTo("Broken");
                assertThat(r.getValue().status).isEqualTo("disabled");
                assertThat(r.getValue().reason).isEqualTo("evaluating the rule failed, so it is off until it is"
                        + " replaced or deleted: java.lang.IllegalArgumentException: alpha must be in (0, 1]: 0.0");
            });
            assertThat(keyedEntries(h)).as("only HighCpu's alert is kept").isEqualTo(1);

            AlertRule fixed = rule("{name: Broken, selector: cpu, anomaly: {model: ewma, warmup: 1}}");
            h.processBroadcastElement(RuleChange.upsert(fixed), 0);
            send(h, fixed, point("web-1", 3, 0.5));
            assertThat(keyedEntries(h)).as("replaced, it is evaluated again").isEqualTo(2);
        }
    }

    @Test
    void aRateRuleKeepsAtMostMaxRateSamplesAndMeasuresOverTheNewest() throws Exception {
        RuleLimits d = RuleLimits.defaults();
        AlertRule rate = rule("""
                name: Errors
                selector: errors_total
                rate: {window: 1h, above: 40}
                """);
        try (var h = harness(new RuleLimits(d.maxRules(), d.maxDocumentBytes(), d.maxDuration(), 3), rate)) {
            double[] values = {0, 10, 20, 100};
            for (int s = 0; s < values.length; s++) {
                send(h, rate, counter(s, values[s]));
            }
            // The newest three: (100 - 10) / 2 s = 45 per second; all four would give 100 / 3 s.
            assertThat(states(h)).containsExactly("firing");
            assertThat(last(h).value).isEqualTo(45.0);
        }
    }

    @Test
    void durationsOnTheirBoundComeDueWithoutOverflow() throws Exception {
        AlertRule slow = rule("""
                name: Slow
                selector: cpu
                threshold: {above: 0.9}
                for: 30d
                keep_firing_for: 30d
                """);
        long month = 30L * 86_400;
        try (var h = harness(slow)) {
            send(h, slow, point("web-1", 0, 0.95));
            watermark(h, month - 1);
            assertThat(states(h)).containsExactly("pending");
            watermark(h, month);
            assertThat(states(h)).containsExactly("pending", "firing");
            send(h, slow, point("web-1", month + 1, 0.1));
            watermark(h, 2 * month);
            assertThat(states(h)).containsExactly("pending", "firing");
            watermark(h, 2 * month + 1);
            assertThat(states(h)).containsExactly("pending", "firing", "resolved");
            assertThat(last(h).endsAtMicros).isEqualTo(at(2 * month + 1));
        }
    }

    @Test
    void anAnnotationIsCutOnceExpandedPastItsBound() {
        Map<String, String> labels = Map.of("host", "h".repeat(1_024));
        String template = "{{ $labels.host }}".repeat(10);
        String expanded = AlertEvaluator.expand(template, labels, 1.0);
        assertThat(expanded).hasSize(AlertEvaluator.MAX_EXPANDED_ANNOTATION)
                .isEqualTo("h".repeat(AlertEvaluator.MAX_EXPANDED_ANNOTATION - 1) + "…");
        assertThat(AlertEvaluator.expand("{{ $labels.host }} at {{$value}}", Map.of("host", "a"), 2.5))
                .isEqualTo("a at 2.5");
        String emoji = "😀".repeat(5_000);
        assertThat(AlertEvaluator.expand("{{ $labels.e }}", Map.of("e", emoji), null))
                .as("never half a surrogate pair").isEqualTo("😀".repeat(4_095) + "…");
    }
}
