package io.chronicle.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.KafkaLimits;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A dead-letter message is the record's {@code rejected} row as JSON with the payload cut to its
 * bound, and never larger than the producer takes: text columns, then the payload, are cut further
 * when needed, and a record that cannot fit at all is skipped and counted rather than failing the job.
 */
class DeadLetterSerializerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Provenance FROM = new Provenance("chronicle.points", 3, 99L, 1_795_300_000_123_456L);
    private static final String KEY = "chronicle.points/3/99";

    @Test
    void aSmallRejectIsItsRejectedRowWithTheOriginalBytesKeyedBySourceCoordinates() throws Exception {
        RejectedRecord r = rejected(new byte[] {'{', (byte) 0xff, 0, '"'}, null, "Unexpected end of input");

        SerializerContext context = new SerializerContext();
        CheckedMessages<RejectedRecord> serializer = DeadLetterSink.serializer(conf(Map.of()));
        serializer.open(context, null);
        ProducerRecord<byte[], byte[]> message = serializer.serialize(r, null, 1L);

        assertThat(message.topic()).isEqualTo("dead-letter");
        assertThat(new String(message.key(), StandardCharsets.UTF_8)).isEqualTo(KEY);
        JsonNode value = JSON.readTree(message.value());
        assertThat(RowJsonSerializerTest.fieldNames(value))
                .containsExactlyElementsOf(RowJsonSerializerTest.columns(ChronicleTable.REJECTED));
        assertThat(value).isEqualTo(expectedMessage(r, r.payload, null, false));
        assertThat(context.count(DeadLetterSerializer.PAYLOADS_CUT)).isZero();
        assertThat(context.count(CheckedMessages.MESSAGES_SKIPPED)).isZero();
    }

    @Test
    void aRefusedPartOfABatchRecordIsKeyedWithItsPlaceInIt() throws Exception {
        RejectedRecord r = rejected("not a line".getBytes(StandardCharsets.UTF_8), null, "no fields");
        r.provenance = new Provenance("chronicle.points", 3, 99L, 4, 1_795_300_000_123_456L);
        CheckedMessages<RejectedRecord> serializer = DeadLetterSink.serializer(conf(Map.of()));
        serializer.open(new SerializerContext(), null);
        ProducerRecord<byte[], byte[]> message = serializer.serialize(r, null, 1L);

        assertThat(new String(message.key(), StandardCharsets.UTF_8)).isEqualTo(KEY + "#4");
        assertThat(JSON.readTree(message.value())).isEqualTo(expectedMessage(r, r.payload, null, false));
    }

    @Test
    void aPayloadOfExactlyTheBoundIsWholeAndOneByteMoreIsCutToTheBound() throws Exception {
        Configuration conf = conf(Map.of("chronicle.dead-letter.max-payload-bytes", "1000"));
        byte[] atBound = bytes(1000, 1);
        byte[] overBound = bytes(1001, 2);
        SerializerContext context = new SerializerContext();
        CheckedMessages<RejectedRecord> serializer = DeadLetterSink.serializer(conf);
        serializer.open(context, null);

        RejectedRecord whole = rejected(atBound, "acme", "bad");
        assertThat(JSON.readTree(serializer.serialize(whole, null, 1L).value()))
                .isEqualTo(expectedMessage(whole, atBound, "acme", false));
        assertThat(context.count(DeadLetterSerializer.PAYLOADS_CUT)).isZero();

        RejectedRecord cut = rejected(overBound, "acme", "bad");
        JsonNode value = JSON.readTree(serializer.serialize(cut, null, 1L).value());
        assertThat(value).isEqualTo(expectedMessage(cut, Arrays.copyOf(overBound, 1000), "acme", true));
        assertThat(value.get("payload_size").asInt()).isEqualTo(1001);
        assertThat(context.count(DeadLetterSerializer.PAYLOADS_CUT)).isEqualTo(1);
    }

    @Test
    void a900KilobyteRecordBecomesAMessageOfItsFirst64KibibytesWellUnderKafkasLimit() throws Exception {
        byte[] payload = bytes(900 * 1024, 3);
        RejectedRecord r = rejected(payload, null, "record is 921600 bytes, more than the 65536 allowed");
        r.reasonCode = "oversized_payload";

        ProducerRecord<byte[], byte[]> message = SerializerContext.serialize(DeadLetterSink.serializer(conf(Map.of())), r);

        assertThat(JSON.readTree(message.value())).isEqualTo(expectedMessage(r, Arrays.copyOf(payload, 65_536), null, true));
        // 65,536 bytes are 87,384 characters of base64; the other fields take a few hundred bytes.
        assertThat(message.value().length).isBetween(87_384, 88_000);
    }

    @Test
    void aHostileTenantAndReasonAreCutBeforeThePayloadIs() throws Exception {
        // 87,384 bytes of payload in base64 leave room for some 12 KB of other fields.
        Configuration conf = conf(Map.of("chronicle.kafka.properties.max.request.size", "100000"));
        byte[] payload = bytes(65_536, 4);
        RejectedRecord r = rejected(payload, "t".repeat(20_000), "r".repeat(30_000));
        SerializerContext context = new SerializerContext();
        CheckedMessages<RejectedRecord> serializer = DeadLetterSink.serializer(conf);
        serializer.open(context, null);

        ProducerRecord<byte[], byte[]> message = serializer.serialize(r, null, 1L);

        JsonNode value = JSON.readTree(message.value());
        assertThat(value).isEqualTo(expectedMessage(r, payload, "t".repeat(1024) + "…", "r".repeat(1024) + "…", false));
        assertThat(message.key().length + message.value().length + KafkaLimits.RECORD_OVERHEAD_BYTES)
                .isLessThanOrEqualTo(100_000);
        assertThat(context.count(DeadLetterSerializer.PAYLOADS_CUT)).isZero();
    }

    @Test
    void whenCuttingTheTextIsNotEnoughThePayloadIsCutToExactlyWhatFits() throws Exception {
        byte[] payload = bytes(65_536, 5);
        // Control characters are escaped as \u0001, 6 bytes each: the cut tenant alone takes 6 KiB.
        RejectedRecord r = rejected(payload, "\u0001".repeat(5_000), "bad");
        // Every remainder of the room modulo a base64 group, twice.
        for (int limit = 92_000; limit < 92_008; limit++) {
            SerializerContext context = new SerializerContext();
            CheckedMessages<RejectedRecord> serializer = DeadLetterSink.serializer(
                    conf(Map.of("chronicle.kafka.properties.max.request.size", String.valueOf(limit))));
            serializer.open(context, null);

            ProducerRecord<byte[], byte[]> message = serializer.serialize(r, null, 1L);

            int size = message.key().length + message.value().length + KafkaLimits.RECORD_OVERHEAD_BYTES;
            assertThat(size).as("within the producer's limit of %d", limit).isLessThanOrEqualTo(limit);
            assertThat(size + 4).as("three more bytes, four more characters of base64, would not fit in %d", limit)
                    .isGreaterThan(limit);
            JsonNode value = JSON.readTree(message.value());
            byte[] sent = Base64.getDecoder().decode(value.get("payload").asText());
            assertThat(sent.length).isLessThan(65_536).isGreaterThan(60_000);
            assertThat(value).isEqualTo(expectedMessage(r, Arrays.copyOf(payload, sent.length),
                    "\u0001".repeat(1024) + "…", true));
            assertThat(context.count(DeadLetterSerializer.PAYLOADS_CUT)).isEqualTo(1);
            assertThat(context.count(CheckedMessages.MESSAGES_SKIPPED)).isZero();
        }
    }

    @Test
    void aRejectThatCannotFitOrCannotBeEncodedIsSkippedAndCountedNeverThrown() throws Exception {
        // Not a configuration a job would start with: 1,024 characters of reason alone exceed it.
        Configuration tiny = Configuration.fromMap(Map.of("chronicle.topics.dead-letter", "dead-letter",
                "chronicle.kafka.properties.max.request.size", "700", "chronicle.dead-letter.max-payload-bytes", "0"));
        SerializerContext context = new SerializerContext();
        CheckedMessages<RejectedRecord> serializer = DeadLetterSink.serializer(tiny);
        serializer.open(context, null);

        assertThat(serializer.serialize(rejected(bytes(10, 6), null, "r".repeat(2_000)), null, 1L)).isNull();
        RejectedRecord nowhere = rejected(bytes(10, 7), null, "bad");
        nowhere.provenance = null;
        assertThat(serializer.serialize(nowhere, null, 1L)).isNull();
        assertThat(context.count(CheckedMessages.MESSAGES_SKIPPED)).isEqualTo(2);

        RejectedRecord small = rejected(bytes(10, 8), null, "bad");
        assertThat(JSON.readTree(serializer.serialize(small, null, 1L).value()))
                .as("the next reject that fits is written").isEqualTo(expectedMessage(small, new byte[0], null, true));
    }

    private static Configuration conf(Map<String, String> extra) {
        Map<String, String> values = new HashMap<>(extra);
        values.put("chronicle.topics.dead-letter", "dead-letter");
        return ChronicleConfig.validated(Configuration.fromMap(values));
    }

    private static RejectedRecord rejected(byte[] payload, String tenant, String message) {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = "malformed_json";
        r.message = message;
        r.tenant = tenant;
        r.payload = payload;
        r.kafkaTimestampMillis = 1_795_300_000_000L;
        r.provenance = FROM;
        return r;
    }

    /** The message written by hand: the rejected row's columns, in order, with these payload bytes. */
    private static JsonNode expectedMessage(RejectedRecord r, byte[] payload, String tenant, boolean truncated)
            throws Exception {
        return expectedMessage(r, payload, tenant, r.message, truncated);
    }

    private static JsonNode expectedMessage(RejectedRecord r, byte[] payload, String tenant, String reason,
            boolean truncated) throws Exception {
        ObjectNode json = JSON.createObjectNode();
        json.put("reason_code", r.reasonCode);
        json.put("reason", reason);
        json.put("tenant", tenant);
        json.put("payload", Base64.getEncoder().encodeToString(payload));
        json.put("kafka_timestamp", "2026-11-21T22:26:40Z");
        json.put("source_topic", "chronicle.points");
        json.put("source_partition", 3);
        json.put("source_offset", 99L);
        json.put("rejected_at", "2026-11-21T22:26:40.123456Z");
        json.put("payload_size", r.payload.length);
        json.put("payload_truncated", truncated);
        json.put("source_index", r.provenance.index);
        // Read back, so numbers compare as parsed ones do.
        return JSON.readTree(JSON.writeValueAsBytes(json));
    }

    private static byte[] bytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
