package io.chronicle.core;

import org.apache.flink.types.Either;

import java.io.Serializable;

/**
 * Turns a raw record into a canonical record (right) or a rejection (left); it never throws, so a
 * source can normalize as it reads and know each record's event time.
 */
@FunctionalInterface
public interface RecordNormalizer<T> extends Serializable {

    /** {@code ingestedAtMicros} is the time Chronicle read the record. */
    Either<RejectedRecord, T> normalize(RawRecord raw, long ingestedAtMicros);
}
