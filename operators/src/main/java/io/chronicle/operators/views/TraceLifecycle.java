package io.chronicle.operators.views;

import io.chronicle.core.TraceRow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Derives a trace's row from every event seen for it. The events are replayed in event-time order
 * through the lifecycle {@code pending → assigned → in_progress → completed | failed | timed_out}
 * (a timeout also from {@code pending} and {@code assigned}), so the row depends on event times
 * only, never on the order the events arrived in.
 *
 * <p>A step may be missing (a trace completed whose {@code task.started} never came is still
 * completed); an event that would move the trace backwards or out of a terminal state is an
 * illegal transition: counted and described in the row, not applied. A gap longer than the
 * inactivity timeout with no terminal event times the trace out at the start of the gap plus the
 * timeout, and so does event time (the watermark) passing that point.
 */
public final class TraceLifecycle {

    public static final String CREATED = "task.created";
    public static final String ASSIGNED = "task.assigned";
    public static final String STARTED = "task.started";
    public static final String COMPLETED = "task.completed";
    public static final String FAILED = "task.failed";
    public static final String TIMEOUT = "task.timeout";

    enum Status {
        PENDING("pending", 0),
        ASSIGNED("assigned", 1),
        IN_PROGRESS("in_progress", 2),
        COMPLETED("completed", 3),
        FAILED("failed", 3),
        TIMED_OUT("timed_out", 3);

        final String label;
        final int rank;

        Status(String label, int rank) {
            this.label = label;
            this.rank = rank;
        }

        boolean terminal() {
            return rank == 3;
        }
    }

    /** Event time first; at equal times, lifecycle order; then event id, so ties are stable. */
    static final Comparator<TraceFact> REPLAY_ORDER = Comparator
            .comparingLong((TraceFact f) -> f.timeMicros)
            .thenComparingInt(f -> lifecycleOrder(f.eventType))
            .thenComparing(f -> f.eventId);

    private TraceLifecycle() {}

    /** The row for the facts seen so far, with event time at {@code watermarkMicros}. */
    public static TraceRow derive(String tenant, String traceId, List<TraceFact> facts,
            long inactivityTimeoutMicros, long watermarkMicros) {
        List<TraceFact> ordered = new ArrayList<>(facts);
        ordered.sort(REPLAY_ORDER);
        Replay replay = new Replay(tenant, traceId);
        for (TraceFact fact : ordered) {
            replay.timeOutIfQuietUntil(inactivityTimeoutMicros, fact.timeMicros, false);
            replay.apply(fact);
        }
        replay.timeOutIfQuietUntil(inactivityTimeoutMicros, watermarkMicros, true);
        return replay.row();
    }

    /** When the trace times out if nothing else arrives: its last event plus the timeout. */
    public static long inactivityDeadline(TraceRow row, long inactivityTimeoutMicros) {
        return row.lastEventTimeMicros + inactivityTimeoutMicros;
    }

    private static int lifecycleOrder(String eventType) {
        Status status = target(eventType);
        return status == null ? Integer.MAX_VALUE : status.ordinal();
    }

    /** The status an event type moves a trace to; null for events that are only spans. */
    static Status target(String eventType) {
        switch (eventType) {
            case CREATED: return Status.PENDING;
            case ASSIGNED: return Status.ASSIGNED;
            case STARTED: return Status.IN_PROGRESS;
            case COMPLETED: return Status.COMPLETED;
            case FAILED: return Status.FAILED;
            case TIMEOUT: return Status.TIMED_OUT;
            default: return null;
        }
    }

    private static final class Replay {
        private final TraceRow row = new TraceRow();
        private Status status = Status.PENDING;
        private Long lastTime;

        Replay(String tenant, String traceId) {
            row.tenant = tenant;
            row.traceId = traceId;
        }

        /**
         * Times the trace out if it was quiet past the deadline before {@code nowMicros}: an event
         * at {@code nowMicros} is activity at that instant, and a watermark at {@code nowMicros}
         * says no event at or before it is still to come.
         */
        void timeOutIfQuietUntil(long timeoutMicros, long nowMicros, boolean watermark) {
            if (status.terminal() || lastTime == null) {
                return;
            }
            long deadline = lastTime + timeoutMicros;
            if (nowMicros > deadline || (watermark && nowMicros == deadline)) {
                status = Status.TIMED_OUT;
                row.completedAtMicros = deadline;
            }
        }

        void apply(TraceFact fact) {
            lastTime = fact.timeMicros;
            row.spanCount++;
            row.lastEventTimeMicros = fact.timeMicros;
            if (row.taskTitle == null) {
                row.taskTitle = fact.taskTitle;
            }
            if (row.owner == null) {
                row.owner = fact.owner;
            }
            if (fact.scoringBreakdown != null) {
                row.scoringBreakdown = fact.scoringBreakdown;
            }
            Status to = target(fact.eventType);
            if (to == null) {
                return;
            }
            if (!legal(to)) {
                row.illegalTransitions++;
                row.lastIllegalTransition = fact.eventType + " at "
                        + Instant.EPOCH.plusNanos(fact.timeMicros * 1_000L) + " while " + status.label;
                return;
            }
            switch (to) {
                case PENDING -> row.createdAtMicros = fact.timeMicros;
                case ASSIGNED -> {
                    row.assignedAtMicros = fact.timeMicros;
                    row.assignedAgent = fact.agentId != null ? fact.agentId : fact.source;
                }
                case IN_PROGRESS -> row.startedAtMicros = fact.timeMicros;
                default -> {
                    row.completedAtMicros = fact.timeMicros;
                    if (to == Status.FAILED) {
                        row.error = fact.error;
                    }
                }
            }
            status = to;
        }

        private boolean legal(Status to) {
            if (status.terminal()) {
                return false;
            }
            if (to == Status.PENDING) {
                return row.createdAtMicros == null && status == Status.PENDING;
            }
            return to.terminal() || to.rank > status.rank;
        }

        TraceRow row() {
            row.status = status.label;
            if (row.completedAtMicros != null && row.startedAtMicros != null) {
                row.durationMs = Math.floorDiv(row.completedAtMicros - row.startedAtMicros, 1_000L);
            }
            if (row.startedAtMicros != null && row.assignedAtMicros != null) {
                row.timeToPickupMs = Math.floorDiv(row.startedAtMicros - row.assignedAtMicros, 1_000L);
            }
            return row;
        }
    }
}
