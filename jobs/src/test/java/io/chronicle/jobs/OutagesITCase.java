package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.services.StallingHttpReceiver;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipeline under steady traffic through an outage of one of the real services it depends
 * on, each longer than several checkpoint intervals: the S3 server stopped, the Kafka broker
 * restarted, the catalog database locked, its file moved away; and an alert receiver that sends
 * its headers and then stalls, beside a healthy one. After each the pipeline is running again
 * without anyone's help, every good record is in its table once, every bad one in
 * {@code rejected} with its reason and once on the dead-letter topic; the healthy receiver got
 * every alert once, promptly, and the stalled one's requests were abandoned and retried.
 */
class OutagesITCase extends JobITBase {

    private static final int POINTS = 3_000;
    private static final int EVENTS = 1_000;
    private static final double BAD_SHARE = 0.05;
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(800);
    /** Each outage lasts five checkpoint intervals at least. */
    private static final Duration OUTAGE = CHECKPOINT_INTERVAL.multipliedBy(5);
    /**
     * How long the traffic after the first commit flows; the outage starts with it, and the
     * traffic flows on for a few checkpoint intervals past the least the outage lasts.
     */
    private static final Duration TRAFFIC = OUTAGE.plus(CHECKPOINT_INTERVAL.multipliedBy(3));
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final int LOAD_HOSTS = 8;
    private static final int LOAD_POINTS_PER_HOST = 24;
    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(1);
    private static final int STALL_ATTEMPTS = 2;
    /** From Kafka's acknowledgement of a point to the healthy receiver's answer on its alert. */
    private static final Duration LATENCY_BOUND = Duration.ofSeconds(10);

    /** The outage a test inflicts, given the running pipeline and the traffic flowing into it. */
    @FunctionalInterface
    private interface Outage {
        void inflict(PipelineUnderTest pipeline, SteadyTraffic traffic) throws Exception;
    }

    @Test
    void s3StoppedForLongerThanACheckpointInterval(@InjectClusterRESTAddress URI rest) throws Exception {
        rideOut("s3", Map.of(), List.of(), rest, (pipeline, traffic) -> {
            long restarts = pipeline.restarts();
            long failedCheckpoints = pipeline.failedCheckpoints();
            services.s3.stop();
            try {
                holdFor(OUTAGE);
                // Writing a checkpoint's data files needs S3: the outage cannot pass unnoticed.
                ItServices.waitUntil("the pipeline to notice S3 is gone", DEADLINE,
                        () -> pipeline.restarts() > restarts || pipeline.failedCheckpoints() > failedCheckpoints);
            } finally {
                services.s3.startAgain();
            }
        });
    }

    @Test
    void kafkaBrokerRestartedMidStream(@InjectClusterRESTAddress URI rest) throws Exception {
        rideOut("kafka", Map.of(), List.of(), rest, (pipeline, traffic) -> {
            services.kafka.stop();
            try {
                holdFor(OUTAGE);
            } finally {
                services.kafka.startAgain();
            }
        });
    }

    @Test
    void catalogDatabaseLockedForLongerThanItsBusyTimeout(@InjectClusterRESTAddress URI rest) throws Exception {
        // A commit waits this long for the lock, then fails.
        Map<String, String> options = Map.of("chronicle.catalog.properties.jdbc.busy_timeout", "1000");
        rideOut("catalog-lock", options, List.of(), rest, (pipeline, traffic) -> {
            String uri = services.chronicleConf("catalog-lock", options).get(ChronicleOptions.CATALOG_URI);
            long restarts = pipeline.restarts();
            long failedCheckpoints = pipeline.failedCheckpoints();
            // Another connection holds SQLite's exclusive lock: no one else reads or writes.
            try (Connection lock = DriverManager.getConnection(uri);
                    Statement statement = lock.createStatement()) {
                statement.execute("BEGIN EXCLUSIVE");
                holdFor(OUTAGE);
                ItServices.waitUntil("the pipeline to notice the catalog is locked", DEADLINE,
                        () -> pipeline.restarts() > restarts || pipeline.failedCheckpoints() > failedCheckpoints);
                statement.execute("ROLLBACK");
            }
        });
    }

    @Test
    void catalogDatabaseFolderGoneThenBack(@InjectClusterRESTAddress URI rest) throws Exception {
        // The database in a folder of its own, which goes away as an unmounted volume does. Moving
        // the file alone lets a connection opened meanwhile create an empty database at its path,
        // whose rollback journal has the real one's name: SQLite's own recipe for corruption.
        Path folder = Files.createDirectories(tempDir.resolve("catalog-gone"));
        Map<String, String> options = Map.of(ChronicleOptions.CATALOG_URI.key(),
                "jdbc:sqlite:" + folder.resolve("catalog.db"));
        rideOut("catalog-gone", options, List.of(), rest, (pipeline, traffic) -> {
            Path away = folder.resolveSibling("catalog-gone.away");
            long restarts = pipeline.restarts();
            long failedCheckpoints = pipeline.failedCheckpoints();
            Files.move(folder, away);
            try {
                holdFor(OUTAGE);
                // SQLite refuses writes on a connection whose file has moved, and cannot open it anew.
                ItServices.waitUntil("the pipeline to notice the catalog is gone", DEADLINE,
                        () -> pipeline.restarts() > restarts || pipeline.failedCheckpoints() > failedCheckpoints);
            } finally {
                Files.move(away, folder);
            }
        });
    }

    @Test
    void aReceiverStallingAfterItsHeadersHoldsUpNeitherTheOtherReceiverNorIngest(
            @InjectClusterRESTAddress URI rest) throws Exception {
        String run = "stall";
        Path rules = tempDir.resolve("stall-rules.yaml");
        Files.writeString(rules, """
                rules:
                  - name: Hot
                    selector: load
                    threshold: {above: 90}
                """);
        try (StallingHttpReceiver stalled = StallingHttpReceiver.start();
                AlertReceiver healthy = AlertReceiver.start()) {
            Map<String, String> options = new HashMap<>();
            options.put(ChronicleOptions.ALERTS_RULES_FILE.key(), rules.toString());
            options.put("chronicle.alerts.receivers.stalled.type", "webhook");
            options.put("chronicle.alerts.receivers.stalled.url", stalled.url("/hook").toString());
            options.put("chronicle.alerts.receivers.stalled.timeout", STALL_TIMEOUT.toMillis() + " ms");
            options.put("chronicle.alerts.receivers.stalled.max-attempts", Integer.toString(STALL_ATTEMPTS));
            options.put("chronicle.alerts.receivers.healthy.type", "webhook");
            options.put("chronicle.alerts.receivers.healthy.url", healthy.url());
            options.put(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_INITIAL.key(), "100 ms");
            options.put(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MAX.key(), "500 ms");

            // Series load{host=h0..h7}, each in runs of three points above the threshold and three
            // below, one second apart: every run start is a change of the alert's state.
            long t0 = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.SECONDS).toEpochMilli();
            List<SteadyTraffic.Item> loadPoints = new ArrayList<>();
            Map<String, SteadyTraffic.Item> expected = new HashMap<>();
            for (int k = 0; k < LOAD_POINTS_PER_HOST; k++) {
                for (int h = 0; h < LOAD_HOSTS; h++) {
                    String host = "h" + h;
                    long ts = t0 + k * 1_000L;
                    boolean high = (k / 3) % 2 == 0;
                    double value = high ? 95.0 : 10.0;
                    String json = "{\"metric\":\"load\",\"tags\":{\"host\":\"" + host + "\"},\"value\":"
                            + value + ",\"timestamp\":" + ts + "}";
                    SteadyTraffic.Item item = new SteadyTraffic.Item(
                            services.chronicleConf(run, Map.of()).get(ChronicleOptions.TOPIC_POINTS), h % 2,
                            new TestTraffic.Record(json.getBytes(StandardCharsets.UTF_8), null, null,
                                    new TestTraffic.ExpectedPoint("default", "load", new TreeMap<>(Map.of("host", host)),
                                            value, Instant.ofEpochMilli(ts)), null));
                    loadPoints.add(item);
                    if (k % 3 == 0) {
                        long startsAt = high ? ts : ts - 3_000L;
                        expected.put(host + " " + (high ? "firing" : "resolved") + " "
                                + Instant.ofEpochMilli(startsAt), item);
                    }
                }
            }

            rideOut(run, options, loadPoints, rest, (pipeline, traffic) -> {
                ItServices.waitUntil("every change of Hot delivered to the healthy receiver", DEADLINE,
                        () -> healthy.received("Hot").keySet().containsAll(expected.keySet()),
                        () -> healthy.received("Hot").size() + " of " + expected.size());
                // Each stalled request is abandoned after the timeout and retried; a batch out of
                // attempts is given up and the next one sent.
                ItServices.waitUntil("the stalled receiver's requests abandoned and retried", DEADLINE,
                        () -> stalled.requests() > STALL_ATTEMPTS && stalled.abandoned() > STALL_ATTEMPTS,
                        () -> stalled.requests() + " requests, " + stalled.abandoned() + " abandoned");
                Map<String, List<Long>> received = healthy.received("Hot");
                assertThat(received.keySet()).isEqualTo(expected.keySet());
                List<Long> latencies = new ArrayList<>();
                received.forEach((change, arrivals) -> {
                    assertThat(arrivals).as("%s delivered once", change).hasSize(1);
                    latencies.add(arrivals.get(0) - traffic.ackedNanos(expected.get(change)));
                });
                latencies.sort(null);
                System.out.printf("stall: %d alerts to the healthy receiver, latency from Kafka's ack:"
                                + " median %.2f s, max %.2f s; stalled receiver: %d requests, %d abandoned%n",
                        latencies.size(), latencies.get(latencies.size() / 2) / 1e9,
                        latencies.get(latencies.size() - 1) / 1e9, stalled.requests(), stalled.abandoned());
                assertThat(latencies.get(latencies.size() - 1)).as("delivery latency to the healthy receiver")
                        .isLessThan(LATENCY_BOUND.toNanos());
            });
        }
    }

    /**
     * Starts the pipeline under steady traffic (test traffic, with {@code extraItems} spread
     * through it), inflicts {@code outage} once a checkpoint has committed, and checks that every
     * record landed exactly once.
     */
    private void rideOut(String run, Map<String, String> extra, List<SteadyTraffic.Item> extraItems, URI rest,
            Outage outage) throws Exception {
        Map<String, String> options = new HashMap<>(Map.of(
                // The points span an hour in random order: none is too late for its window, so
                // the rollups job refuses nothing, and its windows stay open through the test.
                ChronicleOptions.ROLLUP_ALLOWED_LATENESS.key(), "2 h",
                ChronicleOptions.TOPIC_RULES.key(), "rules-" + run,
                ChronicleOptions.TOPIC_RULES_STATUS.key(), "rules-status-" + run,
                ChronicleOptions.TOPIC_ALERTS.key(), "alerts-" + run,
                ChronicleOptions.TOPIC_HEALTH.key(), "health-" + run));
        options.putAll(extra);
        Configuration conf = services.chronicleConf(run, options);
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        services.kafka.createTopic(pointsTopic, 2, false);
        services.kafka.createTopic(eventsTopic, 2, false);
        for (String topic : List.of(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER),
                conf.get(ChronicleOptions.TOPIC_RULES_STATUS), conf.get(ChronicleOptions.TOPIC_ALERTS),
                conf.get(ChronicleOptions.TOPIC_HEALTH))) {
            services.kafka.createTopic(topic, 1, false);
        }
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES), 1, true);

        Instant now = Instant.now();
        List<TestTraffic.Record> points = TestTraffic.points(POINTS, BAD_SHARE, now, run.hashCode());
        List<TestTraffic.Record> events = TestTraffic.events(EVENTS, BAD_SHARE, now, run.hashCode() + 1L);
        List<SteadyTraffic.Item> items = new ArrayList<>();
        for (int i = 0; i < POINTS; i++) {
            items.add(new SteadyTraffic.Item(pointsTopic, i % 2, points.get(i)));
            if (i % (POINTS / EVENTS) == 0 && i / (POINTS / EVENTS) < EVENTS) {
                items.add(new SteadyTraffic.Item(eventsTopic, i % 2, events.get(i / (POINTS / EVENTS))));
            }
        }
        long kafkaTimestamp = now.toEpochMilli();

        // A tenth of the traffic first, to reach a first commit; the rest flows through the outage.
        int warmUp = items.size() / 10;
        Map<String, TestTraffic.Record> produced = new HashMap<>();
        // One producer for all the traffic, as an application keeps one: a producer created as the
        // broker goes down would be fetching its metadata and producer id through the outage.
        try (PipelineUnderTest pipeline = PipelineUnderTest.start(conf, jobConf(conf, run), rest);
                KafkaProducer<byte[], byte[]> producer = services.producer()) {
            // The outage is to meet every job running, each with its slots.
            ItServices.waitUntil("every job running", DEADLINE, pipeline::running,
                    () -> "checkpoints " + pipeline.checkpointStates());
            try (SteadyTraffic first = SteadyTraffic.start(producer, items.subList(0, warmUp), kafkaTimestamp,
                    Duration.ofSeconds(1))) {
                produced.putAll(first.awaitAcked(DEADLINE));
            }
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table pointsRaw = catalog.loadTable(TableIdentifier.of("chronicle", "points_raw"));
            ItServices.waitUntil("a first commit to points_raw", DEADLINE,
                    () -> TableStats.committedRecords(pointsRaw) > 0);

            long start = System.nanoTime();
            try (SteadyTraffic traffic = SteadyTraffic.start(producer,
                    interleave(items.subList(warmUp, items.size()), extraItems), kafkaTimestamp, TRAFFIC)) {
                outage.inflict(pipeline, traffic);
                System.out.printf("%s: outage of %.1f s; restarts %d, checkpoints failed %d%n", run,
                        (System.nanoTime() - start) / 1e9, pipeline.restarts(), pipeline.failedCheckpoints());
                produced.putAll(traffic.awaitAcked(DEADLINE));
            }
            long goodPoints = produced.values().stream().filter(r -> r.good() && r.point != null).count();
            long goodEvents = produced.values().stream().filter(r -> r.good() && r.event != null).count();
            long bad = produced.values().stream().filter(r -> !r.good()).count();
            // The views job's traces: one row per trace of the good events (heartbeats make none).
            Set<String> traces = produced.values().stream()
                    .filter(r -> r.good() && r.event != null && !r.event.eventType.equals("agent.heartbeat"))
                    .map(r -> r.event.tenant + "/" + r.event.traceId)
                    .collect(Collectors.toSet());
            Table eventsTable = catalog.loadTable(TableIdentifier.of("chronicle", "events"));
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));
            Table tracesTable = catalog.loadTable(TableIdentifier.of("chronicle", "traces"));
            ItServices.waitUntil("every record committed after the outage", DEADLINE, () -> {
                pipeline.assertNoneEnded();
                return TableStats.committedRecords(pointsRaw) >= goodPoints
                        && TableStats.committedRecords(eventsTable) >= goodEvents
                        && TableStats.committedRecords(rejected) >= bad
                        && Set.copyOf(traceKeys(tracesTable)).equals(traces);
            }, () -> "restarts " + pipeline.restartsByJob() + ", failures " + pipeline.failures());
            List<String> traceRows = traceKeys(tracesTable);
            assertThat(traceRows).as("one row per trace").doesNotHaveDuplicates();
            assertThat(Set.copyOf(traceRows)).isEqualTo(traces);
            // Each job recovered by itself: all its tasks running again, and checkpointing.
            Map<ChronicleJob, Long> completed = pipeline.completedCheckpoints();
            ItServices.waitUntil("every job running and checkpointing", DEADLINE, () -> {
                pipeline.assertNoneEnded();
                Map<ChronicleJob, Long> latest = pipeline.completedCheckpoints();
                return pipeline.running() && completed.keySet().stream().allMatch(j -> latest.get(j) > completed.get(j));
            }, () -> "checkpoints " + pipeline.checkpointStates() + ", failures " + pipeline.failures());
            System.out.printf("%s: %s recovered after %.1f s; restarts %s, checkpoints %s, failures %s%n", run,
                    pipeline.jobs(), (System.nanoTime() - start) / 1e9, pipeline.restartsByJob(),
                    pipeline.checkpointStates(), pipeline.failures());
        }
        ExactlyOnce.assertLanded(conf, produced, kafkaTimestamp, services.kafka.bootstrapServers());
    }

    /** The {@code tenant/trace_id} of each row of {@code traces} as last committed, deletes applied. */
    private static List<String> traceKeys(Table traces) {
        traces.refresh();
        List<String> keys = new ArrayList<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(traces).select("tenant", "trace_id").build()) {
            for (Record row : rows) {
                keys.add(row.getField("tenant") + "/" + row.getField("trace_id"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return keys;
    }

    /** {@code extra} spread evenly through {@code items}, each list's order kept. */
    private static List<SteadyTraffic.Item> interleave(List<SteadyTraffic.Item> items, List<SteadyTraffic.Item> extra) {
        List<SteadyTraffic.Item> merged = new ArrayList<>(items.size() + extra.size());
        int next = 0;
        for (int i = 0; i < items.size(); i++) {
            while (next < extra.size() && (long) next * items.size() <= (long) i * extra.size()) {
                merged.add(extra.get(next++));
            }
            merged.add(items.get(i));
        }
        merged.addAll(extra.subList(next, extra.size()));
        return merged;
    }

    /**
     * The test's job configuration: fast checkpoints, and restarts with a short exponential
     * backoff without a limit, the shape of Flink's default at a test's time scale.
     */
    private static Configuration jobConf(Configuration conf, String run) {
        Configuration jobConf = services.jobConf(conf, run);
        jobConf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, CHECKPOINT_INTERVAL);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofMillis(200));
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(2));
        return jobConf;
    }

    /** An outage's length: the fault itself, not a wait for something to happen. */
    private static void holdFor(Duration outage) throws InterruptedException {
        Thread.sleep(outage.toMillis());
    }
}
