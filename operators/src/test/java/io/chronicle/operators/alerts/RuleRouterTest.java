package io.chronicle.operators.alerts;

import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.LabelMatcher;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
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
                             new RuleRouter(new RuleBook(List.of(web), RuleLimits.defaults())), RuleBook.RULES)) {
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

    private static RuleChange at(RuleChange change, long offset) {
        return change.at(0, offset);
    }

    private static List<String> statuses(BroadcastOperatorTestHarness<?, ?, ?> h) {
        return h.getSideOutput(RuleBook.STATUS).stream()
                .map(r -> r.getValue().offset + " " + r.getValue().rule + " " + r.getValue().status
                        + (r.getValue().reason == null ? "" : ": " + r.getValue().reason))
                .toList();
    }

    private static RuleLimits maxRules(int max) {
        RuleLimits d = RuleLimits.defaults();
        return new RuleLimits(max, d.maxDocumentBytes(), d.maxDuration(), d.maxRateSamples());
    }

    private static AlertRule threshold(String name, String metric) {
        return AlertEvaluatorTest.rule("{name: " + name + ", selector: " + metric + ", threshold: {above: 0}}");
    }

    @Test
    void answersEveryChangeAsTheRulesInForceStandAndBoundsTheirNumber() throws Exception {
        AlertRule fromFile = threshold("F", "cpu");
        try (BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> h =
                     ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                             new RuleRouter(new RuleBook(List.of(fromFile), maxRules(3))), RuleBook.RULES)) {
            h.processBroadcastElement(at(RuleChange.upsert(threshold("A", "cpu")), 0), 0);
            h.processBroadcastElement(at(RuleChange.upsert(threshold("B", "cpu")), 1), 0);
            h.processBroadcastElement(at(RuleChange.upsert(threshold("C", "cpu")), 2), 0);
            h.processBroadcastElement(at(RuleChange.upsert(threshold("A", "mem")), 3), 0);
            h.processBroadcastElement(at(RuleChange.invalid("D", "rule 'D': needs exactly one of ..."), 4), 0);
            h.processBroadcastElement(at(RuleChange.delete("X"), 5), 0);
            h.processBroadcastElement(at(RuleChange.delete("F"), 6), 0);
            h.processBroadcastElement(at(RuleChange.upsert(threshold("C", "cpu")), 7), 0);
            h.processBroadcastElement(at(RuleChange.delete("F"), 8), 0);
            assertThat(statuses(h)).containsExactly(
                    "0 A accepted",
                    "1 B accepted",
                    "2 C rejected: too many rules: 3 are in force, the most chronicle.alerts.rules.max-rules allows;"
                            + " delete one first",
                    "3 A accepted",
                    "4 D rejected: rule 'D': needs exactly one of ...",
                    "5 X deleted: no rule 'X' was in force",
                    "6 F deleted",
                    "7 C accepted",
                    "8 F deleted: no rule 'F' was in force");

            h.processElement(point("acme", "cpu", Map.of(), 1), 0);
            h.processElement(point("acme", "mem", Map.of(), 2), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.ruleName).containsExactlyInAnyOrder("B", "C", "A");
            assertThat(h.getBroadcastState(RuleBook.RULES).entries()).extracting(e -> e.getKey())
                    .as("the file rule's deletion is kept; nothing for unknown names")
                    .containsExactlyInAnyOrder("A", "B", "C", "F");
        }
    }

    @Test
    void tombstonesOfUnknownRulesLeaveNoState() throws Exception {
        try (BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> h =
                     ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                             new RuleRouter(new RuleBook(List.of(), RuleLimits.defaults())), RuleBook.RULES)) {
            for (int i = 0; i < 10_000; i++) {
                h.processBroadcastElement(at(RuleChange.delete("gone" + i), i), 0);
            }
            assertThat(h.getBroadcastState(RuleBook.RULES).entries()).isEmpty();
            assertThat(h.getSideOutput(RuleBook.STATUS)).hasSize(10_000)
                    .allMatch(r -> r.getValue().status.equals("deleted"));
        }
    }

    @Test
    void onlyTheFirstInstanceAnswersButEveryInstanceApplies() throws Exception {
        try (BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> h = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new RuleRouter(new RuleBook(List.of(), RuleLimits.defaults())),
                        List.of(RuleBook.RULES)), 2, 2, 1)) {
            h.open();
            h.processBroadcastElement(at(RuleChange.upsert(threshold("A", "cpu")), 0), 0);
            assertThat(h.getSideOutput(RuleBook.STATUS)).isNull();
            h.processElement(point("acme", "cpu", Map.of(), 1), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.ruleName).containsExactly("A");
        }
    }

    /** A rule as an older version's state could hold it: a regular expression RE2 refuses. */
    private static AlertRule restoredWithJavaRegex(String name) {
        AlertRule rule = threshold(name, "cpu");
        LabelMatcher lookahead = new LabelMatcher();
        lookahead.name = "host";
        lookahead.op = "=~";
        lookahead.value = "(?=web)web-.*";
        rule.matchers = List.of(lookahead);
        return rule;
    }

    @Test
    void aRuleWhoseSelectorFailsIsDisabledReportedAndTheOthersGoOn() throws Exception {
        try (BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> h =
                     ProcessFunctionTestHarnesses.forBroadcastProcessFunction(new RuleRouter(new RuleBook(
                             List.of(restoredWithJavaRegex("Old"), threshold("Ok", "cpu")), RuleLimits.defaults())),
                             RuleBook.RULES)) {
            h.processElement(point("acme", "cpu", Map.of("host", "web-1"), 1), 0);
            h.processElement(point("acme", "cpu", Map.of("host", "web-2"), 2), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.key).containsExactly("Ok\u00001", "Ok\u00002");
            assertThat(h.getSideOutput(RuleBook.STATUS)).singleElement().satisfies(r -> {
                assertThat(r.getValue().rule).isEqualTo("Old");
                assertThat(r.getValue().status).isEqualTo("disabled");
                assertThat(r.getValue().offset).isEqualTo(-1L);
                assertThat(r.getValue().reason).startsWith("evaluating the rule failed, so it is off until it is"
                        + " replaced or deleted: java.lang.IllegalArgumentException: invalid regular expression");
            });

            // Replaced, it is back.
            h.processBroadcastElement(at(RuleChange.upsert(AlertEvaluatorTest.rule(
                    "{name: Old, selector: 'cpu{host=~\"web-.*\"}', threshold: {above: 0}}")), 0), 0);
            h.processElement(point("acme", "cpu", Map.of("host", "web-3"), 3), 0);
            assertThat(h.extractOutputValues()).extracting(s -> s.key).endsWith("Old\u00003");
        }
    }

    @Test
    void aRuleThatCannotBeEvaluatedIsRefusedWhenApplied() throws Exception {
        AlertRule badModel = AlertEvaluatorTest.rule("{name: Bad, selector: cpu, anomaly: {model: ewma}}");
        badModel.alpha = 0;
        try (BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> h =
                     ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                             new RuleRouter(new RuleBook(List.of(), RuleLimits.defaults())), RuleBook.RULES)) {
            h.processBroadcastElement(at(RuleChange.upsert(restoredWithJavaRegex("Old")), 0), 0);
            h.processBroadcastElement(at(RuleChange.upsert(badModel), 1), 0);
            assertThat(statuses(h)).containsExactly(
                    "0 Old rejected: rule 'Old' cannot be evaluated: invalid regular expression for label 'host':"
                            + " error parsing regexp: invalid or unsupported Perl syntax: `(?=`",
                    "1 Bad rejected: rule 'Bad' cannot be evaluated: alpha must be in (0, 1]: 0.0");
            h.processElement(point("acme", "cpu", Map.of("host", "web-1"), 1), 0);
            assertThat(h.extractOutputValues()).isEmpty();
            assertThat(h.getBroadcastState(RuleBook.RULES).entries()).isEmpty();
        }
    }
}
