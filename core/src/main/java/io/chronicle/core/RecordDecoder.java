package io.chronicle.core;

import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

import java.io.Serializable;

/**
 * Turns one raw record into the canonical records it carries (right) and the rejections of what
 * it carries that cannot be accepted (left), each with its place in the record
 * ({@link Provenance#index}). It never throws, so a source can decode as it reads; a record of a
 * batch format that is partly bad keeps its good records.
 */
@FunctionalInterface
public interface RecordDecoder<T> extends Serializable {

    /** {@code ingestedAtMicros} is the time Chronicle read the record. */
    void decode(RawRecord raw, long ingestedAtMicros, Collector<Either<RejectedRecord, T>> out);

    /** The decoder of a format of one record per Kafka record. */
    static <T> RecordDecoder<T> of(RecordNormalizer<T> normalizer) {
        return (raw, ingestedAtMicros, out) -> out.collect(normalizer.normalize(raw, ingestedAtMicros));
    }
}
