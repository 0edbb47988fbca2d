package io.chronicle.operators.alerts;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AlertRules;
import io.chronicle.core.alerts.LabelMatcher;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.core.alerts.WatchedMetrics;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watched metrics against the alert router itself: whatever the rules topic holds, every
 * metric the router routes a point of is watched, as the topic is followed and when it is read
 * again from its start after compaction, with the router's rules restored from before.
 */
class WatchedMetricsAgainstRouterTest {

    private static final List<String> NAMES = List.of("A", "B", "C", "D");
    private static final List<String> METRICS = List.of("m0", "m1", "m2", "m3", "m4");
    private static final Duration GRACE = Duration.ofMinutes(10);
    /** Fewer than the names, so some changes are refused for too many rules. */
    private static final RuleLimits LIMITS = new RuleLimits(3, RuleLimits.defaults().maxDocumentBytes(),
            RuleLimits.defaults().maxDuration(), RuleLimits.defaults().maxRateSamples());

    @Property(tries = 300)
    void everyMetricTheRouterRoutesIsWatched(@ForAll("startRules") List<AlertRule> start,
            @ForAll("changes") List<RuleChange> changes) throws Exception {
        WatchedMetrics followed = new WatchedMetrics(start, RuleBook::isReady, GRACE, 100);
        followed.restart(0);
        followed.caughtUp(0);
        long now = 0;
        try (BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> router =
                     ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                             new RuleRouter(new RuleBook(start, LIMITS)), RuleBook.RULES)) {
            assertWatchesRouted(router, followed);
            Map<String, RuleChange> compacted = new LinkedHashMap<>();
            for (RuleChange change : changes) {
                now += 1_000;
                router.processBroadcastElement(change, now);
                followed.apply(change, now);
                followed.expire(now);
                if (change.name != null) {
                    compacted.remove(change.name);
                    compacted.put(change.name, change);
                }
                assertWatchesRouted(router, followed);
            }
            // Long after the last change, with every grace over.
            followed.expire(now + GRACE.toMillis());
            assertWatchesRouted(router, followed);

            // Read again from the start of the compacted topic, the router's rules as they were.
            WatchedMetrics reread = new WatchedMetrics(start, RuleBook::isReady, GRACE, 100);
            reread.restart(now);
            compacted.values().forEach(c -> reread.apply(c, 0));
            reread.caughtUp(now);
            reread.expire(now + GRACE.toMillis());
            assertWatchesRouted(router, reread);
        }
    }

    private static void assertWatchesRouted(BroadcastOperatorTestHarness<MetricPoint, RuleChange, RuleSample> router,
            WatchedMetrics watched) throws Exception {
        for (String metric : METRICS) {
            int before = router.extractOutputValues().size();
            router.processElement(point(metric), 0);
            if (router.extractOutputValues().size() > before) {
                assertThat(watched.watches(metric)).as("%s, routed, watched in %s", metric, watched.watched()).isTrue();
            }
        }
    }

    private static MetricPoint point(String metric) {
        MetricPoint p = new MetricPoint();
        p.tenant = "acme";
        p.metric = metric;
        p.tags = new TreeMap<>();
        p.seriesId = metric.hashCode();
        return p;
    }

    static AlertRule rule(String name, String metric) {
        return AlertRules.parseRule("{\"name\": \"" + name + "\", \"selector\": \"" + metric
                + "\", \"threshold\": {\"above\": 1}}");
    }

    /** A rule the router refuses: its regular expression does not compile. */
    static AlertRule unready(String name, String metric) {
        AlertRule rule = rule(name, metric);
        LabelMatcher broken = new LabelMatcher();
        broken.name = "host";
        broken.op = "=~";
        broken.value = "(";
        rule.matchers = new ArrayList<>(List.of(broken));
        return rule;
    }

    @Provide
    Arbitrary<List<AlertRule>> startRules() {
        return Combinators.combine(Arbitraries.of(NAMES), Arbitraries.of(METRICS)).as(WatchedMetricsAgainstRouterTest::rule)
                .list().ofMaxSize(3).uniqueElements(r -> r.name);
    }

    @Provide
    Arbitrary<List<RuleChange>> changes() {
        Arbitrary<String> names = Arbitraries.of(NAMES);
        Arbitrary<String> metrics = Arbitraries.of(METRICS);
        Arbitrary<RuleChange> change = Arbitraries.oneOf(
                Combinators.combine(names, metrics).as((n, m) -> RuleChange.upsert(rule(n, m))),
                Combinators.combine(names, metrics).as((n, m) -> RuleChange.upsert(rule(n, m))),
                Combinators.combine(names, metrics).as((n, m) -> RuleChange.upsert(unready(n, m))),
                names.map(RuleChange::delete),
                names.map(n -> RuleChange.invalid(n, "not a rule")),
                Arbitraries.just(RuleChange.invalid(null, "a rule message needs the rule name as its key")));
        return change.list().ofMaxSize(25);
    }
}
