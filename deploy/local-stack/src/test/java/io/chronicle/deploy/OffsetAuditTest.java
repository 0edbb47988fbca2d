package io.chronicle.deploy;

import io.chronicle.deploy.OffsetAudit.Audit;
import io.chronicle.deploy.OffsetAudit.DeadLetterMatch;
import io.chronicle.deploy.OffsetAudit.PartitionOffsets;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OffsetAuditTest {

    private static PartitionOffsets offsets(long... offsets) {
        PartitionOffsets result = new PartitionOffsets();
        for (long offset : offsets) {
            result.add(offset);
        }
        return result;
    }

    @Test
    void offsetsFromZeroToTheHighestEachOnceAreExactlyOnceInAnyOrder() {
        PartitionOffsets offsets = offsets(2, 0, 3, 1);
        assertThat(offsets.exactlyOnce()).isTrue();
        assertThat(offsets.highest()).isEqualTo(3);
        assertThat(offsets.records()).isEqualTo(4);
    }

    @Test
    void aGapOrAMissingStartIsAnOffsetLost() {
        assertThat(offsets(0, 1, 3).missing()).isEqualTo(1);
        assertThat(offsets(2, 3).missing()).isEqualTo(2);
        assertThat(offsets(0, 1, 3).exactlyOnce()).isFalse();
    }

    @Test
    void anOffsetTwiceIsARecordWrittenTwice() {
        PartitionOffsets offsets = offsets(0, 1, 1, 2, 1);
        assertThat(offsets.doubled()).isEqualTo(2);
        assertThat(offsets.missing()).isZero();
        assertThat(offsets.exactlyOnce()).isFalse();
    }

    @Test
    void rowsOfDifferentTablesAddUpPerPartition() {
        Audit audit = new Audit();
        audit.add("points_raw", "points", 0, 0);
        audit.add("rejected", "points", 0, 1);
        audit.add("points_raw", "points", 1, 0);
        audit.add("events", "events", 0, 0);
        assertThat(audit.exactlyOnce()).isTrue();
        assertThat(audit.partitions).containsOnlyKeys(new TopicPartition("events", 0),
                new TopicPartition("points", 0), new TopicPartition("points", 1));
        assertThat(audit.rowsByTable).containsEntry("points_raw", 2L).containsEntry("rejected", 1L);

        audit.add("rejected", "points", 1, 0);
        assertThat(audit.exactlyOnce()).isFalse();
    }

    @Test
    void theRowsOfABatchRecordCountOncePerPlaceInIt() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.add(0, 0);
        offsets.add(0, 1);
        offsets.add(0, 2);
        offsets.add(1, 0);
        assertThat(offsets.exactlyOnce()).isTrue();
        assertThat(offsets.records()).isEqualTo(4);

        offsets.add(0, 2);
        assertThat(offsets.doubled()).isEqualTo(1);
        assertThat(offsets.exactlyOnce()).isFalse();

        PartitionOffsets firstLost = new PartitionOffsets();
        firstLost.add(0, 1);
        assertThat(firstLost.missing()).isEqualTo(1);
    }

    @Test
    void aRefusedPartOfABatchRecordIsMatchedByItsPlace() {
        Audit audit = new Audit();
        audit.addRejected("points", 0, 7, 0);
        audit.addRejected("points", 0, 7, 3);
        assertThat(DeadLetterMatch.of(audit.rejected, Map.of("points/0/7", 1, "points/0/7#3", 1)).exact()).isTrue();
        assertThat(DeadLetterMatch.of(audit.rejected, Map.of("points/0/7", 2)).exact()).isFalse();
    }

    @Test
    void refusesOffsetsItCannotTrack() {
        assertThatThrownBy(() -> offsets(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> offsets(1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDeadLetterTopicMustHoldEachRejectedRowOnce() {
        Map<String, Integer> rejected = Map.of("points/0/4", 1, "points/1/9", 2);
        assertThat(DeadLetterMatch.of(rejected, Map.of("points/0/4", 1, "points/1/9", 2)).exact()).isTrue();
        assertThat(DeadLetterMatch.of(rejected, Map.of("points/0/4", 1, "points/1/9", 2)).messages()).isEqualTo(3);

        DeadLetterMatch lost = DeadLetterMatch.of(rejected, Map.of("points/1/9", 1));
        assertThat(lost.missing()).isEqualTo(2);
        assertThat(lost.exact()).isFalse();

        DeadLetterMatch doubled = DeadLetterMatch.of(rejected, Map.of("points/0/4", 2, "points/1/9", 2, "events/0/1", 1));
        assertThat(doubled.extra()).isEqualTo(2);
        assertThat(doubled.missing()).isZero();
        assertThat(doubled.exact()).isFalse();
    }
}
