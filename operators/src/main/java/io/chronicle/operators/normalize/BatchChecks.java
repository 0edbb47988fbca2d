package io.chronicle.operators.normalize;

import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * What the decoders of batch formats (a record of many points: {@link InfluxLineDecoder},
 * {@link RemoteWriteDecoder}) check and refuse alike: the record whole, before any of its parts
 * is read, the tags of each part, and the rejections of either, the refused parts of one line or
 * series grouped by reason, and the bytes all of a record's refused parts may take ({@link Budget}).
 */
final class BatchChecks {

    /** The tag (or label) that names a part's tenant; never kept as a tag, whatever the tenant source. */
    static final String TENANT_TAG = "tenant";

    private BatchChecks() {}

    /**
     * The checks of a whole record's value, {@code JsonNormalizer.normalize}'s with its reasons
     * and messages: it has one, of at most {@code chronicle.ingest.max-payload-bytes}.
     */
    static void checkValue(RawRecord raw, NormalizerSettings settings) throws Rejection {
        byte[] value = raw.value;
        if (value == null || value.length == 0) {
            throw new Rejection(RejectReason.EMPTY_PAYLOAD, "record has no value");
        }
        if (value.length > settings.maxPayloadBytes) {
            throw new Rejection(RejectReason.OVERSIZED_PAYLOAD, "record is " + value.length
                    + " bytes, more than the " + settings.maxPayloadBytes + " allowed");
        }
    }

    /**
     * The value of tag {@code key}, checked as JSON points' tags are: at most
     * {@link PointNormalizer#MAX_TAG_VALUE_LENGTH} characters, none a control character or an
     * unpaired surrogate.
     */
    static void checkTagValue(String key, String value) throws Rejection {
        if (value.length() > PointNormalizer.MAX_TAG_VALUE_LENGTH) {
            throw new Rejection(RejectReason.INVALID_TAG,
                    "value of tag '" + key + "' is longer than " + PointNormalizer.MAX_TAG_VALUE_LENGTH);
        }
        int invalid = Texts.invalidAt(value, true);
        if (invalid >= 0) {
            throw new Rejection(RejectReason.INVALID_TAG,
                    "value of tag '" + key + "' holds " + Texts.describe(value, invalid));
        }
    }

    /**
     * The rejection of the whole record for {@code e}, a {@link Rejection} or a failure Chronicle
     * did not foresee; its tenant the one {@link TenantRules#ofRejected} names.
     */
    static RejectedRecord ofRecord(RawRecord raw, Exception e, NormalizerSettings settings, long ingestedAtMicros) {
        return RejectedRecord.of(raw, reason(e), message(e), settings.tenants.ofRejected(raw), ingestedAtMicros);
    }

    /** The rejection of the part {@code payload} of a record, its {@code index}-th, for {@code e}. */
    static RejectedRecord ofPart(RawRecord raw, int index, byte[] payload, Exception e, String tenant,
            long ingestedAtMicros) {
        return RejectedRecord.ofPart(raw, index, payload, reason(e), message(e), tenant, ingestedAtMicros);
    }

    static RejectReason reason(Exception e) {
        return e instanceof Rejection ? ((Rejection) e).reason() : RejectReason.UNEXPECTED_ERROR;
    }

    static String message(Exception e) {
        return e instanceof Rejection ? e.getMessage() : String.valueOf(e);
    }

    /**
     * The message of the first of {@code 1 + more} parts of a line or series refused together,
     * saying how many more there are, e.g. "... (and 4 more fields of the line with the same reason)".
     */
    static String andMore(String message, int more, String kind, String kinds, String of) {
        if (more == 0) {
            return message;
        }
        return message + String.format(Locale.ROOT, " (and %,d more %s of the %s with the same reason)",
                more, more == 1 ? kind : kinds, of);
    }

    /**
     * Emits what a record of a batch format gave, held until it was decoded whole: one rejection
     * of the record as received once its refused parts passed the {@code budget}, an
     * {@code empty_payload} one when it gave nothing, else everything held. Returns whether the
     * held list grew large enough to be let go rather than cleared.
     */
    static <T> boolean emit(List<Either<RejectedRecord, T>> held, Budget budget, RawRecord raw,
            NormalizerSettings settings, long ingestedAtMicros, Supplier<String> emptyMessage,
            Collector<Either<RejectedRecord, T>> out) {
        if (budget.passed()) {
            out.collect(Either.Left(budget.wholeRecord(raw, settings.tenants.ofRejected(raw), ingestedAtMicros)));
        } else if (held.isEmpty()) {
            out.collect(Either.Left(RejectedRecord.of(raw, RejectReason.EMPTY_PAYLOAD, emptyMessage.get(),
                    settings.tenants.ofRejected(raw), ingestedAtMicros)));
        } else {
            for (Either<RejectedRecord, T> item : held) {
                out.collect(item);
            }
        }
        boolean large = held.size() > 4_096;
        held.clear();
        return large;
    }

    /**
     * The refused parts (fields, samples) of one line or series, grouped by reason in the order
     * the reasons first occur: each group is one rejection, whose payload repeats the line's or
     * series' context once, however many parts it holds. Kept across lines or series.
     */
    static final class RefusedParts {
        private final ArrayList<Group> groups = new ArrayList<>();

        void clear() {
            groups.clear();
        }

        /** Adds part {@code part}, refused for {@code r}, to the group of its reason. */
        void add(int part, Rejection r) {
            // A handful of reasons at most: a list beats a map.
            for (Group group : groups) {
                if (group.reason == r.reason()) {
                    group.add(part);
                    return;
                }
            }
            Group group = new Group(r.reason(), r.getMessage());
            group.add(part);
            groups.add(group);
        }

        int size() {
            return groups.size();
        }

        Group get(int i) {
            return groups.get(i);
        }
    }

    /** The parts of one line or series refused for one reason, in their order. */
    static final class Group {
        final RejectReason reason;
        /** The first part's message. */
        private final String message;
        private int[] parts = new int[4];
        private int count;

        private Group(RejectReason reason, String message) {
            this.reason = reason;
            this.message = message;
        }

        private void add(int part) {
            if (count == parts.length) {
                parts = Arrays.copyOf(parts, count * 2);
            }
            parts[count++] = part;
        }

        int count() {
            return count;
        }

        /** The {@code i}-th part of the group, as {@link RefusedParts#add} was given it. */
        int part(int i) {
            return parts[i];
        }

        /** The first part's message, and how many more the group holds: {@link #andMore}. */
        String message(String kind, String kinds, String of) {
            return andMore(message, count - 1, kind, kinds, of);
        }
    }

    /**
     * The bytes the payloads of one record's refused parts may take together: twice the record's
     * decoded size (its value for line protocol, its uncompressed request for remote write) and
     * 64 KiB. Grouping bounds the payloads of one line or series, not of a record whose many
     * lines or series repeat what it names once (2.0's symbols) or each repeat a little: past
     * the budget, the record is refused whole instead ({@link #wholeRecord}), its value as
     * received, so that bad input costs at most a small multiple of its own bytes and nothing is
     * lost. Kept across records; {@link #reset} starts one.
     */
    static final class Budget {
        /** The bytes any record's refused parts may take beyond twice its decoded size. */
        static final long SLACK_BYTES = 64 * 1024;

        private long left;
        private long leftAtMark;
        private boolean passed;
        private RejectReason firstReason;
        private String firstMessage;
        private RejectReason firstReasonAtMark;
        private String firstMessageAtMark;

        /** The bytes the refused parts of a record of {@code decodedBytes} may take. */
        static long limit(long decodedBytes) {
            return 2 * decodedBytes + SLACK_BYTES;
        }

        /** Starts the record of {@code decodedBytes}. */
        void reset(long decodedBytes) {
            left = limit(decodedBytes);
            passed = false;
            firstReason = null;
            firstMessage = null;
            mark();
        }

        /** Marks the start of a line or series, which {@link #rollback} forgets back to. */
        void mark() {
            leftAtMark = left;
            firstReasonAtMark = firstReason;
            firstMessageAtMark = firstMessage;
        }

        /** Forgets the parts taken since {@link #mark}: they were not emitted (their line or series failed whole). */
        void rollback() {
            left = leftAtMark;
            passed = false;
            firstReason = firstReasonAtMark;
            firstMessage = firstMessageAtMark;
        }

        /**
         * Takes {@code bytes} for the payload of a refused part (or more of one already taken),
         * refused for {@code reason} with {@code message}: whether they fit. Once they do not, the
         * budget is passed for good: no more payloads are built, the record is refused whole.
         */
        boolean take(long bytes, RejectReason reason, String message) {
            if (firstReason == null) {
                firstReason = reason;
                firstMessage = message;
            }
            if (passed || bytes > left) {
                passed = true;
                return false;
            }
            left -= bytes;
            return true;
        }

        /** {@link #take} for a part refused for {@code e}. */
        boolean take(long bytes, Exception e) {
            return take(bytes, reason(e), message(e));
        }

        /** Whether the record's refused parts would take more than the budget: it is refused whole. */
        boolean passed() {
            return passed;
        }

        /**
         * The rejection of the whole record whose refused parts would take more than the budget:
         * the record as received, for the reason of its first refused part.
         */
        RejectedRecord wholeRecord(RawRecord raw, String tenant, long ingestedAtMicros) {
            return RejectedRecord.of(raw, firstReason, "refused whole: its refused parts (first: " + firstMessage
                    + ") would take more than twice the record's bytes", tenant, ingestedAtMicros);
        }
    }
}
