package io.chronicle.operators.views;

/** What the traces view remembers about a trace besides its events. */
public class TraceProgress {
    public String tenant;
    public String traceId;
    /** The status of the row last emitted. */
    public String status;
    /** Illegal transitions in the row last emitted. */
    public int illegalTransitions;
    /** The event-time timer currently registered, epoch milliseconds; MIN_VALUE for none. */
    public long timerMillis;
    /** The task this trace counts for its agent, as last sent; null when it counts for none. */
    public AgentSignal counted;

    public TraceProgress() {}
}
