package io.chronicle.operators.normalize;

import java.util.Arrays;

/**
 * Strings already decoded and checked, found by their UTF-8 bytes. Metric names, tag keys and
 * most tag values repeat from point to point, so each is decoded and checked once rather than
 * per point, and the points share one string of each. Direct-mapped and bounded: a new text takes
 * its slot from whatever held it, so texts that never repeat cost a slot, not memory.
 */
final class TextCache {

    private final byte[][] keys;
    private final String[] values;
    private final int mask;

    /** {@code slots} must be a power of two. */
    TextCache(int slots) {
        keys = new byte[slots][];
        values = new String[slots];
        mask = slots - 1;
    }

    /** The string stored for {@code bytes[at, at + length)}, whose {@link #hash} is {@code hash}; null if none. */
    String get(byte[] bytes, int at, int length, int hash) {
        int slot = slot(hash);
        byte[] key = keys[slot];
        return key != null && key.length == length && sameBytes(key, 0, bytes, at, length) ? values[slot] : null;
    }

    void put(byte[] bytes, int at, int length, int hash, String value) {
        int slot = slot(hash);
        keys[slot] = Arrays.copyOfRange(bytes, at, at + length);
        values[slot] = value;
    }

    /**
     * Whether {@code a[aAt, aAt + length)} equals {@code b[bAt, bAt + length)}. A plain loop: these
     * texts are a few bytes long, where {@code Arrays.equals}' vectorized mismatch costs more in
     * setting up than it saves (it was a sixth of the point reader's time).
     */
    static boolean sameBytes(byte[] a, int aAt, byte[] b, int bAt, int length) {
        for (int i = 0; i < length; i++) {
            if (a[aAt + i] != b[bAt + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A hash of {@code bytes[at, at + length)} that picks a slot: its length and its first and
     * last bytes, where texts such as host names differ, without a pass over all of it (a hit
     * compares every byte anyway).
     */
    static int hash(byte[] bytes, int at, int length) {
        int hash = length;
        for (int i = 0; i < Math.min(length, 4); i++) {
            hash = 31 * hash + bytes[at + i];
        }
        for (int i = Math.max(4, length - 4); i < length; i++) {
            hash = 31 * hash + bytes[at + i];
        }
        return hash;
    }

    private int slot(int hash) {
        return (hash ^ (hash >>> 16)) & mask;
    }
}
