package io.chronicle.sinks;

import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.StringData;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The table strings of the strings a stream repeats (tenants, metrics, tag keys and values,
 * topics), each encoded to UTF-8 once rather than once per row. Bounded: when full it starts
 * over, so a stream of ever-new strings costs a lookup, never unbounded memory.
 */
final class RepeatedStrings {

    static final int CAPACITY = 65_536;

    private final Map<String, StringData> known = new HashMap<>();

    StringData of(String s) {
        StringData data = known.get(s);
        if (data == null) {
            if (known.size() == CAPACITY) {
                known.clear();
            }
            // Encoded now, once, instead of lazily by every row that shares it.
            data = StringData.fromBytes(s.getBytes(StandardCharsets.UTF_8));
            known.put(s, data);
        }
        return data;
    }

    /**
     * Tags as map data over two parallel arrays: the writers only walk keys and values, so
     * there is nothing to gain from hashing them into a map first.
     */
    MapData tags(Map<String, String> tags) {
        Object[] keys = new Object[tags.size()];
        Object[] values = new Object[tags.size()];
        int i = 0;
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            keys[i] = of(tag.getKey());
            values[i++] = of(tag.getValue());
        }
        return new ArrayMapData(new GenericArrayData(keys), new GenericArrayData(values));
    }

    /** Map data as parallel key and value arrays. */
    private record ArrayMapData(GenericArrayData keyArray, GenericArrayData valueArray) implements MapData {
        @Override
        public int size() {
            return keyArray.size();
        }
    }
}
