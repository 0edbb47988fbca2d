package io.chronicle.operators.normalize;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns one JSON object into a canonical record or a {@link Rejection}; never anything else.
 * Subclasses read the fields of their record type with Jackson's streaming parser, which decides
 * every refusal, and put a reader of the raw bytes in front of it for the usual shape of their
 * records ({@link #readBytes}), unless built to read with Jackson alone: the reference that reader
 * is checked and measured against.
 */
public abstract class JsonNormalizer<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    static final int MAX_IDENTIFIER_LENGTH = 256;

    protected final NormalizerSettings settings;
    private final boolean readsBytes;
    private transient JsonFactory factory;
    private transient JsonBytes<T> bytes;

    protected JsonNormalizer(NormalizerSettings settings, boolean readsBytes) {
        this.settings = settings;
        this.readsBytes = readsBytes;
    }

    /**
     * Normalizes one record. {@code ingestedAtMicros} is the time Chronicle read it, which also
     * bounds how far in the future an event time may lie.
     */
    public final T normalize(RawRecord raw, long ingestedAtMicros) throws Rejection {
        String headerTenant = settings.tenants.header(raw);
        if (!settings.tenants.readsPayload()) {
            // The header settles the tenant: one that may not write is refused unread.
            settings.tenants.resolve(null, headerTenant);
        }
        byte[] value = raw.value;
        if (value == null || value.length == 0) {
            throw new Rejection(RejectReason.EMPTY_PAYLOAD, "record has no value");
        }
        if (value.length > settings.maxPayloadBytes) {
            throw new Rejection(
                    RejectReason.OVERSIZED_PAYLOAD,
                    "record is " + value.length + " bytes, more than the "
                            + settings.maxPayloadBytes + " allowed");
        }
        T read = readBytes(raw, headerTenant, ingestedAtMicros);
        if (read != null) {
            return read;
        }
        checkEncoding(value);
        try (JsonParser parser = factory().createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new Rejection(RejectReason.NOT_AN_OBJECT, "payload is not a JSON object");
            }
            T record = readObject(parser, raw, headerTenant, ingestedAtMicros);
            if (parser.nextToken() != null) {
                throw new Rejection(
                        RejectReason.MALFORMED_JSON, "unexpected content after the JSON object");
            }
            return record;
        } catch (JsonProcessingException e) {
            throw new Rejection(RejectReason.MALFORMED_JSON, e.getOriginalMessage());
        } catch (IOException e) {
            throw new Rejection(RejectReason.MALFORMED_JSON, e.getMessage());
        }
    }

    /**
     * JSON is UTF-8 text here. Jackson would decode some invalid UTF-8 into characters (overlong
     * forms, so {@code C0 AF} reads as '/', and code points past U+10FFFF), so two different byte
     * strings could become one value, and would guess UTF-16 or UTF-32 from NUL bytes; none may
     * pass. One pass over the bytes finds whether anything but ASCII is present at all, so only
     * such payloads pay for a strict decoder.
     */
    private static void checkEncoding(byte[] value) throws Rejection {
        boolean nonAscii = false;
        for (byte b : value) {
            if (b == 0) {
                throw new Rejection(RejectReason.MALFORMED_JSON,
                        "a NUL byte: JSON must be UTF-8 text (UTF-16 and UTF-32 are not accepted)");
            }
            nonAscii |= b < 0;
        }
        if (nonAscii && !isUtf8(value)) {
            throw new Rejection(RejectReason.INVALID_UTF8, "payload is not valid UTF-8");
        }
    }

    /**
     * A reader of the payload's bytes tried before Jackson's: the record, or null to leave the
     * payload to {@link #readObject}. It may accept only what that path accepts, as the same record,
     * so every refusal keeps that path's reason and message.
     */
    protected T readBytes(RawRecord raw, String headerTenant, long ingestedAtMicros) {
        if (!readsBytes) {
            return null;
        }
        if (bytes == null) {
            bytes = byteReader();
        }
        return bytes.read(raw, headerTenant, ingestedAtMicros);
    }

    /** A new reader of the usual shape of this type's records from their bytes. */
    abstract JsonBytes<T> byteReader();

    /**
     * Reads the fields of an object whose START_OBJECT token has just been consumed;
     * {@code headerTenant} is the checked tenant of the record's header, null when it has none.
     */
    protected abstract T readObject(JsonParser parser, RawRecord raw, String headerTenant, long ingestedAtMicros)
            throws IOException, Rejection;

    /** The tenant of a refused record's row: see {@link TenantRules#ofRejected}. */
    final String rejectedTenant(RawRecord raw) {
        return settings.tenants.ofRejected(raw);
    }

    protected final JsonFactory factory() {
        if (factory == null) {
            factory = JsonFactory.builder()
                    // Lets NaN and Infinity parse, so they are rejected as non-finite values
                    // with a clear reason rather than as malformed JSON.
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .configure(StreamReadFeature.STRICT_DUPLICATE_DETECTION, !findsOwnDuplicates())
                    .build();
        }
        return factory;
    }

    /**
     * Whether the subclass rejects repeated keys of the fields it reads itself; Jackson's check
     * of every object otherwise costs a set of names per object.
     */
    protected boolean findsOwnDuplicates() {
        return false;
    }

    /** The rejection of a key that appears twice in one object. */
    protected static Rejection duplicate(String key) {
        return new Rejection(RejectReason.MALFORMED_JSON, "Duplicate field '" + key + "'");
    }

    // ---- field readers shared by the record types -------------------------------------------

    /** The current token as a string; only JSON strings qualify. */
    protected static String readString(JsonParser parser, String field) throws IOException, Rejection {
        if (parser.currentToken() != JsonToken.VALUE_STRING) {
            throw wrongType(field, "a string", parser);
        }
        return parser.getText();
    }

    /**
     * The current token as a non-blank identifier of bounded length, without control characters
     * or unpaired surrogates.
     */
    protected static String readIdentifier(JsonParser parser, String field)
            throws IOException, Rejection {
        return checkIdentifier(readString(parser, field), field);
    }

    /** {@code value} if it is an identifier as {@link #readIdentifier} says, refused otherwise. */
    static String checkIdentifier(String value, String field) throws Rejection {
        if (value.isBlank() || value.length() > MAX_IDENTIFIER_LENGTH) {
            throw new Rejection(
                    RejectReason.INVALID_FIELD,
                    "'" + field + "' must be 1 to " + MAX_IDENTIFIER_LENGTH + " characters, not blank");
        }
        int invalid = Texts.invalidAt(value, true);
        if (invalid >= 0) {
            throw new Rejection(RejectReason.INVALID_FIELD,
                    "'" + field + "' holds " + Texts.describe(value, invalid));
        }
        return value;
    }

    /**
     * The payload's {@code tenant} field, unchecked (null when it is null); ignored and null when
     * the tenant comes from the header alone.
     */
    protected final String readPayloadTenant(JsonParser parser) throws IOException, Rejection {
        if (!settings.tenants.readsPayload() || parser.currentToken() == JsonToken.VALUE_NULL) {
            parser.skipChildren();
            return null;
        }
        return readString(parser, "tenant");
    }

    /**
     * The record's tenant from its payload's {@code tenant} field and its header, as
     * {@code chronicle.ingest.tenant-source} says, refused if it may not write.
     */
    protected final String resolveTenant(String payloadTenant, String headerTenant) throws Rejection {
        return settings.tenants.resolve(payloadTenant, headerTenant);
    }

    /** Event time from a number or a string token, in epoch microseconds, range-checked. */
    protected final long readTimestamp(JsonParser parser, long ingestedAtMicros)
            throws IOException, Rejection {
        long micros;
        switch (parser.currentToken()) {
            case VALUE_NUMBER_INT:
                if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                    throw new Rejection(RejectReason.INVALID_TIMESTAMP, "timestamp out of range");
                }
                micros = Timestamps.epochIntegerToMicros(parser.getLongValue());
                break;
            case VALUE_NUMBER_FLOAT:
                micros = Timestamps.epochNumberToMicros(parser.getDoubleValue());
                break;
            case VALUE_STRING:
                micros = Timestamps.textToMicros(parser.getText());
                break;
            default:
                throw wrongType("timestamp", "a number or an ISO-8601 string", parser);
        }
        Timestamps.checkRange(micros, ingestedAtMicros, settings);
        return micros;
    }

    protected static long kafkaTimestampMicros(RawRecord raw) {
        return raw.kafkaTimestampMillis * 1_000L;
    }

    protected static Rejection wrongType(String field, String expected, JsonParser parser) {
        JsonToken token = parser.currentToken();
        return new Rejection(
                RejectReason.WRONG_TYPE,
                "'" + field + "' must be " + expected + ", got " + describe(token));
    }

    protected static Rejection missing(String field) {
        return new Rejection(RejectReason.MISSING_FIELD, "required field '" + field + "' is missing");
    }

    private static String describe(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        switch (token) {
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_STRING:
                return "a string";
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "a number";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return "a boolean";
            case VALUE_NULL:
                return "null";
            default:
                return token.asString();
        }
    }

    /** Strict UTF-8 (the JDK's decoder); ASCII, the common case, is checked without decoding. */
    private static boolean isUtf8(byte[] bytes) {
        int i = 0;
        while (i < bytes.length && bytes[i] >= 0) {
            i++;
        }
        if (i == bytes.length) {
            return true;
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, i, bytes.length - i));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
