package io.chronicle.operators.normalize;

import io.chronicle.core.MetricPoint;
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
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte reader of points ({@link PointBytes}) against the Jackson path it stands in front of
 * (see {@link ByteReaderEquivalence}), field by field with the series id. Inputs beyond the shared
 * ones: objects of the point's fields holding hostile values (invalid and overlong UTF-8, NULs,
 * controls, escapes, duplicate keys and tags, nesting, numbers at the edges of double and long,
 * every tenant source with and without a header).
 */
class PointBytesEquivalenceTest extends ByteReaderEquivalence<MetricPoint> {

    PointBytesEquivalenceTest() {
        super(PointNormalizer::new, PointNormalizer::jacksonPath);
    }

    @Override
    byte[] usualRecord() {
        return ("{\"metric\":\"cpu_usage\",\"tags\":{\"host\":\"h1\",\"dc\":\"" + utf8("\u00e9u") + "\"},"
                + "\"value\":0.5,\"timestamp\":1795300000000,\"tenant\":\"acme\",\"extra\":true}")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    void checkRead(MetricPoint read) {
        // Sorted by key, as the Jackson path's TreeMap iterates them: the order the series id hashes.
        assertThat(new ArrayList<>(read.tags.keySet())).isSorted();
    }

    @Property(tries = 3_000, seed = "20261202")
    void randomNumbersReadAsJacksonReadsThem(@ForAll("numbers") String number, @ForAll boolean asTimestamp) {
        String payload = asTimestamp
                ? "{\"metric\":\"m\",\"value\":1,\"timestamp\":" + number + "}"
                : "{\"metric\":\"m\",\"value\":" + number + "}";
        assertSameOutcome(payload.getBytes(StandardCharsets.US_ASCII), 0, null);
    }

    /** Far more distinct texts than the caches' slots, then the same again: every point as Jackson reads it. */
    @Test
    void textsBeyondTheCachesStillReadAsTheJacksonPathReadsThem() {
        assertSameRecordsBeyondTheCaches(i -> "{\"tenant\":\"t" + (i % 7) + "\",\"metric\":\"m_" + (i % 300)
                + "\",\"tags\":{\"k" + (i % 500) + "\":\"host-" + i + "\",\"v\":\"" + utf8("\u00e9").repeat(i % 5)
                + "\"},\"value\":" + i + "}");
    }

    /**
     * Names and strings about Jackson's bound on names (50,000 characters): whatever the byte reader
     * takes, Jackson takes alike, and a name past the bound is refused either way.
     */
    @Example
    void longStringsAndNamesReadAsTheJacksonPathReadsThem() {
        assertSameOutcomeAboutTheNameBound("{\"metric\":\"m\",\"value\":1,\"%s\":1}",
                "{\"metric\":\"m\",\"value\":1,\"extra\":\"%s\"}");
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

    @Override
    @Provide
    Arbitrary<byte[]> objects() {
        Arbitrary<String> string = Arbitraries.of(TEXTS).map(t -> "\"" + t + "\"");
        Arbitrary<String> anyValue = Arbitraries.frequencyOf(Tuple.of(3, string), Tuple.of(2, Arbitraries.of(NUMBERS)),
                Tuple.of(1, Arbitraries.of(LITERALS)));
        Arbitrary<String> tags = Combinators.combine(
                        Arbitraries.of("host", "dc", "region", "az", "", "a-b", "_k1", "host", "9x", "y".repeat(257),
                                "\\u0068ost", utf8("h\u00f6st")).list().ofMaxSize(6),
                        Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of("\"h1\"", "\"eu\"", "\"\"", "\"" + utf8("\u00e9") + "\"")),
                                Tuple.of(1, anyValue)).list().ofSize(6),
                        Arbitraries.of(",", ",", ",", " , ", ",\n"))
                .as(ByteReaderEquivalence::members);
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
        return Combinators.combine(Combinators.combine(entries).as(list -> list).flatMap(Arbitraries::shuffle),
                        space(), frame())
                .as(ByteReaderEquivalence::object);
    }
}
