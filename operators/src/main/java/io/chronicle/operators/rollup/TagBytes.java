package io.chronicle.operators.rollup;

import io.chronicle.core.SortedTags;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A series' tags as one byte array, for the rollups' network exchanges: Flink's map and string
 * serializers write and read each string char by char, which at many series and few points per
 * batch cost more than the points. Lossless for any map: ASCII strings (nearly all tags) take a
 * byte per char, others two, so a lone surrogate or NUL comes back as it went; a null key or
 * value stays null; entries keep their order.
 *
 * <p>Layout: the entry count, then each key and value as a header and its chars. A header is a
 * var-int: 0 for null, else {@code (length << 1 | wide) + 1}, where wide means two bytes per char.
 */
final class TagBytes {

    private TagBytes() {}

    static byte[] of(Map<String, String> tags) {
        if (tags == null) {
            return null;
        }
        int size = 5;
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            size += encodedSize(tag.getKey()) + encodedSize(tag.getValue());
        }
        Writer out = new Writer(size);
        out.varInt(tags.size());
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            out.string(tag.getKey());
            out.string(tag.getValue());
        }
        return out.bytes();
    }

    /** The tags; sorted by distinct keys, as a point's are, they come back as {@link SortedTags}. */
    static Map<String, String> decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        Reader in = new Reader(bytes);
        int count = in.varInt();
        String[] keys = new String[count];
        String[] values = new String[count];
        boolean sorted = true;
        for (int i = 0; i < count; i++) {
            keys[i] = in.string();
            values[i] = in.string();
            sorted &= keys[i] != null && values[i] != null && (i == 0 || keys[i - 1].compareTo(keys[i]) < 0);
        }
        if (sorted) {
            return SortedTags.ofSorted(keys, values, count);
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            tags.put(keys[i], values[i]);
        }
        return tags;
    }

    private static int encodedSize(String s) {
        return s == null ? 1 : 5 + (isAscii(s) ? s.length() : 2 * s.length());
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static final class Writer {
        private final byte[] buffer;
        private int position;

        Writer(int capacity) {
            buffer = new byte[capacity];
        }

        void varInt(int value) {
            while ((value & ~0x7F) != 0) {
                buffer[position++] = (byte) ((value & 0x7F) | 0x80);
                value >>>= 7;
            }
            buffer[position++] = (byte) value;
        }

        void string(String s) {
            if (s == null) {
                varInt(0);
                return;
            }
            int length = s.length();
            if (isAscii(s)) {
                varInt((length << 1) + 1);
                for (int i = 0; i < length; i++) {
                    buffer[position++] = (byte) s.charAt(i);
                }
            } else {
                varInt((length << 1 | 1) + 1);
                for (int i = 0; i < length; i++) {
                    char c = s.charAt(i);
                    buffer[position++] = (byte) (c >>> 8);
                    buffer[position++] = (byte) c;
                }
            }
        }

        byte[] bytes() {
            return Arrays.copyOf(buffer, position);
        }
    }

    private static final class Reader {
        private final byte[] bytes;
        private int position;

        Reader(byte[] bytes) {
            this.bytes = bytes;
        }

        int varInt() {
            int value = 0;
            for (int shift = 0; ; shift += 7) {
                byte b = bytes[position++];
                value |= (b & 0x7F) << shift;
                if (b >= 0) {
                    return value;
                }
            }
        }

        String string() {
            int header = varInt();
            if (header == 0) {
                return null;
            }
            int length = (header - 1) >>> 1;
            String s;
            if (((header - 1) & 1) == 0) {
                s = new String(bytes, position, length, StandardCharsets.ISO_8859_1);
                position += length;
            } else {
                char[] chars = new char[length];
                for (int i = 0; i < length; i++) {
                    chars[i] = (char) ((bytes[position] & 0xFF) << 8 | (bytes[position + 1] & 0xFF));
                    position += 2;
                }
                s = new String(chars);
            }
            return s;
        }
    }
}
