package io.chronicle.operators.views;

/** What the traces view keeps of a trace: what its row derives from, and what it last emitted. */
public class TraceProgress {
    public String tenant;
    public String traceId;
    /** The status of the row last emitted. */
    public String status;
    /** Illegal transitions in the row last emitted. */
    public int illegalTransitions;
    /** Events refused for the trace's size in the row last emitted. */
    public long eventsDroppedEmitted;
    /** The event-time timer currently registered, epoch milliseconds; MIN_VALUE for none. */
    public long timerMillis;
    /** The task this trace counts for its agent, as last sent; null when it counts for none. */
    public AgentSignal counted;
    /**
     * What the row derives from. Null only in state written by a version that kept every event
     * of the trace instead; those events are then folded in when the trace is next touched.
     */
    public TraceSummary summary;
    /** Processing time of the trace's latest event, epoch milliseconds. */
    public long lastSeenMillis;
    /** The processing-time timer that clears a trace left untouched; 0 for none. */
    public long expiryTimerMillis;

    public TraceProgress() {}
}
