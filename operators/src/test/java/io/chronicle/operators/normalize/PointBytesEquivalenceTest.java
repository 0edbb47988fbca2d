package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleOptions.TenantSource;
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
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte reader of points ({@link PointBytes}) against the Jackson path it stands in front of,
 * kept whole as the reference: for any input, the normalizer gives the record the Jackson path
 * gives, field by field with the series id, or the same reason and message; and whatever the byte
 * reader accepts on its own, the Jackson path accepts as the same record. Inputs: arbitrary bytes,
 * valid points mutated byte by byte, and objects of the point's fields holding hostile values
 * (invalid and overlong UTF-8, NULs, controls, escapes, duplicate keys and tags, nesting, numbers at
 * the edges of double and long, every tenant source with and without a header).
 */
class PointBytesEquivalenceTest {

    private static final long NOW_MICROS = 1_795_348_800_000_000L;
    private static final String BYTES = "byte reader";
    private static final String JACKSON = "Jackson path";
    private static final String READER = "reader";
    private static final List<NormalizerSettings> SETTINGS = List.of(
            NormalizerSettings.defaults(),
            settings(TenantSource.HEADER, Set.of()),
            settings(TenantSource.HEADER_ONLY, Set.of()),
            settings(TenantSource.PAYLOAD_THEN_HEADER, Set.of("acme", "default")));

    /** Strings as Latin-1 characters standing for bytes, so any byte sequence can be written. */
    private static final String[] TEXTS = {
        "h1", "eu-west", "", " ", "x", "cpu_usage", "acme", "chronicle", "host", "dc", "_k1", "a-b", "9x", "a:b",
        "chronicle_dead_letter_rate", "a\\\"b", "\\u0041", "met\\u0072ic", "\\uD800", "\\n", "\\/",
        utf8("\u00e9t\u00e9"), utf8("\u65e5\u672c"), utf8("\uD83D\uDE00"), utf8("\u0085"), "\u007f", utf8("\uFEFF"),
        utf8("\uFFFF"), "\u00c0\u00af", "\u00e0\u0080\u00af", "\u00ed\u00a0\u0080", "\u00f4\u0090\u0080\u0080",
        "\u00ff", "\u00e2\u0082", "\u00c3", "\u0000", "\t", "x".repeat(1024), "x".repeat(1025),
        "y".repeat(256), "y".repeat(257), "m".repeat(255), "m".repeat(256), utf8("\u00e9").repeat(700),
        utf8("\u00e9").repeat(1025), "2026-11-22T10:15:30Z", "2026-11-22T10:15:30.5+01:00", " 1795300000 ",
        "1795300000123", "9223372036854775808"
    };

    private static final String[] NUMBERS = {
        "0", "-0", "-0.0", "0.0", "1", "-1", "0.5", "1e5", "1E+05", "1e-5", "01", "1.", ".5", "-", "+1", "1e",
        "1.5e308", "1e308", "1e309", "-1e309", "1.7976931348623157E308", "4.9E-324", "2.4703282292062327e-324",
        "1e-400", "NaN", "Infinity", "-Infinity", "9223372036854775807", "-9223372036854775808",
        "999999999999999999", "-999999999999999999", "1000000000000000000", "99999999999999999999999",
        "1795300000", "1795300000.5", "1795300000000", "1795300000000000", "1795300000000000000",
        "-1795300000", "1e11", "1e14", "1e17", "0.1", "0.30000000000000004", "123456789012345678901234567890.5",
        "3.141592653589793238462643383279", "1x", "1.5.3", "1e5e5", "2.2250738585072011e-308"
    };

    private static final String[] LITERALS = {"true", "false", "null", "nullx", "tru", "[]", "{}", "[1,{\"a\":2}]", "{\"metric\":\"x\"}"};

    @Property(tries = 1_000)
    void arbitraryBytesGiveTheSameOutcome(@ForAll("bytes") byte[] payload, @ForAll("settingsIndex") int settings) {
        assertSameOutcome(payload, settings, null);
    }

    @Property(tries = 2_000)
    void mutatedPointsGiveTheSameOutcome(@ForAll("mutatedPoints") byte[] payload) {
        assertSameOutcome(payload, 0, null);
        Statistics.label(READER).coverage(c -> c.check(BYTES).count(n -> n >= 10));
    }

    @Property(tries = 4_000)
    void hostilePointObjectsGiveTheSameOutcome(@ForAll("pointObjects") byte[] payload,
            @ForAll("settingsIndex") int settings, @ForAll("header") String header) {
        assertSameOutcome(payload, settings, header);
        Statistics.label(READER).coverage(c -> c.check(BYTES).count(n -> n >= 150));
    }

    @Property(tries = 3_000)
    void randomNumbersReadAsJacksonReadsThem(@ForAll("numbers") String number, @ForAll boolean asTimestamp) {
        String payload = asTimestamp
                ? "{\"metric\":\"m\",\"value\":1,\"timestamp\":" + number + "}"
                : "{\"metric\":\"m\",\"value\":" + number + "}";
        assertSameOutcome(payload.getBytes(StandardCharsets.US_ASCII), 0, null);
    }

    /**
     * One normalizer over a stream, as in a job: texts it has cached and the tenant it resolved
     * last are reused from record to record, and must never carry over what differs.
     */
    @Property(tries = 150)
    void aLongLivedNormalizerGivesTheSameOutcomesAsTheJacksonPath(
            @ForAll("streams") List<Tuple.Tuple2<byte[], String>> stream, @ForAll("settingsIndex") int settingsIndex) {
        NormalizerSettings settings = SETTINGS.get(settingsIndex);
        PointNormalizer normalizer = new PointNormalizer(settings);
        PointNormalizer reference = PointNormalizer.jacksonPath(settings);
        for (Tuple.Tuple2<byte[], String> record : stream) {
            assertThat(outcome(normalizer, record.get1(), record.get2()))
                    .isEqualTo(outcome(reference, record.get1(), record.get2()));
        }
    }

    /** Far more distinct texts than the caches' slots, then the same again: every point as Jackson reads it. */
    @Test
    void textsBeyondTheCachesStillReadAsTheJacksonPathReadsThem() {
        PointNormalizer normalizer = new PointNormalizer(SETTINGS.get(0));
        PointNormalizer reference = PointNormalizer.jacksonPath(SETTINGS.get(0));
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 10_000; i++) {
                byte[] payload = ("{\"tenant\":\"t" + (i % 7) + "\",\"metric\":\"m_" + (i % 300) + "\",\"tags\":{\"k"
                        + (i % 500) + "\":\"host-" + i + "\",\"v\":\"" + utf8("\u00e9").repeat(i % 5) + "\"},\"value\":" + i
                        + "}").getBytes(StandardCharsets.ISO_8859_1);
                Object read = outcome(normalizer, payload, null);
                assertThat(read).isInstanceOf(MetricPoint.class).isEqualTo(outcome(reference, payload, null));
            }
        }
    }

    /** The workload's shape is the byte reader's, or the figures in performance.md would not be its. */
    @Test
    void theBenchmarkShapeOfAPointIsReadFromItsBytes() {
        byte[] payload = ("{\"tenant\":\"acme\",\"metric\":\"http_requests_total\",\"tags\":{\"host\":\"h-17\","
                + "\"region\":\"eu-west\",\"empty\":\"\"},\"value\":12.375,\"timestamp\":1795300000123}")
                .getBytes(StandardCharsets.UTF_8);
        MetricPoint point = new PointBytes(SETTINGS.get(0)).read(raw(payload, null), null, NOW_MICROS);
        assertThat(point).isNotNull();
        assertThat(point.tags).isEqualTo(new TreeMap<>(java.util.Map.of("host", "h-17", "region", "eu-west")));
        assertThat(point.value).isEqualTo(12.375);
        assertThat(point.timestampMicros).isEqualTo(1_795_300_000_123_000L);
        assertThat(point.seriesId).isEqualTo(SeriesIdReference.xxh64Series(
                "acme", "http_requests_total", "host", "h-17", "region", "eu-west"));
        assertThat(point).isEqualTo(outcome(PointNormalizer.jacksonPath(SETTINGS.get(0)), payload, null));
    }

    private static void assertSameOutcome(byte[] payload, int settingsIndex, String header) {
        NormalizerSettings settings = SETTINGS.get(settingsIndex);
        Object expected = outcome(PointNormalizer.jacksonPath(settings), payload, header);
        Object actual = outcome(new PointNormalizer(settings), payload, header);
        assertThat(actual).as("normalizer against the Jackson path").isEqualTo(expected);
        MetricPoint read = readBytes(settings, payload, header);
        if (read != null) {
            assertThat(read).as("byte reader against the Jackson path").isEqualTo(expected);
            assertThat(read.tags).isInstanceOf(TreeMap.class);
        }
        Statistics.label(READER).collect(read != null ? BYTES : JACKSON);
        Statistics.label("outcome").collect(expected instanceof String s ? s.substring(0, s.indexOf(':')) : "accepted");
    }

    /** What the byte reader alone gives, handed the header's tenant as the normalizer checks it. */
    private static MetricPoint readBytes(NormalizerSettings settings, byte[] payload, String header) {
        RawRecord raw = raw(payload, header);
        String headerTenant;
        try {
            headerTenant = settings.tenants.header(raw);
        } catch (Rejection refusedBeforeReading) {
            return null;
        }
        return payload.length == 0 ? null : new PointBytes(settings).read(raw, headerTenant, NOW_MICROS);
    }

    /** The record, or the rejection as "reason: message". */
    private static Object outcome(PointNormalizer normalizer, byte[] payload, String header) {
        try {
            return normalizer.normalize(raw(payload, header), NOW_MICROS);
        } catch (Rejection rejection) {
            return rejection.reason().code() + ": " + rejection.getMessage();
        }
    }

    private static RawRecord raw(byte[] payload, String header) {
        byte[][] headers = header == null ? null : new byte[][] {header.getBytes(StandardCharsets.UTF_8)};
        return new RawRecord("t", 3, 7L, NOW_MICROS / 1_000L, headers, payload);
    }

    private static NormalizerSettings settings(TenantSource source, Set<String> allowed) {
        NormalizerSettings defaults = NormalizerSettings.defaults();
        return new NormalizerSettings(defaults.maxPayloadBytes, 4, defaults.minTimestampMicros,
                defaults.maxFutureSkewMicros, new TenantRules(source, "chronicle-tenant", "default", allowed));
    }

    private static String utf8(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<byte[], String>>> streams() {
        return Combinators.combine(pointObjects(), header()).as(Tuple::of).list().ofMinSize(10).ofMaxSize(60);
    }

    @Provide
    Arbitrary<Integer> settingsIndex() {
        return Arbitraries.integers().between(0, SETTINGS.size() - 1);
    }

    @Provide
    Arbitrary<String> header() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(null)),
                Tuple.of(2, Arbitraries.of("acme", "globex", "chronicle", "", "bad tenant")));
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(256);
    }

    @Provide
    Arbitrary<byte[]> mutatedPoints() {
        byte[] original = ("{\"metric\":\"cpu_usage\",\"tags\":{\"host\":\"h1\",\"dc\":\"" + utf8("\u00e9u") + "\"},"
                + "\"value\":0.5,\"timestamp\":1795300000000,\"tenant\":\"acme\",\"extra\":true}")
                .getBytes(StandardCharsets.ISO_8859_1);
        Arbitrary<int[]> edits = Arbitraries.integers().between(0, Integer.MAX_VALUE)
                .array(int[].class).ofMinSize(1).ofMaxSize(4);
        return edits.map(ops -> {
            byte[] current = original;
            for (int op : ops) {
                int at = Math.floorMod(op, current.length + 1);
                byte b = (byte) (op >>> 8);
                if ((op >>> 16) % 2 == 0 && at < current.length) {
                    current = current.clone();
                    current[at] = b;
                } else {
                    byte[] longer = new byte[current.length + 1];
                    System.arraycopy(current, 0, longer, 0, at);
                    longer[at] = b;
                    System.arraycopy(current, at, longer, at + 1, current.length - at);
                    current = longer;
                }
            }
            return current;
        });
    }

    @Provide
    Arbitrary<String> numbers() {
        Arbitrary<String> doubles = Arbitraries.longs().map(bits -> Double.toString(Double.longBitsToDouble(bits)))
                .filter(s -> !s.contains("N") && !s.contains("I"));
        Arbitrary<String> decimals = Combinators.combine(
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(22),
                Arbitraries.strings().numeric().ofMaxLength(12),
                Arbitraries.integers().between(-330, 330), Arbitraries.of("", "-"), Arbitraries.of(0, 1, 2))
                .as((whole, fraction, exponent, sign, form) -> sign + whole.replaceFirst("^0+(?=.)", "")
                        + (fraction.isEmpty() ? "" : "." + fraction) + (form == 0 ? "" : "e" + exponent));
        Arbitrary<String> integers = Arbitraries.longs().map(String::valueOf);
        return Arbitraries.oneOf(doubles, decimals, integers, Arbitraries.of(NUMBERS));
    }

    @Provide
    Arbitrary<byte[]> pointObjects() {
        Arbitrary<String> string = Arbitraries.of(TEXTS).map(t -> "\"" + t + "\"");
        Arbitrary<String> anyValue = Arbitraries.frequencyOf(Tuple.of(3, string), Tuple.of(2, Arbitraries.of(NUMBERS)),
                Tuple.of(1, Arbitraries.of(LITERALS)));
        Arbitrary<String> tags = Combinators.combine(
                        Arbitraries.of("host", "dc", "region", "az", "", "a-b", "_k1", "host", "9x", "y".repeat(257),
                                "\\u0068ost", utf8("h\u00f6st")).list().ofMaxSize(6),
                        Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of("\"h1\"", "\"eu\"", "\"\"", "\"" + utf8("\u00e9") + "\"")),
                                Tuple.of(1, anyValue)).list().ofSize(6),
                        Arbitraries.of(",", ",", ",", " , ", ",\n"))
                .as((keys, values, comma) -> {
                    StringBuilder object = new StringBuilder("{");
                    for (int i = 0; i < keys.size(); i++) {
                        object.append(i > 0 ? comma : "").append('"').append(keys.get(i)).append("\":").append(values.get(i));
                    }
                    return object.append('}').toString();
                });
        List<Arbitrary<String>> entries = new ArrayList<>();
        entries.add(field("metric", Arbitraries.of("\"cpu_usage\"", "\"http_requests_total\"", "\"a:b_c9\"", "\"m\""), anyValue));
        entries.add(field("tags", Arbitraries.oneOf(tags, tags, tags, Arbitraries.of("{}", "null")), anyValue));
        entries.add(field("value", Arbitraries.of("0.5", "-3", "12345678901", "1e-9", "-0", "17"), anyValue));
        entries.add(field("timestamp", Arbitraries.of("1795300000", "1795300000123", "1795300000.25",
                "\"2026-11-22T10:15:30.5+01:00\"", "null"), anyValue));
        entries.add(field("tenant", Arbitraries.of("\"acme\"", "\"globex\"", "\"team-7.eu_1\"", "null"), anyValue));
        entries.add(Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just("")),
                Tuple.of(1, anyValue.map(v -> "\"extra\":" + v)),
                Tuple.of(1, Arbitraries.of(TEXTS).map(t -> "\"" + t + "\":1"))));
        Arbitrary<String> space = Arbitraries.of("", "", "", " ", "\n\t", "\r\n ", "\u00a0", "\f");
        Arbitrary<String> frame = Arbitraries.of("{}", "{}", "{}", "{}", " {} ", "{} {}", "{}x", utf8("\uFEFF") + "{}",
                "[{}]", "{}\u0000");
        return Combinators.combine(Combinators.combine(entries).as(list -> list).flatMap(Arbitraries::shuffle),
                        space, frame)
                .as((list, ws, outer) -> {
                    String body = String.join("," + ws, list.stream().filter(e -> !e.isEmpty()).toList());
                    int brace = outer.indexOf('}');
                    return (outer.substring(0, brace) + ws + body + ws + outer.substring(brace))
                            .getBytes(StandardCharsets.ISO_8859_1);
                });
    }

    /** A field with a usual value, or any value, sometimes absent, sometimes twice. */
    private static Arbitrary<String> field(String name, Arbitrary<String> usual, Arbitrary<String> any) {
        Arbitrary<String> entry = Arbitraries.frequencyOf(Tuple.of(10, usual), Tuple.of(1, any))
                .map(v -> "\"" + name + "\":" + v);
        return Arbitraries.frequencyOf(Tuple.of(14, entry), Tuple.of(1, Arbitraries.just("")),
                Tuple.of(1, entry.map(e -> e + "," + e)));
    }
}
