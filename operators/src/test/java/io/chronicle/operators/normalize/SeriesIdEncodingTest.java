package io.chronicle.operators.normalize;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Tuple.Tuple2;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the series id over generated label sets: it is XXH64 of an encoding that decodes
 * back to the label set (so distinct label sets never share an encoding, and the 64-bit hash is the
 * only source of collisions), and label sets that split the same characters at other places get
 * other ids. Strings are any valid UTF-16, separators, NUL and length-prefix look-alikes included,
 * from a small alphabet so that generated sets often share their characters.
 */
class SeriesIdEncodingTest {

    /** A label set as the series id sees it; tags in key order. */
    record LabelSet(String tenant, String metric, TreeMap<String, String> tags) {

        List<String> parts() {
            List<String> parts = new ArrayList<>(List.of(tenant, metric));
            tags.forEach((k, v) -> {
                parts.add(k);
                parts.add(v);
            });
            return parts;
        }

        long seriesId() {
            return new SeriesIds().seriesId(tenant, metric, tags);
        }

        byte[] encoding() {
            return SeriesIdReference.encode(parts().toArray(new String[0]));
        }

        /** The label set of the parts; null when two tags would share a key. */
        static LabelSet of(List<String> parts) {
            TreeMap<String, String> tags = new TreeMap<>();
            for (int i = 2; i < parts.size(); i += 2) {
                if (tags.put(parts.get(i), parts.get(i + 1)) != null) {
                    return null;
                }
            }
            return new LabelSet(parts.get(0), parts.get(1), tags);
        }
    }

    /** The inverse of the encoding, written from its description: length-prefixed UTF-8 strings. */
    static LabelSet decode(byte[] encoding) {
        ByteBuffer in = ByteBuffer.wrap(encoding);
        List<String> parts = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] utf8 = new byte[in.getInt()];
            in.get(utf8);
            parts.add(new String(utf8, StandardCharsets.UTF_8));
        }
        assertThat(parts.size()).as("tenant, metric and (key, value) pairs").isGreaterThanOrEqualTo(2).isEven();
        return LabelSet.of(parts);
    }

    @Provide
    Arbitrary<String> texts() {
        // Pieces that make boundaries ambiguous in a naive encoding: separators, quotes, NUL, a
        // 4-byte big-endian length of 1, a supplementary character, composed and decomposed é.
        return Arbitraries.of("a", "b", "=", ",", "\"", "{", "\u0000", "\u0000\u0000\u0000\u0001", "\u00E9",
                        "e\u0301", "\uD83D\uDE00", "\u0080", "\uFFFF")
                .list().ofMaxSize(4).map(pieces -> String.join("", pieces));
    }

    @Provide
    Arbitrary<LabelSet> labelSets() {
        Arbitrary<String> text = texts();
        return Combinators.combine(text, text, Arbitraries.maps(text, text).ofMaxSize(3))
                .as((tenant, metric, tags) -> new LabelSet(tenant, metric, new TreeMap<>(tags)));
    }

    /** A label set and another whose parts concatenate to the same text, cut at other places. */
    @Provide
    Arbitrary<Tuple2<LabelSet, LabelSet>> sameTextOtherCuts() {
        return labelSets().flatMap(set -> {
            List<String> parts = set.parts();
            String text = String.join("", parts);
            return Arbitraries.integers().between(0, text.length()).list().ofSize(parts.size() - 1)
                    .map(cuts -> {
                        List<Integer> sorted = cuts.stream().sorted().toList();
                        List<String> recut = new ArrayList<>();
                        int from = 0;
                        for (int cut : sorted) {
                            // Never inside a surrogate pair: both sides stay valid UTF-16.
                            if (cut > 0 && cut < text.length() && Character.isLowSurrogate(text.charAt(cut))) {
                                cut--;
                            }
                            cut = Math.max(cut, from);
                            recut.add(text.substring(from, cut));
                            from = cut;
                        }
                        recut.add(text.substring(from));
                        return Tuple.of(set, LabelSet.of(recut));
                    });
        });
    }

    @Property(tries = 1_000)
    void theIdIsXxh64OfAnEncodingThatDecodesToTheLabelSet(@ForAll("labelSets") LabelSet set) {
        byte[] encoding = set.encoding();
        assertThat(decode(encoding)).isEqualTo(set);
        assertThat(set.seriesId()).isEqualTo(SeriesIdReference.xxh64(encoding, 0L));
    }

    @Property(tries = 2_000)
    void distinctLabelSetsHaveDistinctEncodingsAndIds(@ForAll("labelSets") LabelSet a, @ForAll("labelSets") LabelSet b) {
        Assume.that(!a.equals(b));
        assertThat(a.encoding()).isNotEqualTo(b.encoding());
        assertThat(a.seriesId()).isNotEqualTo(b.seriesId());
    }

    @Property(tries = 2_000)
    void theSameCharactersCutElsewhereAreAnotherSeries(@ForAll("sameTextOtherCuts") Tuple2<LabelSet, LabelSet> pair) {
        LabelSet a = pair.get1();
        LabelSet b = pair.get2();
        Assume.that(b != null && !a.equals(b));
        assertThat(a.encoding()).isNotEqualTo(b.encoding());
        assertThat(a.seriesId()).isNotEqualTo(b.seriesId());
    }

    /** The adversarial pairs by hand: a value holding what a naive encoding would put between two tags. */
    @Example
    void aValueHoldingALengthPrefixAndAKeyIsNotTwoTags() {
        LabelSet oneTag = new LabelSet("t", "m", new TreeMap<>(Map.of("a", "b\u0000\u0000\u0000\u0001c\u0000\u0000\u0000\u0001d")));
        LabelSet twoTags = new LabelSet("t", "m", new TreeMap<>(Map.of("a", "b", "c", "d")));
        LabelSet equalsSplit = new LabelSet("t", "m", new TreeMap<>(Map.of("a", "b=c")));
        LabelSet keyValue = new LabelSet("t", "m", new TreeMap<>(Map.of("a=b", "c")));
        List<LabelSet> sets = List.of(oneTag, twoTags, equalsSplit, keyValue);
        for (LabelSet x : sets) {
            assertThat(decode(x.encoding())).isEqualTo(x);
            for (LabelSet y : sets) {
                if (x != y) {
                    assertThat(x.seriesId()).isNotEqualTo(y.seriesId());
                }
            }
        }
    }
}
