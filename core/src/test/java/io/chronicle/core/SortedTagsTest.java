package io.chronicle.core;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SortedTagsTest {

    private static final String[] ALPHABET = {"a", "b", "host", "Host", "dc", "é", "日本", "", "a b", "zz"};

    /** Random tag sets, each against a TreeMap of the same entries: the map a reader used to build. */
    @Test
    void behavesAsTheTreeMapOfItsEntries() {
        Random random = new Random(7);
        for (int run = 0; run < 2_000; run++) {
            TreeMap<String, String> reference = new TreeMap<>();
            int count = random.nextInt(6);
            while (reference.size() < count) {
                reference.put(ALPHABET[random.nextInt(ALPHABET.length)] + random.nextInt(3),
                        ALPHABET[random.nextInt(ALPHABET.length)]);
            }
            SortedTags tags = SortedTags.ofSorted(reference.keySet().toArray(new String[0]),
                    reference.values().toArray(new String[0]), reference.size());

            assertThat(tags).isEqualTo(reference).hasSameHashCodeAs(reference);
            assertThat(reference).isEqualTo(tags);
            assertThat(new HashMap<>(reference)).isEqualTo(tags);
            assertThat(tags.toString()).isEqualTo(reference.toString());
            assertThat(new ArrayList<>(tags.entrySet())).isEqualTo(new ArrayList<>(reference.entrySet()));
            List<String> visited = new ArrayList<>();
            tags.forEach((k, v) -> visited.add(k + "=" + v));
            assertThat(visited).isEqualTo(reference.entrySet().stream().map(Object::toString).toList());
            for (String key : ALPHABET) {
                for (int suffix = 0; suffix < 4; suffix++) {
                    assertThat(tags.get(key + suffix)).isEqualTo(reference.get(key + suffix));
                    assertThat(tags.containsKey(key + suffix)).isEqualTo(reference.containsKey(key + suffix));
                }
            }
        }
    }

    @Test
    void onlyTheFirstCountTagsAreTakenAndTheArraysAreCopied() {
        String[] keys = {"a", "b", "c"};
        String[] values = {"1", "2", "3"};
        SortedTags tags = SortedTags.ofSorted(keys, values, 2);
        keys[0] = "x";
        values[1] = "changed";

        assertThat(tags).isEqualTo(Map.of("a", "1", "b", "2"));
        assertThat(SortedTags.ofSorted(keys, values, 0)).isEmpty();
    }

    @Test
    void isImmutableAndAnswersOtherKeyTypesWithNothing() {
        SortedTags tags = SortedTags.ofSorted(new String[] {"host"}, new String[] {"a"}, 1);

        assertThatThrownBy(() -> tags.put("dc", "x")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> tags.remove("host")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(tags::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> tags.entrySet().iterator().next().setValue("b"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThat(tags.get(42)).isNull();
        assertThat(tags.containsKey(null)).isFalse();
        assertThat(tags).containsExactly(Map.entry("host", "a"));
    }

    @Test
    void tagsNotSortedByDistinctKeysAreRefused() {
        assertThatThrownBy(() -> SortedTags.ofSorted(new String[] {"b", "a"}, new String[] {"1", "2"}, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[b, a]");
        assertThatThrownBy(() -> SortedTags.ofSorted(new String[] {"a", "a"}, new String[] {"1", "2"}, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SortedTags.ofSorted(new String[] {"a", null}, new String[] {"1", "2"}, 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SortedTags.ofSorted(new String[] {"a"}, new String[] {null}, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A point's tags travel as Flink's map serializer writes any map, and read back equal. */
    @Test
    void aPointWithSortedTagsRoundTripsThroughItsSerializer() throws Exception {
        MetricPoint point = new MetricPoint();
        point.tenant = "acme";
        point.metric = "cpu";
        point.tags = SortedTags.ofSorted(new String[] {"dc", "host"}, new String[] {"x", "a"}, 2);
        point.provenance = new Provenance("chronicle.points", 0, 1L, 2L);
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<MetricPoint> serializer = TypeInformation.of(MetricPoint.class).createSerializer(config);

        DataOutputSerializer out = new DataOutputSerializer(128);
        serializer.serialize(point, out);
        MetricPoint read = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(read).isEqualTo(point);
        assertThat(read.tags).isEqualTo(new LinkedHashMap<>(Map.of("host", "a", "dc", "x")));
        assertThat(serializer.copy(point)).isEqualTo(point);
    }
}
