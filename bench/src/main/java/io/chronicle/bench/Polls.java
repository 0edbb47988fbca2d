package io.chronicle.bench;

import java.time.Duration;

/** Waiting on a condition with a deadline: polled at an interval, never a fixed wait. */
final class Polls {

    /** A condition that may fail, and end the wait, by throwing. */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    private Polls() {}

    /** Polls until {@code condition} holds (true) or {@code timeout} has passed (false). */
    static boolean until(Duration timeout, Duration interval, Condition condition) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > end) {
                return false;
            }
            Thread.sleep(interval.toMillis());
        }
        return true;
    }
}
