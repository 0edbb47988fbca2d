package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.sinks.DeadLetterSink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.AbstractRecords;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Records at and beyond the size limits, up to the largest Kafka takes, on the points and events
 * topics of a running ingest job: none of them restarts the job (its restart count and exception
 * history, read from the cluster's REST API, stay empty), each record is in exactly one of its
 * table or {@code rejected}, {@code rejected} keeps the original bytes up to its bound, and the
 * dead-letter topic holds each reject once, its payload cut to the dead-letter bound, with the
 * original size and the truncation flag, under the producer's request limit.
 */
class PayloadLimitsITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int INGEST_LIMIT = 65_536;
    private static final int DEAD_LETTER_LIMIT = 65_536;
    /** Kafka's default max.request.size, which the test's producer and the job's use alike. */
    private static final int KAFKA_LIMIT = 1_048_576;

    /** A record produced and where it must end up. */
    private record Sent(String topic, byte[] value, String tenantHeader, String expectedReason) {
        boolean good() {
            return expectedReason == null;
        }
    }

    @Test
    void recordsAtAndBeyondTheLimitsNeverRestartTheJob() throws Exception {
        String run = "limits";
        Configuration conf = conf(run, Map.of());
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        long now = Instant.now().toEpochMilli();
        int largest = largestValueKafkaTakes("acme");
        List<Sent> sent = new ArrayList<>();
        for (String topic : List.of(points, events)) {
            sent.add(good(topic, now, 200));
            sent.add(good(topic, now, INGEST_LIMIT));
            sent.add(new Sent(topic, malformed(INGEST_LIMIT), null, "malformed_json"));
            sent.add(new Sent(topic, padded(topic, now, INGEST_LIMIT + 1), null, "oversized_payload"));
            sent.add(new Sent(topic, padded(topic, now, 900 * 1024), null, "oversized_payload"));
            sent.add(new Sent(topic, padded(topic, now, largest), "acme", "oversized_payload"));
            sent.add(good(topic, now, 300));
        }

        Outcome outcome = runJob(run, conf, sent);

        outcome.assertEachRecordInExactlyOnePlace();
        outcome.rejected.forEach((key, row) -> {
            byte[] original = outcome.produced.get(key).value;
            assertThat((byte[]) row.getField(1)).as("rejected keeps all the bytes of %s", key).isEqualTo(original);
            assertThat(row.getField(2)).isEqualTo(original.length);
            assertThat(row.getField(3)).isEqualTo(false);
        });
        assertThat(outcome.rejected).as("each reject keeps its tenant header")
                .allSatisfy((key, row) -> assertThat(row.getField(4))
                        .isEqualTo(outcome.produced.get(key).tenantHeader));
        outcome.deadLetters.forEach((key, message) -> {
            byte[] original = outcome.produced.get(key).value;
            int kept = Math.min(original.length, DEAD_LETTER_LIMIT);
            assertDeadLetter(message, outcome.produced.get(key), Arrays.copyOf(original, kept), original.length > kept);
            assertThat(message.get("tenant").isNull() ? null : message.get("tenant").asText())
                    .isEqualTo(outcome.produced.get(key).tenantHeader);
        });
    }

    @Test
    void aLowerProducerLimitOnTheDeadLetterTopicNeverFailsTheJob() throws Exception {
        String run = "lower";
        int requestLimit = 92_000;
        int tableLimit = 600_000;
        Configuration conf = conf(run, Map.of(
                "chronicle.kafka.properties.max.request.size", String.valueOf(requestLimit),
                ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES.key(), String.valueOf(tableLimit)));
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        long now = Instant.now().toEpochMilli();
        // A tenant header of 5,000 control characters: refused as a tenant, so neither the table
        // nor the dead-letter message carries it, and the message stays within the lower limit.
        String hostileTenant = "\u0001".repeat(5_000);
        List<Sent> sent = new ArrayList<>();
        for (String topic : List.of(points, events)) {
            sent.add(good(topic, now, 200));
            sent.add(new Sent(topic, padded(topic, now, 900 * 1024), null, "oversized_payload"));
            sent.add(new Sent(topic, malformed(INGEST_LIMIT), hostileTenant, "invalid_field"));
            sent.add(good(topic, now, 300));
        }

        Outcome outcome = runJob(run, conf, sent);

        outcome.assertEachRecordInExactlyOnePlace();
        outcome.rejected.forEach((key, row) -> {
            Sent record = outcome.produced.get(key);
            int kept = Math.min(record.value.length, tableLimit);
            assertThat((byte[]) row.getField(1)).as("rejected keeps the first %d bytes of %s", kept, key)
                    .isEqualTo(Arrays.copyOf(record.value, kept));
            assertThat(row.getField(2)).isEqualTo(record.value.length);
            assertThat(row.getField(3)).isEqualTo(record.value.length > tableLimit);
            assertThat(row.getField(4)).as("no tenant on the row of %s", key).isNull();
        });
        outcome.deadLetterSizes.forEach((key, size) -> assertThat(size + 128)
                .as("key and value of %s, with the record overhead, within max.request.size", key)
                .isLessThanOrEqualTo(requestLimit));
        outcome.deadLetters.forEach((key, message) -> {
            Sent record = outcome.produced.get(key);
            byte[] payload = Base64.getDecoder().decode(message.get("payload").asText());
            int kept = Math.min(record.value.length, DEAD_LETTER_LIMIT);
            assertThat(payload).hasSize(kept);
            assertDeadLetter(message, record, Arrays.copyOf(record.value, kept), record.value.length > kept);
            assertThat(message.get("tenant").isNull()).isTrue();
        });
    }

    private static Configuration conf(String run, Map<String, String> extra) {
        Map<String, String> values = new HashMap<>(extra);
        values.put(ChronicleOptions.ROLLUP_ENABLED.key(), "false");
        values.put(ChronicleOptions.VIEWS_ENABLED.key(), "false");
        values.put(ChronicleOptions.ALERTS_ENABLED.key(), "false");
        return services.chronicleConf(run, values);
    }

    private static void assertDeadLetter(JsonNode message, Sent record, byte[] payload, boolean truncated) {
        assertThat(message.get("reason_code").asText()).isEqualTo(record.expectedReason);
        assertThat(Base64.getDecoder().decode(message.get("payload").asText())).isEqualTo(payload);
        assertThat(message.get("payload_size").asInt()).isEqualTo(record.value.length);
        assertThat(message.get("payload_truncated").asBoolean()).isEqualTo(truncated);
    }

    /** What the job made of the records: table rows and dead letters by source coordinates. */
    private static final class Outcome {
        final Map<String, Sent> produced;
        final Map<String, String> tables = new HashMap<>();
        /** source key → (reason_code, payload, payload_size, payload_truncated, tenant). */
        final Map<String, Row> rejected = new HashMap<>();
        final Map<String, JsonNode> deadLetters = new HashMap<>();
        final Map<String, Integer> deadLetterSizes = new HashMap<>();

        Outcome(Map<String, Sent> produced) {
            this.produced = produced;
        }

        void assertEachRecordInExactlyOnePlace() {
            Map<String, String> expected = new HashMap<>();
            produced.forEach((key, r) -> expected.put(key, r.good() ? "table" : r.expectedReason));
            assertThat(tables).isEqualTo(expected);
            Map<String, String> rejectedReasons = new HashMap<>();
            produced.forEach((key, r) -> {
                if (!r.good()) {
                    rejectedReasons.put(key, r.expectedReason);
                }
            });
            assertThat(deadLetters.keySet()).isEqualTo(rejectedReasons.keySet());
        }
    }

    private Outcome runJob(String run, Configuration conf, List<Sent> records) throws Exception {
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        String deadLetter = conf.get(ChronicleOptions.TOPIC_DEAD_LETTER);
        services.kafka.createTopic(points, 1, false);
        services.kafka.createTopic(events, 1, false);
        services.kafka.createTopic(deadLetter, 1, false);

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(1);
        new IngestJob(conf, IngestJob.pointsSource(conf, points), IngestJob.eventsSource(conf, events),
                DeadLetterSink.create(conf, "it-" + run)).build(env);
        JobClient job = env.executeAsync(IngestJob.jobName(conf));
        Outcome outcome = new Outcome(produce(records));
        try {
            long good = records.stream().filter(Sent::good).count();
            long bad = records.size() - good;
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table pointsRaw = catalog.loadTable(TableIdentifier.of("chronicle", "points_raw"));
            Table eventsTable = catalog.loadTable(TableIdentifier.of("chronicle", "events"));
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));
            ItServices.waitUntil("every record in its table", DEADLINE,
                    () -> {
                        // A failure fails the test at once rather than at the deadline.
                        assertThat(failures(job)).as("the job's exception history").isEmpty();
                        return TableStats.committedRecords(pointsRaw) + TableStats.committedRecords(eventsTable) >= good
                                && TableStats.committedRecords(rejected) >= bad;
                    },
                    () -> "points_raw " + TableStats.committedRecords(pointsRaw) + ", events "
                            + TableStats.committedRecords(eventsTable) + ", rejected "
                            + TableStats.committedRecords(rejected));
            readDeadLetters(deadLetter, (int) bad, outcome);
            assertNeverRestarted(job);
        } finally {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
        for (String table : List.of("points_raw", "events")) {
            for (Row row : ItServices.query(conf,
                    "SELECT source_topic, source_partition, source_offset FROM " + table)) {
                String key = row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
                assertThat(outcome.tables.put(key, "table")).as("%s is written once", key).isNull();
            }
        }
        for (Row row : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, reason_code,"
                + " payload, payload_size, payload_truncated, tenant FROM rejected")) {
            String key = row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2);
            assertThat(outcome.tables.put(key, (String) row.getField(3))).as("%s is written once", key).isNull();
            outcome.rejected.put(key, Row.of(row.getField(3), row.getField(4), row.getField(5), row.getField(6),
                    row.getField(7)));
        }
        return outcome;
    }

    /** The job ran through every record without a failure: no restart and an empty exception history. */
    private static void assertNeverRestarted(JobClient job) throws Exception {
        String id = job.getJobID().toString();
        assertThat(rest("/jobs/" + id).get("state").asText()).isEqualTo("RUNNING");
        assertThat(failures(job)).as("the job's exception history").isEmpty();
        ItServices.waitUntil("the job's restart count", Duration.ofSeconds(30),
                () -> !rest("/jobs/" + id + "/metrics?get=numRestarts").isEmpty());
        assertThat(rest("/jobs/" + id + "/metrics?get=numRestarts").get(0).get("value").asText())
                .as("the job's restarts").isEqualTo("0");
    }

    /** The failures in the job's exception history, each that restarted or failed it. */
    private static JsonNode failures(JobClient job) {
        return rest("/jobs/" + job.getJobID() + "/exceptions").get("exceptionHistory").get("entries");
    }

    /** GET from the MiniCluster's REST API. */
    private static JsonNode rest(String path) {
        Configuration cluster = MINI_CLUSTER.getClientConfiguration();
        URI uri = URI.create("http://" + cluster.get(RestOptions.ADDRESS) + ":" + cluster.get(RestOptions.PORT) + path);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET %s", path).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Reads the dead-letter topic as a read_committed consumer until {@code expected} messages, then once more. */
    private static void readDeadLetters(String topic, int expected, Outcome outcome) throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> keys = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (keys.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    String key = new String(record.key(), StandardCharsets.UTF_8);
                    keys.add(key);
                    outcome.deadLetters.put(key, JSON.readTree(record.value()));
                    outcome.deadLetterSizes.put(key, record.key().length + record.value().length);
                }
            }
            // Anything after the expected messages would be a repeat.
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(2))) {
                keys.add(new String(record.key(), StandardCharsets.UTF_8));
            }
        }
        assertThat(keys).as("each reject once on the dead-letter topic").hasSize(expected).doesNotHaveDuplicates();
    }

    private static Map<String, Sent> produce(List<Sent> records) throws Exception {
        Map<String, Sent> produced = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (Sent r : records) {
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(r.topic, 0, null, null, r.value);
                if (r.tenantHeader != null) {
                    record.headers().add("tenant", r.tenantHeader.getBytes(StandardCharsets.UTF_8));
                }
                acks.add(producer.send(record));
            }
            for (int i = 0; i < records.size(); i++) {
                RecordMetadata m = acks.get(i).get();
                produced.put(m.topic() + "/" + m.partition() + "/" + m.offset(), records.get(i));
            }
        }
        return produced;
    }

    private static Sent good(String topic, long now, int size) {
        return new Sent(topic, padded(topic, now, size), null, null);
    }

    /** A valid point or event of exactly {@code size} bytes: JSON padded with whitespace. */
    private static byte[] padded(String topic, long now, int size) {
        String start = topic.startsWith("points")
                ? "{\"metric\":\"padded_bytes\",\"tags\":{\"size\":\"" + size + "\"},\"value\":" + size + ",\"timestamp\":" + now
                : "{\"trace_id\":\"padded-" + size + "\",\"event_type\":\"task.created\",\"timestamp\":" + now;
        return (start + " ".repeat(size - start.length() - 1) + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** An unterminated string of exactly {@code size} bytes. */
    private static byte[] malformed(int size) {
        String start = "{\"metric\":\"";
        return (start + "x".repeat(size - start.length())).getBytes(StandardCharsets.UTF_8);
    }

    /** The largest value the producer's size check takes for a record with this tenant header. */
    private static int largestValueKafkaTakes(String tenant) {
        Header[] headers = {new RecordHeader("tenant", tenant.getBytes(StandardCharsets.UTF_8))};
        int size = KAFKA_LIMIT;
        while (AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE, CompressionType.NONE,
                null, ByteBuffer.allocate(size), headers) > KAFKA_LIMIT) {
            size--;
        }
        return size;
    }
}
