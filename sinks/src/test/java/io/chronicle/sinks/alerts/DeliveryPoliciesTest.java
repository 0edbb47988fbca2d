package io.chronicle.sinks.alerts;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Backoff, rate limit and circuit breaker on a clock the test moves. */
class DeliveryPoliciesTest {

    private static final long MS = 1_000_000L;

    @Test
    void backoffGrowsByTheMultiplierUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(700), 2.0, 0.5, () -> 0.0);
        assertThat(backoff.delayNanos(1)).isEqualTo(100 * MS);
        assertThat(backoff.delayNanos(2)).isEqualTo(200 * MS);
        assertThat(backoff.delayNanos(3)).isEqualTo(400 * MS);
        assertThat(backoff.delayNanos(4)).isEqualTo(700 * MS);
        assertThat(backoff.delayNanos(60)).isEqualTo(700 * MS);
    }

    @Test
    void jitterTakesOffUpToItsFraction() {
        Backoff halfJitter = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5, () -> 0.999);
        assertThat(halfJitter.delayNanos(1)).isBetween(50 * MS, 51 * MS);
        Backoff middle = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 2.0, 0.5, () -> 0.5);
        assertThat(middle.delayNanos(2)).isEqualTo(150 * MS);
    }

    @Test
    void tokenBucketAllowsOneSecondsBurstThenSpacesRequests() {
        long now = 5_000 * MS;
        TokenBucket bucket = new TokenBucket(2.0, now);
        assertThat(bucket.waitNanos(now)).isZero();
        bucket.take(now);
        assertThat(bucket.waitNanos(now)).isZero();
        bucket.take(now);
        assertThat(bucket.waitNanos(now)).isEqualTo(500 * MS);
        assertThat(bucket.waitNanos(now + 200 * MS)).isEqualTo(300 * MS);
        now += 500 * MS;
        assertThat(bucket.waitNanos(now)).isZero();
        bucket.take(now);
        assertThat(bucket.waitNanos(now)).isEqualTo(500 * MS);
        // A long quiet spell refills no more than the burst.
        now += 60_000 * MS;
        bucket.take(now);
        bucket.take(now);
        assertThat(bucket.waitNanos(now)).isEqualTo(500 * MS);
    }

    @Test
    void aRateBelowOnePerSecondStillSendsTheFirstRequestAtOnce() {
        TokenBucket bucket = new TokenBucket(0.5, 0);
        assertThat(bucket.waitNanos(0)).isZero();
        bucket.take(0);
        assertThat(bucket.waitNanos(0)).isEqualTo(2_000 * MS);
    }

    @Test
    void circuitOpensAfterConsecutiveFailuresAndWaitsTheOpenDuration() {
        CircuitBreaker breaker = new CircuitBreaker(3, 1_000 * MS);
        assertThat(breaker.onFailure(0)).isFalse();
        assertThat(breaker.onFailure(10 * MS)).isFalse();
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.waitNanos(10 * MS)).isZero();
        assertThat(breaker.onFailure(20 * MS)).isTrue();
        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.waitNanos(20 * MS)).isEqualTo(1_000 * MS);
        assertThat(breaker.waitNanos(520 * MS)).isEqualTo(500 * MS);
        assertThat(breaker.waitNanos(1_020 * MS)).isZero();
    }

    @Test
    void aFailedProbeReopensAndASuccessfulOneCloses() {
        CircuitBreaker breaker = new CircuitBreaker(1, 1_000 * MS);
        assertThat(breaker.onFailure(0)).isTrue();
        // The probe, once the open duration has passed, fails: open for another full duration.
        assertThat(breaker.onFailure(1_000 * MS)).isFalse();
        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.waitNanos(1_000 * MS)).isEqualTo(1_000 * MS);
        assertThat(breaker.onSuccess()).isTrue();
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.waitNanos(1_000 * MS)).isZero();
    }

    @Test
    void aSuccessResetsTheFailureCount() {
        CircuitBreaker breaker = new CircuitBreaker(2, 1_000 * MS);
        breaker.onFailure(0);
        assertThat(breaker.onSuccess()).isFalse();
        assertThat(breaker.onFailure(0)).isFalse();
        assertThat(breaker.isOpen()).isFalse();
    }
}
