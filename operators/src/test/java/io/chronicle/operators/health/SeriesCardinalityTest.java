package io.chronicle.operators.health;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.operators.rollup.SeriesChange;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesCardinalityTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, SeriesChange, MetricPoint> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SeriesCardinality(Duration.ofSeconds(15))),
                (SeriesChange c) -> c.tenant, Types.STRING);
        h.open();
        return h;
    }

    private static void change(KeyedOneInputStreamOperatorTestHarness<String, SeriesChange, MetricPoint> h,
            String tenant, String metric, int delta, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            h.processElement(new StreamRecord<>(new SeriesChange(tenant, metric, delta)));
        }
    }

    /** The points of one tick, as tenant[/metric]=count, after clearing the output. */
    private static List<String> tick(KeyedOneInputStreamOperatorTestHarness<String, SeriesChange, MetricPoint> h,
            long atMillis) throws Exception {
        h.getOutput().clear();
        h.setProcessingTime(atMillis);
        return h.extractOutputValues().stream()
                .map(p -> p.tenant + (p.metric.equals(HealthRules.METRIC_SERIES) ? "/" + p.tags.get("metric_name") : "")
                        + "=" + (long) p.value)
                .collect(Collectors.toList());
    }

    @Test
    void countsActiveSeriesPerTenantAndMetricEachInterval() throws Exception {
        try (var h = harness()) {
            change(h, "acme", "cpu", 1, 40);
            change(h, "acme", "up", 1, 3);
            change(h, "globex", "cpu", 1, 2);
            change(h, "acme", "cpu", -1, 10);
            assertThat(tick(h, 15_000)).containsExactlyInAnyOrder(
                    "acme=33", "acme/cpu=30", "acme/up=3", "globex=2", "globex/cpu=2");

            change(h, "acme", "up", -1, 3);
            change(h, "globex", "cpu", -1, 2);
            assertThat(tick(h, 30_000)).as("a metric that went quiet is sent once as 0")
                    .containsExactlyInAnyOrder("acme=30", "acme/cpu=30", "acme/up=0", "globex=0", "globex/cpu=0");
            assertThat(tick(h, 45_000)).containsExactlyInAnyOrder("acme=30", "acme/cpu=30");
        }
    }

    @Test
    void seriesUncountedBeforeARestoreNeverMakeACountNegative() throws Exception {
        try (var h = harness()) {
            change(h, "acme", "cpu", 1, 1);
            change(h, "acme", "cpu", -1, 3);
            assertThat(tick(h, 15_000)).containsExactlyInAnyOrder("acme=0", "acme/cpu=0");
            assertThat(tick(h, 30_000)).isEmpty();
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numProcessingTimeTimers()).isZero();
        }
    }
}
