package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.types.Row;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Issue 13's event-time outliers end to end, against real Kafka and S3. On the points topic, each
 * partition gets one point dated 23 hours ahead (accepted: this deployment allows a day of skew)
 * in the middle of an hour of ordinary points, and one point whose value the rollups' sketch
 * cannot hold; on the events topic, each partition starts with an event without a timestamp (so
 * it takes the Kafka timestamp, the present) and then a backfill of two-day-old traces. Every
 * ordinary point must be in its {@code rollup_5m} row and every backfilled trace in
 * {@code traces}, equal to a reference computed here; nothing is {@code too_late}; the two values
 * are {@code value_out_of_range}; and the job never restarts. The records after the outliers are
 * produced only once the outliers are committed, so the sources have emitted watermarks in
 * between, as they would on a live stream.
 */
class EventTimeOutliersITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final long SECOND = 1_000_000L;
    private static final long FIVE_MINUTES = 300 * SECOND;
    private static final int PARTITIONS = 2;
    private static final int TRACES = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Point(String tenant, String host, long tsMicros, double value) {
        int partition() {
            return Math.floorMod((tenant + host).hashCode(), PARTITIONS);
        }

        String json() {
            return "{\"tenant\":\"" + tenant + "\",\"metric\":\"cpu_usage\",\"tags\":{\"host\":\"" + host
                    + "\"},\"value\":" + value + ",\"timestamp\":" + tsMicros + "}";
        }
    }

    /** A backfilled trace: created, assigned, started, then completed or failed, in milliseconds. */
    record Trace(String traceId, String agent, long created, long assigned, long started, long finished,
            boolean completed) {
        int partition() {
            return Math.floorMod(traceId.hashCode(), PARTITIONS);
        }
    }

    record Timed(long atMillis, int partition, String json) {}

    @Test
    void outliersLeaveTheRecordsAroundThemOnTimeAndTheJobNeverRestarts(
            @InjectClusterClient RestClusterClient<?> cluster) throws Exception {
        String run = "outliers";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.INGEST_MAX_FUTURE_SKEW.key(), "1 d",
                ChronicleOptions.ROLLUP_TIERS.key(), "5m",
                ChronicleOptions.ALERTS_ENABLED.key(), "false"));
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        services.kafka.createTopic(pointsTopic, PARTITIONS, false);
        services.kafka.createTopic(eventsTopic, PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Random random = new Random(13);
        List<Point> points = points(now, random);
        Map<List<Object>, Expected> expected = expected(points);
        List<Trace> traces = traces(now.toEpochMilli() - Duration.ofDays(2).toMillis(), random);
        List<Timed> backfill = backfill(traces);
        long ahead = (now.toEpochMilli() + Duration.ofHours(23).toMillis()) * 1_000L;
        long liveAt = now.toEpochMilli();
        int outliers = ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue();

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(2);
        IngestJob.fromConfig(conf).build(env);
        JobClient job = env.executeAsync(IngestJob.JOB_NAME);
        Set<String> outOfRange = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table fiveMinutes = catalog.loadTable(TableIdentifier.of("chronicle", "rollup_5m"));
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));

            // First the outliers, each after a third of its partition's ordinary points; then,
            // once they are committed (so the sources have long emitted watermarks past them),
            // everything that follows them.
            List<List<Point>> rest = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                List<Point> ordinary = points.stream().filter(x -> x.partition() == partition).toList();
                int third = ordinary.size() / 3;
                send(producer, pointsTopic, p, ordinary.subList(0, third));
                Point first = ordinary.get(0);
                send(producer, pointsTopic, p, List.of(new Point(first.tenant(), first.host(), ahead, 1.0)));
                outOfRange.addAll(send(producer, pointsTopic, p, List.of(new Point(first.tenant(),
                        first.host(), ordinary.get(third).tsMicros() + 1, Double.MAX_VALUE))));
                rest.add(ordinary.subList(third, ordinary.size()));
                // No timestamp: its event time is the Kafka timestamp, the present.
                String live = "{\"event_id\":\"live-" + p + "\",\"trace_id\":\"live-" + p
                        + "\",\"source\":\"dispatch\",\"event_type\":\"task.created\"}";
                producer.send(new ProducerRecord<>(eventsTopic, p, liveAt, null,
                        live.getBytes(StandardCharsets.UTF_8))).get();
            }
            ItServices.waitUntil("the outliers committed", DEADLINE,
                    () -> count(conf, "SELECT count(*) FROM points_raw WHERE ts > CURRENT_TIMESTAMP") == PARTITIONS
                            && count(conf, "SELECT count(*) FROM events WHERE trace_id LIKE 'live-%'") == PARTITIONS);

            for (int p = 0; p < PARTITIONS; p++) {
                send(producer, pointsTopic, p, rest.get(p));
                // Event time then passes every ordinary window plus its lateness.
                List<Point> flush = new ArrayList<>();
                for (int i = 0; i <= outliers; i++) {
                    flush.add(new Point("flush", "p" + p, (now.toEpochMilli() - 60_000L) * 1_000L + i, 0));
                }
                send(producer, pointsTopic, p, flush);
            }
            for (Timed e : backfill) {
                producer.send(new ProducerRecord<>(eventsTopic, e.partition(), null,
                        e.json().getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();

            ItServices.waitUntil("every ordinary window and every backfilled trace", DEADLINE,
                    () -> TableStats.committedRecords(fiveMinutes) >= expected.size()
                            && count(conf, FINISHED_TRACES) == TRACES
                            && TableStats.committedRecords(rejected) >= outOfRange.size(),
                    () -> "5m " + TableStats.committedRecords(fiveMinutes) + "/" + expected.size()
                            + ", traces " + count(conf, FINISHED_TRACES) + "/" + TRACES
                            + ", rejected " + TableStats.committedRecords(rejected));
            // A rejection of a record read before those rows would be committed by now; one
            // more commit of the rejected table after this point makes sure.
            long seen = System.currentTimeMillis();
            ItServices.waitUntil("a commit of the rejected table after the rows", DEADLINE, () -> {
                rejected.refresh();
                Snapshot current = rejected.currentSnapshot();
                return current != null && current.timestampMillis() > seen;
            });
            assertNeverRestarted(cluster, job.getJobID());
        } finally {
            job.cancel().get();
        }

        assertRollupsMatch(conf, expected);
        assertTraces(conf, traces, liveAt);
        Map<String, String> reasons = new HashMap<>();
        for (Row row : ItServices.query(conf,
                "SELECT source_topic, source_partition, source_offset, reason_code FROM rejected")) {
            reasons.put(row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2), (String) row.getField(3));
        }
        Map<String, String> expectedReasons = new HashMap<>();
        outOfRange.forEach(at -> expectedReasons.put(pointsTopic + "/" + at, "value_out_of_range"));
        assertThat(reasons).as("nothing too_late; the two values the sketch cannot hold refused")
                .isEqualTo(expectedReasons);
    }

    /** Eight series of two tenants, a point every 10 s for an hour ending 20 minutes ago. */
    private static List<Point> points(Instant now, Random random) {
        long start = (now.toEpochMilli() - Duration.ofMinutes(80).toMillis()) * 1_000L;
        List<Point> points = new ArrayList<>();
        for (String tenant : List.of("acme", "globex")) {
            for (int h = 0; h < 4; h++) {
                double value = 50;
                for (long ts = start + random.nextInt(10_000_000); ts < start + 3_600 * SECOND; ts += 10 * SECOND) {
                    value = Math.max(0.5, value + random.nextGaussian() * 5);
                    points.add(new Point(tenant, "host-" + h, ts, value));
                }
            }
        }
        points.sort(Comparator.comparingLong(Point::tsMicros));
        return points;
    }

    /** Produces the points to one partition in order; returns each one's "partition/offset". */
    private static List<String> send(KafkaProducer<byte[], byte[]> producer, String topic, int partition,
            List<Point> points) throws Exception {
        List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
        for (Point p : points) {
            sent.add(producer.send(new ProducerRecord<>(topic, partition, null,
                    p.json().getBytes(StandardCharsets.UTF_8))));
        }
        List<String> at = new ArrayList<>();
        for (var f : sent) {
            RecordMetadata m = f.get();
            at.add(m.partition() + "/" + m.offset());
        }
        return at;
    }

    private static List<Trace> traces(long t0, Random random) {
        List<Trace> traces = new ArrayList<>();
        for (int i = 0; i < TRACES; i++) {
            long created = t0 + random.nextInt(3_600_000);
            long assigned = created + 1_000 + random.nextInt(60_000);
            long started = assigned + 1_000 + random.nextInt(120_000);
            long finished = started + 10_000 + random.nextInt(600_000);
            traces.add(new Trace("bf-" + i, "agent-" + random.nextInt(5), created, assigned, started,
                    finished, random.nextInt(5) != 0));
        }
        return traces;
    }

    /** Every event of the backfill, each partition's in event-time order. */
    private static List<Timed> backfill(List<Trace> traces) {
        List<Timed> out = new ArrayList<>();
        for (Trace t : traces) {
            int p = t.partition();
            out.add(new Timed(t.created(), p, event(t, "task.created", t.created(), "{}")));
            out.add(new Timed(t.assigned(), p, event(t, "task.assigned", t.assigned(),
                    "{\"agent_id\":\"" + t.agent() + "\"}")));
            out.add(new Timed(t.started(), p, event(t, "task.started", t.started(), "{}")));
            out.add(t.completed()
                    ? new Timed(t.finished(), p, event(t, "task.completed", t.finished(), "{}"))
                    : new Timed(t.finished(), p, event(t, "task.failed", t.finished(), "{\"error\":\"boom\"}")));
        }
        out.sort(Comparator.comparingLong(Timed::atMillis));
        return out;
    }

    private static String event(Trace t, String type, long at, String metadata) {
        return "{\"event_id\":\"" + t.traceId() + "/" + type + "\",\"trace_id\":\"" + t.traceId()
                + "\",\"source\":\"" + t.agent() + "\",\"event_type\":\"" + type + "\",\"timestamp\":\""
                + Instant.ofEpochMilli(at) + "\",\"metadata\":" + metadata + "}";
    }

    record Expected(long count, BigDecimal sum, double min, double max, double first, long firstTs,
            double last, long lastTs) {}

    /** Each (tenant, host, window start) computed from the ordinary points alone. */
    private static Map<List<Object>, Expected> expected(List<Point> points) {
        Map<List<Object>, List<Point>> windows = new TreeMap<>(Comparator.comparing(Object::toString));
        for (Point p : points) {
            long start = Math.floorDiv(p.tsMicros(), FIVE_MINUTES) * FIVE_MINUTES;
            windows.computeIfAbsent(List.of(p.tenant(), p.host(), instant(start)), k -> new ArrayList<>()).add(p);
        }
        Map<List<Object>, Expected> out = new HashMap<>();
        windows.forEach((key, in) -> {
            BigDecimal sum = BigDecimal.ZERO;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (Point p : in) {
                sum = sum.add(new BigDecimal(p.value()));
                min = Math.min(min, p.value());
                max = Math.max(max, p.value());
            }
            Point first = in.get(0);
            Point last = in.get(in.size() - 1);
            out.put(key, new Expected(in.size(), sum, min, max, first.value(), first.tsMicros(),
                    last.value(), last.tsMicros()));
        });
        return out;
    }

    private static void assertRollupsMatch(Configuration conf, Map<List<Object>, Expected> expected)
            throws Exception {
        Map<List<Object>, Row> rows = new HashMap<>();
        for (Row row : ItServices.query(conf, "SELECT tenant, tags['host'], window_start, sample_count,"
                + " value_sum, value_min, value_max, value_first, first_ts, value_last, last_ts"
                + " FROM rollup_5m WHERE tenant <> 'flush'")) {
            List<Object> key = List.of(row.getField(0), row.getField(1), row.getField(2));
            assertThat(rows.put(key, row)).as("rollup_5m row %s is written once", key).isNull();
        }
        assertThat(rows.keySet()).as("every ordinary window, no other").isEqualTo(expected.keySet());
        for (Map.Entry<List<Object>, Expected> e : expected.entrySet()) {
            Row row = rows.get(e.getKey());
            Expected x = e.getValue();
            String what = "rollup_5m " + e.getKey();
            assertThat(row.getField(3)).as(what).isEqualTo(x.count());
            assertThat((Double) row.getField(4)).as(what).isCloseTo(x.sum().doubleValue(),
                    within(Math.abs(x.sum().doubleValue()) * 1e-12));
            assertThat(row.getField(5)).as(what).isEqualTo(x.min());
            assertThat(row.getField(6)).as(what).isEqualTo(x.max());
            assertThat(row.getField(7)).as(what).isEqualTo(x.first());
            assertThat(row.getField(8)).as(what).isEqualTo(instant(x.firstTs()));
            assertThat(row.getField(9)).as(what).isEqualTo(x.last());
            assertThat(row.getField(10)).as(what).isEqualTo(instant(x.lastTs()));
        }
    }

    private static final String FINISHED_TRACES =
            "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')";

    /** A count through Flink SQL; -1 while the table is not there yet. */
    private static long count(Configuration conf, String sql) {
        try {
            return (Long) ItServices.query(conf, sql).get(0).getField(0);
        } catch (Exception e) {
            return -1;
        }
    }

    private static void assertTraces(Configuration conf, List<Trace> traces, long liveAt) throws Exception {
        Map<String, Row> rows = new HashMap<>();
        for (Row row : ItServices.query(conf, "SELECT trace_id, status, assigned_agent, created_at,"
                + " assigned_at, started_at, completed_at, duration_ms, time_to_pickup_ms, span_count,"
                + " error, last_event_time FROM traces")) {
            assertThat(rows.put((String) row.getField(0), row)).as("one row per trace").isNull();
        }
        assertThat(rows).hasSize(TRACES + PARTITIONS);
        for (Trace t : traces) {
            Row row = rows.get(t.traceId());
            String what = t.toString();
            assertThat(row).as(what).isNotNull();
            assertThat(row.getField(1)).as(what).isEqualTo(t.completed() ? "completed" : "failed");
            assertThat(row.getField(2)).as(what).isEqualTo(t.agent());
            assertThat(row.getField(3)).as(what).isEqualTo(Instant.ofEpochMilli(t.created()));
            assertThat(row.getField(4)).as(what).isEqualTo(Instant.ofEpochMilli(t.assigned()));
            assertThat(row.getField(5)).as(what).isEqualTo(Instant.ofEpochMilli(t.started()));
            assertThat(row.getField(6)).as(what).isEqualTo(Instant.ofEpochMilli(t.finished()));
            assertThat(row.getField(7)).as(what + " duration").isEqualTo(t.finished() - t.started());
            assertThat(row.getField(8)).as(what + " pickup").isEqualTo(t.started() - t.assigned());
            assertThat(row.getField(9)).as(what + " spans").isEqualTo(4);
            assertThat(row.getField(10)).as(what).isEqualTo(t.completed() ? null : "boom");
            assertThat(row.getField(11)).as(what).isEqualTo(Instant.ofEpochMilli(t.finished()));
        }
        for (int p = 0; p < PARTITIONS; p++) {
            Row row = rows.get("live-" + p);
            assertThat(row.getField(1)).isEqualTo("pending");
            assertThat(row.getField(3)).as("the Kafka timestamp").isEqualTo(Instant.ofEpochMilli(liveAt));
            assertThat(row.getField(9)).isEqualTo(1);
        }
    }

    /** Through Flink's REST API: no entry in the job's exception history, and no restart. */
    private static void assertNeverRestarted(RestClusterClient<?> cluster, JobID job) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String base = cluster.getWebInterfaceURL() + "/jobs/" + job;
        JsonNode exceptions = JSON.readTree(get(http, base + "/exceptions"));
        assertThat(exceptions.get("exceptionHistory").get("entries")).as("exception history").isEmpty();
        JsonNode[] restarts = new JsonNode[1];
        ItServices.waitUntil("the job's restart count", DEADLINE, () -> {
            try {
                restarts[0] = JSON.readTree(get(http, base + "/metrics?get=numRestarts"));
                return restarts[0].size() == 1;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(restarts[0].get(0).get("value").asText()).as("restarts").isEqualTo("0");
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(200);
        return response.body();
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, SECOND), Math.floorMod(micros, SECOND) * 1_000);
    }
}
