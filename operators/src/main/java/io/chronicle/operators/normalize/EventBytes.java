package io.chronicle.operators.normalize;

import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a JSON lifecycle event straight from its UTF-8 bytes (with {@link JsonBytes}' tokens): no
 * token stream, no string per field name, and the metadata copied as bytes into its compact form
 * rather than through a parser and a generator. Field names are matched as bytes, and the
 * identifiers that repeat from event to event (trace, source, type, namespace, schema) are decoded
 * and checked once.
 *
 * <p>It takes the usual shape of an event and nothing else, and checks what it accepts with
 * {@link EventNormalizer}'s own checks on the same strings, so an event it returns equals the one
 * the Jackson path reads. Anything unusual (an escape, a repeated name in any object, metadata
 * nested deeper than {@link #MAX_DEPTH}, an integer beyond a long, a number too large
 * for a double) and anything either path would refuse makes {@link #read} return null, and the
 * Jackson path decides with its exact reason and message.
 */
final class EventBytes extends JsonBytes<Event> {

    /** Nesting the metadata may have here, the event's own object included; far inside Jackson's 1,000. */
    private static final int MAX_DEPTH = 16;
    /**
     * Names one object may have here: a name is compared with every earlier one of its object, as
     * Jackson's check of repeated names refuses what they would be (the Jackson path reads events
     * with that check on).
     */
    private static final int MAX_NAMES = 64;

    private static final int EVENT_ID = 1;
    private static final int TRACE_ID = 2;
    private static final int SOURCE = 3;
    private static final int EVENT_TYPE = 4;
    private static final int TIMESTAMP = 5;
    private static final int METADATA = 6;
    private static final int TENANT = 7;
    private static final int NAMESPACE = 8;
    private static final int SCHEMA_ID = 9;
    private static final int SCHEMA_VERSION = 10;
    private static final int AGGREGATE_ID = 11;
    private static final byte[] EVENT_ID_NAME = ascii("event_id");
    private static final byte[] TRACE_ID_NAME = ascii("trace_id");
    private static final byte[] SOURCE_NAME = ascii("source");
    private static final byte[] EVENT_TYPE_NAME = ascii("event_type");
    private static final byte[] TIMESTAMP_NAME = ascii("timestamp");
    private static final byte[] METADATA_NAME = ascii("metadata");
    private static final byte[] TENANT_NAME = ascii("tenant");
    private static final byte[] NAMESPACE_NAME = ascii("namespace");
    private static final byte[] SCHEMA_ID_NAME = ascii("schema_id");
    private static final byte[] SCHEMA_VERSION_NAME = ascii("schema_version");
    private static final byte[] AGGREGATE_ID_NAME = ascii("aggregate_id");

    // The names of the objects open at the cursor, outermost first: where each starts in the payload
    // and its length.
    private int[] nameAt = new int[32];
    private int[] nameLength = new int[32];
    private int names;

    // The metadata as the Jackson path's generator writes it, built up as it is read.
    private byte[] metadata = new byte[256];
    private int metadataLength;

    // Identifiers that passed their checks. A trace's events come one after another, and the
    // others take few values.
    private final TextCache traceIds = new TextCache(256);
    private final TextCache identifiers = new TextCache(256);

    EventBytes(NormalizerSettings settings) {
        super(settings);
    }

    @Override
    Event readRecord(RawRecord raw, String headerTenant, long ingestedAtMicros) throws Defer, Rejection {
        names = 0;
        Event event = new Event();
        String payloadTenant = null;
        boolean hasTimestamp = false;

        skipWhitespace();
        expect('{');
        skipWhitespace();
        if (peek() == '}') {
            throw DEFER; // no trace_id: refused
        }
        do {
            skipWhitespace();
            readName(0);
            int field = field();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            // A null is as good as an absent field, whichever field it is.
            if (!skipLiteral(NULL)) {
                switch (field) {
                    case EVENT_ID -> event.eventId = readIdentifier("event_id");
                    case TRACE_ID -> event.traceId = readIdentifier(traceIds, "trace_id");
                    case SOURCE -> event.source = readIdentifier(identifiers, "source");
                    case EVENT_TYPE -> event.eventType = readIdentifier(identifiers, "event_type");
                    case TIMESTAMP -> {
                        event.eventTimeMicros = readTimestamp();
                        Timestamps.checkRange(event.eventTimeMicros, ingestedAtMicros, settings);
                        hasTimestamp = true;
                    }
                    case METADATA -> event.metadata = readMetadata();
                    case TENANT -> payloadTenant = readTenant();
                    case NAMESPACE -> event.namespace = readIdentifier(identifiers, "namespace");
                    case SCHEMA_ID -> event.schemaId = readIdentifier(identifiers, "schema_id");
                    case SCHEMA_VERSION -> event.schemaVersion = readSchemaVersion();
                    case AGGREGATE_ID -> event.aggregateId = readAggregateId();
                    default -> skipValue();
                }
            }
            skipWhitespace();
        } while (skip(','));
        expect('}');
        skipWhitespace();
        if (pos != in.length || event.traceId == null || event.eventType == null) {
            throw DEFER;
        }
        if (event.eventId == null) {
            event.eventId = EventNormalizer.derivedEventId(raw);
        }
        if (!hasTimestamp) {
            event.eventTimeMicros = JsonNormalizer.kafkaTimestampMicros(raw);
            Timestamps.checkRange(event.eventTimeMicros, ingestedAtMicros, settings);
        }
        if (event.metadata == null) {
            event.metadata = EventNormalizer.EMPTY_METADATA;
        }
        event.tenant = resolveTenant(payloadTenant, headerTenant);
        event.provenance = new Provenance(raw.topic, raw.partition, raw.offset, ingestedAtMicros);
        return event;
    }

    /** The field of the name scanned last (any escape has deferred): 0 for one not read. */
    private int field() {
        return switch (stringLength) {
            case 6 -> matches(SOURCE_NAME) ? SOURCE : matches(TENANT_NAME) ? TENANT : 0;
            case 8 -> matches(EVENT_ID_NAME) ? EVENT_ID : matches(TRACE_ID_NAME) ? TRACE_ID
                    : matches(METADATA_NAME) ? METADATA : 0;
            case 9 -> matches(TIMESTAMP_NAME) ? TIMESTAMP : matches(NAMESPACE_NAME) ? NAMESPACE
                    : matches(SCHEMA_ID_NAME) ? SCHEMA_ID : 0;
            case 10 -> matches(EVENT_TYPE_NAME) ? EVENT_TYPE : 0;
            case 12 -> matches(AGGREGATE_ID_NAME) ? AGGREGATE_ID : 0;
            case 14 -> matches(SCHEMA_VERSION_NAME) ? SCHEMA_VERSION : 0;
            default -> 0;
        };
    }

    // ---- the fields --------------------------------------------------------------------------

    /** An identifier that seldom repeats (an event's own id), decoded and checked. */
    private String readIdentifier(String field) throws Defer, Rejection {
        return JsonNormalizer.checkIdentifier(readString(), field);
    }

    /** An identifier that repeats, from {@code cache} once it has passed its check. */
    private String readIdentifier(TextCache cache, String field) throws Defer, Rejection {
        expectString();
        return cached(cache, text -> JsonNormalizer.checkIdentifier(text, field));
    }

    /** A non-negative 32-bit integer, as EventNormalizer reads it; anything else defers. */
    private Integer readSchemaVersion() throws Defer {
        scanNumber();
        long version = numberIntegral ? integerValue() : -1;
        if (version < 0 || version > Integer.MAX_VALUE) {
            throw DEFER;
        }
        return (int) version;
    }

    /** An integer as the Jackson path's parser gives its text (as it stands), or an identifier. */
    private String readAggregateId() throws Defer, Rejection {
        if (peek() != '"') {
            scanNumber();
            if (!numberIntegral) {
                throw DEFER;
            }
            return new String(in, numberAt, numberLength, StandardCharsets.ISO_8859_1);
        }
        return readIdentifier("aggregate_id");
    }

    /** The metadata object, compact, as EventNormalizer's generator writes it. */
    private String readMetadata() throws Defer {
        if (peek() != '{') {
            throw DEFER;
        }
        metadataLength = 0;
        copyValue(1);
        return new String(metadata, 0, metadataLength, StandardCharsets.UTF_8);
    }

    /**
     * An unknown field's value: a nested one is copied to be dropped, as it must pass the checks
     * the Jackson path makes of it while skipping it (repeated names, well-formedness).
     */
    @Override
    void skipValue() throws Defer {
        int c = peek();
        if (c == '{' || c == '[') {
            metadataLength = 0;
            copyValue(1);
        } else {
            skipScalar();
        }
    }

    // ---- metadata ----------------------------------------------------------------------------

    /**
     * Copies the value at the cursor, which lies {@code depth} objects and arrays deep, to
     * {@link #metadata} as Jackson's generator copies it from its parser: without whitespace,
     * strings as they stand (they hold no escape, no control character, nothing the generator
     * escapes, and in valid UTF-8 no unpaired surrogate, which EventNormalizer would refuse),
     * integers as they stand but for -0, which is 0 to Jackson, and other numbers as the double it
     * reads, written as {@link Double#toString} writes it.
     */
    private void copyValue(int depth) throws Defer {
        int c = peek();
        if (c == '"') {
            scanString();
            append(in, stringAt - 1, stringLength + 2);
        } else if (c == '{') {
            copyMembers(depth + 1, '{', '}');
        } else if (c == '[') {
            copyMembers(depth + 1, '[', ']');
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            copyNumber();
        } else {
            int at = pos;
            if (!skipLiteral(TRUE) && !skipLiteral(FALSE) && !skipLiteral(NULL)) {
                throw DEFER;
            }
            append(in, at, pos - at);
        }
    }

    /** Copies the object or array ({@code open} '{' or '[') at the cursor, {@code depth} deep. */
    private void copyMembers(int depth, char open, char close) throws Defer {
        if (depth > MAX_DEPTH) {
            throw DEFER;
        }
        expect(open);
        append(open);
        skipWhitespace();
        if (!skip(close)) {
            int first = names;
            do {
                skipWhitespace();
                if (open == '{') {
                    readName(first);
                    append(in, stringAt - 1, stringLength + 2);
                    append(':');
                    skipWhitespace();
                    expect(':');
                    skipWhitespace();
                }
                copyValue(depth);
                skipWhitespace();
            } while (copyComma());
            expect(close);
            names = first; // the object's names are no longer open
        }
        append(close);
    }

    private boolean copyComma() {
        if (skip(',')) {
            append(',');
            return true;
        }
        return false;
    }

    private void copyNumber() throws Defer {
        scanNumber();
        if (!numberIntegral) {
            double value = doubleValue();
            if (!Double.isFinite(value)) {
                throw DEFER; // the generator would write it as a string
            }
            String text = Double.toString(value);
            for (int i = 0; i < text.length(); i++) {
                append(text.charAt(i));
            }
        } else if (integerValue() == 0) {
            append('0');
        } else {
            append(in, numberAt, numberLength);
        }
    }

    /**
     * Scans a name of the object whose first name is the {@code first} open one; one it already
     * has defers.
     */
    private void readName(int first) throws Defer {
        expectString();
        if (names - first >= MAX_NAMES) {
            throw DEFER;
        }
        for (int i = first; i < names; i++) {
            if (nameLength[i] == stringLength && TextCache.sameBytes(in, nameAt[i], in, stringAt, stringLength)) {
                throw DEFER;
            }
        }
        if (names == nameAt.length) {
            nameAt = Arrays.copyOf(nameAt, names * 2);
            nameLength = Arrays.copyOf(nameLength, names * 2);
        }
        nameAt[names] = stringAt;
        nameLength[names] = stringLength;
        names++;
    }

    private void append(int c) {
        if (metadataLength == metadata.length) {
            metadata = Arrays.copyOf(metadata, metadataLength * 2);
        }
        metadata[metadataLength++] = (byte) c;
    }

    private void append(byte[] bytes, int at, int length) {
        if (metadataLength + length > metadata.length) {
            metadata = Arrays.copyOf(metadata, Math.max(metadataLength + length, metadataLength * 2));
        }
        System.arraycopy(bytes, at, metadata, metadataLength, length);
        metadataLength += length;
    }
}
