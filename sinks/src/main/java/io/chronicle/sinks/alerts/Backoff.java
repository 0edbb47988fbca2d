package io.chronicle.sinks.alerts;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/** Exponential waits between retries, each shortened by a random fraction up to the jitter. */
final class Backoff {

    private final double initialNanos;
    private final double maxNanos;
    private final double multiplier;
    private final double jitter;
    private final DoubleSupplier random;

    /** {@code random} yields values in [0, 1). */
    Backoff(Duration initial, Duration max, double multiplier, double jitter, DoubleSupplier random) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.multiplier = multiplier;
        this.jitter = jitter;
        this.random = random;
    }

    /** The wait after the {@code failures}-th consecutive failure (1 for the first). */
    long delayNanos(int failures) {
        double base = Math.min(maxNanos, initialNanos * Math.pow(multiplier, failures - 1));
        return (long) (base * (1.0 - jitter * random.getAsDouble()));
    }
}
