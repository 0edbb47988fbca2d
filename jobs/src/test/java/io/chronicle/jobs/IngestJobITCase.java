package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.sinks.DeadLetterSink;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest job end to end against a real Kafka broker and a real S3-compatible server: good
 * records land in Iceberg exactly once and bad ones in {@code rejected} and the dead-letter topic
 * with their reasons, across a failure and restore in the middle of the stream.
 */
class IngestJobITCase extends JobITBase {

    private static final int POINTS = 6_000;
    private static final int EVENTS = 2_000;
    private static final double BAD_SHARE = 0.05;
    private static final Duration DEADLINE = Duration.ofMinutes(3);

    private static Configuration chronicleConf(String run) {
        // The ingest job alone: the capabilities after it have tests of their own.
        return services.chronicleConf(run, Map.of(ChronicleOptions.JOB.key(), "ingest"));
    }

    @Test
    void everyRecordLandsExactlyOnceAcrossAFailureAndRestore() throws Exception {
        String run = "eo";
        Configuration conf = chronicleConf(run);
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        services.kafka.createTopic(pointsTopic, 2, false);
        services.kafka.createTopic(eventsTopic, 2, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Instant now = Instant.now();
        List<TestTraffic.Record> points = TestTraffic.points(POINTS, BAD_SHARE, now, 7L);
        List<TestTraffic.Record> events = TestTraffic.events(EVENTS, BAD_SHARE, now, 11L);
        long kafkaTimestamp = now.toEpochMilli();

        Map<String, TestTraffic.Record> produced = new HashMap<>();
        int half = POINTS / 2;
        produce(pointsTopic, points.subList(0, half), kafkaTimestamp, produced);
        produce(eventsTopic, events, kafkaTimestamp, produced);

        Configuration jobConf = services.jobConf(conf, run);
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(2);
        FailOnce.reset(half + 300);
        new IngestJob(conf,
                IngestJob.pointsSource(conf, pointsTopic),
                IngestJob.eventsSource(conf, eventsTopic),
                DeadLetterSink.create(conf, "it-" + run))
                .tapPoints(stream -> stream.map(new FailOnce<>(), stream.getType()).name("fail-once").uid("fail-once"))
                .build(env);
        JobClient job = env.executeAsync(IngestJob.jobName(conf));
        try {
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table pointsRaw = catalog.loadTable(TableIdentifier.of("chronicle", "points_raw"));
            // The second half arrives only after a checkpoint has committed part of the first,
            // so the failure below lands between two commits and forces a replay.
            waitUntil("a first commit to points_raw", () -> TableStats.committedRecords(pointsRaw) > 0);
            produce(pointsTopic, points.subList(half, POINTS), kafkaTimestamp, produced);

            long goodPoints = points.stream().filter(TestTraffic.Record::good).count();
            long goodEvents = events.stream().filter(TestTraffic.Record::good).count();
            long bad = produced.values().stream().filter(r -> !r.good()).count();
            Table eventsTable = catalog.loadTable(TableIdentifier.of("chronicle", "events"));
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));
            waitUntil("all records committed", () -> TableStats.committedRecords(pointsRaw) >= goodPoints
                    && TableStats.committedRecords(eventsTable) >= goodEvents && TableStats.committedRecords(rejected) >= bad);
            assertThat(FailOnce.FAILED.get()).as("the injected failure happened").isTrue();
            assertThat(FailOnce.SEEN.get())
                    .as("records were read again after the restore")
                    .isGreaterThan(POINTS);
        } finally {
            job.cancel().get();
        }

        assertPointsExactlyOnce(conf, produced, kafkaTimestamp);
        assertEventsExactlyOnce(conf, produced, kafkaTimestamp);
        assertRejectedExactlyOnce(conf, produced);
        assertDeadLetterExactlyOnce(conf, produced);
    }

    private void assertPointsExactlyOnce(Configuration conf,
            Map<String, TestTraffic.Record> produced, long kafkaTimestamp) throws Exception {
        List<Row> rows = query(conf, "SELECT source_topic, source_partition, source_offset, tenant,"
                + " metric, tags, `value`, ts, series_id FROM points_raw");
        Map<String, TestTraffic.ExpectedPoint> expected = new HashMap<>();
        produced.forEach((key, r) -> {
            if (r.good() && r.point != null) {
                expected.put(key, r.point);
            }
        });
        Set<String> seen = new HashSet<>();
        for (Row row : rows) {
            String key = row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
            assertThat(seen.add(key)).as("point %s is written once", key).isTrue();
            TestTraffic.ExpectedPoint point = expected.get(key);
            assertThat(point).as("point %s was produced as a good point", key).isNotNull();
            assertThat(row.getField(3)).isEqualTo(point.tenant);
            assertThat(row.getField(4)).isEqualTo(point.metric);
            assertThat(row.getField(5)).isEqualTo(point.tags);
            assertThat(row.getField(6)).isEqualTo(point.value);
            assertThat(row.getField(7)).isEqualTo(
                    point.ts != null ? point.ts : Instant.ofEpochMilli(kafkaTimestamp));
        }
        assertThat(seen).isEqualTo(expected.keySet());
    }

    private void assertEventsExactlyOnce(Configuration conf,
            Map<String, TestTraffic.Record> produced, long kafkaTimestamp) throws Exception {
        List<Row> rows = query(conf, "SELECT source_topic, source_partition, source_offset, tenant,"
                + " event_id, trace_id, event_type, event_time, metadata FROM events");
        Set<String> seen = new HashSet<>();
        long expectedCount = produced.values().stream().filter(r -> r.good() && r.event != null).count();
        for (Row row : rows) {
            String key = row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
            assertThat(seen.add(key)).as("event %s is written once", key).isTrue();
            TestTraffic.ExpectedEvent event = produced.get(key).event;
            assertThat(event).as("event %s was produced as a good event", key).isNotNull();
            assertThat(row.getField(3)).isEqualTo(event.tenant);
            assertThat(row.getField(4)).isEqualTo(event.eventId != null ? event.eventId
                    : UUID.nameUUIDFromBytes(key.getBytes(StandardCharsets.UTF_8)).toString());
            assertThat(row.getField(5)).isEqualTo(event.traceId);
            assertThat(row.getField(6)).isEqualTo(event.eventType);
            assertThat(row.getField(7)).isEqualTo(
                    event.eventTime != null ? event.eventTime : Instant.ofEpochMilli(kafkaTimestamp));
            assertThat(row.getField(8)).isEqualTo(event.metadata);
        }
        assertThat(seen).hasSize((int) expectedCount);
    }

    private void assertRejectedExactlyOnce(Configuration conf, Map<String, TestTraffic.Record> produced)
            throws Exception {
        List<Row> rows = query(conf, "SELECT source_topic, source_partition, source_offset,"
                + " reason_code, payload FROM rejected");
        Map<String, String> reasons = new HashMap<>();
        for (Row row : rows) {
            String key = row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
            assertThat(reasons.put(key, (String) row.getField(3)))
                    .as("rejected record %s is written once", key).isNull();
            TestTraffic.Record record = produced.get(key);
            assertThat((byte[]) row.getField(4)).as("original bytes of %s", key)
                    .isEqualTo(record.value);
        }
        Map<String, String> expected = new HashMap<>();
        produced.forEach((key, r) -> {
            if (!r.good()) {
                expected.put(key, r.expectedReason);
            }
        });
        assertThat(reasons).isEqualTo(expected);
    }

    private void assertDeadLetterExactlyOnce(Configuration conf, Map<String, TestTraffic.Record> produced) {
        long bad = produced.values().stream().filter(r -> !r.good()).count();
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Set<String> keys = new HashSet<>();
        List<String> duplicates = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER)));
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (keys.size() < bad && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    if (!keys.add(key)) {
                        duplicates.add(key);
                    }
                    String json = new String(record.value(), StandardCharsets.UTF_8);
                    assertThat(json).contains("\"reason_code\":\"" + produced.get(key).expectedReason + "\"");
                }
            }
            // One more poll: anything after the expected records would be a duplicate.
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                duplicates.add(new String(record.key(), StandardCharsets.UTF_8));
            }
        }
        assertThat(duplicates).isEmpty();
        assertThat(keys).hasSize((int) bad);
    }

    private void produce(String topic, List<TestTraffic.Record> records, long timestamp,
            Map<String, TestTraffic.Record> produced) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                TestTraffic.Record r = records.get(i);
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                        topic, i % 2, timestamp, null, r.value);
                if (r.tenantHeader != null) {
                    record.headers().add("tenant", r.tenantHeader.getBytes(StandardCharsets.UTF_8));
                }
                sent.add(producer.send(record));
            }
            for (int i = 0; i < records.size(); i++) {
                RecordMetadata m = sent.get(i).get();
                produced.put(m.topic() + "/" + m.partition() + "/" + m.offset(), records.get(i));
            }
        }
    }

    private static List<Row> query(Configuration conf, String sql) throws Exception {
        return ItServices.query(conf, sql);
    }

    private static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        ItServices.waitUntil(what, DEADLINE, condition);
    }
}
