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
 * Subclasses read the fields of their record type with Jackson's streaming parser, which is the
 * fastest way to go from bytes to fields.
 */
public abstract class JsonNormalizer<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    static final int MAX_IDENTIFIER_LENGTH = 256;

    protected final NormalizerSettings settings;
    private transient JsonFactory factory;

    protected JsonNormalizer(NormalizerSettings settings) {
        this.settings = settings;
    }

    /**
     * Normalizes one record. {@code ingestedAtMicros} is the time Chronicle read it, which also
     * bounds how far in the future an event time may lie.
     */
    public final T normalize(RawRecord raw, long ingestedAtMicros) throws Rejection {
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
        checkEncoding(value);
        try (JsonParser parser = factory().createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new Rejection(RejectReason.NOT_AN_OBJECT, "payload is not a JSON object");
            }
            T record = readObject(parser, raw, ingestedAtMicros);
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
     * JSON is UTF-8 text here. Jackson would decode overlong UTF-8 sequences (so {@code C0 AF}
     * reads as '/') and guess UTF-16 or UTF-32 from NUL bytes; neither may pass. One pass over the
     * bytes finds whether anything but ASCII is present at all, so only such payloads pay for a
     * strict decoder.
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

    /** Reads the fields of an object whose START_OBJECT token has just been consumed. */
    protected abstract T readObject(JsonParser parser, RawRecord raw, long ingestedAtMicros)
            throws IOException, Rejection;

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

    /** The current token as a non-blank identifier of bounded length. */
    protected static String readIdentifier(JsonParser parser, String field)
            throws IOException, Rejection {
        String value = readString(parser, field);
        if (value.isBlank() || value.length() > MAX_IDENTIFIER_LENGTH) {
            throw new Rejection(
                    RejectReason.INVALID_FIELD,
                    "'" + field + "' must be 1 to " + MAX_IDENTIFIER_LENGTH + " characters, not blank");
        }
        return value;
    }

    /** A tenant name: letters, digits, '_', '.', '-', starting with a letter or digit. */
    protected static String checkTenant(String tenant) throws Rejection {
        boolean ok = !tenant.isEmpty() && tenant.length() <= 128 && Character.isLetterOrDigit(tenant.charAt(0));
        for (int i = 0; ok && i < tenant.length(); i++) {
            char c = tenant.charAt(i);
            ok = (c < 128 && Character.isLetterOrDigit(c)) || c == '_' || c == '.' || c == '-';
        }
        if (!ok) {
            throw new Rejection(
                    RejectReason.INVALID_FIELD,
                    "tenant '" + Timestamps.abbreviate(tenant) + "' must be 1 to 128 of"
                            + " [A-Za-z0-9_.-], starting with a letter or digit");
        }
        return tenant;
    }

    /** The tenant of a record: its payload's, else its header's, else the default. */
    protected final String resolveTenant(String payloadTenant, RawRecord raw) throws Rejection {
        if (payloadTenant != null) {
            return checkTenant(payloadTenant);
        }
        if (raw.tenantHeader != null) {
            return checkTenant(raw.tenantHeader);
        }
        return settings.defaultTenant;
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

    private static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
