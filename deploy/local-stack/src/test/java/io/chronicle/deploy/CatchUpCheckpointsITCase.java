package io.chronicle.deploy;

import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.services.KafkaBroker;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A job restored behind its topics is checkpointed back to back until its consumer group has
 * committed the offsets the topics had at its submission, with no periodic checkpoint due for an
 * hour: what arrived while it was down is committed as soon as it is read. Against a real broker
 * and a MiniCluster.
 */
class CatchUpCheckpointsITCase {

    private static final String TOPIC = "catch-up.points";
    private static final Duration DEADLINE = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    @Test
    void checkpointsARestoredJobUntilItsGroupCommittedWhatArrivedWhileItWasDown() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 0);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            kafka.createTopic(TOPIC, 2, false);
            Configuration conf = new Configuration();
            conf.set(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
            conf.set(ChronicleOptions.KAFKA_GROUP_ID, "catch-up");
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofHours(1));
            String group = ChronicleJob.INGEST.consumerGroup(conf);
            TopicPartition first = new TopicPartition(TOPIC, 0);
            TopicPartition second = new TopicPartition(TOPIC, 1);
            produce(kafka, 0, 50);
            produce(kafka, 1, 30);

            assertThat(CatchUpCheckpoints.targets(conf, ChronicleJob.INGEST))
                    .as("a job that never committed has nothing to catch up with").isEmpty();
            // Where a job stopped: its group committed 10 records of the first partition, none of the second.
            admin.alterConsumerGroupOffsets(group, Map.of(first, new OffsetAndMetadata(10), second, new OffsetAndMetadata(0)))
                    .all().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, Long> targets = CatchUpCheckpoints.targets(conf, ChronicleJob.INGEST);
            assertThat(targets).isEqualTo(Map.of(first, 50L, second, 30L));

            try (MiniCluster flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(EmbeddedCluster.configuration())
                    .setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build())) {
                flink.start();
                JobID job = flink.submitJob(readingJob(kafka, group).getStreamGraph().getJobGraph())
                        .get(30, TimeUnit.SECONDS).getJobID();
                Thread catchingUp = CatchUpCheckpoints.start(flink, conf, ChronicleJob.INGEST, job, targets).orElseThrow();

                catchingUp.join(DEADLINE.toMillis());
                assertThat(catchingUp.isAlive()).as("caught up within " + DEADLINE).isFalse();
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(committed.get(first).offset()).isEqualTo(50);
                assertThat(committed.get(second).offset()).isEqualTo(30);
                flink.cancelJob(job).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Reads the topic from the group's offsets; only a checkpoint commits them, none due for an hour. */
    private static StreamExecutionEnvironment readingJob(KafkaBroker kafka, String group) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofHours(1));
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.fromSource(KafkaSource.<String>builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setTopics(TOPIC)
                        .setGroupId(group)
                        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setValueOnlyDeserializer(new SimpleStringSchema())
                        .setProperty("commit.offsets.on.checkpoint", "true")
                        .build(), WatermarkStrategy.noWatermarks(), "points")
                .uid("points")
                .sinkTo(new DiscardingSink<>());
        return env;
    }

    private static void produce(KafkaBroker kafka, int partition, int count) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(TOPIC, partition, null, "record " + i)).get(30, TimeUnit.SECONDS);
            }
        }
    }
}
