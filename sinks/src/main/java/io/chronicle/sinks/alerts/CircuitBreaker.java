package io.chronicle.sinks.alerts;

/**
 * Stops requests to a receiver after consecutive failures. Once open, nothing is sent for the
 * open duration; the next request is a probe (half-open): success closes the circuit, failure
 * opens it for another open duration. Requests to one receiver go one at a time, so there is
 * never more than one probe. Time is passed in, in nanoseconds of a monotonic clock.
 */
final class CircuitBreaker {

    private final int failuresToOpen;
    private final long openNanos;
    private int consecutiveFailures;
    private volatile boolean open;
    private long openedAt;

    CircuitBreaker(int failuresToOpen, long openNanos) {
        this.failuresToOpen = failuresToOpen;
        this.openNanos = openNanos;
    }

    /** How long until a request (or the probe) may be sent; zero when one may be sent now. */
    long waitNanos(long nowNanos) {
        return open ? Math.max(0, openedAt + openNanos - nowNanos) : 0;
    }

    /** Records an answered request; returns whether this closed an open circuit. */
    boolean onSuccess() {
        consecutiveFailures = 0;
        boolean wasOpen = open;
        open = false;
        return wasOpen;
    }

    /** Records a failed request; returns whether this opened a closed circuit. */
    boolean onFailure(long nowNanos) {
        consecutiveFailures++;
        boolean wasOpen = open;
        if (open || consecutiveFailures >= failuresToOpen) {
            open = true;
            openedAt = nowNanos;
        }
        return open && !wasOpen;
    }

    /** Open or half-open: the last request failed and the circuit has not closed since. */
    boolean isOpen() {
        return open;
    }
}
