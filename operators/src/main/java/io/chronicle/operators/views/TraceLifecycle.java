package io.chronicle.operators.views;

import io.chronicle.core.TraceRow;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The lifecycle of a trace, {@code pending → assigned → in_progress → completed | failed |
 * timed_out} (a timeout also from {@code pending} and {@code assigned}). A trace's row is the one
 * a replay of all its events in event-time order gives (at equal times in lifecycle order, then
 * by event id), so it depends on event times only, never on the order the events arrived in;
 * {@link TraceSummary} derives it without keeping the events.
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

    /** The statuses in lifecycle order, which orders events of the same time. */
    enum Status {
        PENDING("pending"),
        ASSIGNED("assigned"),
        IN_PROGRESS("in_progress"),
        COMPLETED("completed"),
        FAILED("failed"),
        TIMED_OUT("timed_out");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    private TraceLifecycle() {}

    /** The row for {@code facts}, all of one trace, with event time at {@code watermarkMicros}. */
    public static TraceRow derive(String tenant, String traceId, List<TraceFact> facts,
            long inactivityTimeoutMicros, long watermarkMicros) {
        Map<Long, TimeBucket> buckets = new HashMap<>();
        ActivityRuns runs = new ActivityRuns(new ActivityRuns.Buckets() {
            @Override
            public TimeBucket get(long index) {
                return buckets.get(index);
            }

            @Override
            public void put(long index, TimeBucket bucket) {
                buckets.put(index, bucket);
            }
        }, inactivityTimeoutMicros);
        TraceSummary summary = new TraceSummary();
        for (TraceFact fact : facts) {
            summary.add(fact, runs);
        }
        return summary.row(tenant, traceId, inactivityTimeoutMicros, watermarkMicros);
    }

    /** When the trace times out if nothing else arrives: its last event plus the timeout. */
    public static long inactivityDeadline(TraceRow row, long inactivityTimeoutMicros) {
        return row.lastEventTimeMicros + inactivityTimeoutMicros;
    }

    /** Where an event type goes among events of the same time: lifecycle steps in order, spans last. */
    static int lifecycleOrder(String eventType) {
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
}
