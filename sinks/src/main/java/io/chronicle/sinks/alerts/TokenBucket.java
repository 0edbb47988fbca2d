package io.chronicle.sinks.alerts;

/**
 * Requests per second with a burst of one second's worth (at least one request): a token bucket,
 * kept as the time its next token would be due (the GCRA form) so that waits are exact whole
 * nanoseconds. Time is passed in, in nanoseconds of a monotonic clock, so tests drive it.
 */
final class TokenBucket {

    /** Nanoseconds per token. */
    private final long interval;
    /** How far ahead of now the due time may run: the burst beyond one request. */
    private final long burst;
    private long due;

    TokenBucket(double perSecond, long nowNanos) {
        this.interval = Math.round(1e9 / perSecond);
        this.burst = (long) ((Math.max(1.0, perSecond) - 1.0) * interval);
        this.due = nowNanos;
    }

    /** How long until a request may be sent; zero when one may be sent now. */
    long waitNanos(long nowNanos) {
        return Math.max(0, due - burst - nowNanos);
    }

    /** Spends the token of a request being sent now. */
    void take(long nowNanos) {
        due = Math.max(due, nowNanos) + interval;
    }
}
