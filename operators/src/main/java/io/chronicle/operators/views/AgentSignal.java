package io.chronicle.operators.views;

import java.util.Objects;

/**
 * A change to an agent's daily figures: a trace's finished task counted for the agent (replacing
 * what the same trace counted before), a trace's task no longer counted for it, or a heartbeat.
 */
public class AgentSignal {

    public enum Kind { TASK, WITHDRAW, HEARTBEAT }

    public Kind kind;
    public String tenant;
    public String agentId;
    /** The trace whose task this is; null for a heartbeat. */
    public String traceId;
    /** UTC day of the task's terminal event or of the heartbeat, days since 1970-01-01. */
    public int epochDay;
    public boolean completed;
    /** The completed task's duration; null when unknown or when the task failed. */
    public Long durationMs;
    public long busyMs;
    public long uptimeMs;

    public AgentSignal() {}

    public static AgentSignal task(String tenant, String agentId, String traceId, int epochDay,
            boolean completed, Long durationMs) {
        AgentSignal s = new AgentSignal();
        s.kind = Kind.TASK;
        s.tenant = tenant;
        s.agentId = agentId;
        s.traceId = traceId;
        s.epochDay = epochDay;
        s.completed = completed;
        s.durationMs = completed ? durationMs : null;
        return s;
    }

    public static AgentSignal withdraw(String tenant, String agentId, String traceId) {
        AgentSignal s = new AgentSignal();
        s.kind = Kind.WITHDRAW;
        s.tenant = tenant;
        s.agentId = agentId;
        s.traceId = traceId;
        return s;
    }

    public static AgentSignal heartbeat(String tenant, String agentId, int epochDay, long busyMs,
            long uptimeMs) {
        AgentSignal s = new AgentSignal();
        s.kind = Kind.HEARTBEAT;
        s.tenant = tenant;
        s.agentId = agentId;
        s.epochDay = epochDay;
        s.busyMs = busyMs;
        s.uptimeMs = uptimeMs;
        return s;
    }

    /** The key of the agent's state. */
    public String agentKey() {
        return tenant + '\u0000' + agentId;
    }

    /** Whether this counts the same task for the same agent as {@code other}. */
    boolean sameTask(AgentSignal other) {
        return other != null && other.kind == Kind.TASK && kind == Kind.TASK
                && agentId.equals(other.agentId) && epochDay == other.epochDay
                && completed == other.completed && Objects.equals(durationMs, other.durationMs);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof AgentSignal)) return false;
        AgentSignal s = (AgentSignal) o;
        return kind == s.kind && epochDay == s.epochDay && completed == s.completed
                && busyMs == s.busyMs && uptimeMs == s.uptimeMs
                && Objects.equals(tenant, s.tenant) && Objects.equals(agentId, s.agentId)
                && Objects.equals(traceId, s.traceId) && Objects.equals(durationMs, s.durationMs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, tenant, agentId, traceId, epochDay);
    }

    @Override
    public String toString() {
        return "AgentSignal{" + kind + " " + tenant + "/" + agentId + " trace=" + traceId
                + " day=" + epochDay + " completed=" + completed + " duration=" + durationMs
                + " busy=" + busyMs + " uptime=" + uptimeMs + "}";
    }
}
