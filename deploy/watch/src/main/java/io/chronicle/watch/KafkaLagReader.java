package io.chronicle.watch;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Each watched consumer group's committed offsets against its partitions' ends (read committed:
 * the records a transactional producer has not committed are not lag yet), on every partition of
 * the topics the group has committed offsets in. Flink's Kafka source commits on checkpoints, so
 * lag includes what arrived since the last one.
 */
final class KafkaLagReader implements AutoCloseable {

    private final Map<String, Object> props = new HashMap<>();
    private final List<String> groups;
    private final Duration timeout;
    /** Made at the first read: a bootstrap name that does not resolve yet fails a round, not the start. */
    private volatile Admin admin;

    KafkaLagReader(Configuration conf, List<String> groups, Duration timeout) {
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        // A round gives up after the timeout; the client must not keep retrying behind it.
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "chronicle-watch");
        this.groups = groups;
        this.timeout = timeout;
    }

    List<Observation.PartitionLag> read() throws Exception {
        if (admin == null) {
            admin = Admin.create(props);
        }
        List<Observation.PartitionLag> lags = new ArrayList<>();
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Set<String> topics = new TreeSet<>();
            committed.forEach((tp, offset) -> {
                if (offset != null) {
                    topics.add(tp.topic());
                }
            });
            if (topics.isEmpty()) {
                continue;
            }
            // Every partition of the group's topics: Flink commits no offset for a partition it has
            // read nothing from yet, and what arrives there is lag all the same, from the log's start.
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            for (TopicDescription topic : admin.describeTopics(topics).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).values()) {
                for (TopicPartitionInfo partition : topic.partitions()) {
                    TopicPartition tp = new TopicPartition(topic.name(), partition.partition());
                    latest.put(tp, OffsetSpec.latest());
                    if (committed.get(tp) == null) {
                        earliest.put(tp, OffsetSpec.earliest());
                    }
                }
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin
                    .listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = earliest.isEmpty() ? Map.of()
                    : admin.listOffsets(earliest).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ends.forEach((tp, end) -> {
                OffsetAndMetadata done = committed.get(tp);
                long position = done != null ? done.offset() : starts.get(tp).offset();
                lags.add(new Observation.PartitionLag(group, tp.topic(), tp.partition(), position, end.offset()));
            });
        }
        lags.sort(Comparator.comparing(Observation.PartitionLag::group)
                .thenComparing(Observation.PartitionLag::topic)
                .thenComparingInt(Observation.PartitionLag::partition));
        return lags;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }
}
