package io.chronicle.operators.views;

/** An agent's running figures for one UTC day; every field can be added to and taken from. */
public class AgentDay {
    public long tasksCompleted;
    public long tasksFailed;
    public long durationSumMs;
    public long durationCount;
    /** DDSketch of the completed tasks' durations; null before the first one. */
    public byte[] durationSketch;
    public long busyMs;
    public long uptimeMs;
    public long heartbeats;

    public AgentDay() {}
}
