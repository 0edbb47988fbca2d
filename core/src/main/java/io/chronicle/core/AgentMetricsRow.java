package io.chronicle.core;

import java.util.Objects;

/** One agent's performance on one UTC day, the {@code agent_metrics} view's row. */
public class AgentMetricsRow {
    public String tenant;
    public String agentId;
    /** The UTC day, as days since 1970-01-01. */
    public int metricDate;
    public long tasksCompleted;
    public long tasksFailed;
    /** Mean duration of the completed tasks that have one; null when there are none. */
    public Double avgDurationMs;
    /** 95th percentile of the same durations, from a DDSketch (1 % relative accuracy). */
    public Double p95DurationMs;
    public long busyMs;
    public long uptimeMs;
    /** busy_ms / uptime_ms × 100 over the day's heartbeats; null before the first one. */
    public Double utilizationPct;

    public AgentMetricsRow() {}

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof AgentMetricsRow)) return false;
        AgentMetricsRow a = (AgentMetricsRow) o;
        return metricDate == a.metricDate
                && tasksCompleted == a.tasksCompleted
                && tasksFailed == a.tasksFailed
                && busyMs == a.busyMs
                && uptimeMs == a.uptimeMs
                && Objects.equals(tenant, a.tenant)
                && Objects.equals(agentId, a.agentId)
                && Objects.equals(avgDurationMs, a.avgDurationMs)
                && Objects.equals(p95DurationMs, a.p95DurationMs)
                && Objects.equals(utilizationPct, a.utilizationPct);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, agentId, metricDate);
    }

    @Override
    public String toString() {
        return "AgentMetricsRow{" + tenant + "/" + agentId + " day=" + metricDate
                + " completed=" + tasksCompleted + " failed=" + tasksFailed
                + " avg=" + avgDurationMs + " p95=" + p95DurationMs + " busy=" + busyMs
                + " uptime=" + uptimeMs + " util=" + utilizationPct + "}";
    }
}
