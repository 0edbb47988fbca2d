package io.chronicle.sources;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaPosition;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumerator;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;

/**
 * Turns a {@link KafkaPosition} into where a Kafka source starts or stops reading one topic, and
 * resolves a range between two positions to offsets, the same way for both.
 */
public final class KafkaPositions {

    private KafkaPositions() {}

    /**
     * Where a source of {@code topic} starts; the partitions an offsets position does not name
     * start at the group's committed offsets, the earliest where it has none.
     */
    public static OffsetsInitializer starting(KafkaPosition position, String topic) {
        return starting(position, List.of(topic));
    }

    /** As {@link #starting(KafkaPosition, String)}, for a source of several topics. */
    public static OffsetsInitializer starting(KafkaPosition position, Collection<String> topics) {
        if (position instanceof KafkaPosition.Committed) {
            return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        } else if (position instanceof KafkaPosition.Earliest) {
            return OffsetsInitializer.earliest();
        } else if (position instanceof KafkaPosition.Latest) {
            return OffsetsInitializer.latest();
        } else if (position instanceof KafkaPosition.Timestamp t) {
            return OffsetsInitializer.timestamp(t.epochMillis());
        }
        return OffsetsInitializer.offsets(partitions(topics, (KafkaPosition.Offsets) position),
                OffsetResetStrategy.EARLIEST);
    }

    /**
     * The group's committed offsets; for a partition without one, its first record written at or
     * after {@code epochMillis} (Kafka timestamp), or its end where there is none.
     */
    public static OffsetsInitializer committedOrSince(long epochMillis) {
        return new CommittedOrSince(epochMillis);
    }

    /**
     * Where a bounded source of {@code topic} stops, exclusive; the partitions an offsets position
     * does not name stop at the offsets latest when the source starts.
     */
    public static OffsetsInitializer stopping(KafkaPosition position, String topic) {
        return stopping(position, List.of(topic));
    }

    /** As {@link #stopping(KafkaPosition, String)}, for a source of several topics. */
    public static OffsetsInitializer stopping(KafkaPosition position, Collection<String> topics) {
        if (position instanceof KafkaPosition.Latest) {
            return OffsetsInitializer.latest();
        } else if (position instanceof KafkaPosition.Timestamp t) {
            // Partitions with no record at or after the time stop at their end.
            return OffsetsInitializer.timestamp(t.epochMillis());
        } else if (position instanceof KafkaPosition.Offsets offsets) {
            return new NamedOrLatest(partitions(topics, offsets));
        }
        throw new IllegalArgumentException("A read cannot stop at " + position);
    }

    /**
     * The offsets {@code [from, to)} of each partition of {@code topic} between two positions:
     * {@code from} as {@link #starting} reads it, except that the partitions an offsets position
     * does not name are not in the range; {@code to} as {@link #stopping}. Partitions whose range
     * is empty are left out.
     */
    public static SortedMap<Integer, long[]> range(Collection<TopicPartition> partitions,
            KafkaPosition from, KafkaPosition to, String topic,
            OffsetsInitializer.PartitionOffsetsRetriever offsets) {
        // Flink's committed, earliest and latest initializers leave markers its readers resolve; a
        // range needs the offsets themselves.
        Map<TopicPartition, Long> starts;
        if (from instanceof KafkaPosition.Offsets named) {
            starts = partitions(List.of(topic), named);
            starts.keySet().retainAll(partitions);
        } else if (from instanceof KafkaPosition.Timestamp) {
            starts = starting(from, topic).getPartitionOffsets(partitions, offsets);
        } else if (from instanceof KafkaPosition.Latest) {
            starts = offsets.endOffsets(partitions);
        } else {
            starts = new HashMap<>(offsets.beginningOffsets(partitions));
            if (from instanceof KafkaPosition.Committed) {
                offsets.committedOffsets(partitions).forEach((tp, committed) -> {
                    if (committed >= 0) {
                        starts.put(tp, committed);
                    }
                });
            }
        }
        Map<TopicPartition, Long> stops = to instanceof KafkaPosition.Latest
                ? offsets.endOffsets(partitions)
                : stopping(to, topic).getPartitionOffsets(partitions, offsets);
        SortedMap<Integer, long[]> range = new TreeMap<>();
        starts.forEach((tp, start) -> {
            long stop = stops.get(tp);
            if (start < stop) {
                range.put(tp.partition(), new long[] {start, stop});
            }
        });
        return range;
    }

    /**
     * {@link #range} against the brokers of {@code conf}. Fails when a range starts before the
     * first offset the topic still holds: its records cannot be read again.
     */
    public static SortedMap<Integer, long[]> resolve(Configuration conf, String topic,
            KafkaPosition from, KafkaPosition to) throws ExecutionException, InterruptedException {
        Map<String, Object> props = new HashMap<>(
                ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        try (AdminClient admin = AdminClient.create(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            OffsetsInitializer.PartitionOffsetsRetriever offsets = new KafkaSourceEnumerator.PartitionOffsetsRetrieverImpl(
                    admin, conf.get(ChronicleOptions.KAFKA_GROUP_ID));
            SortedMap<Integer, long[]> range = range(partitions, from, to, topic, offsets);
            Map<TopicPartition, Long> first = offsets.beginningOffsets(partitions);
            range.forEach((partition, fromTo) -> {
                long held = first.get(new TopicPartition(topic, partition));
                if (fromTo[0] < held) {
                    throw new IllegalArgumentException("Offsets " + fromTo[0] + " to " + held + " of " + topic
                            + ":" + partition + " are no longer in Kafka (retention): they cannot be read again");
                }
            });
            return range;
        }
    }

    private static Map<TopicPartition, Long> partitions(Collection<String> topics, KafkaPosition.Offsets position) {
        Map<TopicPartition, Long> out = new HashMap<>();
        for (String topic : topics) {
            position.of(topic).forEach((partition, offset) -> out.put(new TopicPartition(topic, partition), offset));
        }
        return out;
    }

    private static final class CommittedOrSince implements OffsetsInitializer {
        private static final long serialVersionUID = 1L;

        private final long epochMillis;

        CommittedOrSince(long epochMillis) {
            this.epochMillis = epochMillis;
        }

        @Override
        public Map<TopicPartition, Long> getPartitionOffsets(
                Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
            Map<TopicPartition, Long> out = new HashMap<>(retriever.endOffsets(partitions));
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(tp -> times.put(tp, epochMillis));
            retriever.offsetsForTimes(times).forEach((tp, found) -> {
                if (found != null) {
                    out.put(tp, found.offset());
                }
            });
            retriever.committedOffsets(partitions).forEach((tp, committed) -> {
                if (committed != null && committed >= 0) {
                    out.put(tp, committed);
                }
            });
            return out;
        }

        @Override
        public OffsetResetStrategy getAutoOffsetResetStrategy() {
            return OffsetResetStrategy.LATEST;
        }
    }

    /** Named offsets, and the latest offsets for the partitions not named. */
    private static final class NamedOrLatest implements OffsetsInitializer {
        private static final long serialVersionUID = 1L;

        private final Map<TopicPartition, Long> named;

        NamedOrLatest(Map<TopicPartition, Long> named) {
            this.named = named;
        }

        @Override
        public Map<TopicPartition, Long> getPartitionOffsets(
                Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
            Map<TopicPartition, Long> out = new HashMap<>(retriever.endOffsets(partitions));
            for (TopicPartition tp : partitions) {
                Long offset = named.get(tp);
                if (offset != null) {
                    out.put(tp, offset);
                }
            }
            return out;
        }

        @Override
        public OffsetResetStrategy getAutoOffsetResetStrategy() {
            return OffsetResetStrategy.LATEST;
        }
    }
}
