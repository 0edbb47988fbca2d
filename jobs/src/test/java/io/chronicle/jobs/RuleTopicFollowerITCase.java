package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.alerts.WatchedMetrics;
import io.chronicle.operators.alerts.RuleBook;
import io.chronicle.operators.alerts.WatchedPointsFilter;
import io.chronicle.services.KafkaBroker;
import io.chronicle.sources.RuleTopicFollower;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules topic's follower against a real broker: it reads the topic to its end, hostile
 * messages included, then follows it live; while the broker is down it watches every metric
 * until it has read the topic, and it follows the topic on once the broker is back.
 */
class RuleTopicFollowerITCase {

    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    static Path dir;
    private static KafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"), 0);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static Configuration conf(String topic) {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(ChronicleOptions.TOPIC_RULES, topic);
        return conf;
    }

    private static WatchedMetrics watched() {
        return new WatchedMetrics(List.of(), RuleBook::isReady, WatchedPointsFilter.GRACE, 1_000);
    }

    @Test
    void readsTheTopicToItsEndThenFollowsIt() throws Exception {
        String topic = "rules-follow";
        kafka.createTopic(topic, 2, true);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            send(producer, topic, "Cpu", rule("Cpu", "cpu"));
            send(producer, topic, "Mem", rule("Mem", "mem"));
            send(producer, topic, "Mem", null);
            // Hostile messages: refused as the router refuses them, none of them a rule.
            send(producer, topic, "Cpu", "{\"name\": \"Cpu\", \"selector\": \"cpu\"}");
            send(producer, topic, "not a name!", rule("NoKey", "nokey"));
            producer.send(new ProducerRecord<>(topic, new byte[] {(byte) 0xff, 0}, new byte[] {1, 2, 3})).get();
            send(producer, topic, "Huge", "{\"name\": \"Huge\", \"selector\": \"huge\", \"threshold\": {\"above\": 1},"
                    + " \"annotations\": {\"a\": \"" + "x".repeat(200_000) + "\"}}");
            send(producer, topic, "Huge", null);

            WatchedMetrics watched = watched();
            assertThat(watched.watches("disk")).isTrue();
            try (AutoCloseable follower = RuleTopicFollower.feed(conf(topic)).apply(watched)) {
                ItServices.waitUntil("the rules topic read to its end", DEADLINE, () -> watched.watched() != null);
                // Mem's metric stays watched for the grace after its deletion.
                assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "mem");
                assertThat(watched.watches("nokey")).isFalse();

                send(producer, topic, "Disk", rule("Disk", "disk"));
                ItServices.waitUntil("a new rule's metric watched", DEADLINE, () -> watched.watches("disk"));
                assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "mem", "disk");
            }
        }
    }

    @Test
    void watchesEveryMetricUntilItReadsTheTopicAndFollowsItAcrossABrokerRestart() throws Exception {
        String topic = "rules-outage";
        kafka.createTopic(topic, 1, true);
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            send(producer, topic, "Cpu", rule("Cpu", "cpu"));
        }
        kafka.stop();
        WatchedMetrics watched = watched();
        try (AutoCloseable follower = RuleTopicFollower.feed(conf(topic)).apply(watched)) {
            // Nothing read while the broker is down: every point passes.
            assertThat(watched.watched()).isNull();
            kafka.startAgain();
            ItServices.waitUntil("the rules topic read once the broker is back", DEADLINE,
                    () -> watched.watched() != null);
            assertThat(watched.watched()).containsExactly("cpu");

            kafka.stop();
            kafka.startAgain();
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                send(producer, topic, "Disk", rule("Disk", "disk"));
            }
            ItServices.waitUntil("a rule put after the restart watched", DEADLINE, () -> watched.watches("disk"));
            assertThat(watched.watched()).containsExactlyInAnyOrder("cpu", "disk");
        }
    }

    private static String rule(String name, String metric) {
        return "{\"name\": \"" + name + "\", \"selector\": \"" + metric + "\", \"threshold\": {\"above\": 1}}";
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8))).get();
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20),
                new ByteArraySerializer(), new ByteArraySerializer());
    }
}
