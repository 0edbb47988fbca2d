package io.chronicle.sources;

import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;


/**
 * Normalizes each Kafka record as it is read, so the source knows every record's event time and
 * can track watermarks per partition. It cannot throw on any input: a record that does not
 * normalize comes out as its rejection, and a record of a batch format as each of its points and
 * the rejections of its bad parts.
 */
public class NormalizingDeserializer<T>
        implements KafkaRecordDeserializationSchema<Either<RejectedRecord, T>> {

    private static final long serialVersionUID = 1L;

    private final String tenantHeader;
    private final RecordDecoder<T> decoder;
    private final TypeInformation<T> recordType;

    public NormalizingDeserializer(
            String tenantHeader, RecordDecoder<T> decoder, TypeInformation<T> recordType) {
        this.tenantHeader = tenantHeader;
        this.decoder = decoder;
        this.recordType = recordType;
    }

    @Override
    public void deserialize(
            ConsumerRecord<byte[], byte[]> record, Collector<Either<RejectedRecord, T>> out) {
        RawRecord raw = new RawRecord(record.topic(), record.partition(), record.offset(),
                record.timestamp(), tenantHeaders(record), record.value());
        decoder.decode(raw, System.currentTimeMillis() * 1_000L, out);
    }

    /**
     * The tenant header's value, or its first two values when there are more (normalization
     * refuses those, and checks a single value, so that a record with a bad one is refused
     * whatever else it holds); null when there is none. Stops at the second, so a record with
     * thousands of them costs no more than one with two.
     */
    private byte[][] tenantHeaders(ConsumerRecord<byte[], byte[]> record) {
        byte[] first = null;
        boolean seen = false;
        for (Header header : record.headers().headers(tenantHeader)) {
            if (seen) {
                return new byte[][] {first, header.value()};
            }
            first = header.value();
            seen = true;
        }
        return seen ? new byte[][] {first} : null;
    }

    @Override
    public TypeInformation<Either<RejectedRecord, T>> getProducedType() {
        return new EitherTypeInfo<>(TypeInformation.of(RejectedRecord.class), recordType);
    }
}
