package io.chronicle.operators.normalize;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * An independent, straight-from-the-specification XXH64 and the series-id encoding, so tests can
 * check the production id against a reference rather than against itself.
 */
final class SeriesIdReference {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private SeriesIdReference() {}

    /** XXH64 (seed 0) of the length-prefixed UTF-8 encoding of the given strings. */
    static long xxh64Series(String... parts) {
        return xxh64(encode(parts), 0L);
    }

    /** Each string as a 4-byte big-endian length and its UTF-8 bytes, one after the other. */
    static byte[] encode(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String part : parts) {
            byte[] utf8 = part.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(ByteBuffer.allocate(4).putInt(utf8.length).array());
            out.writeBytes(utf8);
        }
        return out.toByteArray();
    }

    static long xxh64(byte[] input, long seed) {
        ByteBuffer buf = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
        int len = input.length;
        int i = 0;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            for (; i <= len - 32; i += 32) {
                v1 = round(v1, buf.getLong(i));
                v2 = round(v2, buf.getLong(i + 8));
                v3 = round(v3, buf.getLong(i + 16));
                v4 = round(v4, buf.getLong(i + 24));
            }
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
                    + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        for (; i <= len - 8; i += 8) {
            h ^= round(0, buf.getLong(i));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        if (i <= len - 4) {
            h ^= (buf.getInt(i) & 0xFFFFFFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            i += 4;
        }
        for (; i < len; i++) {
            h ^= (input[i] & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long merge(long acc, long val) {
        acc ^= round(0, val);
        return acc * P1 + P4;
    }
}
