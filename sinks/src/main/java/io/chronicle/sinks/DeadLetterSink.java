package io.chronicle.sinks;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaLimits;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;

import java.util.Properties;

/**
 * The dead-letter topic: each rejected record as a JSON document, its row of {@code rejected}
 * with the payload cut to a bound ({@link DeadLetterSerializer}), keyed by its source coordinates
 * ({@code topic/partition/offset}), written in Kafka transactions that commit with Flink's
 * checkpoints (exactly once for {@code read_committed} consumers).
 */
public final class DeadLetterSink {

    private DeadLetterSink() {}

    public static KafkaSink<RejectedRecord> create(Configuration conf, String transactionalIdPrefix) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        // Must stay below the broker's transaction.max.timeout.ms (15 minutes by default) and
        // above the longest expected checkpoint interval plus restart time.
        props.putIfAbsent("transaction.timeout.ms", "900000");
        return KafkaSink.<RejectedRecord>builder()
                .setBootstrapServers(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setKafkaProducerConfig(props)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setRecordSerializer(serializer(conf))
                .build();
    }

    /** Refused records as bounded dead-letter messages; one that cannot be written is skipped and counted. */
    static CheckedMessages<RejectedRecord> serializer(Configuration conf) {
        String topic = conf.get(ChronicleOptions.TOPIC_DEAD_LETTER);
        return KafkaTopics.checked(conf, topic, new DeadLetterSerializer(topic,
                        conf.get(ChronicleOptions.DEAD_LETTER_MAX_PAYLOAD_BYTES), KafkaLimits.maxMessageBytes(conf)),
                r -> RecordCoordinates.of(r.provenance));
    }
}
