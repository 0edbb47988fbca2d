package io.chronicle.operators.normalize;

import java.util.Locale;

/**
 * Checks of text from outside. A Java string can hold what no UTF-8 can: an unpaired surrogate,
 * which UTF-8 encoders (series ids, Parquet) silently replace with '?', so two different strings
 * would be stored, and hashed, as one. Such text is refused, never stored.
 */
final class Texts {

    private Texts() {}

    /**
     * The index of the first unpaired surrogate in {@code s}, or, if {@code controls}, of the first
     * control character (U+0000 to U+001F, U+007F to U+009F); -1 when there is none.
     */
    static int invalidAt(String s, boolean controls) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c) || (controls && Character.isISOControl(c))) {
                return i;
            }
        }
        return -1;
    }

    /** What {@link #invalidAt} found at {@code i}, for a message. */
    static String describe(String s, int i) {
        char c = s.charAt(i);
        return (Character.isSurrogate(c) ? "an unpaired surrogate" : "a control character")
                + String.format(Locale.ROOT, " U+%04X at index %d", (int) c, i);
    }

    /** {@code s} quoted for a message: at most 64 characters, anything unprintable escaped. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("'");
        int end = Math.min(s.length(), 61);
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F || (c > 0x9F && !Character.isSurrogate(c))) {
                out.append(c);
            } else {
                out.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            }
        }
        return out.append(s.length() > end ? "...'" : "'").toString();
    }
}
