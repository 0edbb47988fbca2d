package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.types.Row;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The traces and agent_metrics views end to end: a generated swarm of agents and traces is
 * delivered shuffled and partly twice to a real Kafka broker, the job fails once mid-stream and
 * restores, and both views, read back through Flink SQL from Iceberg on S3 and from the
 * compacted topic, equal a reference computed here from the swarm itself.
 */
class ViewsITCase extends JobITBase {

    private static final int AGENTS = 200;
    private static final int TRACES = 2_000;
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final Duration SPAN = Duration.ofHours(2);
    private static final int FLUSH_PER_PARTITION = ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue() + 1;
    private static final Duration HEARTBEAT_EVERY = Duration.ofMinutes(2);
    private static final long MAX_DISORDER_MS = 120_000;
    private static final double DUPLICATE_SHARE = 0.10;
    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One trace as the swarm ran it; null times are steps it never took. */
    record Trace(String tenant, String traceId, String agent, boolean agentInMetadata, String title,
            String owner, long created, long assigned, Long started, Long finished, String outcome,
            int quality, String error) {

        List<Long> times() {
            List<Long> t = new ArrayList<>(List.of(created, assigned));
            if (started != null) t.add(started);
            if (finished != null) t.add(finished);
            return t;
        }

        long last() {
            return times().stream().mapToLong(Long::longValue).max().orElseThrow();
        }
    }

    record Heartbeat(String tenant, String agent, long at, long busyMs, long uptimeMs) {}

    record Delivery(long arrivalKey, int partition, byte[] value) {}

    @Test
    void viewsMatchAReferenceAcrossShuffledDuplicatedDeliveryAndARestore() throws Exception {
        String run = "views";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.ROLLUP_ENABLED.key(), "false",
                ChronicleOptions.TRACES_INACTIVITY_TIMEOUT.key(), "10 min",
                ChronicleOptions.TRACES_TERMINAL_GRACE.key(), "10 min"));
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_POINTS), 1, false);
        services.kafka.createTopic(eventsTopic, 2, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Random random = new Random(42);
        long t0 = Instant.now().minus(Duration.ofHours(4)).truncatedTo(ChronoUnit.MILLIS).toEpochMilli();
        List<Trace> traces = traces(random, t0);
        List<Heartbeat> heartbeats = heartbeats(random, t0);
        List<Delivery> deliveries = deliveries(random, traces, heartbeats);
        int uniqueEvents = traces.stream().mapToInt(t -> t.times().size()).sum() + heartbeats.size();

        int half = deliveries.size() / 2;
        produce(deliveries.subList(0, half), eventsTopic);
        FailOnce.reset(half + 500);
        // The views job fails once and restores; the ingest job beside it writes the events table.
        Map<ChronicleJob, JobClient> jobs = startJobs(conf, run, 2, List.of(ChronicleJob.INGEST, ChronicleJob.VIEWS),
                Map.of(ChronicleJob.VIEWS, job -> job.tapEvents(stream ->
                        stream.map(new FailOnce<>(), stream.getType()).name("fail-once").uid("fail-once"))));
        try {
            ItServices.waitUntil("a first checkpoint", DEADLINE, FailOnce.CHECKPOINTED::get);
            produce(deliveries.subList(half, deliveries.size()), eventsTopic);
            // Event time on both partitions well past the last trace: the open ones time out.
            // A partition's watermark passes over a few records ahead: one more than that moves it.
            long flushAt = t0 + SPAN.toMillis() + Duration.ofHours(2).toMillis();
            List<Delivery> flush = new ArrayList<>();
            for (int i = 0; i < FLUSH_PER_PARTITION; i++) {
                flush.add(flush(flushAt + i, 0, i));
                flush.add(flush(flushAt + i, 1, i));
            }
            produce(flush, eventsTopic);
            ItServices.waitUntil("every trace finished in the traces table", DEADLINE,
                    () -> countQuietly(conf, "SELECT count(*) FROM traces WHERE tenant <> 'flush'"
                            + " AND status IN ('completed', 'failed', 'timed_out')") == TRACES
                            && countQuietly(conf, "SELECT count(*) FROM events") == uniqueEvents + flush.size());
            assertThat(FailOnce.FAILED.get()).as("the injected failure happened").isTrue();
        } finally {
            cancel(jobs);
        }

        assertThat(countQuietly(conf, "SELECT count(*) FROM events")).as("each event once")
                .isEqualTo(uniqueEvents + 2 * FLUSH_PER_PARTITION);
        assertTraces(conf, traces);
        assertAgentMetrics(conf, traces, heartbeats);
        long changes = assertTracesTopic(conf.get(ChronicleOptions.TOPIC_TRACES), traces);
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        try {
            Table table = catalog.loadTable(TableIdentifier.of("chronicle", "traces"));
            assertGenericReaderSeesOneRowPerTrace(table, traces);
            assertOneRowPerTraceAndCheckpoint(table, changes);
        } finally {
            if (catalog instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }

    /**
     * Iceberg's own generic reader, independent of Flink, applies the equality deletes too: what
     * any v2 reader (Trino, Spark, PyIceberg) must do to see one row per key.
     */
    private static void assertGenericReaderSeesOneRowPerTrace(Table table, List<Trace> traces) throws Exception {
        assertThat(table.currentSnapshot().deleteManifests(table.io()))
                .as("the upserts wrote delete files").isNotEmpty();
        Map<String, String> status = new HashMap<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table)
                .where(Expressions.notEqual("tenant", "flush")).build()) {
            for (Record r : records) {
                assertThat(status.put((String) r.getField("trace_id"), (String) r.getField("status")))
                        .as("one row per trace").isNull();
            }
        }
        for (Trace t : traces) {
            assertThat(status.get(t.traceId())).as(t.toString()).isEqualTo(t.outcome());
        }
    }

    private static List<Trace> traces(Random random, long t0) {
        List<Trace> traces = new ArrayList<>();
        for (int i = 0; i < TRACES; i++) {
            String tenant = i % 3 == 0 ? "globex" : "acme";
            long created = t0 + (long) (random.nextDouble() * (SPAN.toMillis() - 20 * 60_000L));
            long assigned = created + 200 + random.nextInt(30_000);
            double fate = random.nextDouble();
            Long started = fate < 0.975 ? assigned + 100 + random.nextInt(60_000) : null;
            Long finished = fate < 0.95 ? started + 1_000 + random.nextInt(300_000) : null;
            String outcome = fate < 0.80 ? "completed" : fate < 0.95 ? "failed" : "timed_out";
            traces.add(new Trace(tenant, "trace-" + i, "agent-" + random.nextInt(AGENTS),
                    random.nextDouble() < 0.9, "Task " + i, "team-" + random.nextInt(4), created,
                    assigned, started, finished, outcome, random.nextInt(100),
                    "exit code " + (1 + random.nextInt(3))));
        }
        return traces;
    }

    private static List<Heartbeat> heartbeats(Random random, long t0) {
        List<Heartbeat> out = new ArrayList<>();
        for (int a = 0; a < AGENTS; a++) {
            String tenant = a % 3 == 0 ? "globex" : "acme";
            long offset = random.nextInt((int) HEARTBEAT_EVERY.toMillis());
            for (long at = t0 + offset; at < t0 + SPAN.toMillis(); at += HEARTBEAT_EVERY.toMillis()) {
                long uptime = HEARTBEAT_EVERY.toMillis();
                out.add(new Heartbeat(tenant, "agent-" + a, at, (long) (uptime * random.nextDouble()), uptime));
            }
        }
        return out;
    }

    /** Every event once in event-time order shuffled by up to two minutes, a tenth of them twice. */
    private static List<Delivery> deliveries(Random random, List<Trace> traces, List<Heartbeat> heartbeats) {
        List<Delivery> out = new ArrayList<>();
        int[] ids = {0};
        java.util.function.BiConsumer<Long, String> deliver = (at, json) -> {
            byte[] value = json.getBytes(StandardCharsets.UTF_8);
            int partition = random.nextInt(2);
            out.add(new Delivery(at + (long) (random.nextDouble() * MAX_DISORDER_MS), partition, value));
            if (random.nextDouble() < DUPLICATE_SHARE) {
                out.add(new Delivery(at + (long) (random.nextDouble() * MAX_DISORDER_MS),
                        random.nextInt(2), value));
            }
        };
        for (Trace t : traces) {
            deliver.accept(t.created(), event(ids, t.tenant(), t.traceId(), "dispatch", "task.created",
                    t.created(), "{\"task_title\":\"" + t.title() + "\",\"owner\":\"" + t.owner() + "\"}"));
            deliver.accept(t.assigned(), event(ids, t.tenant(), t.traceId(),
                    t.agentInMetadata() ? "dispatch" : t.agent(), "task.assigned", t.assigned(),
                    t.agentInMetadata() ? "{\"agent_id\":\"" + t.agent() + "\"}" : "{}"));
            if (t.started() != null) {
                deliver.accept(t.started(), event(ids, t.tenant(), t.traceId(), t.agent(), "task.started",
                        t.started(), "{}"));
            }
            if ("completed".equals(t.outcome())) {
                deliver.accept(t.finished(), event(ids, t.tenant(), t.traceId(), t.agent(),
                        "task.completed", t.finished(),
                        "{\"scoring_breakdown\":{\"quality\":" + t.quality() + "}}"));
            } else if ("failed".equals(t.outcome())) {
                deliver.accept(t.finished(), event(ids, t.tenant(), t.traceId(), t.agent(), "task.failed",
                        t.finished(), "{\"error\":\"" + t.error() + "\"}"));
            }
        }
        for (Heartbeat h : heartbeats) {
            deliver.accept(h.at(), event(ids, h.tenant(), "hb-" + h.agent(), h.agent(), "agent.heartbeat",
                    h.at(), "{\"agent_id\":\"" + h.agent() + "\",\"busy_ms\":" + h.busyMs()
                            + ",\"uptime_ms\":" + h.uptimeMs() + "}"));
        }
        out.sort(Comparator.comparingLong(Delivery::arrivalKey));
        return out;
    }

    private static String event(int[] ids, String tenant, String traceId, String source, String type,
            long at, String metadata) {
        return "{\"tenant\":\"" + tenant + "\",\"event_id\":\"e-" + (ids[0]++) + "\",\"trace_id\":\""
                + traceId + "\",\"source\":\"" + source + "\",\"event_type\":\"" + type
                + "\",\"timestamp\":\"" + Instant.ofEpochMilli(at) + "\",\"metadata\":" + metadata + "}";
    }

    private static Delivery flush(long at, int partition, int i) {
        String json = "{\"tenant\":\"flush\",\"event_id\":\"flush-" + partition + "-" + i
                + "\",\"trace_id\":\"flush\",\"source\":\"flush\",\"event_type\":\"agent.heartbeat\","
                + "\"timestamp\":\"" + Instant.ofEpochMilli(at) + "\",\"metadata\":{}}";
        return new Delivery(at, partition, json.getBytes(StandardCharsets.UTF_8));
    }

    private static void produce(List<Delivery> deliveries, String topic) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            List<Future<?>> sent = new ArrayList<>();
            for (Delivery d : deliveries) {
                sent.add(producer.send(new ProducerRecord<>(topic, d.partition(), null, d.value())));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
    }

    private static void assertTraces(Configuration conf, List<Trace> traces) throws Exception {
        Map<String, Row> rows = new HashMap<>();
        for (Row row : ItServices.query(conf, "SELECT tenant, trace_id, task_title, owner, status,"
                + " assigned_agent, created_at, assigned_at, started_at, completed_at, duration_ms,"
                + " time_to_pickup_ms, span_count, error, scoring_breakdown, last_event_time,"
                + " illegal_transitions FROM traces WHERE tenant <> 'flush'")) {
            assertThat(rows.put((String) row.getField(1), row)).as("one row per trace").isNull();
        }
        assertThat(rows).hasSize(TRACES);
        for (Trace t : traces) {
            Row row = rows.get(t.traceId());
            String what = t.toString();
            assertThat(row).as(what).isNotNull();
            long completedAt = t.finished() != null ? t.finished() : t.last() + TIMEOUT.toMillis();
            assertThat(row.getField(0)).as(what).isEqualTo(t.tenant());
            assertThat(row.getField(2)).as(what).isEqualTo(t.title());
            assertThat(row.getField(3)).as(what).isEqualTo(t.owner());
            assertThat(row.getField(4)).as(what).isEqualTo(t.outcome());
            assertThat(row.getField(5)).as(what).isEqualTo(t.agent());
            assertThat(row.getField(6)).as(what).isEqualTo(Instant.ofEpochMilli(t.created()));
            assertThat(row.getField(7)).as(what).isEqualTo(Instant.ofEpochMilli(t.assigned()));
            assertThat(row.getField(8)).as(what).isEqualTo(
                    t.started() == null ? null : Instant.ofEpochMilli(t.started()));
            assertThat(row.getField(9)).as(what).isEqualTo(Instant.ofEpochMilli(completedAt));
            assertThat(row.getField(10)).as(what).isEqualTo(
                    t.started() == null ? null : completedAt - t.started());
            assertThat(row.getField(11)).as(what).isEqualTo(
                    t.started() == null ? null : t.started() - t.assigned());
            assertThat(row.getField(12)).as(what).isEqualTo(t.times().size());
            assertThat(row.getField(13)).as(what).isEqualTo("failed".equals(t.outcome()) ? t.error() : null);
            assertThat(row.getField(14)).as(what).isEqualTo("completed".equals(t.outcome())
                    ? "{\"quality\":" + t.quality() + "}" : null);
            assertThat(row.getField(15)).as(what).isEqualTo(Instant.ofEpochMilli(t.last()));
            assertThat(row.getField(16)).as(what).isEqualTo(0);
        }
    }

    private static void assertAgentMetrics(Configuration conf, List<Trace> traces,
            List<Heartbeat> heartbeats) throws Exception {
        Map<String, List<Long>> durations = new TreeMap<>();
        Map<String, long[]> expected = new TreeMap<>();
        for (Trace t : traces) {
            if (!"completed".equals(t.outcome()) && !"failed".equals(t.outcome())) {
                continue;
            }
            String key = t.tenant() + "/" + t.agent() + "/" + LocalDate.ofEpochDay(Math.floorDiv(t.finished(), 86_400_000L));
            long[] e = expected.computeIfAbsent(key, k -> new long[4]);
            if ("completed".equals(t.outcome())) {
                e[0]++;
                durations.computeIfAbsent(key, k -> new ArrayList<>()).add(t.finished() - t.started());
            } else {
                e[1]++;
            }
        }
        for (Heartbeat h : heartbeats) {
            String key = h.tenant() + "/" + h.agent() + "/" + LocalDate.ofEpochDay(Math.floorDiv(h.at(), 86_400_000L));
            long[] e = expected.computeIfAbsent(key, k -> new long[4]);
            e[2] += h.busyMs();
            e[3] += h.uptimeMs();
        }
        Map<String, Row> rows = new TreeMap<>();
        for (Row row : ItServices.query(conf, "SELECT tenant, agent_id, metric_date, tasks_completed,"
                + " tasks_failed, avg_duration_ms, p95_duration_ms, busy_ms, uptime_ms, utilization_pct"
                + " FROM agent_metrics WHERE tenant <> 'flush'")) {
            String key = row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
            assertThat(rows.put(key, row)).as("one row per agent and day: %s", key).isNull();
        }
        assertThat(rows.keySet()).isEqualTo(expected.keySet());
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Row row = rows.get(e.getKey());
            long[] x = e.getValue();
            String what = e.getKey();
            assertThat(row.getField(3)).as(what + " completed").isEqualTo(x[0]);
            assertThat(row.getField(4)).as(what + " failed").isEqualTo(x[1]);
            assertThat(row.getField(7)).as(what + " busy").isEqualTo(x[2]);
            assertThat(row.getField(8)).as(what + " uptime").isEqualTo(x[3]);
            assertThat(row.getField(9)).as(what + " utilization").isEqualTo(x[3] == 0 ? null : x[2] * 100.0 / x[3]);
            List<Long> d = durations.get(e.getKey());
            if (d == null) {
                assertThat(row.getField(5)).as(what).isNull();
                assertThat(row.getField(6)).as(what).isNull();
                continue;
            }
            long sum = d.stream().mapToLong(Long::longValue).sum();
            assertThat(row.getField(5)).as(what + " mean").isEqualTo((double) sum / d.size());
            d.sort(null);
            double p95 = d.get((int) Math.floor(0.95 * (d.size() - 1)));
            assertThat((Double) row.getField(6)).as(what + " p95").isCloseTo(p95, within(p95 * 0.01));
        }
    }

    /**
     * The compacted topic's latest value per trace is the trace's final row; returns how many
     * messages the topic has had, every change the views sent.
     */
    private static long assertTracesTopic(String topic, List<Trace> traces) throws Exception {
        Map<String, JsonNode> latest = new HashMap<>();
        long messages;
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            messages = end.values().stream().mapToLong(Long::longValue).sum();
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("read the traces topic in time").isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode key = JSON.readTree(r.key());
                    latest.put(key.get("tenant").asText() + "/" + key.get("trace_id").asText(),
                            JSON.readTree(r.value()));
                }
            }
        }
        for (Trace t : traces) {
            JsonNode row = latest.get(t.tenant() + "/" + t.traceId());
            assertThat(row).as(t.toString()).isNotNull();
            assertThat(row.get("status").asText()).as(t.toString()).isEqualTo(t.outcome());
            assertThat(row.get("span_count").asInt()).as(t.toString()).isEqualTo(t.times().size());
        }
        return messages;
    }

    /**
     * The table's writer got one row per trace and checkpoint: fewer rows than the topic's
     * changes, and no position deletes (which Iceberg writes when a key comes twice to one file).
     */
    private static void assertOneRowPerTraceAndCheckpoint(Table table, long changes) {
        long rows = 0;
        long positionDeletes = 0;
        for (Snapshot snapshot : table.snapshots()) {
            rows += Long.parseLong(snapshot.summary().getOrDefault(SnapshotSummary.ADDED_RECORDS_PROP, "0"));
            positionDeletes += Long.parseLong(
                    snapshot.summary().getOrDefault(SnapshotSummary.ADDED_POS_DELETES_PROP, "0"));
        }
        assertThat(positionDeletes).as("position deletes written").isZero();
        assertThat(rows).as("rows written against %d changes on the topic", changes)
                .isLessThan(changes * 3 / 4);
    }

    private static long countQuietly(Configuration conf, String sql) {
        try {
            return (Long) ItServices.query(conf, sql).get(0).getField(0);
        } catch (Exception e) {
            return -1;
        }
    }
}
