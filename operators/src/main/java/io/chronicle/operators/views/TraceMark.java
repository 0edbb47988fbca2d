package io.chronicle.operators.views;

/**
 * One event of a trace as the traces view remembers it in place of the event: its place in the
 * replay order (time, lifecycle order, event id) and the one value it contributes to the row
 * (a title, an owner, a scoring breakdown, the agent of an assignment, the error of a failure).
 */
public class TraceMark {
    public long timeMicros;
    public String eventType;
    public String eventId;
    public String text;

    public TraceMark() {}

    static TraceMark of(TraceFact fact, String text) {
        TraceMark m = new TraceMark();
        m.timeMicros = fact.timeMicros;
        m.eventType = fact.eventType;
        m.eventId = fact.eventId;
        m.text = text;
        return m;
    }

    /** Replay order: {@link TraceLifecycle#REPLAY_ORDER}, for marks. */
    static int compare(TraceMark a, TraceMark b) {
        int c = Long.compare(a.timeMicros, b.timeMicros);
        if (c == 0) {
            c = Integer.compare(TraceLifecycle.lifecycleOrder(a.eventType),
                    TraceLifecycle.lifecycleOrder(b.eventType));
        }
        return c != 0 ? c : a.eventId.compareTo(b.eventId);
    }

    /** Whether this mark is replayed before {@code other}; an absent mark is replayed last. */
    boolean before(TraceMark other) {
        return other == null || compare(this, other) < 0;
    }

    @Override
    public String toString() {
        return eventType + "@" + timeMicros + "#" + eventId;
    }
}
