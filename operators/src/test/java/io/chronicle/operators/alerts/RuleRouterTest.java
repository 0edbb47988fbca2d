package io.chronicle.operators.alerts;

import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertRule;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class RuleRouterTest {

    private static MetricPoint point(String tenant, String metric, Map<String, String> tags, long seriesId) {
        MetricPoint p = new MetricPoint();
        p.tenant = tenant;
        p.metric = metric;
        p.tags = new TreeMap<>(tags);
        p.seriesId = seriesId;
        p.value = 1;
        return p;
    }

    @Test
    void routesEachPointToTheRulesThatSelectItKeyedPerSeriesOrSelector() throws Exception {
        AlertRule web = AlertEvaluatorTest.rule("""
                name: Web
                selector: 'cpu{host=~"web-.*", env!="staging"}'
                threshold: {above: 1}
                """);
        AlertRule acmeOnly = AlertEvaluatorTest.rule("""
                name: AcmeCpu
                tenant: acme
                selector: cpu
                absent: {for: 1m, per: selector}
                """);
        try (BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> h =
                     ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                             new RuleRouter(new RuleBook(List.of(web))), RuleBook.RULES)) {
            h.processElement(point("acme", "cpu", Map.of("host", "web-1"), 1), 0);
            h.processElement(point("acme", "cpu", Map.of("host", "web-2", "env", "staging"), 2), 0);
            h.processElement(point("acme", "cpu", Map.of("host", "db-1"), 3), 0);
            h.processElement(point("acme", "mem", Map.of("host", "web-1"), 4), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.key).containsExactly("Web\u00001");

            h.processBroadcastElement(RuleChange.upsert(acmeOnly), 0);
            h.processElement(point("globex", "cpu", Map.of("host", "web-9"), 5), 0);
            h.processElement(point("acme", "cpu", Map.of("host", "db-1"), 3), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.key)
                    .containsExactly("Web\u00001", "Web\u00005", "AcmeCpu");

            h.processBroadcastElement(RuleChange.delete("Web"), 0);
            h.processElement(point("globex", "cpu", Map.of("host", "web-9"), 5), 0);
            assertThat(h.extractOutputValues()).hasSize(3);
        }
    }
}
