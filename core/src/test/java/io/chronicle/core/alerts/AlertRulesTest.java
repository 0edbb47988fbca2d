package io.chronicle.core.alerts;

import io.chronicle.core.MetricPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlertRulesTest {

    @Test
    void readsAFileWithEveryKindOfRule() {
        List<AlertRule> rules = AlertRules.parseFile("""
                rules:
                  - name: HighCpu
                    tenant: acme
                    selector: 'cpu_usage{host=~"web-.*", env!="staging"}'
                    threshold: {above: 0.9}
                    for: 5m
                    keep_firing_for: 2m
                    labels: {severity: page}
                    annotations: {summary: 'CPU high on {{ $labels.host }}'}
                  - name: NoHeartbeat
                    selector: agent_up
                    absent: {for: 10m, per: selector}
                  - name: ErrorRate
                    selector: '{__name__="http_errors_total", code=~"5.."}'
                    rate: {window: 5m, at_or_above: 10}
                    for: 1m
                  - name: LatencyAnomaly
                    selector: latency_ms
                    anomaly: {model: holt_winters, season: 1d, step: 5m, band: 4}
                """, RuleLimits.defaults());
        assertThat(rules).extracting(r -> r.kind).containsExactly(AlertRule.Kind.THRESHOLD,
                AlertRule.Kind.ABSENCE, AlertRule.Kind.RATE, AlertRule.Kind.ANOMALY);
        AlertRule cpu = rules.get(0);
        assertThat(cpu.tenant).isEqualTo("acme");
        assertThat(cpu.metric).isEqualTo("cpu_usage");
        assertThat(cpu.matchers).containsExactly(new LabelMatcher("host", "=~", "web-.*"),
                new LabelMatcher("env", "!=", "staging"));
        assertThat(cpu.op).isEqualTo(">");
        assertThat(cpu.bound).isEqualTo(0.9);
        assertThat(cpu.forMicros).isEqualTo(300_000_000L);
        assertThat(cpu.keepFiringForMicros).isEqualTo(120_000_000L);
        assertThat(cpu.labels).isEqualTo(Map.of("severity", "page"));
        assertThat(rules.get(1).absentPerSeries).isFalse();
        assertThat(rules.get(1).absentForMicros).isEqualTo(600_000_000L);
        AlertRule errors = rules.get(2);
        assertThat(errors.metric).isEqualTo("http_errors_total");
        assertThat(errors.op).isEqualTo(">=");
        assertThat(errors.windowMicros).isEqualTo(300_000_000L);
        AlertRule latency = rules.get(3);
        assertThat(latency.model).isEqualTo("holt_winters");
        assertThat(latency.seasonLength).isEqualTo(288);
        assertThat(latency.stepMicros).isEqualTo(300_000_000L);
        assertThat(latency.warmup).as("two seasons by default").isEqualTo(576);
        assertThat(latency.band).isEqualTo(4.0);
    }

    @Test
    void selectsByTenantMetricAndAnchoredMatchers() {
        AlertRule rule = AlertRules.parseRule("""
                {"name": "r", "tenant": "acme", "selector": "cpu{host=~\\"web-.*\\", zone!=\\"eu\\"}",
                 "threshold": {"below": 1}}
                """);
        assertThat(rule.selects(point("acme", "cpu", Map.of("host", "web-1")))).isTrue();
        assertThat(rule.selects(point("acme", "cpu", Map.of("host", "xweb-1")))).as("anchored").isFalse();
        assertThat(rule.selects(point("acme", "cpu", Map.of("host", "web-1", "zone", "eu")))).isFalse();
        assertThat(rule.selects(point("globex", "cpu", Map.of("host", "web-1")))).isFalse();
        assertThat(rule.selects(point("acme", "mem", Map.of("host", "web-1")))).isFalse();
        AlertRule missing = AlertRules.parseRule("""
                {"name": "m", "selector": "cpu{zone=\\"\\"}", "threshold": {"above": 1}}
                """);
        assertThat(missing.selects(point("acme", "cpu", Map.of("host", "a"))))
                .as("a missing label matches the empty string").isTrue();
    }

    private static MetricPoint point(String tenant, String metric, Map<String, String> tags) {
        MetricPoint p = new MetricPoint();
        p.tenant = tenant;
        p.metric = metric;
        p.tags = new TreeMap<>(tags);
        return p;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{selector: cpu, threshold: {above: 1}}|'name' is required",
            "{name: r, threshold: {above: 1}}|'selector' is required",
            "{name: r, selector: 'cpu{host=web}', threshold: {above: 1}}|must be quoted",
            "{name: r, selector: 'cpu{host=~\"(\"}', threshold: {above: 1}}|invalid regular expression for label 'host'",
            "{name: r, selector: 'cpu{host=\"a\"', threshold: {above: 1}}|lacks its closing }",
            "{name: r, selector: cpu}|needs exactly one of threshold, absent, rate, anomaly",
            "{name: r, selector: cpu, threshold: {above: 1}, absent: {for: 1m}}|needs exactly one of",
            "{name: r, selector: cpu, threshold: {above: x}}|'above' must be a finite number",
            "{name: r, selector: cpu, threshold: {above: 1, below: 0}}|needs exactly one of above, below",
            "{name: r, selector: cpu, threshold: {above: 1}, for: soon}|rule 'r' for: not a duration",
            "{name: r, selector: cpu, rate: {above: 1}}|'window' is required",
            "{name: r, selector: cpu, absent: {}}|'for' is required",
            "{name: r, selector: cpu, absent: {for: 1m, per: host}}|'per' is series or selector",
            "{name: r, selector: cpu, anomaly: {model: arima}}|'model' is ewma or holt_winters",
            "{name: r, selector: cpu, anomaly: {model: holt_winters}}|needs 'season' and 'step'",
            "{name: r, selector: cpu, anomaly: {model: holt_winters, season: 1d, step: 7m}}|a multiple of at least two steps",
            "{name: r, selector: cpu, anomaly: {season: 1d}}|season, step, beta and gamma are for holt_winters",
            "{name: r, selector: cpu, anomaly: {band: -1}}|'band' must be a positive number",
            "{name: r, selector: cpu, anomaly: {alpha: 1.5}}|'alpha' must be between 0 and 1",
            "{name: r, selector: cpu, threshold: {above: 1}, severity: page}|unknown field 'severity'",
            "{name: r, selector: cpu, threshold: {above: 1}, labels: {bad-name: x}}|must be a label name",
            "[1, 2]|expected an object",
    })
    void refusesABadRuleNamingTheField(String rule, String reason) {
        assertThatThrownBy(() -> AlertRules.parseRule(rule))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void refusesAFileThatDefinesARuleTwice() {
        assertThatThrownBy(() -> AlertRules.parseFile("""
                rules:
                  - {name: r, selector: cpu, threshold: {above: 1}}
                  - {name: r, selector: mem, threshold: {above: 1}}
                """, RuleLimits.defaults())).hasMessageContaining("rule 'r' is defined twice");
    }
}
