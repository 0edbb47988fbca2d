package io.chronicle.operators.normalize;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SortedMap;

/**
 * The series id: XXH64 (seed 0) of tenant, metric and the tags sorted by key, each string encoded
 * as a 4-byte big-endian length followed by its UTF-8 bytes. The encoding can be reproduced in any
 * language, so other readers can compute the same id, and it decodes back to the label set, so
 * distinct label sets never share one: the 64-bit hash is the only source of collisions. That
 * holds for valid UTF-16 only (UTF-8 turns an unpaired surrogate into '?'), which is why the
 * normalizers refuse any other text before it gets here.
 */
public final class SeriesIds {

    private static final XXHash64 XXH64 = XXHashFactory.fastestJavaInstance().hash64();

    private byte[] buffer = new byte[256];
    private int length;

    /** The id of a series; {@code tags} must iterate in key order. */
    public long seriesId(String tenant, String metric, SortedMap<String, String> tags) {
        begin();
        append(tenant);
        append(metric);
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            append(tag.getKey());
            append(tag.getValue());
        }
        return hash();
    }

    /**
     * Starts an encoding built string by string, in the order {@link #seriesId} appends them, for
     * readers that hold the strings' UTF-8 bytes already.
     */
    void begin() {
        length = 0;
    }

    void append(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        append(utf8, 0, utf8.length);
    }

    /** Appends one string given as its UTF-8 bytes. */
    void append(byte[] utf8, int offset, int n) {
        ensure(4 + n);
        buffer[length++] = (byte) (n >>> 24);
        buffer[length++] = (byte) (n >>> 16);
        buffer[length++] = (byte) (n >>> 8);
        buffer[length++] = (byte) n;
        System.arraycopy(utf8, offset, buffer, length, n);
        length += n;
    }

    /** The id of the encoding built since {@link #begin}. */
    long hash() {
        return XXH64.hash(buffer, 0, length, 0L);
    }

    private void ensure(int extra) {
        if (length + extra > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + extra));
        }
    }
}
