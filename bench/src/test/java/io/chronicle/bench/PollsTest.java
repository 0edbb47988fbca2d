package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PollsTest {

    @Test
    void pollsUntilTheConditionHolds() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        assertThat(Polls.until(Duration.ofMinutes(1), Duration.ofMillis(1), () -> polls.incrementAndGet() == 3))
                .isTrue();
        assertThat(polls).hasValue(3);
    }

    @Test
    void givesUpAfterTheTimeout() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        assertThat(Polls.until(Duration.ofMillis(20), Duration.ofMillis(5), () -> polls.incrementAndGet() < 0))
                .isFalse();
        assertThat(polls.get()).isGreaterThan(1);
    }

    @Test
    void aConditionThatThrowsEndsTheWait() {
        assertThatThrownBy(() -> Polls.until(Duration.ofMinutes(1), Duration.ofMillis(1), () -> {
            throw new IllegalStateException("the job ended FAILED");
        })).hasMessage("the job ended FAILED");
    }
}
