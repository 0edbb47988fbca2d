package io.chronicle.watch;

import java.util.Locale;

/** What the watcher reads; each may be unreachable on its own, and says so in its own alert. */
public enum Target {
    FLINK,
    KAFKA,
    CATALOG;

    /** The value of the {@code target} label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
