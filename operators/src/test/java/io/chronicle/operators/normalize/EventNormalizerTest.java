package io.chronicle.operators.normalize;

import io.chronicle.core.Event;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.stream.Stream;

import static io.chronicle.operators.normalize.PointNormalizerTest.KAFKA_TS_MILLIS;
import static io.chronicle.operators.normalize.PointNormalizerTest.NOW_MICROS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class EventNormalizerTest {

    private final EventNormalizer normalizer = new EventNormalizer(NormalizerSettings.defaults());

    static RawRecord raw(String json) {
        return new RawRecord("chronicle.events", 1, 7L, KAFKA_TS_MILLIS, null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void keepsEveryField() throws Rejection {
        Event e = normalizer.normalize(raw("{\"event_id\":\"e-1\",\"trace_id\":\"t-1\","
                + "\"source\":\"dispatch\",\"event_type\":\"task.created\","
                + "\"timestamp\":\"2026-11-21T23:46:40.000Z\","
                + "\"metadata\":{\"title\":\"Fix it\",\"n\":[1,2,{\"x\":null}]},"
                + "\"tenant\":\"acme\",\"namespace\":\"swarm\",\"schema_id\":\"task\","
                + "\"schema_version\":3,\"aggregate_id\":12345678901}"), NOW_MICROS);
        assertThat(e.eventId).isEqualTo("e-1");
        assertThat(e.traceId).isEqualTo("t-1");
        assertThat(e.source).isEqualTo("dispatch");
        assertThat(e.eventType).isEqualTo("task.created");
        assertThat(e.eventTimeMicros).isEqualTo(1_795_304_800_000_000L);
        assertThat(e.metadata).isEqualTo("{\"title\":\"Fix it\",\"n\":[1,2,{\"x\":null}]}");
        assertThat(e.tenant).isEqualTo("acme");
        assertThat(e.namespace).isEqualTo("swarm");
        assertThat(e.schemaId).isEqualTo("task");
        assertThat(e.schemaVersion).isEqualTo(3);
        assertThat(e.aggregateId).isEqualTo("12345678901");
        assertThat(e.provenance.ingestedAtMicros).isEqualTo(NOW_MICROS);
    }

    @Test
    void fillsDefaults() throws Rejection {
        Event e = normalizer.normalize(
                raw("{\"trace_id\":\"t-1\",\"event_type\":\"agent.heartbeat\"}"), NOW_MICROS);
        assertThat(e.metadata).isEqualTo("{}");
        assertThat(e.eventTimeMicros).isEqualTo(KAFKA_TS_MILLIS * 1000);
        assertThat(e.tenant).isEqualTo("default");
        assertThat(e.source).isNull();
        assertThat(e.namespace).isNull();
        assertThat(e.schemaVersion).isNull();
        // A version-3 UUID of "topic/partition/offset", the same on every replay.
        assertThat(e.eventId)
                .isEqualTo(UUID.nameUUIDFromBytes("chronicle.events/1/7".getBytes(StandardCharsets.UTF_8)).toString());
        assertThat(UUID.fromString(e.eventId).version()).isEqualTo(3);
        Event replay = normalizer.normalize(
                raw("{\"trace_id\":\"t-1\",\"event_type\":\"agent.heartbeat\"}"), NOW_MICROS + 5);
        assertThat(replay.eventId).isEqualTo(e.eventId);
    }

    @Test
    void nullMetadataBecomesEmptyObject() throws Rejection {
        Event e = normalizer.normalize(
                raw("{\"trace_id\":\"t\",\"event_type\":\"task.created\",\"metadata\":null}"), NOW_MICROS);
        assertThat(e.metadata).isEqualTo("{}");
    }

    /**
     * Metadata is free text: control characters and any valid Unicode are kept (escaped as JSON
     * escapes them), and what follows the object is read as before.
     */
    @Test
    void metadataKeepsControlCharactersAndValidUnicode() throws Rejection {
        Event e = normalizer.normalize(raw("{\"trace_id\":\"t\",\"event_type\":\"task.failed\","
                + "\"metadata\":{\"error\":\"line 1\\nline 2\\u0000\",\"who\":\"\\ud83d\\ude00 caf\u00e9\","
                + "\"n\":[1.5,{\"x\":[]}]},\"source\":\"s\"}"), NOW_MICROS);
        assertThat(e.metadata).isEqualTo("{\"error\":\"line 1\\nline 2\\u0000\",\"who\":\"\uD83D\uDE00 caf\u00e9\","
                + "\"n\":[1.5,{\"x\":[]}]}");
        assertThat(e.source).isEqualTo("s");
    }

    static Stream<Arguments> badEvents() {
        return Stream.of(
                arguments("missing trace_id", "{\"event_type\":\"task.created\"}", RejectReason.MISSING_FIELD),
                arguments("null trace_id", "{\"trace_id\":null,\"event_type\":\"task.created\"}", RejectReason.MISSING_FIELD),
                arguments("missing event_type", "{\"trace_id\":\"t\"}", RejectReason.MISSING_FIELD),
                arguments("blank trace_id", "{\"trace_id\":\"  \",\"event_type\":\"task.created\"}", RejectReason.INVALID_FIELD),
                arguments("trace_id a number", "{\"trace_id\":5,\"event_type\":\"task.created\"}", RejectReason.WRONG_TYPE),
                arguments("metadata a string", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":\"{}\"}", RejectReason.WRONG_TYPE),
                arguments("metadata an array", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":[]}", RejectReason.WRONG_TYPE),
                arguments("schema_version negative", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"schema_version\":-1}", RejectReason.INVALID_FIELD),
                arguments("schema_version a string", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"schema_version\":\"1\"}", RejectReason.WRONG_TYPE),
                arguments("timestamp garbage", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"timestamp\":\"soon\"}", RejectReason.INVALID_TIMESTAMP),
                arguments("timestamp in 1999", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"timestamp\":\"1999-12-31T23:59:59Z\"}", RejectReason.TIMESTAMP_OUT_OF_RANGE),
                arguments("malformed", "{\"trace_id\":\"t\",", RejectReason.MALFORMED_JSON),
                arguments("string", "\"hello\"", RejectReason.NOT_AN_OBJECT),
                // UTF-8 cannot hold an unpaired surrogate: "a\ud800" and "a\udbff" would be one trace
                arguments("trace_id with an unpaired surrogate", "{\"trace_id\":\"a\\ud800\",\"event_type\":\"x\"}", RejectReason.INVALID_FIELD),
                arguments("event_id with an unpaired low surrogate", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"event_id\":\"\\udc00e\"}", RejectReason.INVALID_FIELD),
                arguments("source with NUL", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"source\":\"a\\u0000\"}", RejectReason.INVALID_FIELD),
                arguments("event_type with a newline", "{\"trace_id\":\"t\",\"event_type\":\"task.created\\n\"}", RejectReason.INVALID_FIELD),
                arguments("aggregate_id with an escape character", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"aggregate_id\":\"\\u001b[2J\"}", RejectReason.INVALID_FIELD),
                arguments("metadata value with an unpaired surrogate", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":{\"agent_id\":\"a\\ud800\"}}", RejectReason.INVALID_FIELD),
                // refused by the JSON parser itself, in any name
                arguments("metadata key with an unpaired surrogate", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":{\"\\udfff\":1}}", RejectReason.MALFORMED_JSON),
                arguments("nested metadata with an unpaired surrogate", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":{\"a\":[{\"b\":\"\\ud83d\"}]}}", RejectReason.INVALID_FIELD),
                arguments("truncated metadata", "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":{\"a\":[1,", RejectReason.MALFORMED_JSON));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badEvents")
    void rejectsWithReason(String name, String json, RejectReason reason) {
        assertThatThrownBy(() -> normalizer.normalize(raw(json), NOW_MICROS))
                .isInstanceOf(Rejection.class)
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(reason));
    }
}
