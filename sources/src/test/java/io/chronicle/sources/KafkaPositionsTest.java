package io.chronicle.sources;

import io.chronicle.core.KafkaPosition;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where sources start and stop for each position, against a topic of three partitions whose
 * offsets, committed offsets and timestamps are laid out here.
 */
class KafkaPositionsTest {

    private static final String TOPIC = "chronicle.points";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);
    private static final TopicPartition P2 = new TopicPartition(TOPIC, 2);
    private static final List<TopicPartition> ALL = List.of(P0, P1, P2);
    /** A second topic's partition, holding offsets 0 to 9, for a source of two topics. */
    private static final TopicPartition TELEGRAF = new TopicPartition("telegraf", 0);

    /**
     * p0 holds offsets 10 to 59 (log start 10), p1 0 to 19, p2 nothing; the group committed 30 on
     * p0 only. Record n of p0 has timestamp 1000 + 10 n, of p1 2000 + 100 n.
     */
    private static final OffsetsInitializer.PartitionOffsetsRetriever OFFSETS =
            new OffsetsInitializer.PartitionOffsetsRetriever() {
                private final Map<TopicPartition, long[]> held = Map.of(
                        P0, new long[] {10, 60}, P1, new long[] {0, 20}, P2, new long[] {5, 5},
                        TELEGRAF, new long[] {0, 10});

                @Override
                public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
                    Map<TopicPartition, Long> out = new HashMap<>();
                    if (partitions.contains(P0)) {
                        out.put(P0, 30L);
                    }
                    return out;
                }

                @Override
                public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
                    Map<TopicPartition, Long> out = new HashMap<>();
                    partitions.forEach(tp -> out.put(tp, held.get(tp)[1]));
                    return out;
                }

                @Override
                public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
                    Map<TopicPartition, Long> out = new HashMap<>();
                    partitions.forEach(tp -> out.put(tp, held.get(tp)[0]));
                    return out;
                }

                @Override
                public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times) {
                    Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
                    times.forEach((tp, t) -> {
                        long base = tp.equals(P0) ? 1000 : 2000;
                        long step = tp.equals(P0) ? 10 : 100;
                        long[] range = held.get(tp);
                        for (long n = range[0]; n < range[1]; n++) {
                            if (base + step * n >= t) {
                                out.put(tp, new OffsetAndTimestamp(n, base + step * n));
                                return;
                            }
                        }
                    });
                    return out;
                }
            };

    private static Map<TopicPartition, Long> start(KafkaPosition position) {
        return KafkaPositions.starting(position, TOPIC).getPartitionOffsets(ALL, OFFSETS);
    }

    private static Map<TopicPartition, Long> stop(KafkaPosition position) {
        return KafkaPositions.stopping(position, TOPIC).getPartitionOffsets(ALL, OFFSETS);
    }

    private static Map<TopicPartition, Long> offsets(long p0, long p1, long p2) {
        return Map.of(P0, p0, P1, p1, P2, p2);
    }

    private static KafkaPosition.Offsets named(Map<Integer, Long> offsets) {
        SortedMap<String, SortedMap<Integer, Long>> byTopic = new TreeMap<>();
        byTopic.put(TOPIC, new TreeMap<>(offsets));
        byTopic.put("chronicle.events", new TreeMap<>(Map.of(2, 999L)));
        return new KafkaPosition.Offsets(byTopic);
    }

    @Test
    void startingPositions() {
        assertThat(start(new KafkaPosition.Timestamp(1_205))).as("first record at or after 1205 ms")
                .isEqualTo(offsets(21, 0, 5));
        assertThat(start(new KafkaPosition.Timestamp(2_550))).as("past p0's last record: its end")
                .isEqualTo(offsets(60, 6, 5));
        assertThat(start(named(Map.of(1, 7L)))).as("named; the others as committed")
                .isEqualTo(offsets(30, 7, 5));
    }

    @Test
    void aSourceOfSeveralTopicsTakesTheNamedOffsetsOfEach() {
        SortedMap<String, SortedMap<Integer, Long>> byTopic = new TreeMap<>();
        byTopic.put(TOPIC, new TreeMap<>(Map.of(1, 7L)));
        byTopic.put("telegraf", new TreeMap<>(Map.of(0, 3L)));
        byTopic.put("chronicle.events", new TreeMap<>(Map.of(2, 999L)));
        KafkaPosition.Offsets named = new KafkaPosition.Offsets(byTopic);
        List<TopicPartition> partitions = List.of(P0, P1, P2, TELEGRAF);
        List<String> topics = List.of(TOPIC, "telegraf");

        assertThat(KafkaPositions.starting(named, topics).getPartitionOffsets(partitions, OFFSETS))
                .as("named in both topics; the others as committed")
                .isEqualTo(Map.of(P0, 30L, P1, 7L, P2, 5L, TELEGRAF, 3L));
        assertThat(KafkaPositions.stopping(named, topics).getPartitionOffsets(partitions, OFFSETS))
                .as("named in both topics; the others at the latest")
                .isEqualTo(Map.of(P0, 60L, P1, 7L, P2, 5L, TELEGRAF, 3L));
        assertThat(KafkaPositions.stopping(named, List.of(TOPIC)).getPartitionOffsets(partitions, OFFSETS))
                .as("a source of one topic ignores another's offsets")
                .isEqualTo(Map.of(P0, 60L, P1, 7L, P2, 5L, TELEGRAF, 10L));
    }

    @Test
    void anInternalTopicsReaderStartsAtTheCommittedOffsetElseAtWhatWasWrittenSinceItsSubmission() {
        assertThat(KafkaPositions.committedOrSince(2_550).getPartitionOffsets(ALL, OFFSETS))
                .as("p0 committed; p1's first record at or after 2550 ms; p2 holds none: its end")
                .isEqualTo(offsets(30, 6, 5));
        assertThat(KafkaPositions.committedOrSince(9_000).getPartitionOffsets(ALL, OFFSETS))
                .as("nothing written since: the ends, but for the committed")
                .isEqualTo(offsets(30, 20, 5));
    }

    @Test
    void stoppingPositions() {
        assertThat(stop(new KafkaPosition.Timestamp(1_200))).as("before the first record at or after 1200 ms")
                .isEqualTo(offsets(20, 0, 5));
        assertThat(stop(named(Map.of(0, 42L)))).as("named; the others at the latest")
                .isEqualTo(offsets(42, 20, 5));
    }

    @Test
    void aRangeHoldsOnlyItsNonEmptyPartitionsAndOnlyTheNamedOnesWhenItStartsAtOffsets() {
        SortedMap<Integer, long[]> byTime = KafkaPositions.range(ALL, new KafkaPosition.Timestamp(1_205),
                new KafkaPosition.Timestamp(2_550), TOPIC, OFFSETS);
        assertThat(byTime).containsOnlyKeys(0, 1);
        assertThat(byTime.get(0)).containsExactly(21, 60);
        assertThat(byTime.get(1)).containsExactly(0, 6);

        SortedMap<Integer, long[]> byOffsets = KafkaPositions.range(ALL, named(Map.of(1, 3L)),
                named(Map.of(0, 42L, 1, 9L)), TOPIC, OFFSETS);
        assertThat(byOffsets).containsOnlyKeys(1);
        assertThat(byOffsets.get(1)).containsExactly(3, 9);

        SortedMap<Integer, long[]> committedToLatest = KafkaPositions.range(ALL, new KafkaPosition.Committed(),
                new KafkaPosition.Latest(), TOPIC, OFFSETS);
        assertThat(committedToLatest).as("committed, else earliest; p2 is empty").containsOnlyKeys(0, 1);
        assertThat(committedToLatest.get(0)).containsExactly(30, 60);
        assertThat(committedToLatest.get(1)).containsExactly(0, 20);
        SortedMap<Integer, long[]> earliest = KafkaPositions.range(ALL, new KafkaPosition.Earliest(),
                new KafkaPosition.Timestamp(1_300), TOPIC, OFFSETS);
        assertThat(earliest).as("p1's first record is after 1300 ms").containsOnlyKeys(0);
        assertThat(earliest.get(0)).containsExactly(10, 30);
        assertThat(KafkaPositions.range(ALL, new KafkaPosition.Latest(), new KafkaPosition.Latest(),
                TOPIC, OFFSETS)).as("latest to latest: nothing").isEmpty();
    }
}
