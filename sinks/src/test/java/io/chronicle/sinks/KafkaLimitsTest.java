package io.chronicle.sinks;

import io.chronicle.core.KafkaLimits;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/** Chronicle's message bound against the producer's own size check, which refuses a message over it. */
class KafkaLimitsTest {

    @Test
    void theDefaultRequestSizeIsKafkasOwn() {
        assertThat(ProducerConfig.configDef().defaultValues().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG))
                .isEqualTo(KafkaLimits.DEFAULT_MAX_REQUEST_SIZE);
    }

    @Test
    void theRecordOverheadCoversWhatTheProducerAddsToKeyAndValue() {
        int largest = 0;
        for (int keyBytes : new int[] {0, 1, 20, 127, 128, 300, 16_384}) {
            for (int valueBytes : new int[] {0, 1, 127, 128, 16_383, 16_384, 65_536, 2_097_151, 2_097_152, 1_048_576}) {
                int estimate = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE,
                        CompressionType.NONE, ByteBuffer.allocate(keyBytes), ByteBuffer.allocate(valueBytes),
                        Record.EMPTY_HEADERS);
                largest = Math.max(largest, estimate - keyBytes - valueBytes);
            }
        }
        // The batch header (61), the record header (21), two varint lengths and the header count.
        assertThat(largest).isEqualTo(61 + 21 + 3 + 4 + 1).isLessThanOrEqualTo(KafkaLimits.RECORD_OVERHEAD_BYTES);
    }
}
