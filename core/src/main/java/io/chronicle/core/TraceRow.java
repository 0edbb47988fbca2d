package io.chronicle.core;

import java.util.Objects;

/**
 * The current row of one trace in the {@code traces} view, keyed by (tenant, trace id). Times are
 * epoch microseconds; a null time means the trace has not been through that step.
 */
public class TraceRow {
    public String tenant;
    public String traceId;
    public String taskTitle;
    public String owner;
    /** pending, assigned, in_progress, completed, failed or timed_out. */
    public String status;
    public String assignedAgent;
    public Long createdAtMicros;
    public Long assignedAtMicros;
    public Long startedAtMicros;
    /** When the trace reached its terminal state (completed, failed or timed_out). */
    public Long completedAtMicros;
    public Long durationMs;
    public Long timeToPickupMs;
    /** Distinct events seen for the trace, lifecycle or not. */
    public int spanCount;
    public String error;
    /** The scoring breakdown JSON from the events' metadata. */
    public String scoringBreakdown;
    public long lastEventTimeMicros;
    /** Events that would have moved the trace against its lifecycle; recorded, not applied. */
    public int illegalTransitions;
    public String lastIllegalTransition;
    /** Events refused because the trace already had as many as a trace may have. */
    public long eventsDropped;

    public TraceRow() {}

    public boolean isTerminal() {
        return "completed".equals(status) || "failed".equals(status) || "timed_out".equals(status);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof TraceRow)) return false;
        TraceRow t = (TraceRow) o;
        return spanCount == t.spanCount
                && lastEventTimeMicros == t.lastEventTimeMicros
                && illegalTransitions == t.illegalTransitions
                && eventsDropped == t.eventsDropped
                && Objects.equals(tenant, t.tenant)
                && Objects.equals(traceId, t.traceId)
                && Objects.equals(taskTitle, t.taskTitle)
                && Objects.equals(owner, t.owner)
                && Objects.equals(status, t.status)
                && Objects.equals(assignedAgent, t.assignedAgent)
                && Objects.equals(createdAtMicros, t.createdAtMicros)
                && Objects.equals(assignedAtMicros, t.assignedAtMicros)
                && Objects.equals(startedAtMicros, t.startedAtMicros)
                && Objects.equals(completedAtMicros, t.completedAtMicros)
                && Objects.equals(durationMs, t.durationMs)
                && Objects.equals(timeToPickupMs, t.timeToPickupMs)
                && Objects.equals(error, t.error)
                && Objects.equals(scoringBreakdown, t.scoringBreakdown)
                && Objects.equals(lastIllegalTransition, t.lastIllegalTransition);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, traceId, status, spanCount, lastEventTimeMicros);
    }

    @Override
    public String toString() {
        return "TraceRow{" + tenant + "/" + traceId + " " + status + " agent=" + assignedAgent
                + " created=" + createdAtMicros + " assigned=" + assignedAtMicros
                + " started=" + startedAtMicros + " completed=" + completedAtMicros
                + " duration=" + durationMs + " pickup=" + timeToPickupMs + " spans=" + spanCount
                + " title=" + taskTitle + " owner=" + owner + " error=" + error
                + " scoring=" + scoringBreakdown + " last=" + lastEventTimeMicros
                + " illegal=" + illegalTransitions + " " + lastIllegalTransition
                + " dropped=" + eventsDropped + "}";
    }
}
