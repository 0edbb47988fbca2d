package io.chronicle.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerTest {

    private static final String TOPIC = "events";
    private static final List<String> VALUES = IntStream.range(0, 100).mapToObj(i -> "value-" + i).toList();
    private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    @Test
    void recordsSurviveARestartOnTheSameDirectory() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dataDir, 0)) {
            broker.createTopics(TOPIC);
            broker.createTopics(TOPIC); // idempotent
            produce(broker.bootstrapServers(), VALUES);
            assertThat(consumeAll(broker.bootstrapServers(), "first")).containsExactlyInAnyOrderElementsOf(VALUES);
        }
        assertThat(dataDir.resolve("kafka.log")).content().contains("Kafka Server started");

        try (KafkaBroker broker = KafkaBroker.start(dataDir, 0)) {
            assertThat(consumeAll(broker.bootstrapServers(), "after-restart"))
                    .containsExactlyInAnyOrderElementsOf(VALUES);
        }
    }

    @Test
    void aBrokerLeftRunningIsTakenOverOnItsPortWithItsRecords() throws Exception {
        int port = Ports.free(1)[0];
        try (KafkaBroker left = KafkaBroker.start(dataDir, port)) {
            left.createTopics(TOPIC);
            produce(left.bootstrapServers(), VALUES);
            // Running with its pid file beside its log, as a parent killed outright leaves it.
            ProcessHandle running = ProcessHandle.of(pid()).orElseThrow();
            try (KafkaBroker adopted = KafkaBroker.start(dataDir, port)) {
                assertThat(pid()).as("the same process, not a new one").isEqualTo(running.pid());
                assertThat(consumeAll(adopted.bootstrapServers(), "adopted")).containsExactlyInAnyOrderElementsOf(VALUES);
            }
            assertThat(running.isAlive()).as("stopped when the one that took it over closes").isFalse();
        }
    }

    @Test
    void aBrokerLeftRunningOnAnotherPortIsStoppedAndStartedAnew() throws Exception {
        int[] ports = Ports.free(2);
        try (KafkaBroker left = KafkaBroker.start(dataDir, ports[0])) {
            left.createTopics(TOPIC);
            produce(left.bootstrapServers(), VALUES);
            ProcessHandle running = ProcessHandle.of(pid()).orElseThrow();
            try (KafkaBroker started = KafkaBroker.start(dataDir, ports[1])) {
                assertThat(running.isAlive()).isFalse();
                assertThat(pid()).isNotEqualTo(running.pid());
                assertThat(started.bootstrapServers()).endsWith(":" + ports[1]);
                assertThat(consumeAll(started.bootstrapServers(), "restarted")).containsExactlyInAnyOrderElementsOf(VALUES);
            }
        }
    }

    @Test
    void aBrokerExitingWhileItStartsIsStartedOnceMoreThenReportedWithItsError() throws Exception {
        try (KafkaBroker formatted = KafkaBroker.start(dataDir, 0)) {
            formatted.createTopics(TOPIC);
        }
        // Storage of another node: the broker refuses it and exits, on any ports.
        Path meta = dataDir.resolve("logs").resolve("meta.properties");
        java.nio.file.Files.writeString(meta, java.nio.file.Files.readString(meta).replace("node.id=1", "node.id=2"));
        long logBefore = java.nio.file.Files.size(dataDir.resolve("kafka.log"));

        assertThatThrownBy(() -> KafkaBroker.start(dataDir, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("kafka exited with code 1")
                .hasMessageContaining("Stored node id 2 doesn't match previous node id 1");
        String attempts = java.nio.file.Files.readString(dataDir.resolve("kafka.log")).substring((int) logBefore);
        assertThat(Pattern.compile("ERROR Exiting Kafka due to fatal exception").matcher(attempts).results().count())
                .as("one exit per start, two starts").isEqualTo(2);
    }

    private long pid() throws java.io.IOException {
        return Long.parseLong(java.nio.file.Files.readString(dataDir.resolve("kafka.pid")).trim());
    }

    @Test
    void aStoppedBrokerStartsAgainOnItsPortWithItsRecords() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dataDir, 0)) {
            broker.createTopics(TOPIC);
            produce(broker.bootstrapServers(), VALUES.subList(0, 50));
            String bootstrapServers = broker.bootstrapServers();
            int port = Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));

            broker.stop();
            assertThat(Ports.isOpen(port)).as("nothing listens on the stopped broker's port").isFalse();
            broker.startAgain();

            assertThat(broker.bootstrapServers()).isEqualTo(bootstrapServers);
            produce(bootstrapServers, VALUES.subList(50, 100));
            assertThat(consumeAll(bootstrapServers, "after-stop")).containsExactlyInAnyOrderElementsOf(VALUES);
        }
    }

    @Test
    void createsCompactedTopicsWithTheGivenPartitions() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(dataDir, 0, 2);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            broker.createTopic("state", 3, true);
            broker.createTopics("defaults");

            Map<String, TopicDescription> topics = admin.describeTopics(List.of("state", "defaults")).allTopicNames().get();
            assertThat(topics.get("state").partitions()).hasSize(3);
            assertThat(topics.get("defaults").partitions()).hasSize(2);
            ConfigResource state = new ConfigResource(ConfigResource.Type.TOPIC, "state");
            assertThat(admin.describeConfigs(List.of(state)).all().get().get(state).get("cleanup.policy").value())
                    .isEqualTo("compact");
        }
    }

    private static void produce(String bootstrapServers, List<String> values) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // lz4 makes the broker decompress batches, which proves its classpath has lz4.
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(TOPIC, value, value));
            }
            producer.flush();
        }
    }

    /** Reads the topic from the start with a new consumer group until all expected records arrived. */
    private static List<String> consumeAll(String bootstrapServers, String groupId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            Instant deadline = Instant.now().plus(CONSUME_TIMEOUT);
            while (values.size() < VALUES.size() && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }
}
