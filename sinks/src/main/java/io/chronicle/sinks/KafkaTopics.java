package io.chronicle.sinks;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

/** Creates the compacted topics a job keeps state in or publishes views to, like the tables' bootstrap. */
public final class KafkaTopics {

    private KafkaTopics() {}

    /**
     * Creates the topic, compacted, with the broker's default partitions and replication, when it
     * does not exist yet; an existing topic is left as it is. Run when the job is built.
     */
    public static void ensureCompacted(Configuration conf, String topic) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        try (Admin admin = Admin.create(props)) {
            NewTopic compacted = new NewTopic(topic, Optional.empty(), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(compacted)).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("Cannot create the compacted topic '" + topic + "'", e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic '" + topic + "'", e);
        }
    }
}
