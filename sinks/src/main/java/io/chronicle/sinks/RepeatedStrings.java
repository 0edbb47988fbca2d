package io.chronicle.sinks;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The encoded forms of the strings a stream repeats (tenants, metrics, tag keys and values,
 * topics), each encoded to UTF-8 once rather than once per row, then wrapped as its writer takes
 * it (a table string, a Parquet binary). Bounded: when full it starts over, so a stream of
 * ever-new strings costs a lookup, never unbounded memory.
 */
final class RepeatedStrings<V> {

    static final int CAPACITY = 65_536;

    private final Map<String, V> known = new HashMap<>();
    private final Function<byte[], V> fromUtf8;

    RepeatedStrings(Function<byte[], V> fromUtf8) {
        this.fromUtf8 = fromUtf8;
    }

    V of(String s) {
        V encoded = known.get(s);
        if (encoded == null) {
            if (known.size() == CAPACITY) {
                known.clear();
            }
            // Encoded now, once, instead of lazily by every row that shares it.
            encoded = fromUtf8.apply(s.getBytes(StandardCharsets.UTF_8));
            known.put(s, encoded);
        }
        return encoded;
    }
}
