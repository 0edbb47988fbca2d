package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaPosition;
import io.chronicle.jobs.TimedTraffic.Point;
import io.chronicle.jobs.TimedTraffic.Timed;
import io.chronicle.jobs.TimedTraffic.Trace;
import io.chronicle.sinks.ProvenanceReplace;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.Snapshot;
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
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;

import static io.chronicle.jobs.TimedTraffic.PARTITIONS;
import static io.chronicle.jobs.TimedTraffic.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Replays against the real services while the live ingest job runs: the live job ingests points,
 * traces (a seventh of their events delivered again five minutes later) and malformed records,
 * every record with its event time as its Kafka timestamp, and writes every table, the rollup
 * tiers and views included. Then a range is replayed twice by offsets and twice by time, a replay
 * fails between its commits and is run again, and the rollup tiers of the range are rebuilt:
 * after each, every table holds exactly the rows it held before (every column but the time a row
 * was ingested or refused), and each replay replaced exactly the rows of its range.
 */
class ReplayITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final int TRACES = 30;

    /** What was produced at each "topic/partition/offset": a point, an event, or a malformed record. */
    private record Produced(String kind, long kafkaMillis, String eventId) {}

    static final Map<String, String> TABLES = new LinkedHashMap<>();

    static {
        TABLES.put("points_raw", "SELECT tenant, metric, tags, `value`, ts, series_id, source_topic,"
                + " source_partition, source_offset FROM points_raw");
        TABLES.put("events", "SELECT tenant, event_id, trace_id, source, event_type, event_time, metadata,"
                + " namespace, schema_id, schema_version, aggregate_id, source_topic, source_partition,"
                + " source_offset FROM events");
        TABLES.put("rejected", "SELECT reason_code, reason, tenant, payload, kafka_timestamp, source_topic,"
                + " source_partition, source_offset, payload_size, payload_truncated FROM rejected");
        TABLES.put("rollup_5m", "SELECT * FROM rollup_5m");
        TABLES.put("rollup_1h", "SELECT * FROM rollup_1h");
        TABLES.put("traces", "SELECT * FROM traces");
        TABLES.put("agent_metrics", "SELECT * FROM agent_metrics");
    }

    @Test
    void replaysByOffsetsAndByTimeRunTwiceOrFailingHalfWayLeaveEveryTableAsItWas() throws Exception {
        String run = "replay";
        Configuration conf = services.chronicleConf(run, Map.of(ChronicleOptions.ALERTS_ENABLED.key(), "false"));
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        services.kafka.createTopic(pointsTopic, PARTITIONS, false);
        services.kafka.createTopic(eventsTopic, PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant t0 = now.minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
        Random random = new Random(41);
        List<Point> points = TimedTraffic.points(micros(t0.plus(Duration.ofMinutes(10))),
                micros(t0.plus(Duration.ofMinutes(40))), random);
        List<Trace> traces = TimedTraffic.traces("trace-", t0.toEpochMilli(), TRACES, random);
        List<Timed> events = new ArrayList<>(TimedTraffic.events(traces));
        for (int i = 0; i < events.size(); i += 7) {
            Timed e = events.get(i);
            events.add(new Timed(e.atMillis() + 300_000, e.partition(), e.json()));
        }
        events.sort(Comparator.comparingLong(Timed::atMillis));

        Map<String, Produced> produced = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            for (int p = 0; p < PARTITIONS; p++) {
                List<Timed> records = new ArrayList<>();
                for (Point point : points) {
                    if (point.partition() == p) {
                        records.add(new Timed(point.tsMicros() / 1_000, p, point.json()));
                    }
                }
                addMalformed(records, "{\"metric\":\"cpu_usage\",\"value\":");
                send(producer, pointsTopic, p, records, "point", produced);
                List<Timed> pEvents = new ArrayList<>();
                for (Timed e : events) {
                    if (e.partition() == p) {
                        pEvents.add(e);
                    }
                }
                addMalformed(pEvents, "{\"trace_id\":");
                send(producer, eventsTopic, p, pEvents, "event", produced);
                // Event time of the points then passes every window of the traffic plus its lateness.
                List<Timed> flush = new ArrayList<>();
                for (int i = 0; i <= ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue(); i++) {
                    flush.add(new Timed(now.minus(Duration.ofMinutes(1)).toEpochMilli() + i, p,
                            new Point("flush", "p" + p, micros(now.minus(Duration.ofMinutes(1))) + i, 0).json()));
                }
                send(producer, pointsTopic, p, flush, "flush", produced);
            }
        }
        long goodPoints = produced.values().stream().filter(r -> !r.kind().equals("malformed")
                && !r.kind().equals("event")).count();
        long malformed = produced.values().stream().filter(r -> r.kind().equals("malformed")).count();
        long uniqueEvents = produced.values().stream().filter(r -> r.kind().equals("event"))
                .map(Produced::eventId).distinct().count();

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(2);
        IngestJob.fromConfig(conf).build(env);
        JobClient job = env.executeAsync(IngestJob.jobName(conf));
        try {
            ItServices.waitUntil("every record in its table, the windows and the traces", DEADLINE,
                    () -> count(conf, "SELECT count(*) FROM points_raw") == goodPoints
                            && count(conf, "SELECT count(*) FROM events") == uniqueEvents
                            && count(conf, "SELECT count(*) FROM rejected") == malformed
                            && count(conf, "SELECT count(*) FROM rollup_1h WHERE tenant <> 'flush'") == 8
                            && count(conf, "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')")
                            == TRACES);
            Map<String, List<String>> before = tables(conf);
            assertBaseline(before, produced);

            // By offsets: the middle half of the points topic's partitions, and of the events
            // topic's partition 0 only (--from names only it).
            Map<String, long[]> middle = new TreeMap<>();
            StringBuilder from = new StringBuilder();
            StringBuilder to = new StringBuilder();
            for (int p = 0; p < PARTITIONS; p++) {
                for (String topic : List.of(pointsTopic, eventsTopic)) {
                    long end = endOffset(produced, topic, p);
                    long[] range = {end / 4, 3 * end / 4};
                    to.append(to.length() == 0 ? "" : ",").append(topic).append(':').append(p).append(':').append(range[1]);
                    if (topic.equals(pointsTopic) || p == 0) {
                        middle.put(topic + "/" + p, range);
                        from.append(from.length() == 0 ? "" : ",").append(topic).append(':').append(p).append(':')
                                .append(range[0]);
                    }
                }
            }
            KafkaPosition byOffsetsFrom = KafkaPosition.parse("--from", from.toString(), ReplayJob.FROM_FORMS);
            KafkaPosition byOffsetsTo = KafkaPosition.parse("--to", to.toString(), KafkaPosition.ENDS);
            Map<String, Long> expectedByOffsets = replaced(before, produced, (key, r) -> {
                long[] range = middle.get(key.substring(0, key.lastIndexOf('/')));
                long offset = Long.parseLong(key.substring(key.lastIndexOf('/') + 1));
                return range != null && offset >= range[0] && offset < range[1];
            });
            for (int i = 0; i < 2; i++) {
                assertReplaced(replay(conf, run, byOffsetsFrom, byOffsetsTo), expectedByOffsets);
                assertThat(tables(conf)).as("after replay %s by offsets", i + 1).isEqualTo(before);
            }

            // By time: Kafka timestamps in [t0 + 20 min, t0 + 50 min), in every partition of both.
            long fromMillis = t0.plus(Duration.ofMinutes(20)).toEpochMilli();
            long toMillis = t0.plus(Duration.ofMinutes(50)).toEpochMilli();
            KafkaPosition byTimeFrom = KafkaPosition.parse("--from", "timestamp:" + Instant.ofEpochMilli(fromMillis),
                    ReplayJob.FROM_FORMS);
            KafkaPosition byTimeTo = KafkaPosition.parse("--to", "timestamp:" + toMillis, KafkaPosition.ENDS);
            Map<String, Long> expectedByTime = replaced(before, produced,
                    (key, r) -> r.kafkaMillis() >= fromMillis && r.kafkaMillis() < toMillis);
            assertThat(duplicatesOfEarlierEvents(produced, fromMillis, toMillis))
                    .as("the range holds events the live job dropped as duplicates of earlier ones").isPositive();
            for (int i = 0; i < 2; i++) {
                assertReplaced(replay(conf, run, byTimeFrom, byTimeTo), expectedByTime);
                assertThat(tables(conf)).as("after replay %s by time", i + 1).isEqualTo(before);
            }

            // A replay that fails after committing points_raw, before events: the tables hold
            // the same rows (points_raw its replayed ones), and a second run completes it.
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table pointsRaw = catalog.loadTable(TableIdentifier.of("chronicle", "points_raw"));
            Table eventsTable = catalog.loadTable(TableIdentifier.of("chronicle", "events"));
            long pointsSnapshot = pointsRaw.currentSnapshot().snapshotId();
            long eventsSnapshot = eventsTable.currentSnapshot().snapshotId();
            ReplayJob.Range range = ReplayJob.resolve(conf, byTimeFrom, byTimeTo);
            assertThatThrownBy(() -> ReplayJob.run(replayEnvironment(conf, run), conf, range, table -> {
                if (table.equals("events")) {
                    throw new IllegalStateException("injected: the replay dies before committing events");
                }
            })).hasMessageContaining("injected");
            pointsRaw.refresh();
            eventsTable.refresh();
            assertThat(pointsRaw.currentSnapshot().snapshotId()).as("points_raw committed").isNotEqualTo(pointsSnapshot);
            // The live job goes on appending to events meanwhile; the replay's commit would replace.
            for (Snapshot s = eventsTable.currentSnapshot(); s.snapshotId() != eventsSnapshot;
                    s = eventsTable.snapshot(s.parentId())) {
                assertThat(s.operation()).as("events not committed by the replay").isEqualTo(DataOperations.APPEND);
            }
            assertThat(tables(conf)).as("after the failed replay").isEqualTo(before);
            assertReplaced(replay(conf, run, byTimeFrom, byTimeTo), expectedByTime);
            assertThat(tables(conf)).as("after the replay run again").isEqualTo(before);

            // The rollup tiers of the range, rebuilt from the replayed points_raw.
            Configuration rebuild = new Configuration(conf);
            rebuild.set(PipelineOptions.GENERIC_TYPES, false);
            RollupRebuild.run(rebuild, "5m", t0, t0.plus(Duration.ofHours(1)));
            RollupRebuild.run(rebuild, "1h", t0, t0.plus(Duration.ofHours(1)));
            assertThat(tables(conf)).as("after the rollups' rebuild").isEqualTo(before);
        } finally {
            job.cancel().get();
        }
    }

    /** Every fifth record, a malformed one at the time of the record after it. */
    private static void addMalformed(List<Timed> records, String json) {
        for (int i = records.size() - 1; i > 0; i -= 5) {
            records.add(i, new Timed(records.get(i).atMillis(), records.get(i).partition(), "malformed:" + json));
        }
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int partition,
            List<Timed> records, String kind, Map<String, Produced> produced) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Timed r : records) {
            String json = r.json().startsWith("malformed:") ? r.json().substring("malformed:".length()) : r.json();
            sent.add(producer.send(new ProducerRecord<>(topic, partition, r.atMillis(), null,
                    json.getBytes(StandardCharsets.UTF_8))));
        }
        for (int i = 0; i < records.size(); i++) {
            RecordMetadata m = sent.get(i).get();
            Timed r = records.get(i);
            boolean bad = r.json().startsWith("malformed:");
            String eventId = kind.equals("event") && !bad ? r.json().replaceAll(".*\"event_id\":\"([^\"]+)\".*", "$1") : null;
            produced.put(m.topic() + "/" + m.partition() + "/" + m.offset(),
                    new Produced(bad ? "malformed" : kind, r.atMillis(), eventId));
        }
    }

    private static long endOffset(Map<String, Produced> produced, String topic, int partition) {
        return produced.keySet().stream().filter(k -> k.startsWith(topic + "/" + partition + "/"))
                .mapToLong(k -> Long.parseLong(k.substring(k.lastIndexOf('/') + 1)) + 1).max().orElse(0);
    }

    /**
     * The rows each raw table must have replaced for a range: its good points, its malformed
     * records, and its events that are the first of their id in Kafka.
     */
    private static Map<String, Long> replaced(Map<String, List<String>> before, Map<String, Produced> produced,
            java.util.function.BiPredicate<String, Produced> inRange) {
        Map<String, String> firstOfId = new HashMap<>();
        produced.entrySet().stream()
                .filter(e -> e.getValue().eventId() != null)
                .sorted(Comparator.comparing((Map.Entry<String, Produced> e) -> e.getKey().substring(0, e.getKey().lastIndexOf('/')))
                        .thenComparingLong(e -> Long.parseLong(e.getKey().substring(e.getKey().lastIndexOf('/') + 1))))
                .forEach(e -> firstOfId.putIfAbsent(e.getValue().eventId(), e.getKey()));
        Map<String, Long> out = new HashMap<>(Map.of("points_raw", 0L, "events", 0L, "rejected", 0L));
        produced.forEach((key, r) -> {
            if (inRange.test(key, r)) {
                String table = r.kind().equals("malformed") ? "rejected"
                        : r.kind().equals("event") ? (firstOfId.get(r.eventId()).equals(key) ? "events" : null)
                        : "points_raw";
                if (table != null) {
                    out.merge(table, 1L, Long::sum);
                }
            }
        });
        return out;
    }

    /** Events in the time range whose id was produced before it (in the same partition). */
    private static long duplicatesOfEarlierEvents(Map<String, Produced> produced, long fromMillis, long toMillis) {
        Set<String> before = new HashSet<>();
        produced.values().forEach(r -> {
            if (r.eventId() != null && r.kafkaMillis() < fromMillis) {
                before.add(r.eventId());
            }
        });
        return produced.values().stream().filter(r -> r.eventId() != null && r.kafkaMillis() >= fromMillis
                && r.kafkaMillis() < toMillis && before.contains(r.eventId())).count();
    }

    private static StreamExecutionEnvironment replayEnvironment(Configuration conf, String run) {
        Configuration jobConf = new Configuration(conf);
        jobConf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = ReplayJob.batch(StreamExecutionEnvironment.getExecutionEnvironment(jobConf), conf);
        env.setParallelism(2);
        return env;
    }

    private static Map<String, Long> replay(Configuration conf, String run, KafkaPosition from, KafkaPosition to)
            throws Exception {
        Map<String, Long> rows = new HashMap<>();
        for (ProvenanceReplace.Result result : ReplayJob.run(replayEnvironment(conf, run), conf,
                ReplayJob.resolve(conf, from, to))) {
            rows.put(result.table().substring(result.table().lastIndexOf('.') + 1), result.rowsDeleted());
        }
        return rows;
    }

    private static void assertReplaced(Map<String, Long> deleted, Map<String, Long> expected) {
        assertThat(deleted).as("rows of the range deleted and written again").isEqualTo(expected);
        assertThat(expected.values()).as("the range holds rows of every raw table").allMatch(n -> n > 0);
    }

    /** The live job's rows are every produced record, once, in the table its kind goes to. */
    private static void assertBaseline(Map<String, List<String>> before, Map<String, Produced> produced) {
        Set<String> points = new HashSet<>();
        Set<String> rejected = new HashSet<>();
        produced.forEach((key, r) -> {
            if (r.kind().equals("point") || r.kind().equals("flush")) {
                points.add(key);
            } else if (r.kind().equals("malformed")) {
                rejected.add(key);
            }
        });
        assertThat(provenance(before.get("points_raw"))).isEqualTo(points);
        assertThat(provenance(before.get("rejected"))).isEqualTo(rejected);
        assertThat(before.get("rejected")).allMatch(row -> row.startsWith("[malformed_json,"));
        assertThat(before.get("traces")).hasSize(TRACES);
    }

    /** "topic/partition/offset" of rows whose last three columns are the provenance. */
    private static Set<String> provenance(List<String> rows) {
        Set<String> out = new HashSet<>();
        for (String row : rows) {
            String[] fields = row.substring(1, row.length() - 1).split(", ");
            int n = fields.length;
            // rejected ends with payload_size and payload_truncated after the provenance.
            int at = fields[0].equals("malformed_json") ? n - 5 : n - 3;
            assertThat(out.add(fields[at] + "/" + fields[at + 1] + "/" + fields[at + 2])).as(row).isTrue();
        }
        return out;
    }

    /** Every table's rows, each as text, sorted: a multiset to compare. */
    static Map<String, List<String>> tables(Configuration conf) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> table : TABLES.entrySet()) {
            List<String> rows = new ArrayList<>();
            for (Row row : ItServices.query(conf, table.getValue())) {
                List<String> fields = new ArrayList<>();
                for (int i = 0; i < row.getArity(); i++) {
                    Object v = row.getField(i);
                    fields.add(v instanceof byte[] b ? Base64.getEncoder().encodeToString(b)
                            : v instanceof Map<?, ?> m ? new TreeMap<>(m).toString() : String.valueOf(v));
                }
                rows.add(fields.toString());
            }
            rows.sort(null);
            out.put(table.getKey(), rows);
        }
        return out;
    }

    private static long micros(Instant t) {
        return t.toEpochMilli() * 1_000L;
    }
}
