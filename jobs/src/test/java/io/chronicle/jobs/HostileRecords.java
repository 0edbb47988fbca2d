package io.chronicle.jobs;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hostile records and headers, each with the outcome Chronicle owes it, written down here rather
 * than derived from Chronicle's code: the table it lands in, or the reason code it is refused
 * with. Sizes sit at and around every limit (the payload limit, Kafka's own 1 MB), numbers at the
 * edges of double and long, timestamps at every edge, strings at the edges of Unicode and JSON.
 */
final class HostileRecords {

    static final String POINTS_RAW = "points_raw";
    static final String EVENTS = "events";

    enum Topic { POINTS, EVENTS }

    /** One kind of hostile input: what is produced and what Chronicle must make of it. */
    record Kind(String name, Topic topic, byte[] value, Map<String, List<byte[]>> headers,
            long kafkaTimestampMillis, String expected) {

        boolean accepted() {
            return expected.equals(POINTS_RAW) || expected.equals(EVENTS);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private final long now;
    private final int maxPayloadBytes;
    private final List<Kind> kinds = new ArrayList<>();

    private HostileRecords(long nowMillis, int maxPayloadBytes) {
        this.now = nowMillis;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** Every kind, for a job with the given payload limit, around wall-clock time {@code nowMillis}. */
    static List<Kind> all(long nowMillis, int maxPayloadBytes) {
        HostileRecords r = new HostileRecords(nowMillis, maxPayloadBytes);
        r.payloads();
        r.json();
        r.utf8();
        r.values();
        r.names();
        r.tags();
        r.timestamps();
        r.tenants();
        r.events();
        return List.copyOf(r.kinds);
    }

    // ---- the payload as a whole ---------------------------------------------------------------

    private void payloads() {
        point("empty payload", new byte[0], "empty_payload");
        point("tombstone (null value)", null, "empty_payload");
        point("whitespace only", bytes("   \n\t"), "not_an_object");
        point("a JSON array", bytes("[1,2,3]"), "not_an_object");
        point("a JSON string", bytes("\"cpu\""), "not_an_object");
        point("a JSON number", bytes("42"), "not_an_object");
        point("JSON null", bytes("null"), "not_an_object");
        point("exactly the payload limit", padded(goodPoint(), maxPayloadBytes), POINTS_RAW);
        point("one byte over the payload limit", padded(goodPoint(), maxPayloadBytes + 1), "oversized_payload");
        point("900 KB", padded(goodPoint(), 900 * 1024), "oversized_payload");
        // Kafka's default limit is 1 MiB for the whole request; the value leaves room for the rest.
        point("just under Kafka's 1 MB limit", padded(goodPoint(), 1_000_000), "oversized_payload");
        event("an event over the payload limit", padded(goodEvent(), maxPayloadBytes + 1), "oversized_payload");
    }

    // ---- JSON structure ----------------------------------------------------------------------

    private void json() {
        point("truncated object", bytes("{\"metric\":\"cpu\",\"value\":1"), "malformed_json");
        point("two objects", bytes(goodPoint() + goodPoint()), "malformed_json");
        point("trailing garbage", bytes(goodPoint() + " garbage"), "malformed_json");
        point("trailing whitespace", bytes(goodPoint() + " \n"), POINTS_RAW);
        point("single-quoted strings", bytes("{'metric':'cpu','value':1}"), "malformed_json");
        point("comments", bytes("{/* hi */\"metric\":\"cpu\",\"value\":1}"), "malformed_json");
        point("duplicate value field", bytes("{\"metric\":\"cpu\",\"value\":1,\"value\":2}"), "malformed_json");
        point("duplicate metric field", bytes("{\"metric\":\"cpu\",\"metric\":\"mem\",\"value\":1}"), "malformed_json");
        point("duplicate tag key", bytes("{\"metric\":\"cpu\",\"tags\":{\"h\":\"a\",\"h\":\"b\"},\"value\":1}"),
                "malformed_json");
        point("nesting 10,000 deep in an unknown field",
                bytes("{\"metric\":\"cpu\",\"value\":1,\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}"),
                "malformed_json");
        point("unknown fields of every type", bytes("{\"metric\":\"cpu\",\"value\":1,\"a\":[1,{\"b\":null}],"
                + "\"c\":true,\"d\":\"" + "x".repeat(5_000) + "\"}"), POINTS_RAW);
        point("an unescaped control character in a string", bytes("{\"metric\":\"cpu\",\"value\":1,\"x\":\"a\u0001b\"}"),
                "malformed_json");
    }

    // ---- bytes that are not UTF-8 ------------------------------------------------------------

    private void utf8() {
        point("invalid UTF-8 in the metric name", concat("{\"metric\":\"cpu", new byte[] {(byte) 0xff}, "\",\"value\":1}"),
                "invalid_utf8");
        point("overlong UTF-8 encoding of '/'", concat("{\"metric\":\"a", new byte[] {(byte) 0xc0, (byte) 0xaf},
                "\",\"value\":1}"), "invalid_utf8");
        point("a truncated multi-byte sequence", concat("{\"metric\":\"a\",\"value\":1,\"x\":\"", new byte[] {(byte) 0xe2, (byte) 0x82},
                "\"}"), "invalid_utf8");
        point("UTF-16 encoded JSON", goodPoint().getBytes(StandardCharsets.UTF_16LE), "malformed_json");
        point("a raw NUL byte between fields", concat("{\"metric\":\"cpu\",", new byte[] {0}, "\"value\":1}"),
                "malformed_json");
    }

    // ---- the value ---------------------------------------------------------------------------

    private void values() {
        point("value as a string", pointWith("\"value\":\"1\""), "wrong_type");
        point("value true", pointWith("\"value\":true"), "wrong_type");
        point("value null", pointWith("\"value\":null"), "wrong_type");
        point("value an object", pointWith("\"value\":{\"v\":1}"), "wrong_type");
        point("value missing", bytes("{\"metric\":\"cpu\"}"), "missing_field");
        point("value NaN", pointWith("\"value\":NaN"), "non_finite_value");
        point("value Infinity", pointWith("\"value\":Infinity"), "non_finite_value");
        point("value -Infinity", pointWith("\"value\":-Infinity"), "non_finite_value");
        point("value 1e400 (beyond double)", pointWith("\"value\":1e400"), "non_finite_value");
        point("value 1e-400 (below double's smallest)", pointWith("\"value\":1e-400"), POINTS_RAW);
        point("value -0.0", pointWith("\"value\":-0.0"), POINTS_RAW);
        point("value Long.MAX_VALUE", pointWith("\"value\":" + Long.MAX_VALUE), POINTS_RAW);
        point("value Long.MIN_VALUE", pointWith("\"value\":" + Long.MIN_VALUE), POINTS_RAW);
        point("value a 30-digit integer", pointWith("\"value\":123456789012345678901234567890"), POINTS_RAW);
        point("value 1e300", pointWith("\"value\":1e300"), POINTS_RAW);
        point("value Double.MIN_VALUE", pointWith("\"value\":4.9E-324"), POINTS_RAW);
        point("value Double.MAX_VALUE", pointWith("\"value\":1.7976931348623157E308"), "value_out_of_range");
        point("value -Double.MAX_VALUE", pointWith("\"value\":-1.7976931348623157E308"), "value_out_of_range");
        point("value 1.78e308 (beyond the rollup sketch)", pointWith("\"value\":1.78e308"), "value_out_of_range");
        point("value 1.7e308 (within the rollup sketch)", pointWith("\"value\":1.7e308"), POINTS_RAW);
    }

    // ---- metric names ------------------------------------------------------------------------

    private void names() {
        point("metric missing", bytes("{\"value\":1}"), "missing_field");
        point("metric a number", bytes("{\"metric\":7,\"value\":1}"), "wrong_type");
        point("metric empty", bytes("{\"metric\":\"\",\"value\":1}"), "invalid_metric_name");
        point("metric 255 characters", bytes("{\"metric\":\"" + "m".repeat(255) + "\",\"value\":1}"), POINTS_RAW);
        point("metric 256 characters", bytes("{\"metric\":\"" + "m".repeat(256) + "\",\"value\":1}"), "invalid_metric_name");
        point("metric starting with a digit", bytes("{\"metric\":\"9cpu\",\"value\":1}"), "invalid_metric_name");
        point("metric with a dash", bytes("{\"metric\":\"cpu-usage\",\"value\":1}"), "invalid_metric_name");
        point("metric with a non-ASCII letter", bytes("{\"metric\":\"cpu_\u00e9\",\"value\":1}"), "invalid_metric_name");
        point("metric with an escaped NUL", bytes("{\"metric\":\"cpu\\u0000\",\"value\":1}"), "invalid_metric_name");
        point("metric with an emoji", bytes("{\"metric\":\"cpu_\uD83D\uDE00\",\"value\":1}"), "invalid_metric_name");
    }

    // ---- tags --------------------------------------------------------------------------------

    private void tags() {
        point("tags an array", pointWith("\"tags\":[\"a\"]"), "wrong_type");
        point("tags a string", pointWith("\"tags\":\"host=a\""), "wrong_type");
        point("tags null", pointWith("\"tags\":null"), POINTS_RAW);
        point("tag value a number", pointWith("\"tags\":{\"host\":1}"), "wrong_type");
        point("tag value null", pointWith("\"tags\":{\"host\":null}"), "wrong_type");
        point("tag key with a dash", pointWith("\"tags\":{\"host-name\":\"a\"}"), "invalid_tag");
        point("tag key empty", pointWith("\"tags\":{\"\":\"a\"}"), "invalid_tag");
        point("tag key 257 characters", pointWith("\"tags\":{\"" + "k".repeat(257) + "\":\"a\"}"), "invalid_tag");
        point("tag value 1024 characters", pointWith("\"tags\":{\"host\":\"" + "v".repeat(1024) + "\"}"), POINTS_RAW);
        point("tag value 1025 characters", pointWith("\"tags\":{\"host\":\"" + "v".repeat(1025) + "\"}"), "invalid_tag");
        point("tag value empty (no tag)", pointWith("\"tags\":{\"host\":\"\"}"), POINTS_RAW);
        point("64 tags", pointWith("\"tags\":" + tagObject(64)), POINTS_RAW);
        point("65 tags", pointWith("\"tags\":" + tagObject(65)), "too_many_tags");
        point("tag value with a lone surrogate", pointWith("\"tags\":{\"host\":\"a\\uD800\"}"), "invalid_tag");
        point("tag value with a reversed surrogate pair", pointWith("\"tags\":{\"host\":\"\\uDC00\\uD800\"}"),
                "invalid_tag");
        point("tag value with an escaped control character", pointWith("\"tags\":{\"host\":\"a\\u0007b\"}"),
                "invalid_tag");
        point("tag value with an escaped NUL", pointWith("\"tags\":{\"host\":\"\\u0000\"}"), "invalid_tag");
        point("tag value with a proper surrogate pair (an emoji)", pointWith("\"tags\":{\"mood\":\"\\uD83D\\uDE00\"}"),
                POINTS_RAW);
        point("tag value with non-ASCII text", pointWith("\"tags\":{\"city\":\"Z\u00fcrich \u6771\u4eac\"}"), POINTS_RAW);
    }

    // ---- timestamps --------------------------------------------------------------------------

    private void timestamps() {
        long s = now / 1000;
        point("timestamp in seconds", pointWith("\"timestamp\":" + s), POINTS_RAW);
        point("timestamp in milliseconds", pointWith("\"timestamp\":" + now), POINTS_RAW);
        point("timestamp in microseconds", pointWith("\"timestamp\":" + now * 1000), POINTS_RAW);
        point("timestamp in nanoseconds", pointWith("\"timestamp\":" + now * 1_000_000), POINTS_RAW);
        point("timestamp with fractional seconds", pointWith("\"timestamp\":" + s + ".25"), POINTS_RAW);
        point("timestamp ISO-8601 with an offset", pointWith("\"timestamp\":\""
                + Instant.ofEpochMilli(now).toString().replace("Z", "+00:00") + "\""), POINTS_RAW);
        point("timestamp null (the Kafka timestamp)", pointWith("\"timestamp\":null"), POINTS_RAW);
        point("timestamp 0", pointWith("\"timestamp\":0"), "timestamp_out_of_range");
        point("timestamp negative", pointWith("\"timestamp\":-1"), "timestamp_out_of_range");
        point("timestamp 1999-12-31", pointWith("\"timestamp\":\"1999-12-31T23:59:59Z\""), "timestamp_out_of_range");
        point("timestamp in the year 3000", pointWith("\"timestamp\":\"3000-01-01T00:00:00Z\""), "timestamp_out_of_range");
        point("timestamp 23 hours ahead", pointWith("\"timestamp\":" + (now + 23 * 3_600_000L)), "timestamp_out_of_range");
        point("timestamp 3 minutes ahead", pointWith("\"timestamp\":" + (now + 180_000L)), "timestamp_out_of_range");
        point("timestamp a minute ahead", pointWith("\"timestamp\":" + (now + 60_000L)), POINTS_RAW);
        point("timestamp Long.MAX_VALUE", pointWith("\"timestamp\":" + Long.MAX_VALUE), "timestamp_out_of_range");
        point("timestamp Long.MIN_VALUE", pointWith("\"timestamp\":" + Long.MIN_VALUE), "timestamp_out_of_range");
        point("timestamp beyond long", pointWith("\"timestamp\":99999999999999999999999"), "invalid_timestamp");
        point("timestamp 1e300", pointWith("\"timestamp\":1e300"), "timestamp_out_of_range");
        point("timestamp ISO without an offset", pointWith("\"timestamp\":\"2026-01-01T00:00:00\""), "invalid_timestamp");
        point("timestamp a word", pointWith("\"timestamp\":\"yesterday\""), "invalid_timestamp");
        point("timestamp a boolean", pointWith("\"timestamp\":true"), "wrong_type");
        kinds.add(new Kind("no timestamp and a Kafka timestamp of 0", Topic.POINTS,
                bytes("{\"metric\":\"cpu_usage\",\"value\":1}"), Map.of(), 0L, "timestamp_out_of_range"));
    }

    // ---- tenants -----------------------------------------------------------------------------

    private void tenants() {
        point("tenant with a space", pointWith("\"tenant\":\"acme corp\""), "invalid_field");
        point("tenant 129 characters", pointWith("\"tenant\":\"" + "t".repeat(129) + "\""), "invalid_field");
        point("tenant a number", pointWith("\"tenant\":42"), "wrong_type");
        point("tenant starting with a dot", pointWith("\"tenant\":\".acme\""), "invalid_field");
        kinds.add(new Kind("a valid tenant header", Topic.POINTS, bytes(goodPoint()),
                Map.of("tenant", List.of(bytes("acme"))), now, POINTS_RAW));
        kinds.add(new Kind("a tenant header with a space", Topic.POINTS, bytes(goodPoint()),
                Map.of("tenant", List.of(bytes("acme corp"))), now, "invalid_field"));
        kinds.add(new Kind("a header of another name", Topic.POINTS, bytes(goodPoint()),
                Map.of("x-unrelated", List.of(new byte[] {(byte) 0xff, 0})), now, POINTS_RAW));
        point("tenant null (no tenant)", pointWith("\"tenant\":null"), POINTS_RAW);
        point("the reserved tenant of Chronicle's health series", pointWith("\"tenant\":\"chronicle\""),
                "reserved_tenant");
        point("a health series' metric name", bytes("{\"metric\":\"chronicle_table_commit_age_seconds\","
                + "\"tags\":{\"table\":\"points_raw\"},\"value\":0,\"timestamp\":" + now + "}"), "reserved_metric_name");
        kinds.add(new Kind("the reserved tenant in the header", Topic.POINTS, bytes(goodPoint()),
                Map.of("tenant", List.of(bytes("chronicle"))), now, "reserved_tenant"));
        kinds.add(new Kind("two tenant headers", Topic.POINTS, bytes(goodPoint()),
                Map.of("tenant", List.of(bytes("acme"), bytes("globex"))), now, "invalid_field"));
        kinds.add(new Kind("a tenant header that is not UTF-8", Topic.POINTS, bytes(goodPoint()),
                Map.of("tenant", List.of(new byte[] {(byte) 0xc3, (byte) 0x28})), now, "invalid_field"));
        kinds.add(new Kind("a bad tenant header on an otherwise bad record", Topic.POINTS, bytes("{\"value\":1}"),
                Map.of("tenant", List.of(bytes("not a tenant"))), now, "invalid_field"));
    }

    // ---- events ------------------------------------------------------------------------------

    private void events() {
        event("event without trace_id", bytes("{\"event_type\":\"task.created\"}"), "missing_field");
        event("event without event_type", bytes("{\"trace_id\":\"t1\"}"), "missing_field");
        event("event with a blank trace_id", eventWith("\"trace_id\":\"  \""), "invalid_field");
        event("event with a 257-character trace_id", eventWith("\"trace_id\":\"" + "t".repeat(257) + "\""), "invalid_field");
        event("event with a numeric trace_id", eventWith("\"trace_id\":5"), "wrong_type");
        event("event with a lone surrogate in trace_id", eventWith("\"trace_id\":\"t\\uDFFF\""), "invalid_field");
        event("event with metadata an array", eventWith("\"metadata\":[1]"), "wrong_type");
        event("event with metadata a string", eventWith("\"metadata\":\"{}\""), "wrong_type");
        event("event with deep metadata", eventWith("\"metadata\":" + "{\"a\":".repeat(5_000) + "1"
                + "}".repeat(5_000)), "malformed_json");
        event("event with a negative schema_version", eventWith("\"schema_version\":-1"), "invalid_field");
        event("event with a 64-bit schema_version", eventWith("\"schema_version\":9999999999"), "invalid_field");
        event("event with a fractional schema_version", eventWith("\"schema_version\":1.5"), "wrong_type");
        event("event with a numeric aggregate_id", eventWith("\"aggregate_id\":42"), EVENTS);
        event("event with no timestamp (the Kafka timestamp)", bytes("{\"trace_id\":\"t-kafka-ts\","
                + "\"event_type\":\"task.created\"}"), EVENTS);
        event("event with a future timestamp", eventWith("\"timestamp\":\"3000-01-01T00:00:00Z\""),
                "timestamp_out_of_range");
        kinds.add(new Kind("event with no timestamp and a Kafka timestamp an hour ahead", Topic.EVENTS,
                bytes("{\"trace_id\":\"t-kafka-ahead\",\"event_type\":\"task.created\"}"), Map.of(),
                now + 3_600_000L, "timestamp_out_of_range"));
        event("event whose every envelope field is null", bytes("{\"trace_id\":\"t-nulls\",\"event_type\":\"task.created\","
                + "\"event_id\":null,\"source\":null,\"metadata\":null,\"namespace\":null,\"schema_id\":null,"
                + "\"schema_version\":null,\"aggregate_id\":null,\"tenant\":null}"), EVENTS);
    }

    // ---- building blocks ---------------------------------------------------------------------

    private String goodPoint() {
        return "{\"metric\":\"cpu_usage\",\"tags\":{\"host\":\"h1\"},\"value\":0.5,\"timestamp\":" + now + "}";
    }

    private String goodEvent() {
        return "{\"trace_id\":\"t-good\",\"event_type\":\"task.created\",\"timestamp\":" + now + "}";
    }

    /** A good point with {@code field} in place of (or besides) its own fields of that name. */
    private byte[] pointWith(String field) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("metric", "\"cpu_usage\"");
        fields.put("tags", "{\"host\":\"h1\"}");
        fields.put("value", "0.5");
        fields.put("timestamp", String.valueOf(now));
        return object(fields, field);
    }

    private byte[] eventWith(String field) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("trace_id", "\"t-hostile\"");
        fields.put("event_type", "\"task.created\"");
        fields.put("timestamp", String.valueOf(now));
        return object(fields, field);
    }

    private static byte[] object(Map<String, String> fields, String replacement) {
        String name = replacement.substring(1, replacement.indexOf('"', 1));
        fields.put(name, replacement.substring(replacement.indexOf(':') + 1));
        StringBuilder json = new StringBuilder("{");
        fields.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        return bytes(json.append('}').toString());
    }

    /** The object {@code json} with an unknown string field padding it to exactly {@code size} bytes. */
    private static byte[] padded(String json, int size) {
        String head = json.substring(0, json.length() - 1) + ",\"pad\":\"";
        int padding = size - head.length() - 2;
        return bytes(head + "p".repeat(Math.max(0, padding)) + "\"}");
    }

    private static String tagObject(int n) {
        StringBuilder tags = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            tags.append(i > 0 ? "," : "").append("\"k").append(i).append("\":\"v\"");
        }
        return tags.append('}').toString();
    }

    private void point(String name, byte[] value, String expected) {
        kinds.add(new Kind(name, Topic.POINTS, value, Map.of(), now, expected));
    }

    private void event(String name, byte[] value, String expected) {
        kinds.add(new Kind(name, Topic.EVENTS, value, Map.of(), now, expected));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(String head, byte[] middle, String tail) {
        byte[] a = bytes(head);
        byte[] c = bytes(tail);
        byte[] out = Arrays.copyOf(a, a.length + middle.length + c.length);
        System.arraycopy(middle, 0, out, a.length, middle.length);
        System.arraycopy(c, 0, out, a.length + middle.length, c.length);
        return out;
    }
}
