package io.chronicle.operators.views;

import io.chronicle.core.TraceRow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The reference the traces view is checked against: every event of a trace sorted by event time
 * (then lifecycle order, then event id; a stable sort) and replayed one by one through the
 * lifecycle, as the view did before it kept summaries. Quadratic over a trace's life, and plain.
 */
final class TraceReplay {

    private static final List<String> ORDER = List.of(TraceLifecycle.CREATED, TraceLifecycle.ASSIGNED,
            TraceLifecycle.STARTED, TraceLifecycle.COMPLETED, TraceLifecycle.FAILED, TraceLifecycle.TIMEOUT);
    private static final List<String> LABELS =
            List.of("pending", "assigned", "in_progress", "completed", "failed", "timed_out");
    private static final int[] RANK = {0, 1, 2, 3, 3, 3};

    private TraceReplay() {}

    static TraceRow row(String tenant, String traceId, List<TraceFact> facts, long timeoutMicros,
            long watermarkMicros) {
        List<TraceFact> ordered = new ArrayList<>(facts);
        ordered.sort(Comparator.comparingLong((TraceFact f) -> f.timeMicros)
                .thenComparingInt(f -> ORDER.contains(f.eventType) ? ORDER.indexOf(f.eventType) : Integer.MAX_VALUE)
                .thenComparing(f -> f.eventId));
        TraceRow row = new TraceRow();
        row.tenant = tenant;
        row.traceId = traceId;
        int status = 0;
        Long lastTime = null;
        for (TraceFact fact : ordered) {
            if (RANK[status] != 3 && lastTime != null && fact.timeMicros > lastTime + timeoutMicros) {
                status = 5;
                row.completedAtMicros = lastTime + timeoutMicros;
            }
            lastTime = fact.timeMicros;
            row.spanCount++;
            row.lastEventTimeMicros = fact.timeMicros;
            if (row.taskTitle == null) {
                row.taskTitle = fact.taskTitle;
            }
            if (row.owner == null) {
                row.owner = fact.owner;
            }
            if (fact.scoringBreakdown != null) {
                row.scoringBreakdown = fact.scoringBreakdown;
            }
            int to = ORDER.indexOf(fact.eventType);
            if (to < 0) {
                continue;
            }
            boolean legal = RANK[status] != 3 && (to == 0
                    ? row.createdAtMicros == null && status == 0
                    : RANK[to] == 3 || RANK[to] > RANK[status]);
            if (!legal) {
                row.illegalTransitions++;
                row.lastIllegalTransition = fact.eventType + " at "
                        + Instant.EPOCH.plusNanos(fact.timeMicros * 1_000L) + " while " + LABELS.get(status);
                continue;
            }
            switch (to) {
                case 0 -> row.createdAtMicros = fact.timeMicros;
                case 1 -> {
                    row.assignedAtMicros = fact.timeMicros;
                    row.assignedAgent = fact.agentId != null ? fact.agentId : fact.source;
                }
                case 2 -> row.startedAtMicros = fact.timeMicros;
                default -> {
                    row.completedAtMicros = fact.timeMicros;
                    if (to == 4) {
                        row.error = fact.error;
                    }
                }
            }
            status = to;
        }
        if (RANK[status] != 3 && lastTime != null && watermarkMicros >= lastTime + timeoutMicros) {
            status = 5;
            row.completedAtMicros = lastTime + timeoutMicros;
        }
        row.status = LABELS.get(status);
        if (row.completedAtMicros != null && row.startedAtMicros != null) {
            row.durationMs = Math.floorDiv(row.completedAtMicros - row.startedAtMicros, 1_000L);
        }
        if (row.startedAtMicros != null && row.assignedAtMicros != null) {
            row.timeToPickupMs = Math.floorDiv(row.startedAtMicros - row.assignedAtMicros, 1_000L);
        }
        return row;
    }
}
