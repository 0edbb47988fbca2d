package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.sinks.DeadLetterSink;
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
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tenants pinned to a trusted header ({@code header-only}) with an allowlist, end to end: each
 * record lands in exactly one of its table or {@code rejected} (and the dead-letter topic), with
 * the expected reason and tenant, whatever its payload claims or its headers hold; and producers'
 * points named like the health series can neither fire a health alert nor keep one from firing.
 */
class TenantsITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A record to produce and where it must end up. */
    private record Sent(String topic, byte[] value, List<byte[]> tenantHeaders, Expected expected) {}

    /** {@code table} with {@code tenant}, or {@code rejected} with {@code reason} and {@code tenant} (maybe null). */
    private record Expected(String table, String reason, String tenant) {}

    private static Expected row(String table, String tenant) {
        return new Expected(table, null, tenant);
    }

    private static Expected rejected(String reason, String tenant) {
        return new Expected("rejected", reason, tenant);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String point(String metric, String tags, double value, long millis, String extra) {
        return "{\"metric\":\"" + metric + "\",\"tags\":" + tags + ",\"value\":" + value + ",\"timestamp\":" + millis
                + extra + "}";
    }

    @Test
    void headerOnlyTenantsWithAnAllowlistAndReservedHealthSeries() throws Exception {
        String run = "tenants";
        Path rulesFile = tempDir.resolve("tenants-rules.yaml");
        Files.writeString(rulesFile, String.join("\n", "rules:",
                "  - {name: Canary, selector: 'canary{phase=\"1\"}', threshold: {above: 0}}",
                "  - {name: Sentinel, selector: 'canary{phase=\"2\"}', threshold: {above: 0}}", ""));
        Map<String, String> options = new HashMap<>(Map.of(
                ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header-only",
                ChronicleOptions.INGEST_TENANTS.key(), "acme;globex",
                ChronicleOptions.INGEST_TENANT_HEADER.key(), "x-tenant",
                ChronicleOptions.ROLLUP_ENABLED.key(), "false",
                ChronicleOptions.VIEWS_ENABLED.key(), "false",
                ChronicleOptions.ALERTS_RULES_FILE.key(), rulesFile.toString(),
                ChronicleOptions.ALERTS_HEALTH_INTERVAL.key(), "1 s",
                ChronicleOptions.ALERTS_HEALTH_FOR.key(), "2 s",
                ChronicleOptions.ALERTS_HEALTH_DEAD_LETTER_RATE.key(), "0.5",
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "1 s"));
        options.putAll(Map.of(
                ChronicleOptions.TOPIC_RULES.key(), "rules-" + run,
                ChronicleOptions.TOPIC_RULES_STATUS.key(), "rules-status-" + run,
                ChronicleOptions.TOPIC_ALERTS.key(), "alerts-" + run));
        Configuration conf = services.chronicleConf(run, options);
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        for (String topic : List.of(points, events, conf.get(ChronicleOptions.TOPIC_DEAD_LETTER),
                conf.get(ChronicleOptions.TOPIC_RULES_STATUS), conf.get(ChronicleOptions.TOPIC_ALERTS))) {
            services.kafka.createTopic(topic, 1, false);
        }
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES), 1, true);

        long now = System.currentTimeMillis();
        String good = point("cpu", "{\"host\":\"a\"}", 1, now, "");
        List<Sent> traffic = new ArrayList<>(List.of(
                // The header decides; a payload's tenant, even the reserved one, is ignored.
                new Sent(points, b(point("cpu", "{\"host\":\"a\"}", 1, now, ",\"tenant\":\"globex\"")), List.of(b("acme")),
                        row("points_raw", "acme")),
                new Sent(points, b(good), List.of(b("globex")), row("points_raw", "globex")),
                new Sent(points, b(point("cpu", "{\"host\":\"a\"}", 2, now, ",\"tenant\":\"chronicle\"")), List.of(b("acme")),
                        row("points_raw", "acme")),
                // No header, a tenant not allowed, the reserved one, and headers that are no tenant at all.
                new Sent(points, b(point("cpu", "{}", 1, now, ",\"tenant\":\"acme\"")), List.of(),
                        rejected("missing_tenant", null)),
                new Sent(points, b(good), List.of(b("initech")), rejected("tenant_not_allowed", null)),
                new Sent(points, b(good), List.of(b("chronicle")), rejected("reserved_tenant", null)),
                new Sent(points, b(good), List.of(new byte[] {(byte) 0xFF, 'a'}), rejected("invalid_field", null)),
                new Sent(points, b(good), List.of(new byte[0]), rejected("invalid_field", null)),
                new Sent(points, b(good), List.of(b("a".repeat(200))), rejected("invalid_field", null)),
                new Sent(points, b(good), List.of(b("acme"), b("globex")), rejected("invalid_field", null)),
                new Sent(points, b(good), List.of(b("acme"), b("acme")), rejected("invalid_field", null)),
                // Refused for something else: the row keeps the (allowed) header's tenant.
                new Sent(points, b("{\"metric\":\"cpu\","), List.of(b("acme")), rejected("malformed_json", "acme")),
                new Sent(points, b(point("cpu", "{\"host\":\"\\ud800\"}", 1, now, "")), List.of(b("globex")),
                        rejected("invalid_tag", "globex")),
                // A health series written by a producer: it would fire ChronicleSinkCommitsFailing at once.
                new Sent(points, b(point("chronicle_table_commit_age_seconds", "{\"table\":\"points_raw\"}", 1e9, now, "")),
                        List.of(b("acme")), rejected("reserved_metric_name", "acme")),
                // Evaluated after everything above (one partition, parallelism 1): when it fires,
                // the point above would have fired first.
                new Sent(points, b(point("canary", "{\"phase\":\"1\"}", 1, now, "")), List.of(b("acme")),
                        row("points_raw", "acme")),
                new Sent(events, b("{\"trace_id\":\"t-1\",\"event_type\":\"task.created\",\"tenant\":\"chronicle\"}"),
                        List.of(b("globex")), row("events", "globex")),
                new Sent(events, b("{\"trace_id\":\"t-2\",\"event_type\":\"task.created\"}"), List.of(b("acme")),
                        row("events", "acme")),
                new Sent(events, b("{\"trace_id\":\"t-3\",\"event_type\":\"task.created\",\"tenant\":\"acme\"}"),
                        List.of(), rejected("missing_tenant", null))));

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(1);
        new IngestJob(conf, IngestJob.pointsSource(conf, points), IngestJob.eventsSource(conf, events),
                DeadLetterSink.create(conf, "it-" + run))
                .build(env);
        JobClient job = env.executeAsync(IngestJob.jobName(conf));
        boolean cancelled = false;
        Map<String, Sent> produced = new LinkedHashMap<>();
        Map<String, JsonNode> alerts = new LinkedHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            for (Sent sent : traffic) {
                send(producer, sent, produced);
            }
            // Garbage from acme makes its dead-letter rate fire.
            ItServices.waitUntil("Canary and acme's dead-letter rate firing", DEADLINE, () -> {
                sendGarbage(producer, points, produced);
                collectAlerts(conf, alerts);
                return alerts.containsKey("Canary/firing/acme") && alerts.containsKey("ChronicleDeadLetterRate/firing/acme");
            }, () -> alerts.keySet().toString());
            assertThat(alerts.keySet()).as("the commit age a producer sent fired nothing")
                    .noneMatch(k -> k.startsWith("ChronicleSinkCommitsFailing/"));
            assertThat(alerts.get("Canary/firing/acme").get("labels").get("tenant").asText()).isEqualTo("acme");

            // Then acme sends its rate as 0, an hour ahead: accepted, that would resolve the alert
            // and, being later than every measurement to come, keep it resolved. The sentinel,
            // evaluated after those points, shows they have been through.
            int[] round = {0};
            ItServices.waitUntil("the sentinel firing and acme's dead-letter rate still firing", DEADLINE, () -> {
                sendGarbage(producer, points, produced);
                long t = System.currentTimeMillis();
                send(producer, new Sent(points, b(point("chronicle_dead_letters_per_second", "{}", 0, t + 3_600_000L, "")),
                        List.of(b("acme")), rejected("reserved_metric_name", "acme")), produced);
                if (round[0]++ > 0) {
                    send(producer, new Sent(points, b(point("canary", "{\"phase\":\"2\"}", 1, t, "")), List.of(b("acme")),
                            row("points_raw", "acme")), produced);
                }
                collectAlerts(conf, alerts);
                return alerts.containsKey("Sentinel/firing/acme")
                        && "firing".equals(lastStatus(conf, "ChronicleDeadLetterRate", "acme"));
            }, () -> alerts.keySet().toString());

            Map<String, Expected> expected = new LinkedHashMap<>();
            produced.forEach((key, sent) -> expected.put(key, sent.expected()));
            long inPointsRaw = expected.values().stream().filter(e -> e.table().equals("points_raw")).count();
            long inEvents = expected.values().stream().filter(e -> e.table().equals("events")).count();
            long inRejected = expected.values().stream().filter(e -> e.table().equals("rejected")).count();
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table pointsRaw = catalog.loadTable(TableIdentifier.of("chronicle", "points_raw"));
            Table eventsTable = catalog.loadTable(TableIdentifier.of("chronicle", "events"));
            Table rejectedTable = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));
            ItServices.waitUntil("every record committed", DEADLINE,
                    () -> TableStats.committedRecords(pointsRaw) >= inPointsRaw
                            && TableStats.committedRecords(eventsTable) >= inEvents
                            && TableStats.committedRecords(rejectedTable) >= inRejected);
            job.cancel().get();
            cancelled = true;

            Map<String, Expected> landed = new HashMap<>();
            for (Row r : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, tenant FROM points_raw")) {
                assertThat(landed.put(key(r), row("points_raw", (String) r.getField(3)))).as("%s once", key(r)).isNull();
            }
            for (Row r : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, tenant FROM events")) {
                assertThat(landed.put(key(r), row("events", (String) r.getField(3)))).as("%s once", key(r)).isNull();
            }
            for (Row r : ItServices.query(conf,
                    "SELECT source_topic, source_partition, source_offset, tenant, reason_code, payload FROM rejected")) {
                assertThat(landed.put(key(r), rejected((String) r.getField(4), (String) r.getField(3))))
                        .as("%s once", key(r)).isNull();
                assertThat((byte[]) r.getField(5)).as("the bytes of %s", key(r)).isEqualTo(produced.get(key(r)).value());
            }
            assertThat(landed).isEqualTo(expected);
            Map<String, Expected> expectedDeadLetters = new HashMap<>(expected);
            expectedDeadLetters.values().removeIf(e -> !e.table().equals("rejected"));
            assertThat(deadLetters(conf, (int) inRejected)).isEqualTo(expectedDeadLetters);
        } finally {
            if (!cancelled) {
                job.cancel().get();
            }
        }
    }

    private static void sendGarbage(KafkaProducer<byte[], byte[]> producer, String topic, Map<String, Sent> produced) {
        for (int i = 0; i < 5; i++) {
            send(producer, new Sent(topic, b("not json"), List.of(b("acme")), rejected("malformed_json", "acme")), produced);
        }
    }

    /** The status of the last change of a rule's alert for a tenant, in the order of the alerts topic. */
    private static String lastStatus(Configuration conf, String rule, String tenant) {
        String last = null;
        for (JsonNode n : readAll(conf.get(ChronicleOptions.TOPIC_ALERTS))) {
            if (n.get("rule").asText().equals(rule) && n.get("labels").path("tenant").asText().equals(tenant)) {
                last = n.get("status").asText();
            }
        }
        return last;
    }

    private static String key(Row r) {
        return r.getField(0) + "/" + r.getField(1) + "/" + r.getField(2);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, Sent sent, Map<String, Sent> produced) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(sent.topic(), 0, null, null, sent.value());
        sent.tenantHeaders().forEach(value -> record.headers().add("x-tenant", value));
        try {
            RecordMetadata m = producer.send(record).get();
            produced.put(m.topic() + "/" + m.partition() + "/" + m.offset(), sent);
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError("could not produce " + sent, e);
        }
    }

    /** Alerts by rule, status and tenant; a repeat after a restore is the same change. */
    private static void collectAlerts(Configuration conf, Map<String, JsonNode> alerts) {
        for (JsonNode n : readAll(conf.get(ChronicleOptions.TOPIC_ALERTS))) {
            alerts.put(n.get("rule").asText() + "/" + n.get("status").asText() + "/" + n.get("labels").path("tenant").asText(), n);
        }
    }

    private static List<JsonNode> readAll(String topic) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition p = new TopicPartition(topic, 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            long end = consumer.endOffsets(List.of(p)).get(p);
            while (consumer.position(p) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(JSON.readTree(r.value()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The committed dead letters by key, as their reason and tenant; each must come once. */
    private static Map<String, Expected> deadLetters(Configuration conf, int count) throws IOException {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "dlq-check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Expected> out = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER)));
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            // Polls once more after the last expected: anything then would be a duplicate.
            boolean more = true;
            while (more && System.nanoTime() < deadline) {
                more = out.size() < count;
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(more ? 500 : 1_000))) {
                    JsonNode n = JSON.readTree(r.value());
                    String key = new String(r.key(), StandardCharsets.UTF_8);
                    Expected e = rejected(n.get("reason_code").asText(), n.get("tenant").isNull() ? null : n.get("tenant").asText());
                    assertThat(out.put(key, e)).as("dead letter %s once", key).isNull();
                }
            }
        }
        return out;
    }
}
