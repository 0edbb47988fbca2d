package io.chronicle.sources;

import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordNormalizer;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import java.nio.charset.StandardCharsets;

/**
 * Normalizes each Kafka record as it is read, so the source knows every record's event time and
 * can track watermarks per partition. It cannot throw on any input: a record that does not
 * normalize comes out as its rejection.
 */
public class NormalizingDeserializer<T>
        implements KafkaRecordDeserializationSchema<Either<RejectedRecord, T>> {

    private static final long serialVersionUID = 1L;

    private final String tenantHeader;
    private final RecordNormalizer<T> normalizer;
    private final TypeInformation<T> recordType;

    public NormalizingDeserializer(
            String tenantHeader, RecordNormalizer<T> normalizer, TypeInformation<T> recordType) {
        this.tenantHeader = tenantHeader;
        this.normalizer = normalizer;
        this.recordType = recordType;
    }

    @Override
    public void deserialize(
            ConsumerRecord<byte[], byte[]> record, Collector<Either<RejectedRecord, T>> out) {
        RawRecord raw = new RawRecord(record.topic(), record.partition(), record.offset(),
                record.timestamp(), tenantFrom(record), record.value());
        out.collect(normalizer.normalize(raw, System.currentTimeMillis() * 1_000L));
    }

    private String tenantFrom(ConsumerRecord<byte[], byte[]> record) {
        Header header = record.headers().lastHeader(tenantHeader);
        if (header == null || header.value() == null || header.value().length == 0) {
            return null;
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public TypeInformation<Either<RejectedRecord, T>> getProducedType() {
        return new EitherTypeInfo<>(TypeInformation.of(RejectedRecord.class), recordType);
    }
}
