package io.chronicle.operators.normalize;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.alerts.HealthRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class PointNormalizerTest {

    /** 2026-11-22T00:00:00Z, the "now" of these tests. */
    static final long NOW_MICROS = 1_795_305_600_000_000L;
    static final long KAFKA_TS_MILLIS = 1_795_305_000_000L;

    private final PointNormalizer normalizer = new PointNormalizer(NormalizerSettings.defaults());

    static RawRecord raw(String json) {
        return raw(json.getBytes(StandardCharsets.UTF_8), null);
    }

    static RawRecord raw(byte[] bytes, String tenantHeader) {
        return new RawRecord("chronicle.points", 3, 42L, KAFKA_TS_MILLIS,
                tenantHeader == null ? null : new byte[][] {tenantHeader.getBytes(StandardCharsets.UTF_8)}, bytes);
    }

    static Stream<Arguments> goodPoints() {
        return Stream.of(
                arguments("epoch seconds",
                        "{\"metric\":\"cpu_usage\",\"value\":0.5,\"timestamp\":1795300000}",
                        1_795_300_000_000_000L),
                arguments("epoch seconds with fraction",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":1795300000.25}",
                        1_795_300_000_250_000L),
                arguments("epoch milliseconds",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":1795300000123}",
                        1_795_300_000_123_000L),
                arguments("epoch microseconds",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":1795300000123456}",
                        1_795_300_000_123_456L),
                arguments("epoch nanoseconds",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":1795300000123456789}",
                        1_795_300_000_123_456L),
                arguments("ISO-8601 with Z",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":\"2026-11-21T23:46:40.5Z\"}",
                        1_795_304_800_500_000L),
                arguments("ISO-8601 with offset",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":\"2026-11-22T01:46:40+02:00\"}",
                        1_795_304_800_000_000L),
                arguments("epoch digits in a string",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":\"1795300000\"}",
                        1_795_300_000_000_000L),
                arguments("no timestamp: the Kafka timestamp",
                        "{\"metric\":\"cpu_usage\",\"value\":1}",
                        KAFKA_TS_MILLIS * 1000),
                arguments("null timestamp: the Kafka timestamp",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":null}",
                        KAFKA_TS_MILLIS * 1000),
                arguments("two minutes ahead: the default skew's limit",
                        "{\"metric\":\"cpu_usage\",\"value\":1,\"timestamp\":1795305720000}",
                        NOW_MICROS + 120_000_000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodPoints")
    void acceptsTimestampForms(String name, String json, long expectedMicros) throws Rejection {
        MetricPoint point = normalizer.normalize(raw(json), NOW_MICROS);
        assertThat(point.timestampMicros).isEqualTo(expectedMicros);
        assertThat(point.metric).isEqualTo("cpu_usage");
        assertThat(point.tenant).isEqualTo("default");
    }

    static Stream<Arguments> badPoints() {
        return Stream.of(
                arguments("empty", "", RejectReason.EMPTY_PAYLOAD),
                arguments("truncated JSON", "{\"metric\":\"cpu\",\"value\":", RejectReason.MALFORMED_JSON),
                arguments("not JSON", "cpu_usage value=1", RejectReason.MALFORMED_JSON),
                arguments("trailing garbage", "{\"metric\":\"cpu\",\"value\":1} x", RejectReason.MALFORMED_JSON),
                arguments("duplicate field", "{\"metric\":\"cpu\",\"metric\":\"mem\",\"value\":1}", RejectReason.MALFORMED_JSON),
                arguments("duplicate value", "{\"metric\":\"cpu\",\"value\":1,\"value\":2}", RejectReason.MALFORMED_JSON),
                arguments("duplicate tag", "{\"metric\":\"cpu\",\"tags\":{\"a\":\"1\",\"a\":\"2\"},\"value\":1}", RejectReason.MALFORMED_JSON),
                arguments("duplicate tag, one empty", "{\"metric\":\"cpu\",\"tags\":{\"a\":\"\",\"a\":\"2\"},\"value\":1}", RejectReason.MALFORMED_JSON),
                arguments("array", "[1,2]", RejectReason.NOT_AN_OBJECT),
                arguments("number", "42", RejectReason.NOT_AN_OBJECT),
                arguments("missing metric", "{\"value\":1}", RejectReason.MISSING_FIELD),
                arguments("missing value", "{\"metric\":\"cpu\"}", RejectReason.MISSING_FIELD),
                arguments("metric not a string", "{\"metric\":7,\"value\":1}", RejectReason.WRONG_TYPE),
                arguments("value as string", "{\"metric\":\"cpu\",\"value\":\"1.5\"}", RejectReason.WRONG_TYPE),
                arguments("value as boolean", "{\"metric\":\"cpu\",\"value\":true}", RejectReason.WRONG_TYPE),
                arguments("value null", "{\"metric\":\"cpu\",\"value\":null}", RejectReason.WRONG_TYPE),
                arguments("tags not an object", "{\"metric\":\"cpu\",\"value\":1,\"tags\":[\"a\"]}", RejectReason.WRONG_TYPE),
                arguments("tag value a number", "{\"metric\":\"cpu\",\"value\":1,\"tags\":{\"port\":80}}", RejectReason.WRONG_TYPE),
                arguments("tag name with dash", "{\"metric\":\"cpu\",\"value\":1,\"tags\":{\"a-b\":\"x\"}}", RejectReason.INVALID_TAG),
                arguments("metric with space", "{\"metric\":\"cpu usage\",\"value\":1}", RejectReason.INVALID_METRIC_NAME),
                arguments("metric starting with digit", "{\"metric\":\"1cpu\",\"value\":1}", RejectReason.INVALID_METRIC_NAME),
                arguments("metric empty", "{\"metric\":\"\",\"value\":1}", RejectReason.INVALID_METRIC_NAME),
                arguments("NaN", "{\"metric\":\"cpu\",\"value\":NaN}", RejectReason.NON_FINITE_VALUE),
                arguments("Infinity", "{\"metric\":\"cpu\",\"value\":Infinity}", RejectReason.NON_FINITE_VALUE),
                arguments("overflowing double", "{\"metric\":\"cpu\",\"value\":1e400}", RejectReason.NON_FINITE_VALUE),
                arguments("largest double", "{\"metric\":\"cpu\",\"value\":1.7976931348623157E308}", RejectReason.VALUE_OUT_OF_RANGE),
                arguments("largest negative double", "{\"metric\":\"cpu\",\"value\":-1.7976931348623157E308}", RejectReason.VALUE_OUT_OF_RANGE),
                arguments("just past the sketch's range", "{\"metric\":\"cpu\",\"value\":1.78E308}", RejectReason.VALUE_OUT_OF_RANGE),
                arguments("timestamp as boolean", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":true}", RejectReason.WRONG_TYPE),
                arguments("timestamp not a date", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":\"yesterday\"}", RejectReason.INVALID_TIMESTAMP),
                arguments("timestamp without offset", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":\"2026-11-21T10:00:00\"}", RejectReason.INVALID_TIMESTAMP),
                arguments("timestamp in 1970", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":5}", RejectReason.TIMESTAMP_OUT_OF_RANGE),
                arguments("timestamp negative", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":-1795300000}", RejectReason.TIMESTAMP_OUT_OF_RANGE),
                arguments("timestamp far in the future", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":\"2030-01-01T00:00:00Z\"}", RejectReason.TIMESTAMP_OUT_OF_RANGE),
                arguments("timestamp 23 hours ahead", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":1795388400}", RejectReason.TIMESTAMP_OUT_OF_RANGE),
                arguments("timestamp past the default skew", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":1795305720001}", RejectReason.TIMESTAMP_OUT_OF_RANGE),
                arguments("timestamp beyond long", "{\"metric\":\"cpu\",\"value\":1,\"timestamp\":99999999999999999999999}", RejectReason.INVALID_TIMESTAMP),
                arguments("tenant with slash", "{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"a/b\"}", RejectReason.INVALID_FIELD));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPoints")
    void rejectsWithReason(String name, String json, RejectReason reason) {
        assertThatThrownBy(() -> normalizer.normalize(raw(json), NOW_MICROS))
                .isInstanceOf(Rejection.class)
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(reason))
                .satisfies(e -> assertThat(e.getMessage()).isNotBlank());
    }

    @Test
    void acceptsTheExtremeValuesTheRollupsHold() throws Rejection {
        for (String value : new String[] {"1.7798941929329858E308", "-1.7798941929329858E308",
                "4.9E-324", "-2.2E-308", "0", "-0.0", "1e-300", "1e300"}) {
            MetricPoint point = normalizer.normalize(
                    raw("{\"metric\":\"cpu\",\"value\":" + value + ",\"timestamp\":1795300000}"), NOW_MICROS);
            assertThat(point.value).as(value).isEqualTo(Double.parseDouble(value));
        }
    }

    @Test
    void aMissingTimestampTakesAKafkaTimestampOnlyWithinTheSkew() throws Rejection {
        String json = "{\"metric\":\"cpu\",\"value\":1}";
        long nowMillis = NOW_MICROS / 1000;
        RawRecord withinSkew = new RawRecord("chronicle.points", 0, 1L, nowMillis + 120_000,
                null, json.getBytes(StandardCharsets.UTF_8));
        assertThat(normalizer.normalize(withinSkew, NOW_MICROS).timestampMicros)
                .isEqualTo(NOW_MICROS + 120_000_000L);
        RawRecord ahead = new RawRecord("chronicle.points", 0, 2L, nowMillis + 3_600_000,
                null, json.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> normalizer.normalize(ahead, NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason())
                        .isEqualTo(RejectReason.TIMESTAMP_OUT_OF_RANGE));
    }

    @Test
    void theExtremeEpochNumbersAreRefusedNamingTheInstantTheyStandFor() {
        assertThatThrownBy(() -> normalizer.normalize(
                raw("{\"metric\":\"cpu\",\"value\":1,\"timestamp\":" + Long.MIN_VALUE + "}"), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.TIMESTAMP_OUT_OF_RANGE))
                .hasMessageStartingWith("timestamp 1677-09-21T00:12:43.145224Z is outside the accepted range");
        assertThatThrownBy(() -> normalizer.normalize(
                raw("{\"metric\":\"cpu\",\"value\":1,\"timestamp\":" + Long.MAX_VALUE + "}"), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.TIMESTAMP_OUT_OF_RANGE))
                .hasMessageStartingWith("timestamp 2262-04-11T23:47:16.854775Z is outside the accepted range");
    }

    @Test
    void rejectsNullValueAsEmpty() {
        assertThatThrownBy(() -> normalizer.normalize(raw(null, null), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.EMPTY_PAYLOAD));
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] bytes = "{\"metric\":\"cpu\",\"value\":1,\"tags\":{\"host\":\"XX\"}}"
                .getBytes(StandardCharsets.UTF_8);
        int x = new String(bytes, StandardCharsets.UTF_8).indexOf("XX");
        bytes[x] = (byte) 0xC3;
        bytes[x + 1] = (byte) 0x28;
        byte[] invalid = bytes;
        assertThatThrownBy(() -> normalizer.normalize(raw(invalid, null), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.INVALID_UTF8));
    }

    @Test
    void rejectsOversizedPayload() {
        String big = "{\"metric\":\"cpu\",\"value\":1,\"pad\":\"" + "x".repeat(70_000) + "\"}";
        assertThatThrownBy(() -> normalizer.normalize(raw(big), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.OVERSIZED_PAYLOAD));
    }

    @Test
    void rejectsTooManyTags() {
        StringBuilder tags = new StringBuilder();
        for (int i = 0; i < 65; i++) {
            tags.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":\"v\"");
        }
        String json = "{\"metric\":\"cpu\",\"value\":1,\"tags\":{" + tags + "}}";
        assertThatThrownBy(() -> normalizer.normalize(raw(json), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.TOO_MANY_TAGS));
    }

    @Test
    void keepsFieldsTagsAndProvenance() throws Rejection {
        MetricPoint point = normalizer.normalize(
                raw("{\"tenant\":\"acme\",\"metric\":\"http_requests_total\",\"value\":42,"
                        + "\"tags\":{\"path\":\"/api\",\"host\":\"web-1\",\"empty\":\"\"},"
                        + "\"unknown\":{\"nested\":[1,2]},\"timestamp\":1795300000}"),
                NOW_MICROS);
        assertThat(point.tenant).isEqualTo("acme");
        assertThat(point.metric).isEqualTo("http_requests_total");
        assertThat(point.value).isEqualTo(42.0);
        assertThat(point.tags).containsExactly(Map.entry("host", "web-1"), Map.entry("path", "/api"));
        assertThat(point.provenance.topic).isEqualTo("chronicle.points");
        assertThat(point.provenance.partition).isEqualTo(3);
        assertThat(point.provenance.offset).isEqualTo(42L);
        assertThat(point.provenance.ingestedAtMicros).isEqualTo(NOW_MICROS);
    }

    @Test
    void tenantComesFromPayloadThenHeaderThenDefault() throws Rejection {
        byte[] withTenant = "{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"payload\"}".getBytes(StandardCharsets.UTF_8);
        byte[] without = "{\"metric\":\"cpu\",\"value\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(normalizer.normalize(raw(withTenant, "header"), NOW_MICROS).tenant).isEqualTo("payload");
        assertThat(normalizer.normalize(raw(without, "header"), NOW_MICROS).tenant).isEqualTo("header");
        assertThat(normalizer.normalize(raw(without, null), NOW_MICROS).tenant).isEqualTo("default");
    }

    /**
     * The health rules select these names in every tenant: a producer's point of one could fire
     * or resolve a health alert, so none is accepted, whatever the tenant.
     */
    @Test
    void healthSeriesNamesAreReservedInEveryTenant() throws Rejection {
        assertThat(HealthRules.METRICS).hasSize(4);
        for (String name : HealthRules.METRICS) {
            for (String tenant : new String[] {"acme", "default"}) {
                String json = "{\"metric\":\"" + name + "\",\"value\":0,\"tenant\":\"" + tenant + "\"}";
                assertThatThrownBy(() -> normalizer.normalize(raw(json), NOW_MICROS))
                        .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.RESERVED_METRIC_NAME))
                        .hasMessage("metric name '" + name + "' is reserved for Chronicle's own health series");
            }
        }
        // Only those exact names: others of the same prefix are anybody's.
        assertThat(normalizer.normalize(raw("{\"metric\":\"chronicle_dead_letters_per_second_total\",\"value\":1}"),
                NOW_MICROS).metric).isEqualTo("chronicle_dead_letters_per_second_total");
        assertThat(normalizer.normalize(raw("{\"metric\":\"Chronicle_table_commit_age_seconds\",\"value\":1}"),
                NOW_MICROS).metric).isEqualTo("Chronicle_table_commit_age_seconds");
    }

    @Test
    void seriesIdIsStableAndIgnoresTagOrder() throws Rejection {
        long a = normalizer.normalize(raw("{\"metric\":\"cpu\",\"value\":1,\"tags\":{\"a\":\"1\",\"b\":\"2\"}}"), NOW_MICROS).seriesId;
        long b = normalizer.normalize(raw("{\"value\":9,\"tags\":{\"b\":\"2\",\"a\":\"1\"},\"metric\":\"cpu\"}"), NOW_MICROS).seriesId;
        long otherTenant = normalizer.normalize(raw("{\"tenant\":\"t2\",\"metric\":\"cpu\",\"value\":1,\"tags\":{\"a\":\"1\",\"b\":\"2\"}}"), NOW_MICROS).seriesId;
        long otherValue = normalizer.normalize(raw("{\"metric\":\"cpu\",\"value\":1,\"tags\":{\"a\":\"1\",\"b\":\"3\"}}"), NOW_MICROS).seriesId;
        // Reference: XXH64 of length-prefixed "default","cpu","a","1","b","2", computed independently.
        assertThat(a).isEqualTo(b).isEqualTo(SeriesIdReference.xxh64Series("default", "cpu", "a", "1", "b", "2"));
        assertThat(otherTenant).isNotEqualTo(a);
        assertThat(otherValue).isNotEqualTo(a);
    }
}
