package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Row;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.ByteBuffer;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the ingest job must make of produced test traffic, checked record by record: every good
 * point in {@code points_raw} and every good event in {@code events} once, with its fields; every
 * bad record once in {@code rejected} with its reason and bytes, and once on the dead-letter topic
 * (read committed). Records are keyed by {@code topic/partition/offset}.
 */
final class ExactlyOnce {

    private static final Duration DEADLINE = Duration.ofMinutes(3);

    private ExactlyOnce() {}

    static void assertLanded(Configuration conf, Map<String, TestTraffic.Record> acked,
            long kafkaTimestamp, String bootstrapServers) throws Exception {
        Map<String, TestTraffic.Record> produced = heldByKafka(conf, acked, bootstrapServers);
        assertPointsExactlyOnce(conf, produced, kafkaTimestamp);
        assertEventsExactlyOnce(conf, produced, kafkaTimestamp);
        assertRejectedExactlyOnce(conf, produced);
        assertDeadLetterExactlyOnce(conf, produced, bootstrapServers);
    }

    /**
     * The produced traffic as Kafka holds it, by {@code topic/partition/offset}: the ground truth
     * of what Chronicle must land. An idempotent producer still writes a batch twice when a broker
     * restart makes it bump its epoch (only transactions rule that out); its acknowledgement names
     * one copy, and each copy is a record Chronicle must land once. Every acknowledged record must
     * be in Kafka where it was acknowledged, and Kafka must hold nothing else.
     */
    static Map<String, TestTraffic.Record> heldByKafka(Configuration conf, Map<String, TestTraffic.Record> acked,
            String bootstrapServers) {
        Map<List<Object>, TestTraffic.Record> byContent = new HashMap<>();
        acked.values().forEach(r -> byContent.put(content(r.value, r.tenantHeader), r));
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, TestTraffic.Record> held = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(conf.get(ChronicleOptions.TOPIC_POINTS), conf.get(ChronicleOptions.TOPIC_EVENTS))) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                assertThat(System.nanoTime()).as("Kafka's topics read to their end within %s", DEADLINE)
                        .isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Header tenant = record.headers().lastHeader("tenant");
                    String key = record.topic() + "/" + record.partition() + "/" + record.offset();
                    TestTraffic.Record produced = byContent.get(content(record.value(),
                            tenant == null ? null : new String(tenant.value(), StandardCharsets.UTF_8)));
                    assertThat(produced).as("Kafka's record %s was produced by the test", key).isNotNull();
                    held.put(key, produced);
                }
            }
        }
        acked.forEach((key, record) -> {
            TestTraffic.Record there = held.get(key);
            assertThat(there).as("acknowledged record %s is in Kafka", key).isNotNull();
            assertThat(content(there.value, there.tenantHeader)).as("acknowledged record %s as produced", key)
                    .isEqualTo(content(record.value, record.tenantHeader));
        });
        if (held.size() > acked.size()) {
            System.out.printf("Kafka holds %d records the producer wrote twice%n", held.size() - acked.size());
        }
        return held;
    }

    private static List<Object> content(byte[] value, String tenantHeader) {
        return List.of(ByteBuffer.wrap(value), String.valueOf(tenantHeader));
    }

    static void assertPointsExactlyOnce(Configuration conf,
            Map<String, TestTraffic.Record> produced, long kafkaTimestamp) throws Exception {
        List<Row> rows = ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, tenant,"
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

    static void assertEventsExactlyOnce(Configuration conf,
            Map<String, TestTraffic.Record> produced, long kafkaTimestamp) throws Exception {
        List<Row> rows = ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, tenant,"
                + " event_id, trace_id, event_type, event_time, metadata FROM events");
        Set<String> seen = new HashSet<>();
        // Copies of one event (a batch the producer wrote twice) are one event: `events` keeps one
        // row per (tenant, event_id). An event without an id takes its record's, so each copy is kept.
        Map<List<String>, List<String>> copies = new HashMap<>();
        produced.forEach((key, r) -> {
            if (r.good() && r.event != null) {
                copies.computeIfAbsent(r.event.eventId == null ? List.of(key) : List.of(r.event.tenant, r.event.eventId),
                        k -> new ArrayList<>()).add(key);
            }
        });
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
        copies.values().forEach(keys -> assertThat(keys.stream().filter(seen::contains).count())
                .as("one row of the event in records %s", keys).isEqualTo(1));
        assertThat(seen).hasSize(copies.size());
    }

    static void assertRejectedExactlyOnce(Configuration conf, Map<String, TestTraffic.Record> produced)
            throws Exception {
        List<Row> rows = ItServices.query(conf, "SELECT source_topic, source_partition, source_offset,"
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

    static void assertDeadLetterExactlyOnce(Configuration conf, Map<String, TestTraffic.Record> produced,
            String bootstrapServers) {
        long bad = produced.values().stream().filter(r -> !r.good()).count();
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
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
}
