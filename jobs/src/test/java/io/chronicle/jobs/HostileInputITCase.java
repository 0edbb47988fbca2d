package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
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
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of {@link HostileRecords} produced into the real ingest job (rollups, views and
 * alerts on) in a MiniCluster against real Kafka and S3, between ordinary records: the job never
 * fails (restarts are off, so any exception would end it, and its exception history stays empty),
 * every record is in exactly one of its table or {@code rejected} with the reason code written
 * down for it, and the dead-letter topic holds each reject once.
 */
class HostileInputITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final int ORDINARY = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void noHostileRecordStopsTheJobAndEachLandsOnceWhereItBelongs() throws Exception {
        String run = "hostile";
        Configuration conf = services.chronicleConf(run, Map.of());
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_POINTS), 2, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 2, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        Configuration jobConf = services.jobConf(conf, run);
        // Any exception would end the job rather than be retried out of sight.
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(2);
        IngestJob.fromConfig(conf).build(env);
        JobClient job = env.executeAsync(IngestJob.jobName(conf));

        long now = System.currentTimeMillis();
        List<HostileRecords.Kind> kinds =
                HostileRecords.all(now, conf.get(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES));
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> names = new HashMap<>();
        try {
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                produceOrdinary(producer, conf, now, 0, expected, names);
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (HostileRecords.Kind kind : kinds) {
                    String topic = conf.get(kind.topic() == HostileRecords.Topic.POINTS
                            ? ChronicleOptions.TOPIC_POINTS : ChronicleOptions.TOPIC_EVENTS);
                    ProducerRecord<byte[], byte[]> record =
                            new ProducerRecord<>(topic, null, kind.kafkaTimestampMillis(), null, kind.value());
                    kind.headers().forEach((name, values) -> values.forEach(v -> record.headers().add(name, v)));
                    sent.add(producer.send(record));
                }
                for (int i = 0; i < kinds.size(); i++) {
                    String key = key(sent.get(i).get());
                    expected.put(key, kinds.get(i).expected());
                    names.put(key, kinds.get(i).name());
                }
                produceOrdinary(producer, conf, now, ORDINARY, expected, names);
            }

            long rows = expected.size();
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table points = catalog.loadTable(TableIdentifier.of("chronicle", "points_raw"));
            Table events = catalog.loadTable(TableIdentifier.of("chronicle", "events"));
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));
            ItServices.waitUntil("every record in a table", DEADLINE,
                    () -> TableStats.committedRecords(points) + TableStats.committedRecords(events)
                            + TableStats.committedRecords(rejected) >= rows
                            || jobEnded(job),
                    () -> "(" + TableStats.committedRecords(points) + " + " + TableStats.committedRecords(events)
                            + " + " + TableStats.committedRecords(rejected) + " of " + rows + ")");
            assertThat(exceptionHistory(job)).as("the job's exception history").isEmpty();
            assertThat(job.getJobStatus().get()).as("the job's status").isEqualTo(JobStatus.RUNNING);
        } finally {
            if (!jobEnded(job)) {
                job.cancel().get();
            }
        }

        Map<String, String> landed = new TreeMap<>();
        for (Row row : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset FROM points_raw")) {
            assertThat(landed.put(key(row), HostileRecords.POINTS_RAW)).as("%s written once", key(row)).isNull();
        }
        for (Row row : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset FROM events")) {
            assertThat(landed.put(key(row), HostileRecords.EVENTS)).as("%s written once", key(row)).isNull();
        }
        for (Row row : ItServices.query(conf,
                "SELECT source_topic, source_partition, source_offset, reason_code FROM rejected")) {
            assertThat(landed.put(key(row), (String) row.getField(3))).as("%s written once", key(row)).isNull();
        }
        List<String> differences = new ArrayList<>();
        expected.forEach((key, outcome) -> {
            if (!outcome.equals(landed.get(key))) {
                differences.add(names.get(key) + " (" + key + "): expected " + outcome + ", got " + landed.get(key));
            }
        });
        landed.keySet().stream().filter(k -> !expected.containsKey(k))
                .forEach(k -> differences.add(k + " landed but was not produced"));
        assertThat(differences).as("records not where they belong").isEmpty();

        Map<String, Integer> deadLetters = deadLetters(conf, expected.values().stream()
                .filter(o -> !o.equals(HostileRecords.POINTS_RAW) && !o.equals(HostileRecords.EVENTS)).count());
        Map<String, Integer> expectedDeadLetters = new TreeMap<>();
        expected.forEach((key, outcome) -> {
            if (!outcome.equals(HostileRecords.POINTS_RAW) && !outcome.equals(HostileRecords.EVENTS)) {
                expectedDeadLetters.put(key, 1);
            }
        });
        assertThat(deadLetters).as("dead letters, each once").isEqualTo(expectedDeadLetters);
    }

    /** Ordinary points and events, before and after the hostile ones: the job goes on around them. */
    private static void produceOrdinary(KafkaProducer<byte[], byte[]> producer, Configuration conf, long now,
            int first, Map<String, String> expected, Map<String, String> names) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        for (int i = first; i < first + ORDINARY; i++) {
            String point = "{\"metric\":\"ordinary\",\"tags\":{\"n\":\"" + (i % 10) + "\"},\"value\":" + i
                    + ",\"timestamp\":" + (now + i) + "}";
            sent.add(producer.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_POINTS), null, now, null,
                    point.getBytes(StandardCharsets.UTF_8))));
            outcomes.add(HostileRecords.POINTS_RAW);
            String event = "{\"trace_id\":\"ordinary-" + (i % 20) + "\",\"event_type\":\"agent.heartbeat\","
                    + "\"source\":\"agent-" + (i % 3) + "\",\"timestamp\":" + (now + i) + "}";
            sent.add(producer.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_EVENTS), null, now, null,
                    event.getBytes(StandardCharsets.UTF_8))));
            outcomes.add(HostileRecords.EVENTS);
        }
        for (int i = 0; i < sent.size(); i++) {
            String key = key(sent.get(i).get());
            expected.put(key, outcomes.get(i));
            names.put(key, "ordinary record");
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        // Room for the records at Kafka's own 1 MB limit.
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Each dead-letter message's key, and how often it came, read committed. */
    private static Map<String, Integer> deadLetters(Configuration conf, long expected) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Integer> keys = new TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER)));
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            int read = 0;
            while (read < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    keys.merge(new String(record.key(), StandardCharsets.UTF_8), 1, Integer::sum);
                    read++;
                }
            }
            // One more poll: anything after the expected messages would be a repeat.
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                keys.merge(new String(record.key(), StandardCharsets.UTF_8), 1, Integer::sum);
            }
        }
        return keys;
    }

    /** The entries of the job's exception history, from Flink's REST API. */
    private static List<String> exceptionHistory(JobClient job) throws Exception {
        Configuration client = MINI_CLUSTER.getClientConfiguration();
        URI uri = URI.create("http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT)
                + "/jobs/" + job.getJobID() + "/exceptions");
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET " + uri).isEqualTo(200);
        List<String> entries = new ArrayList<>();
        for (JsonNode entry : JSON.readTree(response.body()).path("exceptionHistory").path("entries")) {
            // The root cause is the last "Caused by" of the trace.
            String cause = entry.path("stacktrace").asText().lines()
                    .filter(line -> line.startsWith("Caused by:")).reduce((a, b) -> b)
                    .orElse(entry.path("exceptionName").asText());
            entries.add(entry.path("taskName").asText() + ": " + cause);
        }
        return entries;
    }

    private static boolean jobEnded(JobClient job) {
        try {
            return job.getJobStatus().get().isGloballyTerminalState();
        } catch (Exception e) {
            return true;
        }
    }

    private static String key(RecordMetadata m) {
        return m.topic() + "/" + m.partition() + "/" + m.offset();
    }

    private static String key(Row row) {
        return row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
    }
}
