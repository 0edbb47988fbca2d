package io.chronicle.operators.rollup;

/**
 * When a window is written. Windows are in event-time microseconds; timers and watermarks in
 * milliseconds. A window ending at {@code end} is written once the watermark
 * reaches {@code end + lateness}, that is by a timer at one millisecond before it.
 */
final class WindowTimes {

    private WindowTimes() {}

    /** The timer (ms) that writes the window ending at {@code windowEndMicros}. */
    static long writeTimerMillis(long windowEndMicros, long latenessMicros) {
        return Math.floorDiv(windowEndMicros + latenessMicros, 1_000L) - 1;
    }
}
