package io.chronicle.operators.normalize;

import io.chronicle.core.RejectReason;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Event-time parsing: epoch numbers by magnitude, or ISO-8601 text, to epoch microseconds. */
final class Timestamps {

    // Magnitude bounds: below 1e11 a number is seconds (until the year 5138), below 1e14
    // milliseconds, below 1e17 microseconds, otherwise nanoseconds.
    private static final double SECONDS_BELOW = 1e11;
    private static final double MILLIS_BELOW = 1e14;
    private static final double MICROS_BELOW = 1e17;

    private Timestamps() {}

    /** Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude. */
    static long epochNumberToMicros(double epoch) throws Rejection {
        if (!Double.isFinite(epoch)) {
            throw new Rejection(RejectReason.INVALID_TIMESTAMP, "timestamp is not finite: " + epoch);
        }
        double magnitude = Math.abs(epoch);
        double micros;
        if (magnitude < SECONDS_BELOW) {
            micros = epoch * 1e6;
        } else if (magnitude < MILLIS_BELOW) {
            micros = epoch * 1e3;
        } else if (magnitude < MICROS_BELOW) {
            micros = epoch;
        } else {
            micros = epoch / 1e3;
        }
        return Math.round(micros);
    }

    /** Integral epoch values keep full precision (a double would round nanoseconds). */
    static long epochIntegerToMicros(long epoch) {
        // Math.abs(Long.MIN_VALUE) is negative: that one is nanoseconds like its neighbours.
        long magnitude = epoch == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(epoch);
        if (magnitude < (long) SECONDS_BELOW) {
            return epoch * 1_000_000L;
        } else if (magnitude < (long) MILLIS_BELOW) {
            return epoch * 1_000L;
        } else if (magnitude < (long) MICROS_BELOW) {
            return epoch;
        }
        return Math.floorDiv(epoch, 1_000L);
    }

    /** ISO-8601 with an offset or Z ({@code 2026-02-12T14:30:00.000Z}), or digits as an epoch. */
    static long textToMicros(String text) throws Rejection {
        String trimmed = text.trim();
        if (!trimmed.isEmpty() && isInteger(trimmed)) {
            try {
                return epochIntegerToMicros(Long.parseLong(trimmed));
            } catch (NumberFormatException e) {
                throw new Rejection(RejectReason.INVALID_TIMESTAMP, "timestamp out of range: " + text);
            }
        }
        try {
            Instant instant = OffsetDateTime.parse(trimmed, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
            return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L),
                    instant.getNano() / 1_000);
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new Rejection(
                    RejectReason.INVALID_TIMESTAMP,
                    "timestamp is neither an epoch number nor ISO-8601 with an offset: '"
                            + abbreviate(text) + "'");
        }
    }

    /** What {@link #usualIsoToMicros} returns for any other text. */
    static final long NOT_USUAL = Long.MIN_VALUE;

    /** "yyyy-MM-ddTHH:mm:ss": the part of the usual form before its fraction and offset. */
    private static final int DATE_TIME_CHARS = 19;

    /**
     * The usual form of an ISO-8601 time ({@code 2026-02-12T14:30:00.000Z}, or with an offset such
     * as {@code +01:00}) in {@code text[at, at + length)}, ASCII bytes, read as {@link #textToMicros}
     * reads it but without a string or a formatter, which cost more than the rest of an event's
     * reading; {@link #NOT_USUAL} for any other text (a valid one too), for textToMicros to read.
     */
    static long usualIsoToMicros(byte[] text, int at, int length) {
        int end = at + length;
        if (length < DATE_TIME_CHARS + 1 || text[at + 4] != '-' || text[at + 7] != '-' || text[at + 10] != 'T'
                || text[at + 13] != ':' || text[at + 16] != ':') {
            return NOT_USUAL;
        }
        int year = digits(text, at, 4);
        int month = digits(text, at + 5, 2);
        int day = digits(text, at + 8, 2);
        int hour = digits(text, at + 11, 2);
        int minute = digits(text, at + 14, 2);
        int second = digits(text, at + 17, 2);
        int i = at + DATE_TIME_CHARS;
        int nanos = 0;
        if (text[i] == '.') {
            int fractionAt = ++i;
            while (i < end && i - fractionAt < 9 && text[i] >= '0' && text[i] <= '9') {
                nanos = nanos * 10 + (text[i++] - '0');
            }
            if (i == fractionAt) {
                return NOT_USUAL;
            }
            for (int scale = i - fractionAt; scale < 9; scale++) {
                nanos *= 10;
            }
        }
        int offsetSeconds = offsetSeconds(text, i, end);
        if ((year | month | day | hour | minute | second) < 0 || hour > 23 || minute > 59 || second > 59
                || offsetSeconds == Integer.MIN_VALUE) {
            return NOT_USUAL;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return NOT_USUAL; // no such day: textToMicros says so
        }
        long epochSecond = epochDay * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds;
        return epochSecond * 1_000_000L + nanos / 1_000;
    }

    /**
     * The offset {@code Z} or {@code +HH:MM} (at most 18 hours) in {@code text[at, end)}, in
     * seconds; MIN_VALUE for anything else.
     */
    private static int offsetSeconds(byte[] text, int at, int end) {
        if (end - at == 1 && text[at] == 'Z') {
            return 0;
        }
        if (end - at != 6 || (text[at] != '+' && text[at] != '-') || text[at + 3] != ':') {
            return Integer.MIN_VALUE;
        }
        int hours = digits(text, at + 1, 2);
        int minutes = digits(text, at + 4, 2);
        if (hours < 0 || minutes < 0 || minutes > 59 || hours * 60 + minutes > 18 * 60) {
            return Integer.MIN_VALUE;
        }
        int seconds = hours * 3_600 + minutes * 60;
        return text[at] == '-' ? -seconds : seconds;
    }

    /** The decimal number of {@code count} ASCII digits at {@code at}; -1 if any is not a digit. */
    private static int digits(byte[] text, int at, int count) {
        int value = 0;
        for (int i = at; i < at + count; i++) {
            if (text[i] < '0' || text[i] > '9') {
                return -1;
            }
            value = value * 10 + (text[i] - '0');
        }
        return value;
    }

    static void checkRange(long micros, long ingestedAtMicros, NormalizerSettings settings)
            throws Rejection {
        if (micros < settings.minTimestampMicros
                || micros > ingestedAtMicros + settings.maxFutureSkewMicros) {
            throw new Rejection(
                    RejectReason.TIMESTAMP_OUT_OF_RANGE,
                    "timestamp " + describe(micros) + " is outside the accepted range ["
                            + describe(settings.minTimestampMicros) + ", ingestion time + "
                            + settings.maxFutureSkewMicros / 1_000_000 + "s]");
        }
    }

    private static String describe(long micros) {
        try {
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    Math.floorMod(micros, 1_000_000L) * 1_000L).toString();
        } catch (java.time.DateTimeException e) {
            return micros + "us";
        }
    }

    private static boolean isInteger(String s) {
        int start = s.charAt(0) == '-' ? 1 : 0;
        if (start == s.length()) {
            return false;
        }
        for (int i = start; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
