package io.chronicle.core;

/**
 * A Kafka record exactly as it was read: the bytes plus the coordinates needed to name it. Sources
 * emit these without interpreting the payload, so reading can never fail on bad input.
 */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    /** The Kafka record timestamp, epoch milliseconds. */
    public long kafkaTimestampMillis;
    /** The tenant named by the record's tenant header, or null when it has none. */
    public String tenantHeader;
    /** The record value; null for a tombstone. */
    public byte[] value;

    public RawRecord() {}

    public RawRecord(
            String topic,
            int partition,
            long offset,
            long kafkaTimestampMillis,
            String tenantHeader,
            byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.kafkaTimestampMillis = kafkaTimestampMillis;
        this.tenantHeader = tenantHeader;
        this.value = value;
    }

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
