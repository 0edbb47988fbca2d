package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CommitTimelineTest {

    /** Checkpoints 1..5 every 2 s; checkpoint 1 came before the first record, 5 after the last. */
    private static final Map<Long, Long> TRIGGERED = Map.of(1L, 10_000L, 2L, 12_000L, 3L, 14_000L, 4L, 16_000L,
            5L, 18_000L);

    private static final CommitTimeline TIMELINE = new CommitTimeline(List.of(
            new CommitTimeline.Commit(2, 1_000, 2, 12_500),
            new CommitTimeline.Commit(3, 5_000, 2, 14_400),
            new CommitTimeline.Commit(4, 9_000, 3, 16_600),
            new CommitTimeline.Commit(5, 10_000, 1, 18_300)));

    @Test
    void countsCommitsAndTheDataFilesEachAdded() {
        assertThat(TIMELINE.count()).isEqualTo(4);
        assertThat(TIMELINE.dataFiles()).isEqualTo(8);
        assertThat(TIMELINE.dataFilesPerCommit()).isEqualTo(2.0);
        assertThat(TIMELINE.maxDataFilesPerCommit()).isEqualTo(3);
    }

    @Test
    void theInputIsCommittedByTheFirstCommitHoldingAllOfIt() {
        assertThat(TIMELINE.committedAt(10_000)).hasValue(18_300);
        assertThat(TIMELINE.committedAt(9_000)).hasValue(16_600);
        assertThat(TIMELINE.committedAt(10_001)).isEmpty();
    }

    @Test
    void theReadingSpanRunsBetweenTheFirstAndLastCheckpointsTakenWhileTheInputWasPartRead() {
        CommitTimeline.Span span = TIMELINE.readingSpan(TRIGGERED, 10_000).orElseThrow();
        // Checkpoint 5 holds the whole input: the source may have finished before it, so it is left out.
        assertThat(span).isEqualTo(new CommitTimeline.Span(12_000, 16_000, 8_000));
        assertThat(span.recordsPerSecond()).isEqualTo(2_000.0);
    }

    @Test
    void aCheckpointWithoutATriggerTimeIsLeftOut() {
        Map<Long, Long> withoutFour = Map.of(2L, 12_000L, 3L, 14_000L, 5L, 18_000L);
        assertThat(TIMELINE.readingSpan(withoutFour, 10_000)).hasValue(new CommitTimeline.Span(12_000, 14_000, 4_000));
    }

    @Test
    void fewerThanTwoCheckpointsWhileReadingGiveNoSpan() {
        CommitTimeline quick = new CommitTimeline(List.of(
                new CommitTimeline.Commit(2, 4_000, 2, 12_500),
                new CommitTimeline.Commit(3, 10_000, 2, 14_400)));
        assertThat(quick.readingSpan(TRIGGERED, 10_000)).isEmpty();
        assertThat(new CommitTimeline(List.of()).dataFilesPerCommit()).isNaN();
    }
}
