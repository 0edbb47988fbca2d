package io.chronicle.operators.normalize;

import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordNormalizer;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.types.Either;

/**
 * Applies a {@link JsonNormalizer} to a raw record. No input can escape as an exception: even an
 * unexpected error in normalization rejects the record rather than failing the job.
 */
public final class Normalization<T> implements RecordNormalizer<T> {

    private static final long serialVersionUID = 1L;

    private final JsonNormalizer<T> normalizer;

    public Normalization(JsonNormalizer<T> normalizer) {
        this.normalizer = normalizer;
    }

    @Override
    public Either<RejectedRecord, T> normalize(RawRecord raw, long ingestedAtMicros) {
        try {
            return Either.Right(normalizer.normalize(raw, ingestedAtMicros));
        } catch (Rejection r) {
            return Either.Left(RejectedRecord.of(
                    raw, r.reason(), r.getMessage(), normalizer.rejectedTenant(raw), ingestedAtMicros));
        } catch (RuntimeException e) {
            return Either.Left(RejectedRecord.of(raw, RejectReason.UNEXPECTED_ERROR,
                    String.valueOf(e), normalizer.rejectedTenant(raw), ingestedAtMicros));
        }
    }
}
