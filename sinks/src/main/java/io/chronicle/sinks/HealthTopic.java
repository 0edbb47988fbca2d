package io.chronicle.sinks;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The health topic: health series measured in one job for the alerts job, which runs apart, one
 * JSON message per point ({@code {"tenant", "metric", "tags", "value", "seriesId",
 * "timestamp"}}), keyed by tenant. At least once: a repeat is the same gauge at the same time.
 * Its messages are live signals, kept a day.
 */
public final class HealthTopic {

    static final Duration RETENTION = Duration.ofDays(1);

    private HealthTopic() {}

    public static KafkaSink<MetricPoint> sink(Configuration conf) {
        return KafkaTopics.atLeastOnceSink(conf, 5, serializer(conf));
    }

    /** Creates the topic when it is missing, so that neither side waits for the other to. */
    public static void ensureTopic(Configuration conf) {
        KafkaTopics.ensureExists(conf, conf.get(ChronicleOptions.TOPIC_HEALTH), Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, String.valueOf(RETENTION.toMillis())));
    }

    static CheckedMessages<MetricPoint> serializer(Configuration conf) {
        String topic = conf.get(ChronicleOptions.TOPIC_HEALTH);
        return KafkaTopics.checked(conf, topic,
                (KafkaRecordSerializationSchema<MetricPoint>) (p, context, timestamp) ->
                        new ProducerRecord<>(topic, null, timestamp, p.tenant.getBytes(StandardCharsets.UTF_8), toJson(p)),
                p -> "health series " + RecordCoordinates.quote(p.metric) + " of tenant " + RecordCoordinates.quote(p.tenant));
    }

    public static byte[] toJson(MetricPoint p) {
        return JsonBytes.object(g -> {
            g.writeStringField("tenant", p.tenant);
            g.writeStringField("metric", p.metric);
            JsonBytes.writeStringMap(g, "tags", p.tags);
            g.writeNumberField("value", p.value);
            g.writeNumberField("seriesId", p.seriesId);
            g.writeStringField("timestamp", JsonBytes.rfc3339(p.timestampMicros));
        });
    }
}
