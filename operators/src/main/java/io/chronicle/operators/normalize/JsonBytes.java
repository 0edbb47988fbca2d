package io.chronicle.operators.normalize;

import com.fasterxml.jackson.core.io.NumberInput;
import io.chronicle.core.RawRecord;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * What the byte readers of records ({@link PointBytes}, {@link EventBytes}) share: a cursor over a
 * payload's UTF-8 bytes, its tokens in the usual forms, and the fields every record type reads
 * alike. Each token is checked as it is scanned (strings as strict UTF-8, numbers in JSON's
 * grammar), so a payload read to its end is one the Jackson path's checks of the encoding pass.
 * Anything unusual throws {@link Defer}: the reader returns null and the Jackson path decides.
 */
abstract class JsonBytes<T> {

    /** Hands the payload to the Jackson path; one instance without a stack trace, as it is control flow. */
    static final class Defer extends Exception {
        private static final long serialVersionUID = 1L;

        private Defer() {
            super(null, null, false, false);
        }
    }

    static final Defer DEFER = new Defer();

    // Inside Jackson's stream constraints (numbers up to 1,000 characters, strings up to 20
    // million, names up to 50,000), so nothing a reader accepts could trip one of them: a string of
    // at most 50,000 bytes has at most as many characters, whether a value or a name.
    private static final int MAX_NUMBER_CHARS = 32;
    private static final int MAX_STRING_BYTES = 50_000;
    /**
     * The digits of the largest long. An integer of fewer digits, or as many but not greater, fits
     * a long, as Jackson reads it (not a BigInteger); epoch nanoseconds have as many.
     */
    private static final byte[] MAX_LONG_DIGITS = ascii(Long.toString(Long.MAX_VALUE));

    static final byte[] TRUE = ascii("true");
    static final byte[] FALSE = ascii("false");
    static final byte[] NULL = ascii("null");

    final NormalizerSettings settings;
    private final char[] numberChars = new char[MAX_NUMBER_CHARS];

    byte[] in;
    int pos;

    // The string scanned last: its first byte and byte length inside the quotes, and what it holds.
    int stringAt;
    int stringLength;
    int stringHash;
    boolean stringAscii;

    // The number scanned last.
    int numberAt;
    int numberLength;
    boolean numberIntegral;

    // The last tenant resolved, and from which names (the payload's comes from a cache: one
    // instance per name).
    private String lastPayloadTenant;
    private String lastHeaderTenant;
    private String lastTenant;

    /** Payload tenants, which need no check here: a tenant is checked as it is resolved. */
    private final TextCache payloadTenants = new TextCache(64);

    JsonBytes(NormalizerSettings settings) {
        this.settings = settings;
    }

    /** The record in {@code raw}, or null when the Jackson path must decide. */
    final T read(RawRecord raw, String headerTenant, long ingestedAtMicros) {
        in = raw.value;
        pos = 0;
        try {
            return readRecord(raw, headerTenant, ingestedAtMicros);
        } catch (Defer | Rejection e) {
            return null;
        }
    }

    /**
     * Reads the record from the payload's start, as its normalizer's Jackson path would read it;
     * {@code headerTenant} is the checked tenant of the record's header, null when it has none.
     */
    abstract T readRecord(RawRecord raw, String headerTenant, long ingestedAtMicros) throws Defer, Rejection;

    /** Skips the value of a field the record does not read, or defers. */
    abstract void skipValue() throws Defer;

    /** Whether the string scanned last is {@code name} (an ASCII field name of its length). */
    final boolean matches(byte[] name) {
        return TextCache.sameBytes(name, 0, in, stringAt, name.length);
    }

    // ---- the fields every record reads alike --------------------------------------------------

    /** A string value, decoded; anything else defers (the Jackson path says what it is). */
    final String readString() throws Defer {
        expectString();
        return decoded();
    }

    final void expectString() throws Defer {
        if (peek() != '"') {
            throw DEFER;
        }
        scanString();
    }

    /** The string scanned last, as Jackson decodes it (the UTF-8 is valid and holds no escape). */
    final String decoded() {
        return stringAscii
                ? new String(in, stringAt, stringLength, StandardCharsets.ISO_8859_1)
                : new String(in, stringAt, stringLength, StandardCharsets.UTF_8);
    }

    /** The string scanned last from {@code cache}, or decoded, checked by {@code check} and cached. */
    final String cached(TextCache cache, TextCheck check) throws Defer, Rejection {
        String text = cache.get(in, stringAt, stringLength, stringHash);
        if (text == null) {
            text = check.checked(decoded());
            cache.put(in, stringAt, stringLength, stringHash, text);
        }
        return text;
    }

    /** A check of a decoded text that refuses it or returns it. */
    @FunctionalInterface
    interface TextCheck {
        String checked(String text) throws Defer, Rejection;
    }

    /** The payload's {@code tenant}, as {@link JsonNormalizer#readPayloadTenant} reads it. */
    final String readTenant() throws Defer, Rejection {
        if (!settings.tenants.readsPayload()) {
            skipValue();
            return null;
        }
        if (skipLiteral(NULL)) {
            return null;
        }
        expectString();
        return cached(payloadTenants, tenant -> tenant);
    }

    /** The event time in epoch microseconds, as {@link JsonNormalizer#readTimestamp} reads it, unchecked. */
    final long readTimestamp() throws Defer, Rejection {
        if (peek() == '"') {
            expectString();
            long micros = stringAscii ? Timestamps.usualIsoToMicros(in, stringAt, stringLength) : Timestamps.NOT_USUAL;
            return micros != Timestamps.NOT_USUAL ? micros : Timestamps.textToMicros(decoded());
        }
        scanNumber();
        return numberIntegral
                ? Timestamps.epochIntegerToMicros(integerValue())
                : Timestamps.epochNumberToMicros(doubleValue());
    }

    /**
     * {@link TenantRules#resolve}, which depends on nothing but its arguments, run again only when
     * they change: records come in runs of one tenant.
     */
    final String resolveTenant(String payloadTenant, String headerTenant) throws Rejection {
        if (lastTenant == null || payloadTenant != lastPayloadTenant
                || !Objects.equals(headerTenant, lastHeaderTenant)) {
            lastTenant = settings.tenants.resolve(payloadTenant, headerTenant);
            lastPayloadTenant = payloadTenant;
            lastHeaderTenant = headerTenant;
        }
        return lastTenant;
    }

    // ---- tokens ------------------------------------------------------------------------------

    /**
     * Scans the string starting at the current '"' up to its closing quote, checking its UTF-8 as
     * the JDK's strict decoder does (no overlong forms, surrogates or code points past U+10FFFF).
     * Escapes and raw control characters defer: Jackson decodes the first and refuses the second.
     */
    final void scanString() throws Defer {
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
    final void scanNumber() throws Defer {
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
        if (numberLength > MAX_NUMBER_CHARS || (integral && !fitsLong(pos - digits, digits))) {
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

    /** Whether the digits at {@code at} (no leading zero) are a number no greater than the largest long. */
    private boolean fitsLong(int at, int digits) {
        int max = MAX_LONG_DIGITS.length;
        return digits < max || (digits == max && Arrays.compare(in, at, at + max, MAX_LONG_DIGITS, 0, max) <= 0);
    }

    /** The integer scanned last; exact, as it fits a long. */
    final long integerValue() {
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
    final double doubleValue() {
        for (int i = 0; i < numberLength; i++) {
            numberChars[i] = (char) in[numberAt + i];
        }
        return NumberInput.parseDouble(numberChars, 0, numberLength, true);
    }

    /** Skips a string, number or literal; anything else defers. */
    final void skipScalar() throws Defer {
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
    final boolean skipLiteral(byte[] literal) {
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

    final void skipWhitespace() {
        while (pos < in.length) {
            byte b = in[pos];
            // Most bytes are above the space (and none of JSON's four whitespace bytes is).
            if (b > ' ' || (b != ' ' && b != '\n' && b != '\r' && b != '\t')) {
                return;
            }
            pos++;
        }
    }

    final int peek() throws Defer {
        if (pos >= in.length) {
            throw DEFER;
        }
        return in[pos];
    }

    final boolean skip(char c) {
        if (pos < in.length && in[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    final void expect(char c) throws Defer {
        if (!skip(c)) {
            throw DEFER;
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
