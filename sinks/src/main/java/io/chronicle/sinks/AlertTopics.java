package io.chronicle.sinks;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.RuleStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;

/**
 * The alerts' Kafka topics: {@code chronicle.alerts}, one JSON message per alert state change with
 * Alertmanager's fields, keyed by fingerprint; and {@code chronicle.rules-status}, the fate of each
 * message of the rules topic, keyed by rule name.
 *
 * <p>At-least-once on purpose: an alert must reach its followers within a second, not at the next
 * checkpoint. A repeat after a restore is the same change again (same fingerprint, state and
 * {@code changedAt}), which consumers and Alertmanager treat as one.
 */
public final class AlertTopics {

    private AlertTopics() {}

    public static KafkaSink<AlertNotification> alerts(Configuration conf) {
        return KafkaTopics.atLeastOnceSink(conf, 0, alertsSerializer(conf));
    }

    public static KafkaSink<RuleStatus> ruleStatus(Configuration conf) {
        return KafkaTopics.atLeastOnceSink(conf, 0, ruleStatusSerializer(conf));
    }

    static CheckedMessages<AlertNotification> alertsSerializer(Configuration conf) {
        String topic = conf.get(ChronicleOptions.TOPIC_ALERTS);
        return KafkaTopics.checked(conf, topic,
                (KafkaRecordSerializationSchema<AlertNotification>) (a, context, timestamp) ->
                        new ProducerRecord<>(topic, null, timestamp,
                                a.fingerprint.getBytes(StandardCharsets.UTF_8), toJson(a)),
                a -> "rule " + RecordCoordinates.quote(a.ruleName) + ", fingerprint "
                        + RecordCoordinates.quote(a.fingerprint));
    }

    static CheckedMessages<RuleStatus> ruleStatusSerializer(Configuration conf) {
        String topic = conf.get(ChronicleOptions.TOPIC_RULES_STATUS);
        return KafkaTopics.checked(conf, topic,
                (KafkaRecordSerializationSchema<RuleStatus>) (s, context, timestamp) ->
                        new ProducerRecord<>(topic, null, timestamp,
                                s.rule == null ? null : s.rule.getBytes(StandardCharsets.UTF_8), statusJson(s)),
                s -> "rule " + RecordCoordinates.quote(s.rule));
    }

    /** Alertmanager's alert fields, plus Chronicle's state, rule, tenant, series and value. */
    public static byte[] toJson(AlertNotification a) {
        return JsonBytes.object(g -> {
            g.writeStringField("fingerprint", a.fingerprint);
            g.writeStringField("status", a.state);
            JsonBytes.writeStringMap(g, "labels", a.labels);
            JsonBytes.writeStringMap(g, "annotations", a.annotations);
            g.writeStringField("startsAt", JsonBytes.rfc3339(a.startsAtMicros));
            g.writeStringField("endsAt", a.endsAtMicros == null ? null : JsonBytes.rfc3339(a.endsAtMicros));
            g.writeStringField("generatorURL", a.generatorUrl);
            g.writeStringField("rule", a.ruleName);
            g.writeStringField("tenant", a.tenant);
            g.writeNumberField("seriesId", a.seriesId);
            if (a.value == null || !Double.isFinite(a.value)) {
                g.writeNullField("value");
            } else {
                g.writeNumberField("value", a.value);
            }
            g.writeStringField("changedAt", JsonBytes.rfc3339(a.changedAtMicros));
        });
    }

    /**
     * {@code {"rule", "status", "reason", "partition", "offset"}}: the rules topic message
     * answered (partition and offset null for a rule disabled, which answers none).
     */
    static byte[] statusJson(RuleStatus s) {
        return JsonBytes.object(g -> {
            g.writeStringField("rule", s.rule);
            g.writeStringField("status", s.status);
            g.writeStringField("reason", s.reason);
            if (s.offset < 0) {
                g.writeNullField("partition");
                g.writeNullField("offset");
            } else {
                g.writeNumberField("partition", s.partition);
                g.writeNumberField("offset", s.offset);
            }
        });
    }

}
