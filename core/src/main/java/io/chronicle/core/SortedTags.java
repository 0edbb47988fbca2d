package io.chronicle.core;

import java.io.Serializable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A point's tags as two arrays sorted by key, in the order a {@code TreeMap} of them would have:
 * for a reader that has the tags sorted already, this is the map without a tree node per tag or a
 * comparison per insert. Immutable; equal to, and with the hash code of, any {@link Map} of the
 * same entries.
 */
public final class SortedTags extends AbstractMap<String, String> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String[] keys;
    private final String[] values;

    private SortedTags(String[] keys, String[] values) {
        this.keys = keys;
        this.values = values;
    }

    /**
     * The first {@code count} tags of {@code keys} and {@code values}, which must be sorted by key
     * in {@link String#compareTo} order with no key twice and no null; the arrays are copied.
     */
    public static SortedTags ofSorted(String[] keys, String[] values, int count) {
        for (int i = 0; i < count; i++) {
            if (keys[i] == null || values[i] == null || (i > 0 && keys[i - 1].compareTo(keys[i]) >= 0)) {
                throw new IllegalArgumentException("Tags are not sorted by distinct keys at " + i + ": "
                        + Arrays.toString(Arrays.copyOf(keys, count)));
            }
        }
        return new SortedTags(Arrays.copyOf(keys, count), Arrays.copyOf(values, count));
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean isEmpty() {
        return keys.length == 0;
    }

    @Override
    public String get(Object key) {
        int at = indexOf(key);
        return at < 0 ? null : values[at];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    private int indexOf(Object key) {
        return key instanceof String ? Arrays.binarySearch(keys, key) : -1;
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super String> action) {
        for (int i = 0; i < keys.length; i++) {
            action.accept(keys[i], values[i]);
        }
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, String>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < keys.length;
                    }

                    @Override
                    public Entry<String, String> next() {
                        if (next >= keys.length) {
                            throw new NoSuchElementException();
                        }
                        Entry<String, String> entry = new SimpleImmutableEntry<>(keys[next], values[next]);
                        next++;
                        return entry;
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }
}
