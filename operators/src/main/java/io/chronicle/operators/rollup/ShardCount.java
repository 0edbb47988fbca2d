package io.chronicle.operators.rollup;

/** One shard of a tenant's active series, as {@link CardinalityLimiter} counts them. */
public class ShardCount {
    /** Series admitted and not yet quiet for the series TTL. */
    public long series;
    /** The event-time timer that next looks for quiet series, epoch milliseconds; 0 for none. */
    public long sweepTimerMillis;

    public ShardCount() {}
}
