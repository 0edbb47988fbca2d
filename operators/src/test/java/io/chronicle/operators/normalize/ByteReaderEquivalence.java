package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleOptions.TenantSource;
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
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A byte reader ({@link JsonBytes}) against the Jackson path of its normalizer, kept whole as the
 * reference: for any input, the normalizer gives the record the Jackson path gives, field by field,
 * or the same reason and message; and whatever the byte reader accepts on its own, the Jackson path
 * accepts as the same record. What the tests of each record type ({@link PointBytesEquivalenceTest},
 * {@link EventBytesEquivalenceTest}) share: the settings and texts they try, numbers at the edges of
 * long and double, arbitrary bytes, usual records mutated byte by byte, and streams of records
 * through one long-lived normalizer. Seeds are fixed, so a run tries the same cases as the last.
 */
abstract class ByteReaderEquivalence<T> {

    /** 2026-11-22T12:00:00Z: after every timestamp the generators use, within the default skew. */
    static final long NOW_MICROS = 1_795_348_800_000_000L;
    static final String READER = "reader";
    static final String BYTES = "byte reader";
    static final String JACKSON = "Jackson path";
    static final List<NormalizerSettings> SETTINGS = List.of(
            NormalizerSettings.defaults(),
            settings(TenantSource.HEADER, Set.of()),
            settings(TenantSource.HEADER_ONLY, Set.of()),
            settings(TenantSource.PAYLOAD_THEN_HEADER, Set.of("acme", "default")));

    /** Strings as Latin-1 characters standing for bytes, so any byte sequence can be written. */
    static final String[] TEXTS = {
        "h1", "eu-west", "", " ", "x", "cpu_usage", "acme", "chronicle", "host", "dc", "_k1", "a-b", "9x", "a:b",
        "chronicle_dead_letter_rate", "a\\\"b", "\\u0041", "met\\u0072ic", "\\uD800", "\\n", "\\/",
        utf8("\u00e9t\u00e9"), utf8("\u65e5\u672c"), utf8("\uD83D\uDE00"), utf8("\u0085"), "\u007f", utf8("\uFEFF"),
        utf8("\uFFFF"), "\u00c0\u00af", "\u00e0\u0080\u00af", "\u00ed\u00a0\u0080", "\u00f4\u0090\u0080\u0080",
        "\u00ff", "\u00e2\u0082", "\u00c3", "\u0000", "\t", "x".repeat(1024), "x".repeat(1025),
        "y".repeat(256), "y".repeat(257), "m".repeat(255), "m".repeat(256), utf8("\u00e9").repeat(700),
        utf8("\u00e9").repeat(1025), "2026-11-22T10:15:30Z", "2026-11-22T10:15:30.5+01:00", " 1795300000 ",
        "1795300000123", "9223372036854775808"
    };

    static final String[] NUMBERS = {
        "0", "-0", "-0.0", "0.0", "1", "-1", "0.5", "1e5", "1E+05", "1e-5", "01", "1.", ".5", "-", "+1", "1e",
        "1.5e308", "1e308", "1e309", "-1e309", "1.7976931348623157E308", "4.9E-324", "2.4703282292062327e-324",
        "1e-400", "NaN", "Infinity", "-Infinity", "9223372036854775807", "-9223372036854775808",
        "999999999999999999", "-999999999999999999", "1000000000000000000", "99999999999999999999999",
        "1795300000", "1795300000.5", "1795300000000", "1795300000000000", "1795300000000000000",
        "-1795300000", "1e11", "1e14", "1e17", "0.1", "0.30000000000000004", "123456789012345678901234567890.5",
        "3.141592653589793238462643383279", "1x", "1.5.3", "1e5e5", "2.2250738585072011e-308"
    };

    static final String[] LITERALS = {"true", "false", "null", "nullx", "tru", "[]", "{}", "[1,{\"a\":2}]", "{\"metric\":\"x\"}"};

    private final Function<NormalizerSettings, JsonNormalizer<T>> normalizer;
    private final Function<NormalizerSettings, JsonNormalizer<T>> jacksonPath;

    /**
     * Given the normalizer of the record type (its byte reader in front of its Jackson path) and
     * the same with its Jackson path alone.
     */
    ByteReaderEquivalence(Function<NormalizerSettings, JsonNormalizer<T>> normalizer,
            Function<NormalizerSettings, JsonNormalizer<T>> jacksonPath) {
        this.normalizer = normalizer;
        this.jacksonPath = jacksonPath;
    }

    /** A record of the usual shape, to be mutated. */
    abstract byte[] usualRecord();

    /** Objects of the record type's fields, usual and hostile. */
    abstract Arbitrary<byte[]> objects();

    /** Checks of a record the byte reader gave beyond its equality to the Jackson path's. */
    void checkRead(T read) {}

    @Property(tries = 1_000, seed = "20261206")
    void arbitraryBytesGiveTheSameOutcome(@ForAll("bytes") byte[] payload, @ForAll("settingsIndex") int settings) {
        assertSameOutcome(payload, settings, null);
    }

    @Property(tries = 2_000, seed = "20261207")
    void mutatedRecordsGiveTheSameOutcome(@ForAll("mutated") byte[] payload) {
        assertSameOutcome(payload, 0, null);
        Statistics.label(READER).coverage(c -> c.check(BYTES).count(n -> n >= 10));
    }

    @Property(tries = 5_000, seed = "20261208")
    void hostileObjectsGiveTheSameOutcome(@ForAll("objects") byte[] payload,
            @ForAll("settingsIndex") int settings, @ForAll("header") String header) {
        assertSameOutcome(payload, settings, header);
        Statistics.label(READER).coverage(c -> c.check(BYTES).count(n -> n >= 150));
    }

    /**
     * One normalizer over a stream, as in a job: texts it has cached and the tenant it resolved
     * last are reused from record to record, and must never carry over what differs.
     */
    @Property(tries = 150, seed = "20261211")
    void aLongLivedNormalizerGivesTheSameOutcomesAsTheJacksonPath(
            @ForAll("streams") List<Tuple.Tuple2<byte[], String>> stream, @ForAll("settingsIndex") int settingsIndex) {
        NormalizerSettings settings = SETTINGS.get(settingsIndex);
        JsonNormalizer<T> normalizer = this.normalizer.apply(settings);
        JsonNormalizer<T> reference = jacksonPath.apply(settings);
        for (Tuple.Tuple2<byte[], String> record : stream) {
            assertThat(outcome(normalizer, record.get1(), record.get2()))
                    .isEqualTo(outcome(reference, record.get1(), record.get2()));
        }
    }

    /**
     * The normalizer's outcome is the Jackson path's, and so is the byte reader's record where it
     * gives one (handed the header's tenant as the normalizer checks it).
     */
    final void assertSameOutcome(byte[] payload, int settingsIndex, String header) {
        NormalizerSettings settings = SETTINGS.get(settingsIndex);
        Object expected = outcome(jacksonPath.apply(settings), payload, header);
        Object actual = outcome(normalizer.apply(settings), payload, header);
        assertThat(actual).as("normalizer against the Jackson path").isEqualTo(expected);
        T read = readBytes(settings, payload, header);
        if (read != null) {
            assertThat(read).as("byte reader against the Jackson path").isEqualTo(expected);
            checkRead(read);
        }
        collect(read, expected);
    }

    /** What the byte reader alone gives; null where the normalizer refuses the record before any reader sees it. */
    private T readBytes(NormalizerSettings settings, byte[] payload, String header) {
        RawRecord raw = raw(payload, header);
        String headerTenant;
        try {
            headerTenant = settings.tenants.header(raw);
        } catch (Rejection refusedBeforeReading) {
            return null;
        }
        return payload.length == 0 ? null : normalizer.apply(settings).byteReader().read(raw, headerTenant, NOW_MICROS);
    }

    /** Notes which reader gave the record and what the outcome was, for the coverage checks. */
    private static void collect(Object readByBytes, Object expected) {
        Statistics.label(READER).collect(readByBytes != null ? BYTES : JACKSON);
        Statistics.label("outcome").collect(expected instanceof String s ? s.substring(0, s.indexOf(':')) : "accepted");
    }

    /** The record, or the rejection as "reason: message". */
    static Object outcome(JsonNormalizer<?> normalizer, byte[] payload, String header) {
        return outcome(() -> normalizer.normalize(raw(payload, header), NOW_MICROS));
    }

    /** What {@code read} gives, or its rejection as "reason: message". */
    static Object outcome(Read read) {
        try {
            return read.value();
        } catch (Rejection rejection) {
            return rejection.reason().code() + ": " + rejection.getMessage();
        }
    }

    /** A reading that may be refused. */
    @FunctionalInterface
    interface Read {
        Object value() throws Rejection;
    }

    /**
     * {@link #assertSameOutcome} of each template with its "%s" as a run of ASCII about Jackson's
     * bound on names (50,000 characters), where the byte readers' bound on strings lies.
     */
    final void assertSameOutcomeAboutTheNameBound(String... templates) {
        for (int length : new int[] {49_999, 50_000, 50_001, 60_000}) {
            for (String template : templates) {
                assertSameOutcome(template.replace("%s", "x".repeat(length)).getBytes(StandardCharsets.US_ASCII), 0, null);
            }
        }
    }

    /**
     * Far more distinct texts than the byte reader's caches have slots, then the same again, through
     * one normalizer: every record ({@code record} of 0 to 9,999, Latin-1 characters for bytes) is
     * accepted as the Jackson path reads it.
     */
    final void assertSameRecordsBeyondTheCaches(IntFunction<String> record) {
        JsonNormalizer<T> normalizer = this.normalizer.apply(SETTINGS.get(0));
        JsonNormalizer<T> reference = jacksonPath.apply(SETTINGS.get(0));
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 10_000; i++) {
                byte[] payload = record.apply(i).getBytes(StandardCharsets.ISO_8859_1);
                Object read = outcome(normalizer, payload, null);
                assertThat(read).isNotInstanceOf(String.class).isEqualTo(outcome(reference, payload, null));
            }
        }
    }

    static RawRecord raw(byte[] payload, String header) {
        byte[][] headers = header == null ? null : new byte[][] {header.getBytes(StandardCharsets.UTF_8)};
        return new RawRecord("t", 3, 7L, NOW_MICROS / 1_000L, headers, payload);
    }

    private static NormalizerSettings settings(TenantSource source, Set<String> allowed) {
        NormalizerSettings defaults = NormalizerSettings.defaults();
        return new NormalizerSettings(defaults.maxPayloadBytes, 4, defaults.minTimestampMicros,
                defaults.maxFutureSkewMicros, new TenantRules(source, "chronicle-tenant", "default", allowed));
    }

    /** {@code s}'s UTF-8, one Latin-1 character a byte. */
    static String utf8(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    @Provide
    Arbitrary<List<Tuple.Tuple2<byte[], String>>> streams() {
        return Combinators.combine(objects(), header()).as(Tuple::of).list().ofMinSize(10).ofMaxSize(60);
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

    /** The usual record with a few bytes replaced, inserted or removed. */
    @Provide
    Arbitrary<byte[]> mutated() {
        return NormalizerPropertiesTest.mutated(usualRecord());
    }

    /** Numbers of every form: any double's shortest text, decimals with exponents, any long, and the edges above. */
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

    /** Whitespace between an object's members, JSON's and not. */
    @Provide
    Arbitrary<String> space() {
        return Arbitraries.of("", "", "", " ", "\n\t", "\r\n ", "\u00a0", "\f");
    }

    /** The frame around an object's members: "{}" with something before, after or around it. */
    static Arbitrary<String> frame() {
        return Arbitraries.of("{}", "{}", "{}", "{}", " {} ", "{} {}", "{}x", utf8("\uFEFF") + "{}", "[{}]", "{}\u0000");
    }

    /** The members joined by commas and {@code space}, within {@code frame}, as bytes. */
    static byte[] object(List<String> members, String space, String frame) {
        String body = String.join("," + space, members.stream().filter(e -> !e.isEmpty()).toList());
        int brace = frame.indexOf('}');
        return (frame.substring(0, brace) + space + body + space + frame.substring(brace))
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /** An object of these names and values, {@code comma} between members. */
    static String members(List<String> names, List<String> values, String comma) {
        StringBuilder object = new StringBuilder("{");
        for (int i = 0; i < names.size(); i++) {
            object.append(i > 0 ? comma : "").append('"').append(names.get(i)).append("\":").append(values.get(i));
        }
        return object.append('}').toString();
    }

    /** A field with a usual value, or any value, sometimes absent, sometimes twice. */
    static Arbitrary<String> field(String name, Arbitrary<String> usual, Arbitrary<String> any) {
        return field(name, usual, any, 10, 14);
    }

    /**
     * A field with a usual value, or any value one time in {@code usualOdds + 1}; absent one time in
     * {@code entryOdds + 2}, and as often twice.
     */
    static Arbitrary<String> field(String name, Arbitrary<String> usual, Arbitrary<String> any, int usualOdds,
            int entryOdds) {
        Arbitrary<String> entry = Arbitraries.frequencyOf(Tuple.of(usualOdds, usual), Tuple.of(1, any))
                .map(v -> "\"" + name + "\":" + v);
        return Arbitraries.frequencyOf(Tuple.of(entryOdds, entry), Tuple.of(1, Arbitraries.just("")),
                Tuple.of(1, entry.map(e -> e + "," + e)));
    }
}
