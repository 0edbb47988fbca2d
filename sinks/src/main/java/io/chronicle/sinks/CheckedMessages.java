package io.chronicle.sinks;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last check before a Kafka sink's producer. A message the producer refuses (larger than its
 * {@code max.request.size}) fails the sink, so the job, and the restored job meets the same record
 * again and fails forever; a record that cannot be encoded at all does the same. Such a record is
 * logged with its coordinates and counted in {@value #MESSAGES_SKIPPED} instead, and the job goes
 * on. The counter is in the sink writer's metric group, under {@code user}.
 */
public final class CheckedMessages<T> implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CheckedMessages.class);

    /** Records not written to the topic: too large for the producer, or not encodable. */
    public static final String MESSAGES_SKIPPED = "messagesSkipped";

    private final String topic;
    private final KafkaRecordSerializationSchema<T> encoder;
    private final RecordCoordinates<T> coordinates;
    private final int maxMessageBytes;
    private transient Counter skipped;

    /**
     * @param maxMessageBytes the most bytes of key plus value the producer takes
     *     ({@link io.chronicle.core.KafkaLimits#maxMessageBytes})
     */
    public CheckedMessages(String topic, KafkaRecordSerializationSchema<T> encoder,
            RecordCoordinates<T> coordinates, int maxMessageBytes) {
        this.topic = topic;
        this.encoder = encoder;
        this.coordinates = coordinates;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws Exception {
        encoder.open(context, sinkContext);
        skipped = context.getMetricGroup().counter(MESSAGES_SKIPPED);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        String problem;
        try {
            ProducerRecord<byte[], byte[]> message = encoder.serialize(record, context, timestamp);
            int size = length(message.key()) + length(message.value());
            if (size <= maxMessageBytes) {
                return message;
            }
            problem = "is " + size + " bytes of key and value, more than the " + maxMessageBytes
                    + " the producer's max.request.size allows";
        } catch (RuntimeException e) {
            problem = "cannot be encoded: " + RecordCoordinates.quote(String.valueOf(e));
        }
        skipped.inc();
        LOG.warn("Skipped a message for topic {}: {} {}; counted in {}", topic,
                coordinates.coordinates(record), problem, MESSAGES_SKIPPED);
        // The Kafka sink sends nothing for a null record.
        return null;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }
}
