package io.chronicle.sources;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.core.alerts.WatchedMetrics;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Reads the rules topic from its start in a thread of its own and follows it, applying every
 * message to a {@link WatchedMetrics} as the alert router's rules source reads it. Every failure
 * (the topic missing, Kafka unreachable while reading it to its end, a bug) opens the filter:
 * every metric is watched until the topic has been read again from its start, after a back-off.
 * It also reads again when the topic's partitions change, and every
 * {@link #REREAD_AFTER_OVERFLOW} while more rule names came than are tracked.
 */
public final class RuleTopicFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RuleTopicFollower.class);

    private static final Duration POLL = Duration.ofMillis(200);
    /** How long reading the topic's partitions and ends may take before the read counts as failed. */
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
    /** How often the topic's partitions are checked, as the rules source discovers new ones. */
    private static final Duration PARTITIONS_CHECK = Duration.ofMinutes(1);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    static final Duration REREAD_AFTER_OVERFLOW = Duration.ofMinutes(10);
    /** Options of the Flink Kafka source that a plain consumer does not take. */
    private static final Set<String> SOURCE_ONLY = Set.of("partition.discovery.interval.ms",
            "client.id.prefix", "commit.offsets.on.checkpoint", "register.consumer.metrics",
            ConsumerConfig.GROUP_ID_CONFIG, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);

    private final Properties props;
    private final String topic;
    private final RuleLimits limits;
    private final WatchedMetrics watched;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    private RuleTopicFollower(Properties props, String topic, RuleLimits limits, WatchedMetrics watched) {
        this.props = props;
        this.topic = topic;
        this.limits = limits;
        this.watched = watched;
        this.thread = new Thread(this::run, "chronicle-rules-follower-" + topic);
        thread.setDaemon(true);
    }

    /** What starts a follower of the configured rules topic for a {@link WatchedMetrics}. */
    public static Feed feed(Configuration conf) {
        Map<String, String> props = new HashMap<>(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        SOURCE_ONLY.forEach(props::remove);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new Feed(props, conf.get(ChronicleOptions.TOPIC_RULES), RuleLimits.from(conf));
    }

    /** Serializable, so an operator can start its follower where it runs. */
    public static final class Feed implements SerializableFunction<WatchedMetrics, AutoCloseable> {
        private static final long serialVersionUID = 1L;

        private final Map<String, String> props;
        private final String topic;
        private final RuleLimits limits;

        Feed(Map<String, String> props, String topic, RuleLimits limits) {
            this.props = props;
            this.topic = topic;
            this.limits = limits;
        }

        @Override
        public RuleTopicFollower apply(WatchedMetrics watched) {
            Properties consumerProps = new Properties();
            consumerProps.putAll(props);
            // One client per follower, so their metrics do not collide in one JVM.
            consumerProps.put(ConsumerConfig.CLIENT_ID_CONFIG, "chronicle-rules-follower-" + UUID.randomUUID());
            RuleTopicFollower follower = new RuleTopicFollower(consumerProps, topic, limits, watched);
            follower.thread.start();
            return follower;
        }
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props,
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                if (running) {
                    follow(c);
                }
                backoff = FIRST_BACKOFF;
            } catch (WakeupException | InterruptException e) {
                if (running) {
                    LOG.warn("Reading the rules topic '{}' was interrupted; reading it again", topic, e);
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                LOG.warn("Reading the rules topic '{}' failed: every point goes to the alert router until it"
                        + " is read again from its start, in {}", topic, backoff, e);
                watched.restart(System.currentTimeMillis());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Reads the topic from its start, then follows it; returns when it should be read again from
     * its start (its partitions changed, or tracking overflowed a while ago).
     */
    private void follow(KafkaConsumer<byte[], byte[]> c) {
        Set<TopicPartition> partitions = partitions(c);
        c.assign(partitions);
        c.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = c.endOffsets(partitions, METADATA_TIMEOUT);
        long started = System.currentTimeMillis();
        watched.restart(started);
        boolean caughtUp = false;
        long nextPartitionsCheck = started + PARTITIONS_CHECK.toMillis();
        while (running) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                watched.apply(RuleChanges.read(r.key(), r.value(), limits), System.currentTimeMillis());
            }
            long now = System.currentTimeMillis();
            if (!caughtUp && readTo(c, ends)) {
                caughtUp = true;
                watched.caughtUp(now);
                LOG.info("Read the rules topic '{}' to its end: {}", topic,
                        watched.watched() == null ? "every metric is watched" : "watching " + watched.watched().size()
                                + " metrics");
            }
            watched.expire(now);
            if (watched.overflowed() && now - started >= REREAD_AFTER_OVERFLOW.toMillis()) {
                return;
            }
            if (now >= nextPartitionsCheck) {
                if (!partitions(c).equals(partitions)) {
                    return;
                }
                nextPartitionsCheck = now + PARTITIONS_CHECK.toMillis();
            }
        }
    }

    private static boolean readTo(KafkaConsumer<byte[], byte[]> c, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (c.position(end.getKey(), METADATA_TIMEOUT) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private Set<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c) {
        List<PartitionInfo> infos = c.partitionsFor(topic, METADATA_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("the rules topic '" + topic + "' has no partitions");
        }
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                .collect(Collectors.toCollection(HashSet::new));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        thread.interrupt();
        thread.join(Duration.ofSeconds(10).toMillis());
    }
}
