package io.chronicle.sinks;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaLimits;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/**
 * The topics jobs publish to: compacted ones created when missing, like the tables' bootstrap, and
 * the at-least-once sinks of the topics followers read with low latency.
 */
public final class KafkaTopics {

    private static final Duration TOPIC_READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TOPIC_READY_POLL = Duration.ofMillis(100);

    private KafkaTopics() {}

    /**
     * An at-least-once sink: every record is sent as it comes, not held back to the next checkpoint
     * as a transaction would; a repeat after a restore carries the same key and content.
     */
    public static <T> KafkaSink<T> atLeastOnceSink(Configuration conf, int lingerMillis,
            CheckedMessages<T> serializer) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.putIfAbsent("linger.ms", String.valueOf(lingerMillis));
        return KafkaSink.<T>builder()
                .setBootstrapServers(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setKafkaProducerConfig(props)
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(serializer)
                .build();
    }

    /** Messages for {@code topic} the producers of {@code conf} take; a record they would refuse is skipped. */
    static <T> CheckedMessages<T> checked(Configuration conf, String topic,
            KafkaRecordSerializationSchema<T> encoder, RecordCoordinates<T> coordinates) {
        return new CheckedMessages<>(topic, encoder, coordinates, KafkaLimits.maxMessageBytes(conf));
    }

    /**
     * Creates the topic, compacted, with the broker's default partitions and replication, when it
     * does not exist yet; an existing topic is left as it is. Run when the job is built.
     */
    public static void ensureCompacted(Configuration conf, String topic) {
        ensureExists(conf, topic, Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
    }

    /**
     * Creates the topic with {@code configs}, the broker's default partitions and replication, when
     * it does not exist yet; an existing topic is left as it is. Returns once every partition has
     * a leader: a source whose first look finds a topic just created but not yet known to the
     * broker it asks fails its job. Run when the job is built.
     */
    public static void ensureExists(Configuration conf, String topic, Map<String, String> configs) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        try (Admin admin = Admin.create(props)) {
            try {
                NewTopic created = new NewTopic(topic, Optional.empty(), Optional.empty()).configs(configs);
                admin.createTopics(List.of(created)).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Cannot create the topic '" + topic + "'", e.getCause());
                }
            }
            awaitLeaders(admin, topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic '" + topic + "'", e);
        }
    }

    private static void awaitLeaders(Admin admin, String topic) throws InterruptedException {
        long deadline = System.nanoTime() + TOPIC_READY_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                last = e;
            }
            Thread.sleep(TOPIC_READY_POLL.toMillis());
        }
        throw new IllegalStateException("The topic '" + topic + "' has no leader for every partition after "
                + TOPIC_READY_TIMEOUT.toSeconds() + " s", last);
    }
}
