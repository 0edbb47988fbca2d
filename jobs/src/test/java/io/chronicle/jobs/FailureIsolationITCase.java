package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One capability failing for good, against the real Kafka broker and S3 server: the rollups job,
 * poisoned so that every attempt fails at its first point, restarts as Chronicle's restart policy
 * says (exponential backoff, a bounded number of attempts) and then ends FAILED, where Flink and
 * the health alerts show it. Meanwhile, and after, raw ingest, the views, alert evaluation and
 * alert delivery run on undisturbed: every point, event and refused record lands once, every
 * trace's row is written, and the alerts of points sent after the failure fire and are delivered.
 */
class FailureIsolationITCase extends JobITBase {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final int TRACES = 20;
    /** Chronicle's default number of restarts, with the backoffs shortened for the test. */
    private static final int RESTARTS = 20;
    private static final Duration INITIAL_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofMillis(400);

    @Test
    void aRollupsJobThatKeepsFailingEndsFailedWhileIngestViewsAlertsAndDeliveryGoOn() throws Exception {
        String run = "isolation";
        List<JsonNode> delivered = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            delivered.add(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        Path rules = tempDir.resolve("isolation-rules.yaml");
        Files.writeString(rules, """
                rules:
                  - name: HighLoad
                    selector: 'load{host=~"web-.*"}'
                    threshold: {above: 90}
                """);
        Map<String, String> options = new HashMap<>(Map.of(
                "chronicle.alerts.receivers.hook.type", "webhook",
                "chronicle.alerts.receivers.hook.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                ChronicleOptions.ALERTS_RULES_FILE.key(), rules.toString(),
                ChronicleOptions.ALERTS_HEALTH_INTERVAL.key(), "1 s",
                ChronicleOptions.ALERTS_HEALTH_MAX_COMMIT_AGE.key(), "30 s",
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "1 s"));
        options.putAll(Map.of(
                ChronicleOptions.TOPIC_RULES.key(), "rules-" + run,
                ChronicleOptions.TOPIC_RULES_STATUS.key(), "rules-status-" + run,
                ChronicleOptions.TOPIC_ALERTS.key(), "alerts-" + run,
                ChronicleOptions.TOPIC_HEALTH.key(), "health-" + run));
        Configuration conf = services.chronicleConf(run, options);
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        services.kafka.createTopic(points, 2, false);
        services.kafka.createTopic(events, 2, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES), 1, true);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_ALERTS), 1, false);

        // Every job under Chronicle's restart policy, as deployed: a restart of a job on a loaded
        // machine is no failure of isolation, while the poisoned one ends FAILED.
        Map<ChronicleJob, JobClient> jobs = startJobs(conf, run, 1, List.of(ChronicleJob.INGEST, ChronicleJob.VIEWS),
                Map.of(), FailureIsolationITCase::chronicleRestartPolicy);
        Poisoned.ATTEMPTS.set(0);
        jobs.put(ChronicleJob.ROLLUPS, startPoisonedRollups(conf, run));
        jobs.putAll(startJobs(conf, run, 1, List.of(ChronicleJob.ALERTS, ChronicleJob.DELIVERY), Map.of(),
                FailureIsolationITCase::chronicleRestartPolicy));
        Map<String, String> bad = new HashMap<>();
        Set<String> goodPoints = new HashSet<>();
        Set<String> goodEvents = new HashSet<>();
        long t0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS).toEpochMilli();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            produce(producer, points, events, "web-1", 0, t0, goodPoints, goodEvents, bad);

            JobClient rollups = jobs.get(ChronicleJob.ROLLUPS);
            ItServices.waitUntil("the poisoned rollups job FAILED", DEADLINE,
                    () -> status(rollups) == JobStatus.FAILED, () -> Poisoned.ATTEMPTS.get() + " attempts");
            long restartingMillis = System.currentTimeMillis() - Poisoned.FIRST_ATTEMPT_MILLIS.get();
            assertThat(Poisoned.ATTEMPTS.get()).as("the first attempt and %d restarts", RESTARTS)
                    .isEqualTo(RESTARTS + 1);
            // It waited out every backoff: 100, 200, then 400 ms (no jitter here) for the rest.
            assertThat(restartingMillis).isGreaterThanOrEqualTo(100 + 200 + 400 * (RESTARTS - 2));
            assertThatThrownBy(() -> rollups.getJobExecutionResult().get())
                    .satisfies(e -> assertThat(ExceptionUtils.findThrowableWithMessage(e, Poisoned.MESSAGE)).isPresent());
            for (ChronicleJob job : List.of(ChronicleJob.INGEST, ChronicleJob.VIEWS, ChronicleJob.ALERTS,
                    ChronicleJob.DELIVERY)) {
                assertThat(status(jobs.get(job))).as("the %s job", job).isEqualTo(JobStatus.RUNNING);
            }

            // Sent only once the rollups job has failed for good; a rule on the topic besides the file's.
            produce(producer, points, events, "web-2", TRACES, t0 + 60_000, goodPoints, goodEvents, bad);
            producer.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_RULES), bytes("Quiet"),
                    bytes("{\"name\": \"Quiet\", \"selector\": \"nothing_sends_this\", \"threshold\": {\"above\": 1}}")));
            Map<String, JsonNode> alerts = new LinkedHashMap<>();
            ItServices.waitUntil("every record in its table, HighLoad fired and delivered for both hosts,"
                    + " the rollup tables' commits alerted on", DEADLINE, () -> {
                collectAlerts(conf, alerts);
                return count(conf, "points_raw") == goodPoints.size() && count(conf, "events") == goodEvents.size()
                        && count(conf, "rejected") == bad.size() && count(conf, "traces") == 2 * TRACES
                        && delivered(delivered).containsAll(List.of("HighLoad/firing/web-1", "HighLoad/firing/web-2"))
                        && alerts.keySet().containsAll(List.of("ChronicleSinkCommitsFailing/firing/rollup_5m",
                                "ChronicleSinkCommitsFailing/firing/rollup_1h"));
            }, () -> "points_raw " + count(conf, "points_raw") + " of " + goodPoints.size() + ", events "
                    + count(conf, "events") + " of " + goodEvents.size() + ", rejected " + count(conf, "rejected")
                    + " of " + bad.size() + ", traces " + count(conf, "traces") + " of " + 2 * TRACES + "; alerts "
                    + alerts.keySet() + " delivered " + delivered(delivered) + "; jobs " + statuses(jobs));
            for (ChronicleJob job : List.of(ChronicleJob.INGEST, ChronicleJob.VIEWS, ChronicleJob.ALERTS,
                    ChronicleJob.DELIVERY)) {
                assertThat(status(jobs.get(job))).as("the %s job", job).isEqualTo(JobStatus.RUNNING);
            }
            assertThat(alerts.keySet()).as("only the failed job's tables go uncommitted")
                    .filteredOn(k -> k.startsWith("ChronicleSinkCommitsFailing"))
                    .containsExactlyInAnyOrder("ChronicleSinkCommitsFailing/firing/rollup_5m",
                            "ChronicleSinkCommitsFailing/firing/rollup_1h");
            assertThat(alerts.keySet()).filteredOn(k -> k.startsWith("HighLoad"))
                    .containsExactlyInAnyOrder("HighLoad/firing/web-1", "HighLoad/firing/web-2");
            // Each job commits what it has read under a group of its own, where lag is measured;
            // the failed job never checkpointed. The alerts job commits its position in the health
            // topic the failed job would have written, empty: it started at its end.
            String group = conf.get(ChronicleOptions.KAFKA_GROUP_ID);
            Map<String, Set<String>> expected = Map.of(
                    group + "-ingest", Set.of(points, events),
                    group + "-views", Set.of(events),
                    group + "-alerts", Set.of(points, conf.get(ChronicleOptions.TOPIC_DEAD_LETTER),
                            conf.get(ChronicleOptions.TOPIC_HEALTH)),
                    group + "-alerts-rules", Set.of(conf.get(ChronicleOptions.TOPIC_RULES)),
                    group + "-delivery", Set.of(conf.get(ChronicleOptions.TOPIC_ALERTS)),
                    group + "-rollups", Set.of());
            Map<String, Set<String>> committed = new TreeMap<>();
            ItServices.waitUntil("each job's offsets committed under its own group", DEADLINE, () -> {
                expected.keySet().forEach(g -> committed.put(g, committedTopics(g)));
                return committed.equals(expected);
            }, committed::toString);
        } finally {
            cancel(jobs);
            receiver.stop(0);
        }

        assertRowsExactlyOnce(conf, "points_raw", goodPoints);
        assertRowsExactlyOnce(conf, "events", goodEvents);
        Map<String, String> reasons = new HashMap<>();
        for (Row row : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, reason_code FROM rejected")) {
            assertThat(reasons.put(key(row), (String) row.getField(3))).as("refused once: %s", key(row)).isNull();
        }
        assertThat(reasons).isEqualTo(bad);
        assertThat(deadLetterKeys(conf)).as("each refused record once on the dead-letter topic")
                .containsExactlyInAnyOrderElementsOf(bad.keySet());
        List<Row> traces = ItServices.query(conf, "SELECT status, count(*) FROM traces GROUP BY status");
        assertThat(traces).hasSize(1);
        assertThat(traces.get(0).getField(0)).isEqualTo("completed");
        assertThat(traces.get(0).getField(1)).isEqualTo((long) 2 * TRACES);
        assertThat(count(conf, "rollup_5m")).as("the failed job wrote nothing").isZero();
    }

    /** The rollups job, failing at its first point on every attempt, under Chronicle's restart policy. */
    private static JobClient startPoisonedRollups(Configuration conf, String run) throws Exception {
        Configuration jobConf = new Configuration(conf);
        jobConf.set(ChronicleOptions.JOB, ChronicleJob.ROLLUPS);
        Configuration flinkConf = chronicleRestartPolicy(services.jobConf(jobConf, run + "-rollups"));
        StreamExecutionEnvironment env = JobEnvironment.create(flinkConf);
        assertThat(env.getConfiguration().get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS))
                .isEqualTo(RESTARTS);
        env.setParallelism(1);
        IngestJob job = IngestJob.fromConfig(jobConf)
                .tapPoints(stream -> stream.map(new Poisoned<>(), stream.getType()).name("poison").uid("poison"));
        job.build(env);
        return env.executeAsync(job.jobName());
    }

    /** The test's usual fixed delay out, Chronicle's own restart policy in, its waits shortened. */
    private static Configuration chronicleRestartPolicy(Configuration flinkConf) {
        flinkConf.removeConfig(RestartStrategyOptions.RESTART_STRATEGY);
        flinkConf.removeConfig(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS);
        flinkConf.removeConfig(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY);
        flinkConf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, INITIAL_BACKOFF);
        flinkConf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, MAX_BACKOFF);
        flinkConf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR, 0.0);
        return flinkConf;
    }

    /** Fails at its first record, every attempt; counts the attempts. */
    static final class Poisoned<T> extends RichMapFunction<T, T> {
        static final String MESSAGE = "poisoned rollups";
        static final AtomicInteger ATTEMPTS = new AtomicInteger();
        static final AtomicLong FIRST_ATTEMPT_MILLIS = new AtomicLong();

        @Override
        public void open(OpenContext openContext) {
            if (ATTEMPTS.incrementAndGet() == 1) {
                FIRST_ATTEMPT_MILLIS.set(System.currentTimeMillis());
            }
        }

        @Override
        public T map(T value) {
            throw new IllegalStateException(MESSAGE);
        }
    }

    /**
     * Points of {@code host}, a second apart over 40 s of event time on both partitions (its load
     * over 90 from the 20th), and {@link #TRACES} traces from created to completed, each batch
     * with malformed records on both topics.
     */
    private static void produce(KafkaProducer<byte[], byte[]> producer, String points, String events, String host,
            int firstTrace, long t0, Set<String> goodPoints, Set<String> goodEvents, Map<String, String> bad)
            throws Exception {
        Map<Future<RecordMetadata>, Boolean> sent = new LinkedHashMap<>();
        for (int s = 0; s <= 40; s++) {
            for (int partition = 0; partition < 2; partition++) {
                String json = "{\"tenant\":\"acme\",\"metric\":\"load\",\"tags\":{\"host\":\"" + host
                        + "\",\"cpu\":\"" + partition + "\"},\"value\":" + (s < 20 ? 50 : 95) + ",\"timestamp\":"
                        + (t0 + s * 1_000L) + "}";
                sent.put(producer.send(new ProducerRecord<>(points, partition, null, null, bytes(json))), true);
            }
        }
        for (int trace = firstTrace; trace < firstTrace + TRACES; trace++) {
            String[] types = {"task.created", "task.assigned", "task.started", "task.completed"};
            for (int i = 0; i < types.length; i++) {
                String json = "{\"trace_id\":\"task-" + trace + "\",\"event_type\":\"" + types[i]
                        + "\",\"source\":\"agent-1\",\"timestamp\":" + (t0 + i * 1_000L)
                        + ",\"metadata\":{\"agent_id\":\"agent-1\"}}";
                sent.put(producer.send(new ProducerRecord<>(events, trace % 2, null, null, bytes(json))), false);
            }
        }
        List<Future<RecordMetadata>> malformed = new ArrayList<>();
        for (int partition = 0; partition < 2; partition++) {
            malformed.add(producer.send(new ProducerRecord<>(points, partition, null, null, bytes("not json"))));
            malformed.add(producer.send(new ProducerRecord<>(events, partition, null, null, bytes("{\"trace_id\":"))));
        }
        for (Map.Entry<Future<RecordMetadata>, Boolean> e : sent.entrySet()) {
            (e.getValue() ? goodPoints : goodEvents).add(key(e.getKey().get()));
        }
        for (Future<RecordMetadata> m : malformed) {
            bad.put(key(m.get()), "malformed_json");
        }
    }

    private static void assertRowsExactlyOnce(Configuration conf, String table, Set<String> expected) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Row row : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset FROM " + table)) {
            keys.add(key(row));
        }
        assertThat(keys).as("%s, each record once", table).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    private static long count(Configuration conf, String table) {
        try {
            return (Long) ItServices.query(conf, "SELECT count(*) FROM " + table).get(0).getField(0);
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<ChronicleJob, JobStatus> statuses(Map<ChronicleJob, JobClient> jobs) {
        Map<ChronicleJob, JobStatus> out = new TreeMap<>();
        jobs.forEach((job, client) -> out.put(job, status(client)));
        return out;
    }

    private static JobStatus status(JobClient job) {
        try {
            return job.getJobStatus().get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Alerts by rule, state and host (or table, for the health alerts). */
    private static void collectAlerts(Configuration conf, Map<String, JsonNode> alerts) {
        for (JsonNode n : readAll(conf.get(ChronicleOptions.TOPIC_ALERTS))) {
            JsonNode labels = n.get("labels");
            String subject = labels.has("host") ? labels.get("host").asText() : labels.path("table").asText();
            alerts.put(n.get("rule").asText() + "/" + n.get("status").asText() + "/" + subject, n);
        }
    }

    private static Set<String> delivered(List<JsonNode> payloads) {
        Set<String> out = new TreeSet<>();
        for (JsonNode payload : payloads) {
            for (JsonNode alert : payload.get("alerts")) {
                JsonNode labels = alert.get("labels");
                out.add(labels.get("alertname").asText() + "/" + alert.get("status").asText() + "/"
                        + labels.path("host").asText(labels.path("table").asText()));
            }
        }
        return out;
    }

    private static List<JsonNode> readAll(String topic) {
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records(topic, "read_uncommitted")) {
            try {
                out.add(JSON.readTree(r.value()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private static List<String> deadLetterKeys(Configuration conf) {
        List<String> keys = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), "read_committed")) {
            keys.add(new String(r.key(), StandardCharsets.UTF_8));
        }
        return keys;
    }

    /** Every record of the topic's only partition, up to its end (its last stable offset when read committed). */
    private static List<ConsumerRecord<byte[], byte[]>> records(String topic, String isolation) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition p = new TopicPartition(topic, 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            long end = consumer.endOffsets(List.of(p)).get(p);
            while (consumer.position(p) < end) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    /** The topics a consumer group has committed offsets of. */
    private static Set<String> committedTopics(String group) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                services.kafka.bootstrapServers()))) {
            Set<String> topics = new TreeSet<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .keySet().forEach(partition -> topics.add(partition.topic()));
            return topics;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot read the offsets of group " + group, e);
        }
    }

    private static String key(RecordMetadata m) {
        return m.topic() + "/" + m.partition() + "/" + m.offset();
    }

    private static String key(Row row) {
        return row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
