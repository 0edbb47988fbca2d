package io.chronicle.watch;

import java.util.Locale;

/**
 * A watched job's status: Flink's job statuses, plus {@link #MISSING} for a name no job of the
 * cluster has. Only {@link #RUNNING} counts as running.
 */
public enum JobStatus {
    RUNNING,
    CREATED,
    INITIALIZING,
    RESTARTING,
    FAILING,
    FAILED,
    CANCELLING,
    CANCELED,
    FINISHED,
    SUSPENDED,
    RECONCILING,
    MISSING;

    /** Flink's name for a status; an unknown one (a newer Flink's) is taken for not running. */
    public static JobStatus ofFlink(String state) {
        try {
            return valueOf(state.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return FAILING;
        }
    }

    /** Flink is done with a job in this status: it will not run again by itself. */
    public boolean isTerminal() {
        return this == FAILED || this == CANCELED || this == FINISHED || this == MISSING;
    }

    /** The value of the {@code status} label. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
