package io.chronicle.operators.normalize;

import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * For any bytes, a normalizer gives a canonical record or a {@link Rejection} with a reason, and
 * nothing else: no other exception, and no record that breaks what the tables and rollups rely on.
 * Inputs are arbitrary bytes, valid records mutated byte by byte, and JSON objects built from the
 * fields the normalizers read with values at their edges.
 */
class NormalizerPropertiesTest {

    /** 2026-11-22T12:00:00Z: after every timestamp the generators use, within the default skew. */
    private static final long NOW_MICROS = 1_795_348_800_000_000L;
    private static final NormalizerSettings SETTINGS = NormalizerSettings.defaults();
    private static final String ACCEPTED = "accepted";
    private static final String[] EDGE_VALUES = {
        "0", "-0.0", "1", "-1", "0.5", "1e308", "1.7976931348623157E308", "-1.7976931348623157E308",
        "4.9E-324", "1e-400", "1e400", "NaN", "Infinity", "-Infinity", "9223372036854775807",
        "-9223372036854775808", "99999999999999999999999", "1795300000", "1795300000000",
        "1795300000000000", "1795300000000000000", "\"\"", "\" \"", "\"2026-11-22T10:15:30Z\"",
        "\"2026-11-22T10:15:30\"", "\"\\u0000\"", "\"\\uD800\"", "\"\\uDC00\\uD800\"", "\"\u00e9\"",
        "\"a\\\"b\"", "true", "false", "null", "[]", "{}", "[null]", "{\"a\":{}}", "\"x\"",
        "\"" + "y".repeat(300) + "\"", "\"cpu_usage\"", "\"task.created\"", "\"acme\"", "\"chronicle\""
    };

    @Property(tries = 10_000)
    void arbitraryBytesNeverEscapeAsAnExceptionFromThePointNormalizer(@ForAll("bytes") byte[] payload) {
        assertPointOutcome(payload);
    }

    @Property(tries = 10_000)
    void arbitraryBytesNeverEscapeAsAnExceptionFromTheEventNormalizer(@ForAll("bytes") byte[] payload) {
        assertEventOutcome(payload);
    }

    @Property(tries = 10_000)
    void mutatedPointsGiveAPointOrAReason(@ForAll("mutatedPoints") byte[] payload) {
        assertPointOutcome(payload);
        acceptsSome();
    }

    @Property(tries = 10_000)
    void mutatedEventsGiveAnEventOrAReason(@ForAll("mutatedEvents") byte[] payload) {
        assertEventOutcome(payload);
        acceptsSome();
    }

    @Property(tries = 10_000)
    void pointsOfEdgeValuesGiveAPointOrAReason(@ForAll("pointObjects") byte[] payload) {
        assertPointOutcome(payload);
        acceptsSome();
    }

    @Property(tries = 10_000)
    void eventsOfEdgeValuesGiveAnEventOrAReason(@ForAll("eventObjects") byte[] payload) {
        assertEventOutcome(payload);
        acceptsSome();
    }

    private static void assertPointOutcome(byte[] payload) {
        MetricPoint point;
        try {
            point = new PointNormalizer(SETTINGS).normalize(raw(payload), NOW_MICROS);
        } catch (Rejection rejection) {
            assertThat(rejection.reason()).isNotNull();
            assertThat(rejection.getMessage()).isNotBlank();
            Statistics.collect(rejection.reason().code());
            return;
        }
        Statistics.collect(ACCEPTED);
        // What the tables, series ids and rollups rely on of an accepted point.
        assertThat(Double.isFinite(point.value)).as("finite value").isTrue();
        assertThat(point.metric).matches("[a-zA-Z_:][a-zA-Z0-9_:]{0,254}");
        assertThat(point.tenant).isNotEmpty();
        assertThat(point.tags).allSatisfy((key, value) -> {
            assertThat(key).matches("[a-zA-Z_][a-zA-Z0-9_]*");
            assertThat(value).isNotEmpty();
        });
        assertThat(point.tags.size()).isLessThanOrEqualTo(SETTINGS.maxTags);
        assertThat(point.timestampMicros).isBetween(SETTINGS.minTimestampMicros, NOW_MICROS + SETTINGS.maxFutureSkewMicros);
        assertThat(point.seriesId).isEqualTo(new SeriesIds().seriesId(point.tenant, point.metric, new TreeMap<>(point.tags)));
    }

    private static void assertEventOutcome(byte[] payload) {
        Event event;
        try {
            event = new EventNormalizer(SETTINGS).normalize(raw(payload), NOW_MICROS);
        } catch (Rejection rejection) {
            assertThat(rejection.reason()).isNotNull();
            assertThat(rejection.getMessage()).isNotBlank();
            Statistics.collect(rejection.reason().code());
            return;
        }
        Statistics.collect(ACCEPTED);
        assertThat(event.traceId).isNotBlank();
        assertThat(event.eventType).isNotBlank();
        assertThat(event.eventId).isNotBlank();
        assertThat(event.tenant).isNotEmpty();
        assertThat(event.metadata).startsWith("{").endsWith("}");
        assertThat(event.eventTimeMicros).isBetween(SETTINGS.minTimestampMicros, NOW_MICROS + SETTINGS.maxFutureSkewMicros);
    }

    /** The generators reach accepted records too, so the checks on them run. */
    private static void acceptsSome() {
        Statistics.coverage(coverage -> coverage.check(ACCEPTED).count(n -> n >= 100));
    }

    private static RawRecord raw(byte[] payload) {
        return new RawRecord("t", 0, 7L, NOW_MICROS / 1_000L, null, payload);
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(512);
    }

    @Provide
    Arbitrary<byte[]> mutatedPoints() {
        return mutated(("{\"metric\":\"cpu_usage\",\"tags\":{\"host\":\"h1\",\"dc\":\"eu\"},\"value\":0.5,"
                + "\"timestamp\":1795300000000,\"tenant\":\"acme\"}").getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<byte[]> mutatedEvents() {
        return mutated(("{\"event_id\":\"e1\",\"trace_id\":\"t1\",\"source\":\"s\",\"event_type\":\"task.created\","
                + "\"timestamp\":\"2026-11-22T10:15:30Z\",\"metadata\":{\"a\":[1,2]},\"namespace\":\"n\","
                + "\"schema_id\":\"task\",\"schema_version\":1,\"aggregate_id\":42}").getBytes(StandardCharsets.UTF_8));
    }

    /** A valid record with a few bytes replaced, inserted or removed. */
    static Arbitrary<byte[]> mutated(byte[] original) {
        Arbitrary<int[]> edits = Arbitraries.integers().between(0, Integer.MAX_VALUE)
                .array(int[].class).ofMinSize(1).ofMaxSize(6);
        return edits.map(ops -> {
            byte[] current = original;
            for (int op : ops) {
                int at = Math.floorMod(op, current.length + 1);
                byte b = (byte) (op >>> 8);
                switch (Math.floorMod(op >>> 16, 3)) {
                    case 0 -> {
                        if (at < current.length) {
                            current = current.clone();
                            current[at] = b;
                        }
                    }
                    case 1 -> {
                        byte[] longer = new byte[current.length + 1];
                        System.arraycopy(current, 0, longer, 0, at);
                        longer[at] = b;
                        System.arraycopy(current, at, longer, at + 1, current.length - at);
                        current = longer;
                    }
                    default -> {
                        if (at < current.length) {
                            byte[] shorter = new byte[current.length - 1];
                            System.arraycopy(current, 0, shorter, 0, at);
                            System.arraycopy(current, at + 1, shorter, at, current.length - at - 1);
                            current = shorter;
                        }
                    }
                }
            }
            return current;
        });
    }

    @Provide
    Arbitrary<byte[]> pointObjects() {
        Map<String, Arbitrary<String>> fields = new LinkedHashMap<>();
        fields.put("metric", Arbitraries.of("\"cpu_usage\"", "\"http_requests_total\"", "\"a:b_c9\""));
        fields.put("tags", tags());
        fields.put("value", Arbitraries.of("0.5", "-3", "12345678901", "1e-9"));
        fields.put("timestamp", Arbitraries.of("1795300000", "1795300000123", "\"2026-11-22T10:15:30.5+01:00\"", "null"));
        fields.put("tenant", Arbitraries.of("\"acme\"", "\"team-7.eu_1\""));
        return objects(fields);
    }

    @Provide
    Arbitrary<byte[]> eventObjects() {
        Map<String, Arbitrary<String>> fields = new LinkedHashMap<>();
        fields.put("trace_id", Arbitraries.of("\"t1\"", "\"trace-42\""));
        fields.put("event_type", Arbitraries.of("\"task.created\"", "\"agent.heartbeat\""));
        fields.put("event_id", Arbitraries.of("\"e1\"", "null"));
        fields.put("source", Arbitraries.of("\"dispatch\"", "null"));
        fields.put("timestamp", Arbitraries.of("1795300000", "\"2026-11-22T10:15:30Z\"", "null"));
        fields.put("metadata", Arbitraries.of("{}", "{\"task_title\":\"x\",\"n\":[1,{\"a\":null}]}", "null"));
        fields.put("tenant", Arbitraries.of("\"acme\"", "null"));
        fields.put("namespace", Arbitraries.of("\"swarm\"", "null"));
        fields.put("schema_id", Arbitraries.of("\"task\"", "null"));
        fields.put("schema_version", Arbitraries.of("1", "0", "2147483647", "null"));
        fields.put("aggregate_id", Arbitraries.of("42", "\"agg\"", "null"));
        return objects(fields);
    }

    private static Arbitrary<String> tags() {
        Arbitrary<String> key = Arbitraries.of("host", "dc", "", "a-b", "x".repeat(300), "\\u0000", "_k1");
        Arbitrary<String> value = Arbitraries.of(EDGE_VALUES);
        return Combinators.combine(key.list().ofMaxSize(5), value.list().ofMinSize(5).ofMaxSize(5))
                .as((keys, values) -> {
                    StringBuilder object = new StringBuilder("{");
                    for (int i = 0; i < keys.size(); i++) {
                        object.append(i > 0 ? "," : "").append('"').append(keys.get(i)).append("\":")
                                .append(values.get(i));
                    }
                    return object.append('}').toString();
                });
    }

    /**
     * JSON objects of the given fields, each present or not, holding a usual value or an edge
     * value, sometimes twice, in a shuffled order, plus an unknown field now and then.
     */
    private static Arbitrary<byte[]> objects(Map<String, Arbitrary<String>> fields) {
        List<Arbitrary<String>> entries = new ArrayList<>();
        for (Map.Entry<String, Arbitrary<String>> field : fields.entrySet()) {
            Arbitrary<String> value = Arbitraries.frequencyOf(
                    Tuple.of(8, field.getValue()), Tuple.of(1, Arbitraries.of(EDGE_VALUES)));
            Arbitrary<String> entry = value.map(v -> "\"" + field.getKey() + "\":" + v);
            entries.add(Arbitraries.frequencyOf(
                    Tuple.of(12, entry), Tuple.of(1, Arbitraries.just("")),
                    Tuple.of(1, entry.map(e -> e + "," + e))));
        }
        entries.add(Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just("")),
                Tuple.of(1, Arbitraries.of(EDGE_VALUES).map(v -> "\"extra\":" + v))));
        return Combinators.combine(entries).as(list -> list).flatMap(list -> Arbitraries.shuffle(list))
                .map(list -> ("{" + String.join(",", list.stream().filter(e -> !e.isEmpty()).toList()) + "}")
                        .getBytes(StandardCharsets.UTF_8));
    }
}
