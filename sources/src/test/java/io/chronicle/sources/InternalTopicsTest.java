package io.chronicle.sources;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.HealthRules;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.Collector;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The internal topics' messages, read as the jobs downstream read them: never a failure. */
class InternalTopicsTest {

    private static final String ALERT = "{\"fingerprint\":\"9a1f\",\"status\":\"firing\","
            + "\"labels\":{\"alertname\":\"HighCpu\",\"tenant\":\"acme\"},\"annotations\":{\"summary\":\"hot\"},"
            + "\"startsAt\":\"2026-12-04T10:00:00.000123Z\",\"endsAt\":null,\"generatorURL\":\"http://x/?rule=HighCpu\","
            + "\"rule\":\"HighCpu\",\"tenant\":\"acme\",\"seriesId\":-42,\"value\":97.5,"
            + "\"changedAt\":\"2026-12-04T10:01:00Z\"}";

    @Test
    void anAlertMessageGivesBackTheNotification() {
        Read<AlertNotification> read = read(new InternalTopics.Alerts(), ALERT);

        AlertNotification a = read.values.get(0);
        assertThat(a.fingerprint).isEqualTo("9a1f");
        assertThat(a.state).isEqualTo(AlertNotification.FIRING);
        assertThat(a.labels).isEqualTo(Map.of("alertname", "HighCpu", "tenant", "acme"));
        assertThat(a.annotations).isEqualTo(Map.of("summary", "hot"));
        assertThat(a.startsAtMicros).isEqualTo(1_796_378_400_000_123L);
        assertThat(a.endsAtMicros).isNull();
        assertThat(a.changedAtMicros).isEqualTo(1_796_378_460_000_000L);
        assertThat(a.generatorUrl).isEqualTo("http://x/?rule=HighCpu");
        assertThat(a.ruleName).isEqualTo("HighCpu");
        assertThat(a.tenant).isEqualTo("acme");
        assertThat(a.seriesId).isEqualTo(-42L);
        assertThat(a.value).isEqualTo(97.5);
        assertThat(read.invalid.getCount()).isZero();
    }

    @Test
    void anAlertMessageThatCannotBeReadIsSkippedAndCounted() {
        Read<AlertNotification> read = read(new InternalTopics.Alerts(), "not json", "[]", "{}",
                ALERT.replace("\"fingerprint\":\"9a1f\",", ""),
                ALERT.replace("\"startsAt\":\"2026-12-04T10:00:00.000123Z\"", "\"startsAt\":\"yesterday\""),
                ALERT.replace("{\"alertname\":\"HighCpu\",\"tenant\":\"acme\"}", "{\"alertname\":1}"),
                null);

        assertThat(read.values).isEmpty();
        assertThat(read.invalid.getCount()).isEqualTo(7);
    }

    @Test
    void aDeadLetterMessageGivesItsTenantWithoutReadingThePayload() {
        String payload = Base64.getEncoder().encodeToString(new byte[60_000]);
        String message = "{\"source_topic\":\"t\",\"payload\":\"" + payload + "\",\"tenant\":\"acme\","
                + "\"metadata\":{\"nested\":[1,{\"tenant\":\"not this one\"}]}}";
        Read<String> read = read(new InternalTopics.DeadLetterTenants(), message,
                "{\"tenant\":null,\"reason_code\":\"malformed\"}", "{\"reason_code\":\"malformed\"}", "{\"tenant\":\"\"}",
                "garbage", "{\"tenant\":");

        assertThat(read.values).containsExactly("acme", HealthRules.UNKNOWN_TENANT, HealthRules.UNKNOWN_TENANT,
                HealthRules.UNKNOWN_TENANT);
        assertThat(read.invalid.getCount()).isEqualTo(2);
    }

    @Test
    void aHealthMessageGivesBackItsPointAndAnythingElseIsSkipped() {
        String point = "{\"tenant\":\"acme\",\"metric\":\"" + HealthRules.TENANT_SERIES + "\",\"tags\":{},"
                + "\"value\":1200.0,\"seriesId\":77,\"timestamp\":\"2026-12-04T10:00:15Z\"}";
        Read<MetricPoint> read = read(new InternalTopics.HealthSeries(), point,
                point.replace(HealthRules.TENANT_SERIES, "cpu_seconds_total"),
                point.replace("1200.0", "\"1200\""), point.replace("\"seriesId\":77,", ""), "{}");

        assertThat(read.values).hasSize(1);
        MetricPoint p = read.values.get(0);
        assertThat(p.tenant).isEqualTo("acme");
        assertThat(p.metric).isEqualTo(HealthRules.TENANT_SERIES);
        assertThat(p.tags).isEmpty();
        assertThat(p.value).isEqualTo(1200.0);
        assertThat(p.seriesId).isEqualTo(77L);
        assertThat(p.timestampMicros).isEqualTo(1_796_378_415_000_000L);
        // Only health series travel on the health topic: anything else could fire a health alert.
        assertThat(read.invalid.getCount()).isEqualTo(4);
    }

    private record Read<T>(List<T> values, Counter invalid) {}

    private static <T> Read<T> read(InternalTopics.Skipping<T> deserializer, String... messages) {
        Map<String, Counter> counters = new HashMap<>();
        MetricGroup metrics = new UnregisteredMetricsGroup() {
            @Override
            public Counter counter(String name) {
                return counters.computeIfAbsent(name, n -> new SimpleCounter());
            }
        };
        deserializer.open(new DeserializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return metrics;
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(InternalTopicsTest.class.getClassLoader());
            }
        });
        List<T> values = new ArrayList<>();
        long offset = 0;
        for (String message : messages) {
            byte[] value = message == null ? null : message.getBytes(StandardCharsets.UTF_8);
            deserializer.deserialize(new ConsumerRecord<>("t", 0, offset++, null, value), new Collector<>() {
                @Override
                public void collect(T record) {
                    values.add(record);
                }

                @Override
                public void close() {}
            });
        }
        return new Read<>(values, counters.get(InternalTopics.INVALID_MESSAGES));
    }
}
