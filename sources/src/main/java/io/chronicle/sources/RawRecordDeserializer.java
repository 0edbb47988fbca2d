package io.chronicle.sources;

import io.chronicle.core.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/**
 * Wraps each Kafka record as a {@link RawRecord} without looking inside the value. It cannot
 * throw on any input: interpreting the bytes, and rejecting them, is normalization's job.
 */
public class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {

    private static final long serialVersionUID = 1L;

    private final String tenantHeader;

    public RawRecordDeserializer(String tenantHeader) {
        this.tenantHeader = tenantHeader;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        out.collect(
                new RawRecord(
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        tenantFrom(record),
                        record.value()));
    }

    private String tenantFrom(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(tenantHeader);
        if (header == null || header.value() == null || header.value().length == 0) {
            return null;
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
