package io.chronicle.sinks;

import io.chronicle.core.Provenance;

import java.io.Serializable;

/**
 * Names a record in a log line: where it came from, or its key. It never throws and stays short
 * whatever the record holds, since it speaks of records a sink could not write.
 */
@FunctionalInterface
public interface RecordCoordinates<T> extends Serializable {

    /** Longest piece of a record's text quoted in a log line. */
    int MAX_QUOTED_CHARS = 128;

    String coordinates(T record);

    /** {@code topic/partition@offset}. */
    static String of(Provenance provenance) {
        return provenance == null ? "(no provenance)"
                : quote(provenance.topic) + "/" + provenance.partition + "@" + provenance.offset;
    }

    /** A string as it may appear in a log line: its first characters and its length when longer. */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= MAX_QUOTED_CHARS ? text
                : text.substring(0, MAX_QUOTED_CHARS) + "... (" + text.length() + " characters)";
    }
}
