package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

class CheckpointRecordTest {

    @Test
    void durationsAndSizesOfTheCompletedCheckpoints() {
        CheckpointRecord record = new CheckpointRecord(List.of(
                new CheckpointRecord.Checkpoint(1, 1_000, 400, 5_000, 5_000),
                new CheckpointRecord.Checkpoint(2, 3_000, 900, 7_000, 2_000),
                new CheckpointRecord.Checkpoint(3, 5_000, 300, 6_000, 1_000),
                new CheckpointRecord.Checkpoint(4, 7_000, 2_500, 9_000, 3_000)));
        assertThat(record.count()).isEqualTo(4);
        assertThat(record.medianDurationMillis()).isEqualTo(400);
        assertThat(record.maxDurationMillis()).isEqualTo(2_500);
        assertThat(record.maxStateBytes()).isEqualTo(9_000);
        assertThat(record.maxCheckpointedBytes()).isEqualTo(5_000);
        assertThat(record.triggeredMillis()).containsExactly(
                entry(1L, 1_000L), entry(2L, 3_000L),
                entry(3L, 5_000L), entry(4L, 7_000L));
    }

    @Test
    void noCheckpointsGiveZeros() {
        CheckpointRecord none = new CheckpointRecord(List.of());
        assertThat(none.medianDurationMillis()).isZero();
        assertThat(none.maxStateBytes()).isZero();
    }
}
