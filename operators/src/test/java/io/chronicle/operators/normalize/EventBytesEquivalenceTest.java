package io.chronicle.operators.normalize;

import io.chronicle.core.Event;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte reader of events ({@link EventBytes}) against the Jackson path it stands in front of
 * (see {@link ByteReaderEquivalence}), field by field with the metadata's compact text. Inputs
 * beyond the shared ones: events as producers write them, with any of their fields in any order;
 * the same holding hostile values (invalid and overlong UTF-8, NULs, controls, escapes, blank and
 * overlong identifiers, repeated names at any depth, deep nesting, numbers at the edges of double
 * and long, every timestamp form, every tenant source with and without a header); and metadata of
 * every size, shape and value.
 */
class EventBytesEquivalenceTest extends ByteReaderEquivalence<Event> {

    private static final String[] USUAL_IDENTIFIERS = {
        "\"task.created\"", "\"task.completed\"", "\"dispatch\"", "\"agent-7\"", "\"t-1\"",
        "\"0b6f3c1e-4a2d-4f0e-9c1b-7d2e5a8f3b10\"", "\"" + utf8("caf\u00e9 \u65e5\u672c") + "\"", "\" x \""
    };

    /** Identifiers at and past the bounds, blank, with controls or escapes. */
    private static final String[] EDGE_IDENTIFIERS = {
        "\"" + "y".repeat(256) + "\"", "\"" + "y".repeat(257) + "\"",
        "\"" + utf8("\u00e9").repeat(256) + "\"", "\"" + utf8("\u00e9").repeat(257) + "\"", "\"" + utf8("\uD83D\uDE00").repeat(128) + "\"",
        "\"" + utf8("\uD83D\uDE00").repeat(129) + "\"", "\"  \"", "\"\"", "\"" + utf8("\u2003") + "\"", "\"" + utf8("\u00a0") + "\"",
        "\"" + utf8("\u0085") + "x\"", "\"a\u007f\"", "\"" + utf8("\u65e5\u672c") + "\"", "\"a\\u0000\"", "\"t\\u002d1\""
    };

    private static final String[] TIMESTAMPS = {
        "\"2026-11-22T10:15:30Z\"", "\"2026-11-22T10:15:30.000Z\"", "\"2026-11-22T10:15:30.123456789+01:00\"",
        "\"2026-11-22T10:15:30.5-03:30\"", "\"2026-11-22T10:15:30\"", "\"1999-12-31T23:59:59Z\"",
        "\"2030-01-01T00:00:00Z\"", "\"1795300000\"", "\" 1795300000 \"", "\"1795300000123\"", "\"-1\"",
        "\"9223372036854775808\"", "\"\"", "1795300000", "1795300000.25", "1795300000123", "1795300000123456",
        "1795300000123456789", "1.7953E9", "1e9", "-1", "0", "1795348920", "1795348921", "null"
    };

    private static final String[] USUAL_TIMESTAMPS = {
        "\"2026-11-22T10:15:30Z\"", "\"2026-11-22T10:15:30.000Z\"", "\"2026-11-22T10:15:30.123456789+01:00\"",
        "\"2026-11-22T10:15:30.5-03:30\"", "\"1795300000\"", "\"1795300000123\"", "1795300000", "1795300000.25",
        "1795300000123", "1795300000123456", "1795300000123456789", "1.7953E9", "null"
    };

    /** Values producers write in metadata, every type among them. */
    private static final String[] USUAL_SCALARS = {
        "\"agent-7\"", "\"exit code 1\"", "\"\"", "\" \"", "\"" + utf8("caf\u00e9 \u65e5\u672c \uD83D\uDE00") + "\"",
        "\"" + utf8("\u0085\u2028") + "\"", "\"a/b\"", "\"" + "z".repeat(2_000) + "\"", "87", "-3", "0", "2.5", "-0.0",
        "1e5", "12345678901234", "true", "false", "null"
    };

    private static final String[] USUAL_NAMES = {
        "agent_id", "task_title", "title", "owner", "error", "scoring_breakdown", "busy_ms", "uptime_ms", "quality",
        utf8("cl\u00e9"), "a b", "0"
    };

    /** Names in objects of the metadata: from few, so some objects repeat one. */
    private static final String[] NAMES = {
        "agent_id", "task_title", "title", "owner", "error", "scoring_breakdown", "busy_ms", "a", "b", "",
        "\\u0061", utf8("cl\u00e9"), "\u00c0\u00af", "x".repeat(300), "\u0001"
    };

    EventBytesEquivalenceTest() {
        super(EventNormalizer::new, EventNormalizer::jacksonPath);
    }

    @Override
    byte[] usualRecord() {
        return ("{\"event_id\":\"e-1\",\"trace_id\":\"t-1\",\"source\":\"agent-7\",\"event_type\":"
                + "\"task.completed\",\"timestamp\":\"2026-11-22T10:15:30.000Z\",\"metadata\":{\"title\":\"caf"
                + utf8("\u00e9") + "\",\"n\":[1,2.5,{\"x\":null}],\"ok\":true},\"tenant\":\"acme\",\"schema_version\":3,"
                + "\"aggregate_id\":42,\"extra\":[1]}").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Metadata alone, of every size, shape and value. */
    @Property(tries = 3_000, seed = "20261209")
    void metadataReadsAsJacksonWritesIt(@ForAll("metadata") String metadata, @ForAll("space") String space) {
        String payload = "{\"trace_id\":\"t-1\"," + space + "\"event_type\":\"task.created\",\"metadata\":" + metadata + "}";
        assertSameOutcome(payload.getBytes(StandardCharsets.ISO_8859_1), 0, null);
        Statistics.label(READER).coverage(c -> c.check(BYTES).count(n -> n >= 1_000));
    }

    /**
     * ISO-8601 times the byte readers read without java.time (see {@link Timestamps#usualIsoToMicros})
     * read as java.time reads them, in any year; and events holding them give the same outcome.
     */
    @Property(tries = 4_000, seed = "20261213")
    void isoTimesReadAsJavaTimeReadsThem(@ForAll("isoTimes") String time) {
        byte[] text = time.getBytes(StandardCharsets.US_ASCII);
        long usual = Timestamps.usualIsoToMicros(text, 0, text.length);
        if (usual != Timestamps.NOT_USUAL) {
            assertThat(usual).as(time).isEqualTo(outcome(() -> Timestamps.textToMicros(time)));
        }
        Statistics.label("form").collect(usual != Timestamps.NOT_USUAL ? "usual" : "other");
        Statistics.label("form").coverage(c -> c.check("usual").percentage(p -> p >= 25));
        assertSameOutcome(("{\"trace_id\":\"t\",\"event_type\":\"x\",\"timestamp\":\"" + time + "\"}")
                .getBytes(StandardCharsets.US_ASCII), 0, null);
    }

    /** Numbers where the event reads them, and copied in its metadata. */
    @Property(tries = 3_000, seed = "20261210")
    void randomNumbersReadAsJacksonReadsThem(@ForAll("numbers") String number,
            @ForAll("numberFields") String field) {
        String value = field.equals("metadata") ? "{\"n\":" + number + ",\"a\":[" + number + "]}" : number;
        String payload = "{\"trace_id\":\"t\",\"event_type\":\"x\",\"" + field + "\":" + value + "}";
        assertSameOutcome(payload.getBytes(StandardCharsets.US_ASCII), 0, null);
    }

    /** Far more distinct identifiers than the caches' slots, then the same again: every event as Jackson reads it. */
    @Test
    void identifiersBeyondTheCachesStillReadAsTheJacksonPathReadsThem() {
        assertSameRecordsBeyondTheCaches(i -> "{\"tenant\":\"t" + (i % 7) + "\",\"trace_id\":\"trace-" + (i / 3)
                + "\",\"source\":\"agent-" + (i % 300) + "\",\"event_type\":\"type." + utf8("\u00e9").repeat(i % 5)
                + (i % 500) + "\",\"metadata\":{\"agent_id\":\"a-" + i + "\"}}");
    }

    /**
     * Strings and names about Jackson's bound on names (50,000 characters): whatever the byte reader
     * takes, Jackson takes alike, and a name past the bound is refused either way.
     */
    @Example
    void longStringsAndNamesReadAsTheJacksonPathReadsThem() {
        assertSameOutcomeAboutTheNameBound("{\"trace_id\":\"t\",\"event_type\":\"x\",\"%s\":1}",
                "{\"trace_id\":\"t\",\"event_type\":\"x\",\"extra\":\"%s\"}",
                "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":{\"%s\":1}}",
                "{\"trace_id\":\"t\",\"event_type\":\"x\",\"metadata\":{\"error\":\"%s\"}}");
    }

    /** The benchmark's shape of an event is the byte reader's, or its figures would not be this reader's. */
    @Test
    void theBenchmarkShapeOfAnEventIsReadFromItsBytes() {
        byte[] payload = ("{\"event_id\":\"0b6f3c1e-4a2d-4f0e-9c1b-7d2e5a8f3b10\",\"trace_id\":\"5d0c8e2a-1f3b-4c6d-8e9f-"
                + "0a1b2c3d4e5f\",\"source\":\"agent-3\",\"event_type\":\"task.completed\",\"timestamp\":"
                + "\"2026-11-22T10:15:30.250Z\",\"metadata\":{\"scoring_breakdown\":{\"quality\":87}}}")
                .getBytes(StandardCharsets.UTF_8);
        Event event = new EventBytes(SETTINGS.get(0)).read(raw(payload, null), null, NOW_MICROS);
        assertThat(event).isNotNull();
        assertThat(event.metadata).isEqualTo("{\"scoring_breakdown\":{\"quality\":87}}");
        assertThat(event.eventTimeMicros).isEqualTo(1_795_342_530_250_000L);
        assertThat(event).isEqualTo(outcome(EventNormalizer.jacksonPath(SETTINGS.get(0)), payload, null));
    }

    /** An event without its optional fields gets the same derived id, Kafka time and empty metadata. */
    @Test
    void theDefaultsOfAnEventAreTheJacksonPaths() {
        byte[] payload = " {\"trace_id\" : \"t-1\" , \"event_type\":\"agent.heartbeat\",\"metadata\":null}\n"
                .getBytes(StandardCharsets.UTF_8);
        Event event = new EventBytes(SETTINGS.get(0)).read(raw(payload, null), null, NOW_MICROS);
        assertThat(event).isNotNull();
        assertThat(event.metadata).isEqualTo("{}");
        assertThat(event).isEqualTo(outcome(EventNormalizer.jacksonPath(SETTINGS.get(0)), payload, null));
    }

    /** Times of every year, mostly valid, and of every field out of its range or written otherwise. */
    @Provide
    Arbitrary<String> isoTimes() {
        Arbitrary<String> year = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(0, 9999)),
                        Tuple.of(3, Arbitraries.of(1970, 2000, 2024, 2026, 2100, 1900)))
                .map(y -> String.format("%04d", y));
        Arbitrary<String> date = Combinators.combine(year, twoDigits(1, 12, 0, 13), twoDigits(1, 31, 0, 32))
                .as((y, m, d) -> y + "-" + m + "-" + d);
        Arbitrary<String> time = Combinators.combine(twoDigits(0, 23, 0, 24), twoDigits(0, 59, 0, 60), twoDigits(0, 59, 0, 60),
                        Arbitraries.oneOf(Arbitraries.of("", "", ".", ".1234567890"),
                                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(9).map(f -> "." + f)))
                .as((h, m, s, fraction) -> h + ":" + m + ":" + s + fraction);
        Arbitrary<String> offset = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of("Z", "+00:00", "+01:00", "-03:30", "+05:45")),
                Tuple.of(1, Arbitraries.of("z", "-00:00", "+18:00", "-18:00", "+18:01", "+24:00", "+01:60", "+0100", "+01",
                        "+01:00:00", "", "Z ", "[UTC]")));
        return Combinators.combine(date, Arbitraries.of("T", "T", "T", "t", " "), time, offset)
                .as((d, t, hms, o) -> d + t + hms + o);
    }

    /** Two digits: mostly from {@code low} to {@code high}, sometimes anything from {@code min} to {@code max}. */
    private static Arbitrary<String> twoDigits(int low, int high, int min, int max) {
        return Arbitraries.frequencyOf(Tuple.of(9, Arbitraries.integers().between(low, high)),
                Tuple.of(1, Arbitraries.integers().between(min, max))).map(n -> String.format("%02d", n));
    }

    @Provide
    Arbitrary<String> numberFields() {
        return Arbitraries.of("timestamp", "schema_version", "aggregate_id", "metadata", "extra");
    }

    /** Events as producers write them, in any order and with any of their fields, and hostile ones. */
    @Override
    @Provide
    Arbitrary<byte[]> objects() {
        return Arbitraries.oneOf(events(false), events(true));
    }

    /**
     * Objects of an event's fields in any order, optional ones sometimes absent. Hostile ones hold
     * now and then any value, a repeated field, an edge identifier, hostile metadata, whitespace JSON
     * does not know or something around the object; usual ones only what producers write.
     */
    private Arbitrary<byte[]> events(boolean hostile) {
        Arbitrary<String> anyValue = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(TEXTS).map(t -> "\"" + t + "\"")), Tuple.of(2, Arbitraries.of(NUMBERS)),
                Tuple.of(1, Arbitraries.of(LITERALS)), Tuple.of(1, Arbitraries.of(EDGE_IDENTIFIERS)));
        Arbitrary<String> identifier = hostile
                ? Arbitraries.frequencyOf(Tuple.of(30, Arbitraries.of(USUAL_IDENTIFIERS)),
                        Tuple.of(1, Arbitraries.of(EDGE_IDENTIFIERS)))
                : Arbitraries.of(USUAL_IDENTIFIERS);
        Arbitrary<String> metadata = hostile ? metadata() : usualMetadata();
        Fields fields = (name, usual) -> hostile
                ? field(name, usual, anyValue, 60, 60)
                : usual.map(v -> "\"" + name + "\":" + v);
        List<Arbitrary<String>> entries = new ArrayList<>();
        entries.add(optional(fields.of("event_id", identifier)));
        entries.add(fields.of("trace_id", identifier));
        entries.add(optional(fields.of("source", identifier)));
        entries.add(fields.of("event_type", identifier));
        entries.add(optional(fields.of("timestamp", hostile ? Arbitraries.of(TIMESTAMPS) : Arbitraries.of(USUAL_TIMESTAMPS))));
        entries.add(optional(fields.of("metadata", Arbitraries.frequencyOf(Tuple.of(6, metadata),
                Tuple.of(1, Arbitraries.just("null"))))));
        entries.add(optional(fields.of("tenant", Arbitraries.of("\"acme\"", "\"globex\"", "\"team-7.eu_1\"",
                "\"chronicle\"", "null"))));
        entries.add(optional(fields.of("namespace", identifier)));
        entries.add(optional(fields.of("schema_id", identifier)));
        entries.add(optional(fields.of("schema_version", hostile
                ? Arbitraries.of("0", "1", "-0", "2147483647", "2147483648", "-1", "1.0", "\"1\"", "null")
                : Arbitraries.of("0", "1", "2147483647", "null"))));
        entries.add(optional(fields.of("aggregate_id", Arbitraries.oneOf(identifier, hostile
                ? Arbitraries.of("42", "-0", "-7", "12345678901", "123456789012345678901234", "4.2")
                : Arbitraries.of("42", "-7", "12345678901")))));
        entries.add(Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just("")),
                Tuple.of(1, (hostile ? anyValue : Arbitraries.of("1", "\"v\"", "true", "null")).map(v -> "\"extra\":" + v)),
                Tuple.of(1, metadata.map(v -> "\"extra\":" + v)),
                Tuple.of(1, Arbitraries.of(hostile ? TEXTS : new String[] {"x", "version", utf8("cl\u00e9")})
                        .map(t -> "\"" + t + "\":1"))));
        return Combinators.combine(Combinators.combine(entries).as(list -> list).flatMap(Arbitraries::shuffle),
                        hostile ? space() : Arbitraries.of("", "", " ", "\n  ", "\r\n\t"),
                        hostile ? frame() : Arbitraries.of("{}", "{}", " {} ", "{}\n"))
                .as(ByteReaderEquivalence::object);
    }

    /** A member of an event object with a name, given its usual values. */
    @FunctionalInterface
    private interface Fields {
        Arbitrary<String> of(String name, Arbitrary<String> usual);
    }

    /** An optional field is absent more often than a required one. */
    private static Arbitrary<String> optional(Arbitrary<String> field) {
        return Arbitraries.frequencyOf(Tuple.of(3, field), Tuple.of(1, Arbitraries.just("")));
    }

    /** A metadata object: mostly a few members, sometimes deep, large or hostile. */
    @Provide
    Arbitrary<String> metadata() {
        Arbitrary<String> scalar = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(TEXTS).map(t -> "\"" + t + "\"")),
                Tuple.of(3, Arbitraries.of(NUMBERS)),
                Tuple.of(2, Arbitraries.of(USUAL_SCALARS)),
                Tuple.of(1, Arbitraries.of("nullx", "tru", "\"\\u00e9\"", "\"a\\nb\"", "[1,]", "{\"a\":1,}", "[", "\"open")));
        Arbitrary<String> deep = Combinators.combine(Arbitraries.integers().between(10, 20), Arbitraries.of("[", "{\"d\":"))
                .as((depth, open) -> "{\"deep\":" + open.repeat(depth) + "1"
                        + (open.equals("[") ? "]" : "}").repeat(depth) + "}");
        return Arbitraries.frequencyOf(Tuple.of(8, object(3, scalar, NAMES)), Tuple.of(1, deep),
                Tuple.of(1, Arbitraries.just("{}")),
                Tuple.of(1, Arbitraries.of(NAMES).list().uniqueElements().ofMinSize(10).ofMaxSize(15)
                        .map(names -> members(names, names.stream().map(n -> "1").toList(), ","))));
    }

    /** Metadata as producers write it: strings, numbers and literals of every kind, a little nesting. */
    private Arbitrary<String> usualMetadata() {
        Arbitrary<String> scalar = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.of(USUAL_SCALARS)),
                Tuple.of(1, numbers()));
        return object(2, scalar, USUAL_NAMES);
    }

    /** A JSON value, nested at most {@code depth} further, its leaves {@code scalar}s. */
    private Arbitrary<String> value(int depth, Arbitrary<String> scalar, String[] names) {
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<String> array = Combinators.combine(value(depth - 1, scalar, names).list().ofMaxSize(4),
                        Arbitraries.of(",", ", ", " ,\n"))
                .as((values, comma) -> "[" + String.join(comma, values) + "]");
        return Arbitraries.frequencyOf(Tuple.of(6, scalar), Tuple.of(2, object(depth - 1, scalar, names)),
                Tuple.of(1, array));
    }

    /** An object of up to five members from {@code names}, mostly distinct, values nested at most {@code depth} further. */
    private Arbitrary<String> object(int depth, Arbitrary<String> scalar, String[] names) {
        Arbitrary<List<String>> keys = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of(names).list().uniqueElements().ofMaxSize(5)),
                Tuple.of(names == NAMES ? 1 : 0, Arbitraries.of(names).list().ofMaxSize(5)));
        return Combinators.combine(keys, value(depth, scalar, names).list().ofSize(5),
                        Arbitraries.of(",", ",", " , ", ",\n  ", ", \t"))
                .as(ByteReaderEquivalence::members);
    }
}
