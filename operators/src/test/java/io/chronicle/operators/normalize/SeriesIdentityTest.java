package io.chronicle.operators.normalize;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static io.chronicle.operators.normalize.PointNormalizerTest.NOW_MICROS;
import static io.chronicle.operators.normalize.PointNormalizerTest.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * A series is what its tenant, metric and tags say, byte for byte: text that UTF-8 cannot hold
 * exactly is refused rather than stored (and hashed) as something else, and label sets that only
 * split the same characters differently are different series.
 */
class SeriesIdentityTest {

    private final PointNormalizer normalizer = new PointNormalizer(NormalizerSettings.defaults());

    private static String point(String tagsJson) {
        return "{\"metric\":\"cpu\",\"value\":1,\"tags\":" + tagsJson + "}";
    }

    private RejectReason reasonOf(byte[] payload) {
        try {
            normalizer.normalize(raw(payload, null), NOW_MICROS);
            return null;
        } catch (Rejection r) {
            return r.reason();
        }
    }

    /** JSON escapes that decode to unpaired surrogates or control characters. */
    @ParameterizedTest
    @ValueSource(strings = {"\\ud800", "\\udc00", "a\\ud800b", "\\udc00\\ud800", "x\\ud83d", "\\ud83d\\ud83d\\ude00",
        "\\u0000", "a\\tb", "line\\nbreak", "\\u001b[31m", "\\u007f", "\\u0085", "\\u009f"})
    void tagValuesUtf8CannotHoldOrWithControlCharactersAreRefused(String escaped) {
        assertThatThrownBy(() -> normalizer.normalize(raw(point("{\"host\":\"" + escaped + "\"}")), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.INVALID_TAG))
                .hasMessageStartingWith("value of tag 'host' holds ");
    }

    @Test
    void anUnpairedSurrogateInATagNameIsRefusedByTheParser() {
        assertThatThrownBy(() -> normalizer.normalize(raw(point("{\"h\\ud800\":\"x\"}")), NOW_MICROS))
                .satisfies(e -> assertThat(((Rejection) e).reason()).isEqualTo(RejectReason.MALFORMED_JSON));
    }

    @Test
    void theRefusalNamesTheCharacterAndWhereItIs() {
        assertThatThrownBy(() -> normalizer.normalize(raw(point("{\"host\":\"ab\\ud800\"}")), NOW_MICROS))
                .hasMessage("value of tag 'host' holds an unpaired surrogate U+D800 at index 2");
        assertThatThrownBy(() -> normalizer.normalize(raw(point("{\"host\":\"\\u0000\"}")), NOW_MICROS))
                .hasMessage("value of tag 'host' holds a control character U+0000 at index 0");
    }

    /** Once "\uD800" and "?" were one series: both became '?' in the UTF-8 the id hashes. */
    @Test
    void aLoneSurrogateNoLongerSharesASeriesWithTheReplacementCharacter() throws Rejection {
        MetricPoint question = normalizer.normalize(raw(point("{\"host\":\"?\"}")), NOW_MICROS);
        assertThat(question.seriesId).isEqualTo(SeriesIdReference.xxh64Series("default", "cpu", "host", "?"));
        assertThat(reasonOf(point("{\"host\":\"\\ud800\"}").getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(RejectReason.INVALID_TAG);
        assertThat(reasonOf(point("{\"host\":\"\\udbff\"}").getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(RejectReason.INVALID_TAG);
    }

    static Stream<Arguments> invalidUtf8() {
        return Stream.of(
                arguments("a surrogate encoded as UTF-8 (CESU)", new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}),
                arguments("a code point past U+10FFFF", new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}),
                arguments("an overlong '/'", new byte[] {(byte) 0xC0, (byte) 0xAF}),
                arguments("an overlong NUL in three bytes", new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80}),
                arguments("a lone continuation byte", new byte[] {(byte) 0x80}),
                arguments("a truncated sequence", new byte[] {(byte) 0xE2, (byte) 0x82}),
                arguments("a byte UTF-8 never uses", new byte[] {(byte) 0xFF}));
    }

    /**
     * Jackson decodes some of these into characters (an overlong '/' into '/'), which would make
     * two byte strings one tag value; each is refused as invalid UTF-8, in a tag or in a field
     * Chronicle does not read.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidUtf8")
    void invalidUtf8AnywhereIsRefusedAsSuch(String name, byte[] bad) {
        assertThat(reasonOf(splice("{\"metric\":\"cpu\",\"value\":1,\"tags\":{\"path\":\"a", bad, "\"}}")))
                .isEqualTo(RejectReason.INVALID_UTF8);
        assertThat(reasonOf(splice("{\"metric\":\"cpu\",\"value\":1,\"note\":\"", bad, "\"}")))
                .isEqualTo(RejectReason.INVALID_UTF8);
    }

    private static byte[] splice(String before, byte[] middle, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(middle);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Text outside ASCII that UTF-8 holds exactly is kept exactly, escaped or not. */
    @ParameterizedTest
    @ValueSource(strings = {"\uD83D\uDE00", "caf\u00E9", "\u00A0", "\uFFFD", "\u200B", "a=b,c=d", "\"quoted\""})
    void validTextIsKeptExactly(String value) throws Rejection {
        String escaped = value.replace("\"", "\\\"");
        StringBuilder unicodeEscaped = new StringBuilder();
        for (char c : value.toCharArray()) {
            unicodeEscaped.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
        }
        long expected = SeriesIdReference.xxh64Series("default", "cpu", "host", value);
        for (String json : new String[] {point("{\"host\":\"" + escaped + "\"}"), point("{\"host\":\"" + unicodeEscaped + "\"}")}) {
            MetricPoint p = normalizer.normalize(raw(json), NOW_MICROS);
            assertThat(p.tags).containsExactly(Map.entry("host", value));
            assertThat(p.seriesId).isEqualTo(expected);
        }
    }

    /**
     * NFC and NFD spell the same visible name with different characters: they are different
     * series, as they are different bytes (Chronicle does not normalize Unicode, as Prometheus
     * does not).
     */
    @Test
    void composedAndDecomposedFormsAreDifferentSeries() throws Rejection {
        MetricPoint nfc = normalizer.normalize(raw(point("{\"city\":\"Z\u00FCrich\"}")), NOW_MICROS);
        MetricPoint nfd = normalizer.normalize(raw(point("{\"city\":\"Zu\u0308rich\"}")), NOW_MICROS);
        assertThat(nfc.seriesId).isEqualTo(SeriesIdReference.xxh64Series("default", "cpu", "city", "Z\u00FCrich"));
        assertThat(nfd.seriesId).isEqualTo(SeriesIdReference.xxh64Series("default", "cpu", "city", "Zu\u0308rich"));
        assertThat(nfc.seriesId).isNotEqualTo(nfd.seriesId);
    }

    static Stream<Arguments> sameCharactersSplitDifferently() {
        return Stream.of(
                arguments("{\"tenant\":\"ab\",\"metric\":\"c_x\",\"value\":1}",
                        "{\"tenant\":\"a\",\"metric\":\"bc_x\",\"value\":1}",
                        new String[] {"ab", "c_x"}, new String[] {"a", "bc_x"}),
                arguments(point("{\"ab\":\"c\"}"), point("{\"a\":\"bc\"}"),
                        new String[] {"default", "cpu", "ab", "c"}, new String[] {"default", "cpu", "a", "bc"}),
                arguments(point("{\"a\":\"b=c\"}"), point("{\"a\":\"b\",\"c\":\"x\"}"),
                        new String[] {"default", "cpu", "a", "b=c"}, new String[] {"default", "cpu", "a", "b", "c", "x"}),
                arguments(point("{\"a\":\"b,c=d\"}"), point("{\"a\":\"b\",\"c\":\"d\"}"),
                        new String[] {"default", "cpu", "a", "b,c=d"}, new String[] {"default", "cpu", "a", "b", "c", "d"}),
                arguments(point("{\"a\":\"bc\",\"d\":\"e\"}"), point("{\"a\":\"b\",\"cd\":\"e\"}"),
                        new String[] {"default", "cpu", "a", "bc", "d", "e"}, new String[] {"default", "cpu", "a", "b", "cd", "e"}),
                // é and its UTF-8 bytes read as Latin-1 (mojibake)
                arguments(point("{\"a\":\"\u00E9\"}"), point("{\"a\":\"\u00C3\u00A9\"}"),
                        new String[] {"default", "cpu", "a", "\u00E9"}, new String[] {"default", "cpu", "a", "\u00C3\u00A9"}));
    }

    @ParameterizedTest
    @MethodSource("sameCharactersSplitDifferently")
    void labelSetsSplittingTheSameCharactersDifferentlyAreDifferentSeries(String first, String second,
            String[] firstParts, String[] secondParts) throws Rejection {
        long a = normalizer.normalize(raw(first), NOW_MICROS).seriesId;
        long b = normalizer.normalize(raw(second), NOW_MICROS).seriesId;
        assertThat(a).isEqualTo(SeriesIdReference.xxh64Series(firstParts));
        assertThat(b).isEqualTo(SeriesIdReference.xxh64Series(secondParts));
        assertThat(a).isNotEqualTo(b);
    }
}
