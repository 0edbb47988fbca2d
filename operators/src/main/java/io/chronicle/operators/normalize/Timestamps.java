package io.chronicle.operators.normalize;

import io.chronicle.core.RejectReason;

import java.time.Instant;
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
