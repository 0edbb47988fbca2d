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
    /**
     * The values of the headers named {@code chronicle.ingest.tenant-header}, in the record's
     * order and unchecked (a value may be null): one, or the first two when there are more; null
     * when there is none.
     */
    public byte[][] tenantHeaders;
    /** The record value; null for a tombstone. */
    public byte[] value;

    public RawRecord() {}

    public RawRecord(
            String topic,
            int partition,
            long offset,
            long kafkaTimestampMillis,
            byte[][] tenantHeaders,
            byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.kafkaTimestampMillis = kafkaTimestampMillis;
        this.tenantHeaders = tenantHeaders;
        this.value = value;
    }

    @Override
    public String toString() {
        return topic + "/" + partition + "@" + offset;
    }
}
