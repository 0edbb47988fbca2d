package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.TimedTraffic.Expected;
import io.chronicle.jobs.TimedTraffic.Point;
import io.chronicle.jobs.TimedTraffic.Trace;
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
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static io.chronicle.jobs.TimedTraffic.PARTITIONS;
import static io.chronicle.jobs.TimedTraffic.count;
import static org.assertj.core.api.Assertions.assertThat;

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
    private static final long FIVE_MINUTES = 300 * TimedTraffic.SECOND;
    private static final int TRACES = 60;
    private static final String FINISHED_TRACES =
            "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')";
    private static final ObjectMapper JSON = new ObjectMapper();

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
        // An hour of ordinary points ending 20 minutes ago.
        List<Point> points = TimedTraffic.points(micros(now.minus(Duration.ofMinutes(80))),
                micros(now.minus(Duration.ofMinutes(20))), random);
        Map<List<Object>, Expected> expected = TimedTraffic.expected(points, FIVE_MINUTES);
        List<Trace> traces = TimedTraffic.traces("bf-", now.minus(Duration.ofDays(2)).toEpochMilli(), TRACES, random);
        long ahead = micros(now.plus(Duration.ofHours(23)));
        long liveAt = now.toEpochMilli();
        int outliers = ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue();

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(2);
        IngestJob.fromConfig(conf).build(env);
        JobClient job = env.executeAsync(IngestJob.jobName(conf));
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
                TimedTraffic.send(producer, pointsTopic, p, ordinary.subList(0, third));
                Point first = ordinary.get(0);
                TimedTraffic.send(producer, pointsTopic, p, List.of(new Point(first.tenant(), first.host(), ahead, 1.0)));
                outOfRange.addAll(TimedTraffic.send(producer, pointsTopic, p, List.of(new Point(first.tenant(),
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
                TimedTraffic.send(producer, pointsTopic, p, rest.get(p));
                // Event time then passes every ordinary window plus its lateness.
                List<Point> flush = new ArrayList<>();
                for (int i = 0; i <= outliers; i++) {
                    flush.add(new Point("flush", "p" + p, micros(now.minus(Duration.ofMinutes(1))) + i, 0));
                }
                TimedTraffic.send(producer, pointsTopic, p, flush);
            }
            TimedTraffic.sendEvents(producer, eventsTopic, TimedTraffic.events(traces));

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

        TimedTraffic.assertRollups(conf, "rollup_5m", "tenant <> 'flush'", expected);
        Map<String, Row> rows = TimedTraffic.traceRows(conf);
        assertThat(rows).hasSize(TRACES + PARTITIONS);
        TimedTraffic.assertTraces(rows, traces);
        for (int p = 0; p < PARTITIONS; p++) {
            Row live = rows.get("live-" + p);
            assertThat(live.getField(1)).isEqualTo("pending");
            assertThat(live.getField(3)).as("the Kafka timestamp").isEqualTo(Instant.ofEpochMilli(liveAt));
            assertThat(live.getField(9)).isEqualTo(1);
        }
        Map<String, String> expectedReasons = new HashMap<>();
        outOfRange.forEach(at -> expectedReasons.put(pointsTopic + "/" + at, "value_out_of_range"));
        assertThat(TimedTraffic.rejections(conf))
                .as("nothing too_late; the two values the sketch cannot hold refused").isEqualTo(expectedReasons);
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

    private static long micros(Instant t) {
        return t.toEpochMilli() * 1_000L;
    }
}
