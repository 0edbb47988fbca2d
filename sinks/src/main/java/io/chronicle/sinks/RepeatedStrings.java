package io.chronicle.sinks;

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

    /** Tags as map data, each key and value encoded once. */
    MapData tags(Map<String, String> tags) {
        return RowConverters.stringMap(tags, this::of);
    }
}
