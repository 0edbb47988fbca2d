package io.chronicle.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.services.StallingHttpReceiver;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.chronicle.jobs.TimedTraffic.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes the savepoints of this version that {@link SavepointRestoreITCase} restores into later
 * ones: each split job stopped with a savepoint once it has read and committed
 * {@link UpgradeTraffic}'s records before the cut (with alerting: rule {@value UpgradeTraffic#RULE}
 * firing for host {@code a} and pending for {@code b}), while the alert receiver stalls, so the
 * delivery job's savepoint holds {@code a}'s firing undelivered. Beside the savepoints, in
 * {@value #ALERTS_TOPIC}, the alerts topic's records as the delivery job had read them, which the
 * restore produces again so that the savepoint's offsets hold. Not part of {@code verify} (its
 * name matches no test pattern); run when a version is released or its topology or state changes
 * (docs/development.md, "Savepoints of earlier versions"):
 *
 * <pre>./mvnw -B verify -pl jobs -Dit.test=SavepointFixtureGenerator -Dtest=none
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dchronicle.savepoint.version=0.1.0</pre>
 */
class SavepointFixtureGenerator extends JobITBase {

    /** The alerts topic's records before the cut, beside the split jobs' savepoints. */
    static final String ALERTS_TOPIC = "alerts-topic.json";
    /**
     * Each split job's parallelism when its savepoint is taken: five of the test cluster's six
     * slots, leaving one for the queries.
     */
    static final Map<ChronicleJob, Integer> PARALLELISM = Map.of(ChronicleJob.INGEST, 1, ChronicleJob.ROLLUPS, 1,
            ChronicleJob.VIEWS, 1, ChronicleJob.ALERTS, 1, ChronicleJob.DELIVERY, 1);

    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writeTheSavepointsOfThisVersion() throws Exception {
        String version = System.getProperty("chronicle.savepoint.version");
        assertThat(version).as("-Dchronicle.savepoint.version").isNotBlank();
        Path target = Path.of("src/test/resources", UpgradeTraffic.RESOURCES, version).toAbsolutePath();
        String run = UpgradeTraffic.run(version);
        Path rules = Files.writeString(tempDir.resolve("rules-" + run + ".yaml"), UpgradeTraffic.RULES_YAML);
        try (StallingHttpReceiver stalled = StallingHttpReceiver.start()) {
            Configuration conf = services.chronicleConf(run,
                    UpgradeTraffic.alertingOptions(run, rules, stalled.url("/hook").toString()));
            UpgradeTraffic.createTopics(services, conf);
            UpgradeTraffic traffic = new UpgradeTraffic(true);
            assertThat(traffic.tracesOpenAtCut()).isNotEmpty();
            try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
                TimedTraffic.send(producer, conf.get(ChronicleOptions.TOPIC_POINTS), traffic.pointsBefore);
                TimedTraffic.sendEvents(producer, conf.get(ChronicleOptions.TOPIC_EVENTS), traffic.eventsBefore);
            }
            // The 5-minute windows before T0 + 30 min are closed at the cut; the later ones and the hours are open.
            long closed = traffic.pointsBefore.stream()
                    .filter(p -> p.tsMicros() / 1_000 < UpgradeTraffic.T0 + 30 * 60_000L)
                    .map(p -> List.of(p.tenant(), p.host(), p.tsMicros() / (300 * TimedTraffic.SECOND)))
                    .distinct().count();
            long tracesBefore = traffic.traces.stream().filter(t -> t.created() < UpgradeTraffic.CUT).count();
            Path savepoints = Files.createDirectories(tempDir.resolve("savepoints-" + run));
            Map<ChronicleJob, JobClient> jobs = UpgradeTraffic.startSplit(services, conf, run, PARALLELISM, Map.of());
            Map<ChronicleJob, String> taken = new LinkedHashMap<>();
            try {
                // Everything read is committed before the savepoints, so none holds a commit that
                // names files of this run's warehouse: each table's rows, and each job's offsets.
                ItServices.waitUntil("the records before the cut committed, a firing and b pending", DEADLINE,
                        () -> count(conf, "SELECT count(*) FROM points_raw") == traffic.pointsBefore.size()
                                && count(conf, "SELECT count(*) FROM events")
                                == UpgradeTraffic.distinct(traffic.eventsBefore)
                                && count(conf, "SELECT count(*) FROM rollup_5m") == closed
                                && count(conf, "SELECT count(*) FROM traces") == tracesBefore
                                && count(conf, "SELECT count(*) FROM alerts") == 3
                                && allRead(conf),
                        () -> "points_raw " + count(conf, "SELECT count(*) FROM points_raw") + "/"
                                + traffic.pointsBefore.size() + ", rollup_5m " + count(conf, "SELECT count(*) FROM rollup_5m")
                                + "/" + closed + ", traces " + count(conf, "SELECT count(*) FROM traces") + "/" + tracesBefore
                                + ", alerts " + count(conf, "SELECT count(*) FROM alerts") + "/3, all read " + allRead(conf)
                                + ", " + rows(conf, "SELECT tenant, min(window_start), max(window_start), count(*) FROM rollup_5m GROUP BY tenant")
                                + ", " + rows(conf, "SELECT reason, count(*) FROM rejected GROUP BY reason"));
                ItServices.waitUntil("a's firing held by the stalled receiver", DEADLINE,
                        () -> stalled.requests() > 0);
                for (ChronicleJob job : UpgradeTraffic.SPLIT_JOBS) {
                    taken.put(job, jobs.get(job).stopWithSavepoint(false,
                            savepoints.resolve(job.toString()).toUri().toString(), SavepointFormatType.CANONICAL)
                            .get(2, TimeUnit.MINUTES));
                }
            } catch (Exception | AssertionError e) {
                jobs.values().forEach(JobClient::cancel);
                throw e;
            }
            assertThat(count(conf, "SELECT count(*) FROM rollup_1h")).as("the hours open").isZero();
            deleteRecursively(target);
            for (Map.Entry<ChronicleJob, String> savepoint : taken.entrySet()) {
                copy(Path.of(URI.create(savepoint.getValue())), target.resolve(savepoint.getKey().toString()));
            }
            JSON.writerWithDefaultPrettyPrinter().writeValue(target.resolve(ALERTS_TOPIC).toFile(),
                    alertsTopic(conf.get(ChronicleOptions.TOPIC_ALERTS)));
            System.out.println("wrote " + target);
        }
    }

    private static String rows(Configuration conf, String sql) {
        try {
            return ItServices.query(conf, sql).toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Whether every split job's group has committed the end of every partition it reads. */
    private static boolean allRead(Configuration conf) {
        Map<ChronicleJob, Set<String>> reads = Map.of(
                ChronicleJob.INGEST, Set.of(conf.get(ChronicleOptions.TOPIC_POINTS), conf.get(ChronicleOptions.TOPIC_EVENTS)),
                ChronicleJob.ROLLUPS, Set.of(conf.get(ChronicleOptions.TOPIC_POINTS)),
                ChronicleJob.VIEWS, Set.of(conf.get(ChronicleOptions.TOPIC_EVENTS)),
                ChronicleJob.ALERTS, Set.of(conf.get(ChronicleOptions.TOPIC_POINTS)),
                ChronicleJob.DELIVERY, Set.of(conf.get(ChronicleOptions.TOPIC_ALERTS)));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                services.kafka.bootstrapServers()))) {
            for (Map.Entry<ChronicleJob, Set<String>> job : reads.entrySet()) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin
                        .listConsumerGroupOffsets(job.getKey().consumerGroup(conf)).partitionsToOffsetAndMetadata().get();
                List<TopicPartition> partitions = new ArrayList<>();
                for (String topic : job.getValue()) {
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                            .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                }
                Map<TopicPartition, Long> ends = new HashMap<>();
                admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                        .all().get().forEach((p, info) -> ends.put(p, info.offset()));
                for (TopicPartition p : partitions) {
                    OffsetAndMetadata at = committed.get(p);
                    // Flink commits nothing for a partition it has read nothing from.
                    if (ends.get(p) > 0 && (at == null || at.offset() < ends.get(p))) {
                        return false;
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the split jobs' committed offsets", e);
        }
        return true;
    }

    /** The alerts topic's records, its one partition, in order: key and value. */
    private static List<Map<String, String>> alertsTopic(String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        List<Map<String, String>> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition p = new TopicPartition(topic, 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            long end = consumer.endOffsets(List.of(p)).get(p);
            while (consumer.position(p) < end) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    Map<String, String> record = new LinkedHashMap<>();
                    record.put("key", r.key());
                    record.put("value", r.value());
                    records.add(record);
                }
            }
        }
        return records;
    }

    private static void copy(Path from, Path to) throws IOException {
        Path copied = Files.createDirectories(to).resolve(from.getFileName());
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, copied.resolve(from.relativize(file).toString()));
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(file);
            }
        }
    }
}
