package io.chronicle.core;

/**
 * Input Chronicle could not accept, kept whole: the original bytes, where they came from, and why
 * they were refused.
 */
public class RejectedRecord {
    /** Stable, machine-readable reason; see {@link RejectReason}. */
    public String reasonCode;
    /** Human-readable explanation naming the offending field or value. */
    public String message;
    /** The tenant, when it could be determined before the record was refused. */
    public String tenant;
    /**
     * The original record value, byte for byte; null for a tombstone. For a part of a record of
     * a batch format ({@link Provenance#index}), that part alone, in the record's format.
     */
    public byte[] payload;
    /** The Kafka record timestamp, epoch milliseconds. */
    public long kafkaTimestampMillis;
    /** Where the record came from; {@code ingestedAtMicros} is when it was rejected. */
    public Provenance provenance;

    public RejectedRecord() {}

    public static RejectedRecord of(RawRecord raw, RejectReason reason, String message, String tenant,
            long rejectedAtMicros) {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = reason.code();
        r.message = message;
        r.tenant = tenant;
        r.payload = raw.value;
        r.kafkaTimestampMillis = raw.kafkaTimestampMillis;
        r.provenance = new Provenance(raw.topic, raw.partition, raw.offset, rejectedAtMicros);
        return r;
    }

    /** The rejection of the part {@code payload} of a record, its {@code index}-th. */
    public static RejectedRecord ofPart(RawRecord raw, int index, byte[] payload, RejectReason reason,
            String message, String tenant, long rejectedAtMicros) {
        RejectedRecord r = of(raw, reason, message, tenant, rejectedAtMicros);
        r.payload = payload;
        r.provenance.index = index;
        return r;
    }

    @Override
    public String toString() {
        return "RejectedRecord{" + reasonCode + ": " + message + " from " + provenance + "}";
    }
}
