package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.SortedTags;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** A series' tags through the bytes the rollups' exchanges carry, against the map they came from. */
class TagBytesTest {

    private static final String[] HOSTILE = {"", "\u0000", "a\u0000b", "\ud800", "x\udc00y", "😀", "日本語",
            "quote\"'\\", "\u2028", "é", "\u007f", "\u0080", "x".repeat(3_000), "ünïcödé".repeat(200)};

    @Test
    void sortedTagsComeBackEqualSortedAndInOrder() {
        Random random = new Random(7);
        for (int n = 0; n < 2_000; n++) {
            Map<String, String> tags = new TreeMap<>();
            int count = random.nextInt(8);
            for (int i = 0; i < count; i++) {
                tags.put(word(random), word(random));
            }
            Map<String, String> back = TagBytes.decode(TagBytes.of(tags));
            assertThat(back).isInstanceOf(SortedTags.class).isEqualTo(tags);
            assertThat(new ArrayList<>(back.entrySet())).isEqualTo(new ArrayList<>(tags.entrySet()));
            assertThat(back.hashCode()).isEqualTo(tags.hashCode());
        }
    }

    @Test
    void anyOtherMapComesBackEqualInItsOrderWithItsNulls() {
        Map<String, String> unsorted = new LinkedHashMap<>();
        unsorted.put("zone", "b");
        unsorted.put("app", "\ud800");
        unsorted.put("host", null);
        unsorted.put(null, "no key");
        Map<String, String> back = TagBytes.decode(TagBytes.of(unsorted));
        assertThat(back).isEqualTo(unsorted).isNotInstanceOf(SortedTags.class);
        assertThat(new ArrayList<>(back.keySet())).isEqualTo(new ArrayList<>(unsorted.keySet()));

        Map<String, String> hashed = new HashMap<>(Map.of("b", "1", "a", "2"));
        assertThat(TagBytes.decode(TagBytes.of(hashed))).isEqualTo(hashed);
        assertThat(TagBytes.decode(TagBytes.of(Map.of()))).isEmpty();
        assertThat(TagBytes.of(null)).isNull();
        assertThat(TagBytes.decode(null)).isNull();
    }

    /** A batch through Flink's own POJO serializer, generic types off, as it crosses the network. */
    @Test
    void aBatchCrossesFlinksSerializerWithItsTagsAndPoints() throws Exception {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<PointBatch> serializer = TypeInformation.of(PointBatch.class).createSerializer(config);
        Random random = new Random(8);
        for (int n = 0; n < 500; n++) {
            Map<String, String> tags = new TreeMap<>();
            for (int i = random.nextInt(5); i > 0; i--) {
                tags.put(word(random), word(random));
            }
            MetricPoint point = new MetricPoint();
            point.tenant = word(random);
            point.metric = word(random);
            point.tags = tags;
            point.seriesId = random.nextLong();
            point.timestampMicros = random.nextLong();
            point.value = random.nextDouble();
            point.provenance = new Provenance("points", random.nextInt(8), random.nextLong(), random.nextInt(3), 0L);
            PointBatch batch = PointBatch.of(point);

            DataOutputSerializer out = new DataOutputSerializer(64);
            serializer.serialize(batch, out);
            PointBatch back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).isEqualTo(batch);
            assertThat(back.tags()).isEqualTo(tags);
            assertThat(back.point(0)).usingRecursiveComparison().ignoringFields("tags").isEqualTo(batch.point(0));
            assertThat(back.point(0).tags).isEqualTo(tags);
            assertThat(serializer.copy(batch).tags()).isEqualTo(tags);
        }
    }

    private static String word(Random random) {
        if (random.nextInt(4) == 0) {
            return HOSTILE[random.nextInt(HOSTILE.length)];
        }
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(12); i > 0; i--) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }
}
