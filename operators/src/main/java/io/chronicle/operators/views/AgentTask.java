package io.chronicle.operators.views;

/** A finished task as counted in an agent's day. */
public class AgentTask {
    public int epochDay;
    public boolean completed;
    public Long durationMs;

    public AgentTask() {}

    static AgentTask of(AgentSignal signal) {
        AgentTask t = new AgentTask();
        t.epochDay = signal.epochDay;
        t.completed = signal.completed;
        t.durationMs = signal.durationMs;
        return t;
    }
}
