package io.chronicle.operators.health;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.alerts.HealthRules;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class DeadLetterRateTest {

    private static KeyedOneInputStreamOperatorTestHarness<String, String, MetricPoint> harness() throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new DeadLetterRate(Duration.ofSeconds(10))),
                (String tenant) -> tenant, Types.STRING);
        h.open();
        return h;
    }

    private static StreamRecord<String> rejected(String tenant) {
        RejectedRecord r = new RejectedRecord();
        r.tenant = tenant;
        r.reasonCode = "malformed";
        return new StreamRecord<>(DeadLetterRate.tenantOf(r));
    }

    /** Emitted points as tenant@second=rate. */
    private static List<String> rates(KeyedOneInputStreamOperatorTestHarness<String, String, MetricPoint> h) {
        return h.extractOutputValues().stream()
                .peek(p -> assertThat(p.metric).isEqualTo(HealthRules.DEAD_LETTERS))
                .map(p -> p.tenant + "@" + p.timestampMicros / 1_000_000 + "=" + p.value)
                .collect(Collectors.toList());
    }

    @Test
    void sendsEachIntervalsRatePerTenantThenOneZeroAndStops() throws Exception {
        try (var h = harness()) {
            h.setProcessingTime(1_000);
            for (int i = 0; i < 25; i++) {
                h.processElement(rejected("acme"));
            }
            h.processElement(rejected(null));
            h.setProcessingTime(10_000);
            h.processElement(rejected("acme"));
            h.setProcessingTime(20_000);
            h.setProcessingTime(30_000);
            assertThat(rates(h)).containsExactlyInAnyOrder("acme@10=2.5", "unknown@10=0.1", "unknown@20=0.0",
                    "acme@20=0.1", "acme@30=0.0");
            h.setProcessingTime(100_000);
            assertThat(rates(h)).hasSize(5);
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void sameTenantAndMetricGiveTheSameSeriesAsIngestWould() throws Exception {
        try (var h = harness()) {
            h.processElement(rejected("acme"));
            h.setProcessingTime(10_000);
            h.processElement(rejected("acme"));
            h.setProcessingTime(20_000);
            List<MetricPoint> points = h.extractOutputValues();
            assertThat(points).hasSize(2);
            assertThat(points.get(0).seriesId).isEqualTo(points.get(1).seriesId).isNotZero();
            assertThat(points.get(0).tags).isEmpty();
        }
    }
}
