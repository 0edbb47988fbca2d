package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.sinks.DeadLetterSink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limits of what one producer can make Chronicle keep, end to end against real Kafka and S3:
 * a tenant with more series than its limit gets exactly the series its shards admit rolled up,
 * and every point of the others in {@code rejected} as {@code cardinality_limit} (all of them
 * in {@code points_raw}); a trace with more events than a trace may have keeps the first ones,
 * refuses the rest as {@code too_many_events} and counts them in {@code events_dropped}.
 */
class LimitsITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final int SHARDS = 4;
    private static final int LIMIT = 8;
    private static final int SERIES = 20;
    private static final int MAX_EVENTS = 50;
    private static final int TRACE_EVENTS = 80;

    @Test
    void aTenantOverItsSeriesAndATraceOverItsEventsAreRefusedExactly() throws Exception {
        String run = "limits";
        Configuration conf = services.chronicleConf(run, Map.of(
                RollupPolicy.TENANTS_PREFIX + "capped.max-series-per-tenant", String.valueOf(LIMIT),
                ChronicleOptions.ROLLUP_MAX_SERIES_SHARDS.key(), String.valueOf(SHARDS),
                ChronicleOptions.ROLLUP_TIERS.key(), "5m",
                ChronicleOptions.TRACES_MAX_EVENTS.key(), String.valueOf(MAX_EVENTS),
                ChronicleOptions.ALERTS_ENABLED.key(), "false",
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "2 s"));
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        // One partition each: the order every key sees is the order produced.
        services.kafka.createTopic(pointsTopic, 1, false);
        services.kafka.createTopic(eventsTopic, 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        long t0 = Instant.now().minus(Duration.ofDays(1)).truncatedTo(ChronoUnit.HOURS).toEpochMilli();
        List<String> points = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int s = 0; s < SERIES; s++) {
                points.add(point("capped", "h" + s, t0 + 10_000L * (round + 1), round + s));
            }
            points.add(point("free", "h0", t0 + 10_000L * (round + 1), round));
        }
        // Far ahead, so the windows close: a series of the tenant without a limit, once more than
        // the watermark lets lie ahead of a partition's stream.
        for (int i = 0; i <= ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue(); i++) {
            points.add(point("free", "flush", t0 + 3 * 3_600_000L + i, 0));
        }
        List<String> events = new ArrayList<>();
        for (int i = 0; i < TRACE_EVENTS; i++) {
            String type = i == 0 ? "task.created" : i == 1 ? "task.assigned" : i == 2 ? "task.started"
                    : i == TRACE_EVENTS - 1 ? "task.completed" : "task.progress";
            events.add(event("hot", "e" + i, type, t0 + 1_000L * i));
        }
        for (int i = 0; i <= ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue(); i++) {
            events.add(event("flush" + i, "f" + i, "task.created", t0 + 5 * 3_600_000L + i));
        }

        Map<Long, String> pointOffsets = produce(pointsTopic, points);
        Map<Long, String> eventOffsets = produce(eventsTopic, events);

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(2);
        new IngestJob(conf, IngestJob.pointsSource(conf, pointsTopic), IngestJob.eventsSource(conf, eventsTopic),
                DeadLetterSink.create(conf, "it-" + run)).build(env);
        JobClient job = env.executeAsync(IngestJob.JOB_NAME);
        int refusedPoints = (SERIES - LIMIT) * 3;
        int refusedEvents = TRACE_EVENTS - MAX_EVENTS;
        try {
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));
            Table rollups = catalog.loadTable(TableIdentifier.of("chronicle", "rollup_5m"));
            ItServices.waitUntil("the refusals and the capped tenant's rows", DEADLINE,
                    () -> TableStats.committedRecords(rejected) >= refusedPoints + refusedEvents
                            && TableStats.committedRecords(rollups) >= LIMIT + 1,
                    () -> "rejected " + TableStats.committedRecords(rejected) + " "
                            + queryQuietly(conf, "SELECT reason_code, count(*) FROM rejected GROUP BY reason_code")
                            + ", rollup_5m " + TableStats.committedRecords(rollups) + " "
                            + queryQuietly(conf, "SELECT tenant, tags['host'], sample_count FROM rollup_5m"));
            // Counted exactly once the trace's state is cleared (30 is no power of two).
            ItServices.waitUntil("the hot trace's final row", DEADLINE,
                    () -> !queryQuietly(conf, "SELECT 1 FROM traces WHERE trace_id = 'hot'"
                            + " AND events_dropped = " + refusedEvents).isEmpty());
        } finally {
            job.cancel().get();
        }

        // Which series the shards admit, from the ids Chronicle gave them: in each shard, the
        // first two (8 over 4 shards) in the order their first points were produced.
        Map<String, Long> seriesIds = new HashMap<>();
        for (Row row : ItServices.query(conf,
                "SELECT DISTINCT tags['host'], series_id FROM points_raw WHERE tenant = 'capped'")) {
            seriesIds.put((String) row.getField(0), (Long) row.getField(1));
        }
        assertThat(seriesIds).as("every point is in points_raw").hasSize(SERIES);
        Map<Long, List<String>> byShard = new LinkedHashMap<>();
        Set<String> admitted = new HashSet<>();
        for (int s = 0; s < SERIES; s++) {
            String host = "h" + s;
            List<String> shard = byShard.computeIfAbsent(
                    Long.remainderUnsigned(seriesIds.get(host), SHARDS), k -> new ArrayList<>());
            if (shard.size() < (LIMIT + SHARDS - 1) / SHARDS) {
                shard.add(host);
                admitted.add(host);
            }
        }
        Set<Long> expectedRefused = new HashSet<>();
        pointOffsets.forEach((offset, json) -> {
            if (json.contains("\"capped\"") && admitted.stream().noneMatch(h -> json.contains("\"" + h + "\""))) {
                expectedRefused.add(offset);
            }
        });
        Set<String> rolledUp = new HashSet<>();
        for (Row row : ItServices.query(conf,
                "SELECT tags['host'], sample_count FROM rollup_5m WHERE tenant = 'capped'")) {
            assertThat(row.getField(1)).isEqualTo(3L);
            rolledUp.add((String) row.getField(0));
        }
        assertThat(rolledUp).as("the admitted series, each in one window").isEqualTo(admitted);
        assertThat(ItServices.query(conf, "SELECT count(*) FROM points_raw").get(0).getField(0))
                .isEqualTo((long) points.size());

        Set<Long> refusedPointOffsets = new HashSet<>();
        Set<Long> refusedEventOffsets = new HashSet<>();
        for (Row row : ItServices.query(conf,
                "SELECT source_topic, source_offset, reason_code, tenant FROM rejected")) {
            if (row.getField(0).equals(pointsTopic)) {
                assertThat(row.getField(2)).isEqualTo("cardinality_limit");
                assertThat(row.getField(3)).isEqualTo("capped");
                assertThat(refusedPointOffsets.add((Long) row.getField(1))).isTrue();
            } else {
                assertThat(row.getField(2)).isEqualTo("too_many_events");
                assertThat(refusedEventOffsets.add((Long) row.getField(1))).isTrue();
            }
        }
        assertThat(refusedPointOffsets).as("every point of the refused series, once").isEqualTo(expectedRefused);
        assertThat(refusedPointOffsets).hasSize(refusedPoints);
        // Deduplication runs in parallel before the traces, so which events come last may vary;
        // how many may not.
        assertThat(refusedEventOffsets).hasSize(refusedEvents);
        assertThat(eventOffsets.keySet()).containsAll(refusedEventOffsets);

        List<Row> hot = ItServices.query(conf,
                "SELECT span_count, events_dropped FROM traces WHERE trace_id = 'hot'");
        assertThat(hot).hasSize(1);
        assertThat(hot.get(0).getField(0)).isEqualTo(MAX_EVENTS);
        assertThat(hot.get(0).getField(1)).isEqualTo((long) refusedEvents);
        assertThat(ItServices.query(conf, "SELECT count(*) FROM events WHERE trace_id = 'hot'")
                .get(0).getField(0)).as("every event is in events").isEqualTo((long) TRACE_EVENTS);
    }

    private static String point(String tenant, String host, long tsMillis, double value) {
        return "{\"tenant\":\"" + tenant + "\",\"metric\":\"cpu\",\"tags\":{\"host\":\"" + host
                + "\"},\"value\":" + value + ",\"timestamp\":" + tsMillis + "}";
    }

    private static String event(String trace, String id, String type, long tsMillis) {
        return "{\"tenant\":\"acme\",\"trace_id\":\"" + trace + "\",\"event_id\":\"" + trace + "-" + id
                + "\",\"event_type\":\"" + type + "\",\"source\":\"agent-1\",\"timestamp\":" + tsMillis + "}";
    }

    /** Produces the records in order into partition 0; returns each one's offset. */
    private static Map<Long, String> produce(String topic, List<String> records) throws Exception {
        Map<Long, String> offsets = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (String r : records) {
                sent.add(producer.send(new ProducerRecord<>(topic, 0, null, r.getBytes(StandardCharsets.UTF_8))));
            }
            for (int i = 0; i < records.size(); i++) {
                offsets.put(sent.get(i).get().offset(), records.get(i));
            }
        }
        return offsets;
    }

    private static List<Row> queryQuietly(Configuration conf, String sql) {
        try {
            return ItServices.query(conf, sql);
        } catch (Exception e) {
            return List.of();
        }
    }
}
