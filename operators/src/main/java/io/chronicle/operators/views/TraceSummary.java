package io.chronicle.operators.views;

import io.chronicle.core.TraceRow;
import io.chronicle.operators.views.TraceLifecycle.Status;

import java.time.Instant;

/**
 * Everything the traces view keeps of a trace's events to derive its row, in place of the events
 * themselves: a few marks per lifecycle step, the first title and owner and the last scoring
 * breakdown in replay order, counts, and the end of the trace's first run of activity
 * ({@link ActivityRuns}). Adding an event and deriving the row each cost the same whatever the
 * number of events, and the row is the one a replay of all the events in event-time order through
 * the lifecycle gives ({@link TraceLifecycle}).
 *
 * <p>Why so little suffices: the lifecycle only moves forward, so of each step only its first
 * event in replay order can apply, and only if no later step's first event comes before it; an
 * event of a later run of activity (after a gap longer than the inactivity timeout) comes after
 * the trace timed out, unless the trace had ended within its first run.
 */
public class TraceSummary {
    /** Events added, lifecycle or not. */
    public int events;
    public long firstTimeMicros;
    public long lastTimeMicros;
    /** The latest time of the run of activity that starts with the first event. */
    public long firstRunEndMicros;
    public TraceMark title;
    public TraceMark owner;
    public TraceMark scoring;
    public StepMarks created = new StepMarks();
    public StepMarks assigned = new StepMarks();
    public StepMarks started = new StepMarks();
    /** Completed, failed or timed out. */
    public StepMarks ended = new StepMarks();
    /** Events refused because the trace had as many as it may have. */
    public long eventsDropped;

    public TraceSummary() {}

    /** Adds one event of the trace; {@code runs} holds the trace's event times. */
    void add(TraceFact fact, ActivityRuns runs) {
        boolean newFirst = events == 0 || fact.timeMicros < firstTimeMicros;
        if (newFirst) {
            firstTimeMicros = fact.timeMicros;
        }
        lastTimeMicros = events == 0 ? fact.timeMicros : Math.max(lastTimeMicros, fact.timeMicros);
        events++;
        if (runs.add(fact.timeMicros) || newFirst) {
            firstRunEndMicros = runs.endOfRunAt(firstTimeMicros);
        }
        if (fact.taskTitle != null) {
            TraceMark m = TraceMark.of(fact, fact.taskTitle);
            title = m.before(title) ? m : title;
        }
        if (fact.owner != null) {
            TraceMark m = TraceMark.of(fact, fact.owner);
            owner = m.before(owner) ? m : owner;
        }
        if (fact.scoringBreakdown != null) {
            TraceMark m = TraceMark.of(fact, fact.scoringBreakdown);
            scoring = scoring == null || TraceMark.compare(m, scoring) >= 0 ? m : scoring;
        }
        Status to = TraceLifecycle.target(fact.eventType);
        if (to == null) {
            return;
        }
        switch (to) {
            case PENDING -> created.add(TraceMark.of(fact, null));
            case ASSIGNED -> assigned.add(TraceMark.of(fact,
                    fact.agentId != null ? fact.agentId : fact.source));
            case IN_PROGRESS -> started.add(TraceMark.of(fact, null));
            default -> ended.add(TraceMark.of(fact, to == Status.FAILED ? fact.error : null));
        }
    }

    /** The trace's row with event time at {@code watermarkMicros}. */
    TraceRow row(String tenant, String traceId, long inactivityTimeoutMicros, long watermarkMicros) {
        TraceRow row = new TraceRow();
        row.tenant = tenant;
        row.traceId = traceId;
        row.spanCount = events;
        row.lastEventTimeMicros = lastTimeMicros;
        row.taskTitle = title == null ? null : title.text;
        row.owner = owner == null ? null : owner.text;
        row.scoringBreakdown = scoring == null ? null : scoring.text;
        row.eventsDropped = eventsDropped;

        TraceMark end = ended.first;
        boolean endedInFirstRun = end != null && end.timeMicros <= firstRunEndMicros;
        // Quiet for longer than the timeout before any end: timed out, and nothing after applies.
        boolean gapTimedOut = lastTimeMicros > firstRunEndMicros && !endedInFirstRun;
        long cutMicros = gapTimedOut ? firstRunEndMicros : Long.MAX_VALUE;
        TraceMark create = created.first;
        TraceMark assign = assigned.first;
        TraceMark start = started.first;
        boolean createLegal = create != null && create.timeMicros <= cutMicros
                && create.before(assign) && create.before(start) && create.before(end);
        boolean assignLegal = assign != null && assign.timeMicros <= cutMicros
                && assign.before(start) && assign.before(end);
        boolean startLegal = start != null && start.timeMicros <= cutMicros && start.before(end);

        Status status;
        if (endedInFirstRun) {
            status = TraceLifecycle.target(end.eventType);
            row.completedAtMicros = end.timeMicros;
            if (status == Status.FAILED) {
                row.error = end.text;
            }
        } else if (gapTimedOut) {
            status = Status.TIMED_OUT;
            row.completedAtMicros = firstRunEndMicros + inactivityTimeoutMicros;
        } else if (watermarkMicros >= lastTimeMicros + inactivityTimeoutMicros) {
            // A watermark there says no event at or before the deadline is still to come.
            status = Status.TIMED_OUT;
            row.completedAtMicros = lastTimeMicros + inactivityTimeoutMicros;
        } else {
            status = startLegal ? Status.IN_PROGRESS : assignLegal ? Status.ASSIGNED : Status.PENDING;
        }
        row.status = status.label;
        if (createLegal) {
            row.createdAtMicros = create.timeMicros;
        }
        if (assignLegal) {
            row.assignedAtMicros = assign.timeMicros;
            row.assignedAgent = assign.text;
        }
        if (startLegal) {
            row.startedAtMicros = start.timeMicros;
        }
        if (row.completedAtMicros != null && row.startedAtMicros != null) {
            row.durationMs = Math.floorDiv(row.completedAtMicros - row.startedAtMicros, 1_000L);
        }
        if (row.startedAtMicros != null && row.assignedAtMicros != null) {
            row.timeToPickupMs = Math.floorDiv(row.startedAtMicros - row.assignedAtMicros, 1_000L);
        }

        int legal = (createLegal ? 1 : 0) + (assignLegal ? 1 : 0) + (startLegal ? 1 : 0)
                + (endedInFirstRun ? 1 : 0);
        row.illegalTransitions = created.count + assigned.count + started.count + ended.count - legal;
        TraceMark lastIllegal = latest(latest(created.lastIllegal(createLegal),
                assigned.lastIllegal(assignLegal)), latest(started.lastIllegal(startLegal),
                ended.lastIllegal(endedInFirstRun)));
        if (lastIllegal != null) {
            Status then;
            if (gapTimedOut && lastIllegal.timeMicros > firstRunEndMicros) {
                then = Status.TIMED_OUT;
            } else if (endedInFirstRun && !lastIllegal.before(end)) {
                then = TraceLifecycle.target(end.eventType);
            } else if (startLegal && !lastIllegal.before(start)) {
                then = Status.IN_PROGRESS;
            } else if (assignLegal && !lastIllegal.before(assign)) {
                then = Status.ASSIGNED;
            } else {
                then = Status.PENDING;
            }
            row.lastIllegalTransition = lastIllegal.eventType + " at "
                    + Instant.EPOCH.plusNanos(lastIllegal.timeMicros * 1_000L) + " while " + then.label;
        }
        return row;
    }

    private static TraceMark latest(TraceMark a, TraceMark b) {
        if (a == null) {
            return b;
        }
        return b == null || TraceMark.compare(a, b) > 0 ? a : b;
    }
}
