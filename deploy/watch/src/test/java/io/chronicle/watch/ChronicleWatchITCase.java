package io.chronicle.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.chronicle.core.ChronicleJob;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.jobs.IngestJob;
import io.chronicle.jobs.JobEnvironment;
import io.chronicle.services.KafkaBroker;
import io.chronicle.services.S3Server;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The watcher against a real job: the ingest job in a MiniCluster, reading a real Kafka broker and
 * committing to a JDBC catalog with tables on a real S3-compatible server; alerts posted to an
 * Alertmanager-like receiver run by the test; metrics read from the watcher's endpoint.
 */
class ChronicleWatchITCase {

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static KafkaBroker kafka;
    static S3Server s3;
    static MiniCluster flink;

    /** What the receiver was sent: each alert's labels, and whether it was resolved. */
    record Received(Map<String, String> labels, boolean resolved) {}

    static final class Receiver implements AutoCloseable {
        final HttpServer server;
        final List<Received> alerts = new CopyOnWriteArrayList<>();

        Receiver() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/api/v2/alerts", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    for (JsonNode alert : JSON.readTree(in.readAllBytes())) {
                        Map<String, String> labels = new TreeMap<>();
                        alert.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                        alerts.add(new Received(labels, alert.has("endsAt")));
                    }
                }
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        boolean got(String alertname, String key, String value, boolean resolved) {
            return alerts.stream().anyMatch(a -> a.resolved == resolved
                    && alertname.equals(a.labels.get("alertname")) && value.equals(a.labels.get(key)));
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @BeforeAll
    static void start() throws Exception {
        kafka = KafkaBroker.start(dir.resolve("kafka"), 0);
        s3 = S3Server.start(dir.resolve("s3"), 0);
        s3.createBucket("lake");
        Configuration flinkConf = EmbeddedCluster.configuration();
        flinkConf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flinkConf.set(RestOptions.ADDRESS, "127.0.0.1");
        flinkConf.set(RestOptions.PORT, 0);
        flink = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(flinkConf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(4).build());
        flink.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (flink != null) {
            flink.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    private static String flinkUrl() throws Exception {
        return "http://127.0.0.1:" + flink.getRestAddress().get().getPort();
    }

    /** Chronicle's configuration for the ingest job alone (no tiers, views or alerts) and the watcher. */
    private static Configuration conf(String run, Map<String, String> extra) throws Exception {
        Map<String, String> v = new HashMap<>();
        v.put(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS.key(), kafka.bootstrapServers());
        v.put(ChronicleOptions.KAFKA_GROUP_ID.key(), "group-" + run);
        v.put(ChronicleOptions.TOPIC_POINTS.key(), "points-" + run);
        v.put(ChronicleOptions.TOPIC_EVENTS.key(), "events-" + run);
        v.put(ChronicleOptions.TOPIC_DEAD_LETTER.key(), "dead-letter-" + run);
        v.put(ChronicleOptions.ROLLUP_ENABLED.key(), "false");
        v.put(ChronicleOptions.VIEWS_ENABLED.key(), "false");
        // The ingest job, the only one of this configuration: what the watcher watches by default.
        v.put(ChronicleOptions.JOB.key(), "ingest");
        v.put(ChronicleOptions.ALERTS_ENABLED.key(), "false");
        v.put(ChronicleOptions.MAINTENANCE_ENABLED.key(), "false");
        v.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("catalog-" + run + ".db"));
        v.put("chronicle.catalog.properties.jdbc.busy_timeout", "30000");
        v.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), "s3://lake/" + run);
        v.put(ChronicleOptions.S3_ENDPOINT.key(), s3.endpoint().toString());
        v.put(ChronicleOptions.S3_PATH_STYLE_ACCESS.key(), "true");
        v.put(ChronicleOptions.S3_ACCESS_KEY.key(), s3.accessKey());
        v.put(ChronicleOptions.S3_SECRET_KEY.key(), s3.secretKey());
        v.put(ChronicleOptions.WATCH_FLINK_REST_URL.key(), flinkUrl());
        v.put(ChronicleOptions.WATCH_INTERVAL.key(), "2 s");
        v.put(ChronicleOptions.WATCH_REQUEST_TIMEOUT.key(), "2 s");
        // Two rounds in a row: a slow answer from a busy machine is not an alert.
        v.put(ChronicleOptions.WATCH_FOR.key(), "3 s");
        v.put(ChronicleOptions.WATCH_PORT.key(), "0");
        v.putAll(extra);
        return ChronicleConfig.validated(Configuration.fromMap(v));
    }

    private static Map<String, String> receiver(Receiver r) {
        return Map.of("chronicle.alerts.receivers.test.type", "alertmanager",
                "chronicle.alerts.receivers.test.url", r.url(),
                "chronicle.alerts.delivery.backoff.initial", "100 ms",
                // each change once, so the receiver's count is the delivered count
                "chronicle.alerts.delivery.resend-interval", "0 s");
    }

    private static JobClient submitIngest(Configuration conf) throws Exception {
        Configuration job = new Configuration(conf);
        job.set(DeploymentOptions.TARGET, "remote");
        job.set(RestOptions.ADDRESS, "127.0.0.1");
        job.set(RestOptions.PORT, flink.getRestAddress().get().getPort());
        job.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(500));
        job.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(JobEnvironment.withDefaults(job));
        IngestJob.fromConfig(conf).build(env);
        return env.executeAsync(IngestJob.jobName(conf));
    }

    private static void produce(Configuration conf, int count, int from) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            long now = System.currentTimeMillis();
            for (int i = from; i < from + count; i++) {
                String json = "{\"metric\":\"cpu\",\"value\":" + i + ",\"tags\":{\"host\":\"h" + (i % 7)
                        + "\"},\"timestamp\":" + (now + i) + "}";
                producer.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_POINTS),
                        json.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    @Test
    void watchesARunningJobThenItsCancelTheLagItLeavesAndTheCommitsThatStop() throws Exception {
        kafka.createTopic("points-a", 2, false);
        kafka.createTopic("events-a", 1, false);
        kafka.createTopic("dead-letter-a", 1, false);
        try (Receiver receiver = new Receiver()) {
            Map<String, String> extra = new HashMap<>(receiver(receiver));
            extra.put(ChronicleOptions.WATCH_TABLES.key(), "points_raw");
            extra.put(ChronicleOptions.WATCH_MAX_COMMIT_AGE.key(), "30 s");
            extra.put(ChronicleOptions.WATCH_MAX_CHECKPOINT_AGE.key(), "30 s");
            Configuration conf = conf("a", extra);
            JobClient job = submitIngest(conf);
            try (ChronicleWatch watch = ChronicleWatch.start(conf)) {
                String job0 = "{job=\"chronicle-ingest\"}";
                produce(conf, 200, 0);
                // Healthy: running, every point committed, checkpoints and a watermark, every target read.
                waitFor("a healthy job", () -> {
                    Map<String, Double> m = metrics(watch);
                    return eq(m, "chronicle_watch_job_running" + job0, 1)
                            && eq(m, "chronicle_watch_consumer_lag_topic_records{group=\"group-a-ingest\",topic=\"points-a\"}", 0)
                            && m.containsKey("chronicle_watch_watermark_lag_seconds" + job0)
                            && m.getOrDefault("chronicle_watch_checkpoint_age_seconds" + job0, 99.0) < 10
                            && m.getOrDefault("chronicle_watch_table_commit_age_seconds{table=\"points_raw\"}", 99.0) < 10;
                }, () -> metrics(watch).toString());
                Map<String, Double> healthy = metrics(watch);
                assertThat(healthy).containsEntry("chronicle_watch_job_status{job=\"chronicle-ingest\",status=\"running\"}", 1.0)
                        .containsEntry("chronicle_watch_job_restarts" + job0, 0.0)
                        .containsEntry("chronicle_watch_target_up{target=\"flink\"}", 1.0)
                        .containsEntry("chronicle_watch_target_up{target=\"kafka\"}", 1.0)
                        .containsEntry("chronicle_watch_target_up{target=\"catalog\"}", 1.0);
                assertThat(healthy.keySet()).noneMatch(k -> k.startsWith("chronicle_watch_alerts_firing"));
                assertThat(healthy.get("chronicle_watch_watermark_lag_seconds" + job0)).isBetween(-1.0, 60.0);
                assertThat(receiver.alerts).isEmpty();

                // Cancelled: the job-not-running alert reaches the receiver, and points sent now are lag.
                job.cancel().get();
                waitFor("ChronicleJobNotRunning firing", () -> receiver.got(
                        WatchEvaluator.JOB_NOT_RUNNING, "job", "chronicle-ingest", false), receiver.alerts::toString);
                produce(conf, 300, 200);
                waitFor("a lag of exactly the 300 points sent", () -> eq(metrics(watch),
                        "chronicle_watch_consumer_lag_topic_records{group=\"group-a-ingest\",topic=\"points-a\"}", 300),
                        () -> metrics(watch).toString());
                assertThat(metrics(watch)).containsEntry(
                        "chronicle_watch_job_status{job=\"chronicle-ingest\",status=\"canceled\"}", 1.0);
                waitFor("ChronicleTableCommitStale firing", () -> receiver.got(
                        WatchEvaluator.TABLE_COMMIT_STALE, "table", "points_raw", false), receiver.alerts::toString);

                // Running again (from the group's committed offsets): both resolve, the lag is gone.
                JobClient again = submitIngest(conf);
                try {
                    waitFor("both alerts resolved and no lag", () ->
                            receiver.got(WatchEvaluator.JOB_NOT_RUNNING, "job", "chronicle-ingest", true)
                                    && receiver.got(WatchEvaluator.TABLE_COMMIT_STALE, "table", "points_raw", true)
                                    && eq(metrics(watch), "chronicle_watch_consumer_lag_topic_records{group=\"group-a-ingest\",topic=\"points-a\"}", 0),
                            () -> receiver.alerts + " " + metrics(watch));
                    assertThat(receiver.alerts).hasSize(4);
                    waitFor("the delivered count", () -> eq(metrics(watch),
                            "chronicle_watch_alerts_delivered_total{receiver=\"test\"}", 4), () -> metrics(watch).toString());
                } finally {
                    again.cancel().get();
                }
            }
        }
    }

    @Test
    void aJobThatFailsWithRestartsOffIsNotRunning() throws Exception {
        try (Receiver receiver = new Receiver()) {
            Map<String, String> extra = new HashMap<>(receiver(receiver));
            extra.put(ChronicleOptions.WATCH_JOBS.key(), "it-failing");
            Configuration conf = conf("b", extra);
            try (ChronicleWatch watch = ChronicleWatch.start(conf)) {
                waitFor("the job missing", () -> eq(metrics(watch),
                        "chronicle_watch_job_status{job=\"it-failing\",status=\"missing\"}", 1), () -> metrics(watch).toString());
                Configuration jobConf = new Configuration();
                jobConf.set(DeploymentOptions.TARGET, "remote");
                jobConf.set(RestOptions.ADDRESS, "127.0.0.1");
                jobConf.set(RestOptions.PORT, flink.getRestAddress().get().getPort());
                jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
                StreamExecutionEnvironment env = new StreamExecutionEnvironment(jobConf);
                env.fromSequence(1, 1_000).map(i -> {
                    if (i == 1_000) {
                        throw new IllegalStateException("poisoned record " + i);
                    }
                    return i;
                }).sinkTo(new DiscardingSink<>());
                env.executeAsync("it-failing");
                waitFor("the job failed", () -> eq(metrics(watch),
                        "chronicle_watch_job_status{job=\"it-failing\",status=\"failed\"}", 1), () -> metrics(watch).toString());
                waitFor("ChronicleJobNotRunning firing for it", () -> receiver.got(
                        WatchEvaluator.JOB_NOT_RUNNING, "job", "it-failing", false), receiver.alerts::toString);
                assertThat(metrics(watch)).containsEntry("chronicle_watch_job_running{job=\"it-failing\"}", 0.0)
                        .containsEntry("chronicle_watch_alerts_firing{alertname=\"ChronicleJobNotRunning\"}", 1.0);
            }
        }
    }

    @Test
    void aJobThatRestartsOverAndOverIsAlertedWhileItShowsAsRunning() throws Exception {
        try (Receiver receiver = new Receiver()) {
            Map<String, String> extra = new HashMap<>(receiver(receiver));
            extra.put(ChronicleOptions.WATCH_JOBS.key(), "it-crash-loop");
            extra.put(ChronicleOptions.WATCH_MAX_RESTARTS.key(), "2");
            Configuration conf = conf("d", extra);
            try (ChronicleWatch watch = ChronicleWatch.start(conf)) {
                Configuration jobConf = new Configuration();
                jobConf.set(DeploymentOptions.TARGET, "remote");
                jobConf.set(RestOptions.ADDRESS, "127.0.0.1");
                jobConf.set(RestOptions.PORT, flink.getRestAddress().get().getPort());
                jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
                jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
                jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
                StreamExecutionEnvironment env = new StreamExecutionEnvironment(jobConf);
                env.fromSequence(1, 10).map(i -> {
                    if (i == 10) {
                        throw new IllegalStateException("a record no attempt gets past");
                    }
                    return i;
                }).sinkTo(new DiscardingSink<>());
                JobClient job = env.executeAsync("it-crash-loop");
                try {
                    waitFor("ChronicleJobRestarting firing", () -> receiver.got(
                            WatchEvaluator.JOB_RESTARTING, "job", "it-crash-loop", false), receiver.alerts::toString);
                    Map<String, Double> m = metrics(watch);
                    assertThat(m.get("chronicle_watch_job_restarts_in_window{job=\"it-crash-loop\"}")).isGreaterThan(2.0);
                    assertThat(m.get("chronicle_watch_job_restarts{job=\"it-crash-loop\"}"))
                            .isGreaterThanOrEqualTo(m.get("chronicle_watch_job_restarts_in_window{job=\"it-crash-loop\"}"));
                } finally {
                    job.cancel().get();
                }
            }
        }
    }

    /**
     * A job reading Kafka with no periodic checkpoint due for an hour, beside the watcher with the
     * Flink REST URL listed among another, unreachable cluster's: the watcher triggers nothing
     * while the job runs as it started; once the job has restarted and restored its checkpoint, it
     * checkpoints the job until the group has committed every record produced before the restore.
     */
    @Test
    void aJobRestoredFromItsCheckpointIsCheckpointedUntilItsGroupCommittedWhatArrivedMeanwhile() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String run = "e";
        String topic = "points-" + run;
        kafka.createTopic(topic, 2, false);
        produceTo(topic, 0, 50);
        produceTo(topic, 1, 30);
        Configuration conf = conf(run, Map.of(
                ChronicleOptions.WATCH_FLINK_REST_URL.key(), "http://127.0.0.1:" + closed + ";" + flinkUrl()));
        String group = ChronicleJob.INGEST.consumerGroup(conf);
        TopicPartition first = new TopicPartition(topic, 0);
        TopicPartition second = new TopicPartition(topic, 1);

        Configuration jobConf = new Configuration();
        jobConf.set(DeploymentOptions.TARGET, "remote");
        jobConf.set(RestOptions.ADDRESS, "127.0.0.1");
        jobConf.set(RestOptions.PORT, flink.getRestAddress().get().getPort());
        // Flink takes its first periodic checkpoint at a random time up to an interval after the
        // start: with an hour, a test saw one within seconds; a year keeps it out.
        jobConf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofDays(365));
        jobConf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints-" + run).toUri().toString());
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(jobConf);
        env.setParallelism(1);
        FailOnce.ARMED.set(false);
        FailOnce.READ.set(0);
        env.fromSource(KafkaSource.<String>builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setTopics(topic)
                        .setGroupId(group)
                        .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                        .setValueOnlyDeserializer(new SimpleStringSchema())
                        .setProperty("commit.offsets.on.checkpoint", "true")
                        .build(), WatermarkStrategy.noWatermarks(), "points")
                .uid("points")
                .map(new FailOnce()).uid("fail-once")
                .sinkTo(new DiscardingSink<>());
        assertThat(CatchUpCheckpoints.targets(conf, group)).as("a group that never committed has nothing to catch up with")
                .isEmpty();
        JobClient job = env.executeAsync(ChronicleJob.INGEST.jobName());
        try {
            // One checkpoint, by hand, for the restart to restore, once the source holds both
            // partitions and has read what they had: taken earlier, it would commit nothing.
            waitFor("the first 80 records read", () -> FailOnce.READ.get() >= 80, () -> FailOnce.READ + " read");
            waitFor("a first checkpoint", () -> {
                try {
                    flink.triggerCheckpoint(job.getJobID()).get();
                    return true;
                } catch (Exception e) {
                    return false;
                }
            }, () -> "the job's tasks not yet running");
            waitFor("the first 80 records committed", () -> committed(group).equals(Map.of(first, 50L, second, 30L)),
                    () -> committed(group).toString());
            assertThat(CatchUpCheckpoints.targets(conf, group)).isEqualTo(Map.of(first, 50L, second, 30L));

            try (ChronicleWatch watch = ChronicleWatch.start(conf)) {
                waitFor("two rounds of the watcher", () -> metrics(watch).getOrDefault("chronicle_watch_rounds_total", 0.0) >= 2,
                        () -> metrics(watch).toString());
                assertThat(checkpointCounts(job).path("completed").asLong())
                        .as("no checkpoint triggered while the job runs as it started").isEqualTo(1);

                FailOnce.ARMED.set(true);
                produceTo(topic, 0, 40);
                produceTo(topic, 1, 20);
                waitFor("every record produced committed, with no periodic checkpoint due",
                        () -> committed(group).equals(Map.of(first, 90L, second, 50L)), () -> committed(group).toString());
                assertThat(FailOnce.ARMED.get()).as("the job failed once").isFalse();
                assertThat(checkpointCounts(job).path("restored").asLong()).isEqualTo(1);
            }
        } finally {
            job.cancel().get();
        }
    }

    /** Fails at the first record after being armed, once. */
    static final class FailOnce implements MapFunction<String, String> {
        static final AtomicBoolean ARMED = new AtomicBoolean();
        static final AtomicLong READ = new AtomicLong();

        @Override
        public String map(String value) {
            READ.incrementAndGet();
            if (ARMED.compareAndSet(true, false)) {
                throw new IllegalStateException("failing once, to restart from the checkpoint");
            }
            return value;
        }
    }

    private static Map<TopicPartition, Long> committed(String group) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Map<TopicPartition, Long> offsets = new HashMap<>();
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .forEach((tp, at) -> offsets.put(tp, at.offset()));
            return offsets;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode checkpointCounts(JobClient job) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create(flinkUrl() + "/jobs/" + job.getJobID() + "/checkpoints")).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body()).path("counts");
    }

    private static void produceTo(String topic, int partition, int count) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, partition, null, ("record " + i).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    @Test
    void unreachableTargetsAreAlertsAndMetricsNeverAnExit() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        try (Receiver receiver = new Receiver()) {
            Map<String, String> extra = new HashMap<>(receiver(receiver));
            extra.put(ChronicleOptions.WATCH_FLINK_REST_URL.key(), "http://127.0.0.1:" + closed);
            // a name that never resolves: the Kafka client refuses it outright
            extra.put(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS.key(), "kafka.invalid:" + closed);
            extra.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("no/such/folder/c.db"));
            Configuration conf = conf("c", extra);
            try (ChronicleWatch watch = ChronicleWatch.start(conf)) {
                waitFor("three blind alerts", () -> receiver.got(WatchEvaluator.WATCH_BLIND, "target", "flink", false)
                        && receiver.got(WatchEvaluator.WATCH_BLIND, "target", "kafka", false)
                        && receiver.got(WatchEvaluator.WATCH_BLIND, "target", "catalog", false), receiver.alerts::toString);
                double rounds = metrics(watch).get("chronicle_watch_rounds_total");
                waitFor("rounds going on", () -> metrics(watch).get("chronicle_watch_rounds_total") >= rounds + 3,
                        () -> metrics(watch).toString());
                Map<String, Double> m = metrics(watch);
                assertThat(m).containsEntry("chronicle_watch_target_up{target=\"flink\"}", 0.0)
                        .containsEntry("chronicle_watch_target_up{target=\"kafka\"}", 0.0)
                        .containsEntry("chronicle_watch_target_up{target=\"catalog\"}", 0.0)
                        .containsEntry("chronicle_watch_alerts_firing{alertname=\"ChronicleWatchBlind\"}", 3.0);
                // Nothing is known of the job, so nothing is said of it.
                assertThat(m.keySet()).noneMatch(k -> k.startsWith("chronicle_watch_job_"));
                assertThat(receiver.alerts).allMatch(a -> WatchEvaluator.WATCH_BLIND.equals(a.labels.get("alertname")));
            }
        }
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{[^}]*})?) (\\S+)$");

    /** The endpoint's samples, keyed by name and labels as printed. */
    static Map<String, Double> metrics(ChronicleWatch watch) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + watch.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            Map<String, Double> samples = new TreeMap<>();
            for (String line : response.body().split("\n")) {
                Matcher m = SAMPLE.matcher(line);
                if (!line.startsWith("#") && m.matches()) {
                    samples.put(m.group(1), Double.parseDouble(m.group(2)));
                }
            }
            return samples;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean eq(Map<String, Double> metrics, String key, double value) {
        Double v = metrics.get(key);
        return v != null && v == value;
    }

    private static void waitFor(String what, BooleanSupplier condition, java.util.function.Supplier<String> state)
            throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("Timed out waiting for " + what + ": " + state.get());
            }
            Thread.sleep(200);
        }
    }
}
