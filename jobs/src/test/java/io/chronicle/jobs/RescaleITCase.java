package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.TimedTraffic.Point;
import io.chronicle.jobs.TimedTraffic.Timed;
import io.chronicle.jobs.TimedTraffic.Trace;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.chronicle.jobs.TimedTraffic.PARTITIONS;
import static io.chronicle.jobs.TimedTraffic.SECOND;
import static io.chronicle.jobs.TimedTraffic.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A savepoint taken at parallelism 2 mid-stream (5-minute and hourly windows open, traces half
 * way, event ids remembered for deduplication) restored at parallelism 1 and at 3: once the rest
 * of the traffic is read, every table holds exactly the rows of a run at parallelism 2 that was
 * never stopped, and those rows are the ones the traffic gives, computed here from it alone.
 * A malformed record on each partition on either side of the savepoint lands in {@code rejected}.
 * Each restore writes to its own copy of the catalog as it was at the savepoint.
 */
class RescaleITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final int TRACES = 30;

    @Test
    void aSavepointAtParallelismTwoRestoredAtOneAndAtThreeGivesTheTablesOfAnUninterruptedRun() throws Exception {
        String run = "rescale";
        // Idle partitions leave event time soon: at parallelism 3 one reader has no partition. Not
        // sooner: all traffic is sent up front, and a partition whose fetch waits longer than this
        // on a loaded machine would be left behind by event time, its points then too late.
        Map<String, String> options = Map.of(ChronicleOptions.ALERTS_ENABLED.key(), "false",
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "15 s");
        Configuration conf = services.chronicleConf(run, options);
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        services.kafka.createTopic(pointsTopic, PARTITIONS, false);
        services.kafka.createTopic(eventsTopic, PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant t0 = now.minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
        long cutMillis = t0.plus(Duration.ofMinutes(40)).toEpochMilli();
        Random random = new Random(23);
        List<Point> points = TimedTraffic.points(micros(t0.plus(Duration.ofMinutes(10))),
                micros(t0.plus(Duration.ofMinutes(70))), random);
        List<Trace> traces = TimedTraffic.traces("trace-", t0.toEpochMilli(), TRACES, random);
        List<Timed> events = new ArrayList<>(TimedTraffic.events(traces));
        int unique = events.size();
        // Redeliveries five minutes on, some of them across the savepoint.
        for (int i = 0; i < unique; i += 5) {
            Timed e = events.get(i);
            events.add(new Timed(e.atMillis() + 300_000, e.partition(), e.json()));
        }
        events.sort(Comparator.comparingLong(Timed::atMillis));
        List<Point> before = points.stream().filter(p -> p.tsMicros() / 1_000 < cutMillis).toList();
        List<Point> after = new ArrayList<>(points.stream().filter(p -> p.tsMicros() / 1_000 >= cutMillis).toList());
        // Event time of the points then passes every window of the traffic plus its lateness.
        long flushMicros = micros(now.minus(Duration.ofMinutes(1)));
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i <= ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue(); i++) {
                after.add(flushPoint(p, flushMicros + i));
            }
        }
        List<Timed> eventsBefore = events.stream().filter(e -> e.atMillis() < cutMillis).toList();
        List<Timed> eventsAfter = events.stream().filter(e -> e.atMillis() >= cutMillis).toList();
        long uniqueBefore = eventsBefore.stream().map(Timed::json).distinct().count();
        List<String> jsonBefore = eventsBefore.stream().map(Timed::json).toList();
        assertThat(eventsAfter.stream().filter(e -> jsonBefore.contains(e.json()))).as("redeliveries across the savepoint")
                .isNotEmpty();

        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            TimedTraffic.send(producer, pointsTopic, before);
            TimedTraffic.sendEvents(producer, eventsTopic, eventsBefore);
            sendMalformed(producer, pointsTopic);
        }
        Path savepoints = Files.createDirectories(tempDir.resolve("savepoints-" + run));
        String savepoint;
        JobClient first = start(conf, run + "-p2", 2, null);
        try {
            ItServices.waitUntil("the traffic before the savepoint in points_raw and events", DEADLINE,
                    () -> count(conf, "SELECT count(*) FROM points_raw") == before.size()
                            && count(conf, "SELECT count(*) FROM events") == uniqueBefore
                            && count(conf, "SELECT count(*) FROM rejected") == PARTITIONS,
                    () -> progress(conf, first));
            savepoint = first.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(2, TimeUnit.MINUTES);
        } catch (Exception | AssertionError e) {
            first.cancel();
            throw e;
        }
        assertThat(count(conf, "SELECT count(*) FROM rollup_1h")).as("every hour open at the savepoint").isZero();
        assertThat(count(conf, "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')"))
                .as("traces open at the savepoint").isLessThan(TRACES);
        Path catalog = Path.of(conf.get(ChronicleOptions.CATALOG_URI).substring("jdbc:sqlite:".length()));
        Configuration atOne = fork(conf, catalog, "p1", options);
        Configuration atThree = fork(conf, catalog, "p3", options);

        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            sendMalformed(producer, pointsTopic);
            TimedTraffic.send(producer, pointsTopic, after);
            TimedTraffic.sendEvents(producer, eventsTopic, eventsAfter);
        }
        Map<String, String> reference = new HashMap<>(options);
        reference.put(ChronicleOptions.TOPIC_POINTS.key(), pointsTopic);
        reference.put(ChronicleOptions.TOPIC_EVENTS.key(), eventsTopic);
        Configuration uninterrupted = services.chronicleConf(run + "-reference", reference);
        services.kafka.createTopic(uninterrupted.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Map<List<Object>, TimedTraffic.Expected> fiveMinutes = TimedTraffic.expected(points, 300 * SECOND);
        Map<List<Object>, TimedTraffic.Expected> hours = TimedTraffic.expected(points, 3_600 * SECOND);
        long allPoints = points.size() + (long) PARTITIONS * (ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue() + 1);
        Map<String, Map<String, List<String>>> tables = new HashMap<>();
        for (Configuration c : List.of(uninterrupted, atOne, atThree)) {
            String name = c == uninterrupted ? "uninterrupted" : c == atOne ? "restored at 1" : "restored at 3";
            JobClient job = start(c, run + "-" + name.replace(' ', '-'), c == atOne ? 1 : c == atThree ? 3 : 2,
                    c == uninterrupted ? null : savepoint);
            try {
                ItServices.waitUntil(name + ": every point, event, window and trace", DEADLINE,
                        () -> count(c, "SELECT count(*) FROM points_raw") == allPoints
                                && count(c, "SELECT count(*) FROM rejected") == 2 * PARTITIONS
                                && count(c, "SELECT count(*) FROM events") == unique
                                && count(c, "SELECT count(*) FROM rollup_5m WHERE tenant <> 'flush'") == fiveMinutes.size()
                                && count(c, "SELECT count(*) FROM rollup_1h WHERE tenant <> 'flush'") == hours.size()
                                && count(c, "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')")
                                == TRACES
                                // Each sink commits on its own: the last of the agent days too.
                                && count(c, "SELECT CAST(sum(tasks_completed + tasks_failed) AS BIGINT)"
                                        + " FROM agent_metrics") == TRACES,
                        () -> progress(c, job));
            } finally {
                job.cancel().get(1, TimeUnit.MINUTES);
            }
            tables.put(name, ReplayITCase.tables(c));
            if (c == uninterrupted) {
                TimedTraffic.assertRollups(c, "rollup_5m", "tenant <> 'flush'", fiveMinutes);
                TimedTraffic.assertRollups(c, "rollup_1h", "tenant <> 'flush'", hours);
                TimedTraffic.assertTraces(TimedTraffic.traceRows(c), traces);
                assertThat(ItServices.query(c, "SELECT reason_code FROM rejected")).extracting(r -> r.getField(0))
                        .as("the malformed records only").containsOnly("malformed_json");
            }
        }
        for (String table : ReplayITCase.TABLES.keySet()) {
            assertThat(tables.get("uninterrupted").get(table)).as(table).isNotEmpty();
            assertThat(tables.get("restored at 1").get(table)).as("%s restored at parallelism 1", table)
                    .isEqualTo(tables.get("uninterrupted").get(table));
            assertThat(tables.get("restored at 3").get(table)).as("%s restored at parallelism 3", table)
                    .isEqualTo(tables.get("uninterrupted").get(table));
        }
    }

    /** What a run holds so far, for a timeout's message. */
    private static String progress(Configuration c, JobClient job) {
        String status;
        try {
            status = job.getJobStatus().get(10, TimeUnit.SECONDS).toString();
        } catch (Exception e) {
            status = e.toString();
        }
        return "job " + status + "; points_raw " + count(c, "SELECT count(*) FROM points_raw")
                + ", events " + count(c, "SELECT count(*) FROM events")
                + ", rollup_5m " + count(c, "SELECT count(*) FROM rollup_5m WHERE tenant <> 'flush'")
                + ", rollup_1h " + count(c, "SELECT count(*) FROM rollup_1h WHERE tenant <> 'flush'")
                + ", finished traces " + count(c, "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')")
                + ", rejected " + count(c, "SELECT count(*) FROM rejected");
    }

    /** One malformed record at the end of each partition. */
    private static void sendMalformed(KafkaProducer<byte[], byte[]> producer, String topic) throws Exception {
        for (int p = 0; p < PARTITIONS; p++) {
            producer.send(new ProducerRecord<>(topic, p, null,
                    "{\"metric\":\"cpu_usage\",\"value\":".getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private static Point flushPoint(int partition, long tsMicros) {
        for (int h = 0; ; h++) {
            Point p = new Point("flush", "p" + h, tsMicros, 0);
            if (p.partition() == partition) {
                return p;
            }
        }
    }

    /** The run's configuration on a copy of its catalog as it is now; same topics, same group. */
    private static Configuration fork(Configuration conf, Path catalog, String name, Map<String, String> options)
            throws Exception {
        Path copy = catalog.resolveSibling(catalog.getFileName().toString().replace(".db", "-" + name + ".db"));
        Files.copy(catalog, copy);
        Map<String, String> extra = new HashMap<>(options);
        extra.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + copy);
        return services.chronicleConf("rescale", extra);
    }

    private static JobClient start(Configuration conf, String run, int parallelism, String savepoint)
            throws Exception {
        Configuration jobConf = services.jobConf(conf, run);
        if (savepoint != null) {
            jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(parallelism);
        IngestJob.fromConfig(conf).build(env);
        return env.executeAsync(IngestJob.jobName(conf));
    }

    private static long micros(Instant t) {
        return t.toEpochMilli() * 1_000L;
    }
}
