package io.chronicle.jobs;

import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The move from the all-in-one job to the split jobs: the all-in-one job stopped with a
 * savepoint while a rollup window is open, then the ingest and rollups jobs started from that
 * savepoint, each taking its own operators' state. The points read before the savepoint are then
 * deleted from Kafka, so the window's rows can only be whole if the rollups job took the window
 * from the savepoint; and raw ingest continues where the savepoint left it, every point once.
 */
class SplitFromAllInOneITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final int SERIES = 6;
    private static final int BEFORE = 12;
    private static final int AFTER = 8;

    @Test
    void eachSplitJobTakesItsStateFromTheAllInOneJobsSavepoint() throws Exception {
        String run = "split-from-all";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.ROLLUP_TIERS.key(), "5m",
                ChronicleOptions.VIEWS_ENABLED.key(), "false",
                ChronicleOptions.ALERTS_ENABLED.key(), "false",
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "1 s"));
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        services.kafka.createTopic(points, 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        // One 5 minute window, open at the savepoint: BEFORE points of each series before it, AFTER after.
        long window = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
        Set<String> produced = new HashSet<>();
        long beforeEnd = produce(points, window, 0, BEFORE, produced);

        Map<ChronicleJob, JobClient> allInOne = startJobs(conf, run, 1, List.of(ChronicleJob.ALL), Map.of());
        String savepoint;
        try {
            ItServices.waitUntil("every point before the savepoint in points_raw", DEADLINE,
                    () -> count(conf, "points_raw") == (long) SERIES * BEFORE);
            savepoint = allInOne.get(ChronicleJob.ALL).stopWithSavepoint(false,
                    tempDir.resolve("savepoints-" + run).toUri().toString(), SavepointFormatType.CANONICAL).get();
        } finally {
            cancel(allInOne);
        }
        assertThat(count(conf, "rollup_5m")).as("the window is still open at the savepoint").isZero();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                services.kafka.bootstrapServers()))) {
            admin.deleteRecords(Map.of(new TopicPartition(points, 0), RecordsToDelete.beforeOffset(beforeEnd)))
                    .all().get();
        }
        produce(points, window, BEFORE, AFTER, produced);
        // Far ahead, so the window closes: one point more than the watermark passes over as outliers.
        int flush = new Configuration().get(ChronicleOptions.INGEST_WATERMARK_OUTLIERS) + 1;
        for (int i = 0; i < flush; i++) {
            produced.add(send(points, "{\"tenant\":\"acme\",\"metric\":\"flush\",\"value\":0,\"timestamp\":"
                    + (window + Duration.ofHours(1).toMillis() + i) + "}"));
        }

        Map<ChronicleJob, JobClient> split = new HashMap<>();
        try {
            for (ChronicleJob job : List.of(ChronicleJob.INGEST, ChronicleJob.ROLLUPS)) {
                split.put(job, startFromSavepoint(conf, run, job, savepoint));
            }
            ItServices.waitUntil("every point in points_raw and the window's rows", DEADLINE,
                    () -> count(conf, "points_raw") == produced.size() && count(conf, "rollup_5m") == SERIES);
        } finally {
            cancel(split);
        }

        List<String> keys = new ArrayList<>();
        for (Row row : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset FROM points_raw")) {
            keys.add(row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2));
        }
        assertThat(keys).as("raw ingest continued from the savepoint: every point once")
                .doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(produced);
        List<Row> rows = ItServices.query(conf, "SELECT tags['host'], sample_count, value_sum FROM rollup_5m WHERE metric = 'load'");
        assertThat(rows).hasSize(SERIES).allSatisfy(row -> {
            assertThat(row.getField(1)).as("every sample of %s, before and after the savepoint", row.getField(0))
                    .isEqualTo((long) BEFORE + AFTER);
            // Values 0, 1, ... in order: the sum of the window's whole series.
            assertThat(row.getField(2)).isEqualTo((double) (BEFORE + AFTER) * (BEFORE + AFTER - 1) / 2);
        });
    }

    /** The job, with the all-in-one job's savepoint, taking its own operators' state and leaving the rest. */
    private static JobClient startFromSavepoint(Configuration conf, String run, ChronicleJob job, String savepoint)
            throws Exception {
        Configuration jobConf = new Configuration(conf);
        jobConf.set(ChronicleOptions.JOB, job);
        Configuration flinkConf = services.jobConf(jobConf, run + "-" + job);
        flinkConf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        flinkConf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        StreamExecutionEnvironment env = JobEnvironment.create(flinkConf);
        env.setParallelism(1);
        IngestJob built = IngestJob.fromConfig(jobConf);
        built.build(env);
        return env.executeAsync(built.jobName());
    }

    /** Points {@code from} to {@code from + n - 1} of each series, ten seconds apart, valued by index; the offset after them. */
    private static long produce(String topic, long window, int from, int n, Set<String> produced) throws Exception {
        long end = 0;
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = from; i < from + n; i++) {
                for (int s = 0; s < SERIES; s++) {
                    String json = "{\"tenant\":\"acme\",\"metric\":\"load\",\"tags\":{\"host\":\"h" + s + "\"},\"value\":"
                            + i + ",\"timestamp\":" + (window + i * 10_000L) + "}";
                    sent.add(producer.send(new ProducerRecord<>(topic, 0, null, null, json.getBytes(StandardCharsets.UTF_8))));
                }
            }
            for (Future<RecordMetadata> f : sent) {
                RecordMetadata m = f.get();
                produced.add(m.topic() + "/" + m.partition() + "/" + m.offset());
                end = Math.max(end, m.offset() + 1);
            }
        }
        return end;
    }

    private static String send(String topic, String json) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            RecordMetadata m = producer.send(new ProducerRecord<>(topic, 0, null, null,
                    json.getBytes(StandardCharsets.UTF_8))).get();
            return m.topic() + "/" + m.partition() + "/" + m.offset();
        }
    }

    private static long count(Configuration conf, String table) {
        try {
            return (Long) ItServices.query(conf, "SELECT count(*) FROM " + table).get(0).getField(0);
        } catch (Exception e) {
            return -1;
        }
    }
}
