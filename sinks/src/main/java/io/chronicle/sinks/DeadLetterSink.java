package io.chronicle.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;

/**
 * The dead-letter topic: each rejected record as a JSON document keyed by its source coordinates,
 * written in Kafka transactions that commit with Flink's checkpoints (exactly once for
 * {@code read_committed} consumers).
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
                .setRecordSerializer(new Serializer(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER)))
                .build();
    }

    static final class Serializer implements KafkaRecordSerializationSchema<RejectedRecord> {
        private static final long serialVersionUID = 1L;
        private static final JsonFactory JSON = new JsonFactory();

        private final String topic;

        Serializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                RejectedRecord r, KafkaSinkContext context, Long timestamp) {
            String key = r.provenance.topic + "/" + r.provenance.partition + "/" + r.provenance.offset;
            return new ProducerRecord<>(
                    topic, null, timestamp, key.getBytes(StandardCharsets.UTF_8), toJson(r));
        }

        static byte[] toJson(RejectedRecord r) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("reason_code", r.reasonCode);
                g.writeStringField("reason", r.message);
                g.writeStringField("tenant", r.tenant);
                g.writeStringField("source_topic", r.provenance.topic);
                g.writeNumberField("source_partition", r.provenance.partition);
                g.writeNumberField("source_offset", r.provenance.offset);
                g.writeNumberField("kafka_timestamp_ms", r.kafkaTimestampMillis);
                g.writeNumberField("rejected_at_us", r.provenance.ingestedAtMicros);
                g.writeStringField("payload_base64",
                        r.payload == null ? null : Base64.getEncoder().encodeToString(r.payload));
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toByteArray();
        }
    }
}
