package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.sinks.DeadLetterSink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        // Points here spread over an hour in random order; the rollups have their own test.
        return services.chronicleConf(run, Map.of(ChronicleOptions.ROLLUP_ENABLED.key(), "false"));
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
        JobClient job = env.executeAsync(IngestJob.JOB_NAME);
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

        ExactlyOnce.assertLanded(conf, produced, kafkaTimestamp, services.kafka.bootstrapServers());
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

    private static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        ItServices.waitUntil(what, DEADLINE, condition);
    }
}
