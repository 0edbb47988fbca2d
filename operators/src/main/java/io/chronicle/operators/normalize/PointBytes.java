package io.chronicle.operators.normalize;

import com.fasterxml.jackson.core.io.NumberInput;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.rollup.SketchCodec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads a JSON metric point straight from its UTF-8 bytes: no token stream, no string per field
 * name, no separate pass for the encoding. Field names are matched as bytes, strings are checked
 * as strict UTF-8 while they are scanned and decoded only for the values kept, the tags are sorted
 * as offsets into the payload and the series id is hashed from those bytes.
 *
 * <p>It takes the usual shape of a point and nothing else, and what it accepts it checks with
 * {@link PointNormalizer}'s own checks on the same strings, so a point it returns equals the one
 * the Jackson path reads. Anything unusual (an escape, a nested unknown field, an integer of more
 * than 18 digits, a byte order mark) and anything either path would refuse makes {@link #read}
 * return null, and the Jackson path decides with its exact reason and message: a refused record
 * costs both readers, an accepted one only this.
 */
final class PointBytes {

    /** Hands the payload to the Jackson path; one instance without a stack trace, as it is control flow. */
    private static final class Defer extends Exception {
        private static final long serialVersionUID = 1L;

        Defer() {
            super(null, null, false, false);
        }
    }

    private static final Defer DEFER = new Defer();

    // Far inside Jackson's stream constraints (numbers up to 1,000 characters, strings up to 20
    // million), so nothing this reader accepts could trip one of them.
    private static final int MAX_NUMBER_CHARS = 32;
    private static final int MAX_STRING_BYTES = 65_536;
    /** Every integer of up to 18 digits fits a long, as Jackson reads it (not a BigInteger). */
    private static final int MAX_LONG_DIGITS = 18;

    // The fields' bits, as PointNormalizer.fieldBit numbers them.
    private static final int METRIC = 1;
    private static final int TAGS = 2;
    private static final int VALUE = 4;
    private static final int TIMESTAMP = 8;
    private static final int TENANT = 16;
    private static final byte[] METRIC_NAME = ascii("metric");
    private static final byte[] TAGS_NAME = ascii("tags");
    private static final byte[] VALUE_NAME = ascii("value");
    private static final byte[] TIMESTAMP_NAME = ascii("timestamp");
    private static final byte[] TENANT_NAME = ascii("tenant");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL = ascii("null");

    private final NormalizerSettings settings;
    private final SeriesIds seriesIds = new SeriesIds();
    private final char[] numberChars = new char[MAX_NUMBER_CHARS];

    private byte[] in;
    private int pos;

    // The string scanned last: its first byte and byte length inside the quotes, and what it holds.
    private int stringAt;
    private int stringLength;
    private int stringHash;
    private boolean stringAscii;

    // The number scanned last.
    private int numberAt;
    private int numberLength;
    private boolean numberIntegral;

    // The tags read so far, sorted by key (String order, which TreeMap and the series id use).
    private String[] keys = new String[8];
    private String[] values = new String[8];
    private int[] tagBytes = new int[4 * 8];
    private int tagCount;
    private int emptyTags;

    // The last tenant resolved, from which names (the payload's comes from a cache: one instance
    // per name), and its UTF-8 for the series id.
    private String lastPayloadTenant;
    private String lastHeaderTenant;
    private String lastTenant;
    private byte[] lastTenantUtf8;

    // Texts that passed their checks (or need none: a tenant is checked as it is resolved).
    private final TextCache metrics = new TextCache(64);
    private final TextCache tagKeys = new TextCache(256);
    private final TextCache tagValues = new TextCache(4096);
    private final TextCache payloadTenants = new TextCache(64);

    PointBytes(NormalizerSettings settings) {
        this.settings = settings;
    }

    /** The point in {@code raw}, or null when the Jackson path must decide. */
    MetricPoint read(RawRecord raw, String headerTenant, long ingestedAtMicros) {
        try {
            return readPoint(raw, headerTenant, ingestedAtMicros);
        } catch (Defer | Rejection e) {
            return null;
        }
    }

    private MetricPoint readPoint(RawRecord raw, String headerTenant, long ingestedAtMicros)
            throws Defer, Rejection {
        in = raw.value;
        pos = 0;
        tagCount = 0;
        emptyTags = 0;
        int metricAt = 0;
        String metric = null;
        String payloadTenant = null;
        double value = 0;
        boolean hasTimestamp = false;
        long timestampMicros = 0;
        int seen = 0;

        skipWhitespace();
        expect('{');
        skipWhitespace();
        if (peek() == '}') {
            throw DEFER; // no metric: refused
        }
        do {
            skipWhitespace();
            scanString();
            int bit = fieldBit(stringAt, stringLength);
            skipWhitespace();
            expect(':');
            skipWhitespace();
            if ((seen & bit) != 0) {
                throw DEFER;
            }
            seen |= bit;
            switch (bit) {
                case METRIC -> {
                    metric = readMetric();
                    metricAt = stringAt;
                }
                case TAGS -> readTags();
                case VALUE -> value = readValue();
                case TIMESTAMP -> {
                    if (!skipLiteral(NULL)) {
                        timestampMicros = readTimestamp();
                        Timestamps.checkRange(timestampMicros, ingestedAtMicros, settings);
                        hasTimestamp = true;
                    }
                }
                case TENANT -> payloadTenant = readTenant();
                default -> skipScalar();
            }
            skipWhitespace();
        } while (skip(','));
        expect('}');
        skipWhitespace();
        if (pos != in.length || metric == null || (seen & VALUE) == 0) {
            throw DEFER;
        }
        if (!hasTimestamp) {
            timestampMicros = JsonNormalizer.kafkaTimestampMicros(raw);
            Timestamps.checkRange(timestampMicros, ingestedAtMicros, settings);
        }

        MetricPoint point = new MetricPoint();
        point.tenant = resolveTenant(payloadTenant, headerTenant);
        point.metric = metric;
        point.tags = tagMap();
        point.value = value;
        point.timestampMicros = timestampMicros;
        point.seriesId = seriesId(metricAt, metric.length());
        point.provenance = new Provenance(raw.topic, raw.partition, raw.offset, ingestedAtMicros);
        return point;
    }

    /** The bit of a field name given as bytes (any escape has deferred): 0 for one not read. */
    private int fieldBit(int at, int length) {
        return switch (length) {
            case 4 -> matches(at, TAGS_NAME) ? TAGS : 0;
            case 5 -> matches(at, VALUE_NAME) ? VALUE : 0;
            case 6 -> matches(at, METRIC_NAME) ? METRIC : matches(at, TENANT_NAME) ? TENANT : 0;
            case 9 -> matches(at, TIMESTAMP_NAME) ? TIMESTAMP : 0;
            default -> 0;
        };
    }

    private boolean matches(int at, byte[] name) {
        return TextCache.sameBytes(name, in, at, name.length);
    }

    // ---- the fields --------------------------------------------------------------------------

    /** A string value, decoded; anything else defers (the Jackson path says what it is). */
    private String readString() throws Defer {
        expectString();
        return decoded();
    }

    private void expectString() throws Defer {
        if (peek() != '"') {
            throw DEFER;
        }
        scanString();
    }

    /** The string scanned last, as Jackson decodes it (the UTF-8 is valid and holds no escape). */
    private String decoded() {
        return stringAscii
                ? new String(in, stringAt, stringLength, StandardCharsets.ISO_8859_1)
                : new String(in, stringAt, stringLength, StandardCharsets.UTF_8);
    }

    /** The string scanned last from {@code cache}, or decoded, checked by {@code check} and cached. */
    private String cached(TextCache cache, TextCheck check) throws Defer, Rejection {
        String text = cache.get(in, stringAt, stringLength, stringHash);
        if (text == null) {
            text = check.checked(decoded());
            cache.put(in, stringAt, stringLength, stringHash, text);
        }
        return text;
    }

    /** A check of a decoded text that refuses it or returns it. */
    @FunctionalInterface
    private interface TextCheck {
        String checked(String text) throws Defer, Rejection;
    }

    private String readMetric() throws Defer, Rejection {
        expectString();
        return cached(metrics, PointNormalizer::checkMetricName);
    }

    private String readTenant() throws Defer, Rejection {
        if (!settings.tenants.readsPayload()) {
            skipScalar();
            return null;
        }
        if (skipLiteral(NULL)) {
            return null;
        }
        expectString();
        return cached(payloadTenants, tenant -> tenant);
    }

    /** The value as Jackson's getDoubleValue gives it, checked as PointNormalizer checks it. */
    private double readValue() throws Defer {
        scanNumber();
        // An integer token is a long to Jackson, so -0 is 0.0, not -0.0 as parseDouble reads it.
        double value = numberIntegral ? (double) integerValue() : doubleValue();
        if (!Double.isFinite(value) || !SketchCodec.holds(value)) {
            throw DEFER;
        }
        return value;
    }

    private long readTimestamp() throws Defer, Rejection {
        if (peek() == '"') {
            return Timestamps.textToMicros(readString());
        }
        scanNumber();
        return numberIntegral
                ? Timestamps.epochIntegerToMicros(integerValue())
                : Timestamps.epochNumberToMicros(doubleValue());
    }

    private void readTags() throws Defer, Rejection {
        if (skipLiteral(NULL)) {
            return;
        }
        expect('{');
        skipWhitespace();
        if (skip('}')) {
            return;
        }
        do {
            skipWhitespace();
            expectString();
            String key = cached(tagKeys, PointBytes::checkedTagKey);
            int keyAt = stringAt;
            skipWhitespace();
            expect(':');
            skipWhitespace();
            expectString();
            String value = cached(tagValues, PointBytes::checkedTagValue);
            addTag(key, keyAt, value, stringAt, stringLength);
            if (value.isEmpty()) {
                emptyTags++;
            }
            if (tagCount - emptyTags > settings.maxTags) {
                throw DEFER;
            }
            skipWhitespace();
        } while (skip(','));
        expect('}');
    }

    private static String checkedTagKey(String key) throws Rejection {
        PointNormalizer.checkTagKey(key);
        return key;
    }

    /** PointNormalizer's checks of a tag's value; those it would refuse defer. */
    private static String checkedTagValue(String value) throws Defer {
        if (value.length() > PointNormalizer.MAX_TAG_VALUE_LENGTH || Texts.invalidAt(value, true) >= 0) {
            throw DEFER;
        }
        return value;
    }

    /** Inserts a tag in key order (few tags: insertion beats sorting); a repeated key defers. */
    private void addTag(String key, int keyAt, String value, int valueAt, int valueLength) throws Defer {
        if (tagCount == keys.length) {
            keys = Arrays.copyOf(keys, tagCount * 2);
            values = Arrays.copyOf(values, tagCount * 2);
            tagBytes = Arrays.copyOf(tagBytes, tagCount * 8);
        }
        int i = tagCount;
        while (i > 0) {
            int order = keys[i - 1].compareTo(key);
            if (order == 0) {
                throw DEFER;
            }
            if (order < 0) {
                break;
            }
            keys[i] = keys[i - 1];
            values[i] = values[i - 1];
            System.arraycopy(tagBytes, 4 * (i - 1), tagBytes, 4 * i, 4);
            i--;
        }
        keys[i] = key;
        values[i] = value;
        tagBytes[4 * i] = keyAt;
        tagBytes[4 * i + 1] = key.length(); // tag keys are ASCII: as many bytes as characters
        tagBytes[4 * i + 2] = valueAt;
        tagBytes[4 * i + 3] = valueLength;
        tagCount++;
    }

    /** The tags without the empty ones, which only took their keys. */
    private TreeMap<String, String> tagMap() {
        TreeMap<String, String> tags = new TreeMap<>();
        for (int i = 0; i < tagCount; i++) {
            if (!values[i].isEmpty()) {
                tags.put(keys[i], values[i]);
            }
        }
        return tags;
    }

    /**
     * {@link TenantRules#resolve}, which depends on nothing but its arguments, run again only when
     * they change: points come in runs of one tenant.
     */
    private String resolveTenant(String payloadTenant, String headerTenant) throws Rejection {
        if (lastTenant == null || payloadTenant != lastPayloadTenant
                || !Objects.equals(headerTenant, lastHeaderTenant)) {
            String tenant = settings.tenants.resolve(payloadTenant, headerTenant);
            lastTenantUtf8 = tenant.getBytes(StandardCharsets.UTF_8);
            lastTenant = tenant;
            lastPayloadTenant = payloadTenant;
            lastHeaderTenant = headerTenant;
        }
        return lastTenant;
    }

    /** {@link SeriesIds#seriesId} of the point, from the payload's bytes (the metric is ASCII). */
    private long seriesId(int metricAt, int metricLength) {
        seriesIds.begin();
        seriesIds.append(lastTenantUtf8, 0, lastTenantUtf8.length);
        seriesIds.append(in, metricAt, metricLength);
        for (int i = 0; i < tagCount; i++) {
            if (tagBytes[4 * i + 3] > 0) {
                seriesIds.append(in, tagBytes[4 * i], tagBytes[4 * i + 1]);
                seriesIds.append(in, tagBytes[4 * i + 2], tagBytes[4 * i + 3]);
            }
        }
        return seriesIds.hash();
    }

    // ---- tokens ------------------------------------------------------------------------------

    /**
     * Scans the string starting at the current '"' up to its closing quote, checking its UTF-8 as
     * the JDK's strict decoder does (no overlong forms, surrogates or code points past U+10FFFF).
     * Escapes and raw control characters defer: Jackson decodes the first and refuses the second.
     */
    private void scanString() throws Defer {
        expect('"');
        // Locals rather than fields in the loop, which runs for every byte of every string.
        byte[] b = in;
        int start = pos;
        int i = start;
        int end = Math.min(b.length, start + MAX_STRING_BYTES);
        boolean ascii = true;
        while (true) {
            if (i >= end) {
                throw DEFER;
            }
            int c = b[i];
            if (c >= 0x20 && c != '"' && c != '\\') {
                i++; // printable ASCII, nearly every byte
            } else if (c == '"') {
                break;
            } else if (c < 0) {
                ascii = false;
                i = skipMultiByte(b, i);
            } else {
                throw DEFER; // an escape, or a raw control character
            }
        }
        stringAt = start;
        stringLength = i - start;
        stringHash = TextCache.hash(b, start, stringLength);
        stringAscii = ascii;
        pos = i + 1;
    }

    /** The index after the well-formed UTF-8 sequence starting at {@code i} (Unicode table 3-7). */
    private static int skipMultiByte(byte[] in, int i) throws Defer {
        int lead = in[i] & 0xFF;
        int n;
        int low = 0x80;
        int high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            n = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            n = 2;
            if (lead == 0xE0) {
                low = 0xA0;
            } else if (lead == 0xED) {
                high = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            n = 3;
            if (lead == 0xF0) {
                low = 0x90;
            } else if (lead == 0xF4) {
                high = 0x8F;
            }
        } else {
            throw DEFER;
        }
        if (i + n >= in.length) {
            throw DEFER;
        }
        int second = in[i + 1] & 0xFF;
        if (second < low || second > high) {
            throw DEFER;
        }
        for (int k = 2; k <= n; k++) {
            int next = in[i + k] & 0xFF;
            if (next < 0x80 || next > 0xBF) {
                throw DEFER;
            }
        }
        return i + n + 1;
    }

    /**
     * Scans a number in JSON's grammar ({@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?});
     * NaN, Infinity, leading zeros or a plus sign defer.
     */
    private void scanNumber() throws Defer {
        int start = pos;
        skip('-');
        int digits = skipDigits();
        if (digits == 0 || (digits > 1 && in[pos - digits] == '0')) {
            throw DEFER;
        }
        boolean integral = true;
        if (skip('.')) {
            integral = false;
            if (skipDigits() == 0) {
                throw DEFER;
            }
        }
        if (pos < in.length && (in[pos] == 'e' || in[pos] == 'E')) {
            integral = false;
            pos++;
            if (!skip('+')) {
                skip('-');
            }
            if (skipDigits() == 0) {
                throw DEFER;
            }
        }
        numberAt = start;
        numberLength = pos - start;
        numberIntegral = integral;
        if (numberLength > MAX_NUMBER_CHARS || (integral && digits > MAX_LONG_DIGITS)) {
            throw DEFER;
        }
    }

    private int skipDigits() {
        byte[] b = in;
        int i = pos;
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        int digits = i - pos;
        pos = i;
        return digits;
    }

    /** The integer scanned last; exact, as it has at most 18 digits. */
    private long integerValue() {
        int i = numberAt;
        int end = numberAt + numberLength;
        boolean negative = in[i] == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        for (; i < end; i++) {
            value = value * 10 + (in[i] - '0');
        }
        return negative ? -value : value;
    }

    /** The number scanned last, correctly rounded by the parser Jackson ships (FastDoubleParser). */
    private double doubleValue() {
        for (int i = 0; i < numberLength; i++) {
            numberChars[i] = (char) in[numberAt + i];
        }
        return NumberInput.parseDouble(numberChars, 0, numberLength, true);
    }

    /** Skips the value of a field the point does not read; nested values defer. */
    private void skipScalar() throws Defer {
        int c = peek();
        if (c == '"') {
            scanString();
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            scanNumber();
        } else if (!skipLiteral(TRUE) && !skipLiteral(FALSE) && !skipLiteral(NULL)) {
            throw DEFER;
        }
    }

    /** Skips {@code literal} if it comes next, as a whole token. */
    private boolean skipLiteral(byte[] literal) {
        int end = pos + literal.length;
        if (end > in.length || !Arrays.equals(in, pos, end, literal, 0, literal.length)) {
            return false;
        }
        if (end < in.length && isIdentifierByte(in[end])) {
            return false; // "nullx": Jackson refuses the token
        }
        pos = end;
        return true;
    }

    private static boolean isIdentifierByte(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_' || b < 0;
    }

    private void skipWhitespace() {
        while (pos < in.length) {
            byte b = in[pos];
            // Most bytes are above the space (and none of JSON's four whitespace bytes is).
            if (b > ' ' || (b != ' ' && b != '\n' && b != '\r' && b != '\t')) {
                return;
            }
            pos++;
        }
    }

    private int peek() throws Defer {
        if (pos >= in.length) {
            throw DEFER;
        }
        return in[pos];
    }

    private boolean skip(char c) {
        if (pos < in.length && in[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) throws Defer {
        if (!skip(c)) {
            throw DEFER;
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
