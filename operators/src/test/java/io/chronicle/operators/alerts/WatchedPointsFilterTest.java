package io.chronicle.operators.alerts;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.core.alerts.WatchedMetrics;
import org.apache.flink.streaming.api.operators.StreamFilter;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.function.SerializableFunction;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class WatchedPointsFilterTest {

    /** What the test's feed was given, and whether it was closed: the feed is serialized with the filter. */
    private static final AtomicReference<WatchedMetrics> FED = new AtomicReference<>();
    private static final AtomicBoolean CLOSED = new AtomicBoolean();

    private static final SerializableFunction<WatchedMetrics, AutoCloseable> FEED = watched -> {
        FED.set(watched);
        return () -> CLOSED.set(true);
    };

    @Test
    void passesEveryPointUntilTheRulesAreKnownThenOnlyThoseOfWatchedMetrics() throws Exception {
        WatchedPointsFilter filter = new WatchedPointsFilter(
                List.of(WatchedMetricsAgainstRouterTest.rule("Cpu", "cpu")), RuleLimits.defaults(), FEED);
        try (OneInputStreamOperatorTestHarness<MetricPoint, MetricPoint> h =
                     new OneInputStreamOperatorTestHarness<>(new StreamFilter<>(filter))) {
            h.open();
            WatchedMetrics watched = FED.get();
            watched.restart(0);
            h.processElement(point("cpu"), 0);
            h.processElement(point("mem"), 0);

            watched.caughtUp(0);
            h.processElement(point("cpu"), 0);
            h.processElement(point("mem"), 0);
            watched.apply(RuleChange.upsert(WatchedMetricsAgainstRouterTest.rule("Mem", "mem")), 0);
            h.processElement(point("mem"), 0);
            h.processElement(point("disk"), 0);

            assertThat(h.extractOutputValues()).extracting(p -> p.metric)
                    .containsExactly("cpu", "mem", "cpu", "mem");
            assertThat(filter.getRuntimeContext().getMetricGroup()).isNotNull();
        }
        assertThat(CLOSED).isTrue();
    }

    private static MetricPoint point(String metric) {
        MetricPoint p = new MetricPoint();
        p.tenant = "acme";
        p.metric = metric;
        p.tags = new TreeMap<>();
        return p;
    }
}
