package io.chronicle.bench;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.workload.Swarm;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the {@code traces} and {@code agent_metrics} views must hold after the swarm's events, and
 * what they hold, as counts a run is checked by: one trace row per trace, ending as the generator
 * ended it, and every finished task and heartbeat counted once for its agent.
 */
final class SwarmViews {

    /** The terminal statuses of a trace row, as the {@code traces} table spells them. */
    static final String COMPLETED = "completed";
    static final String FAILED = "failed";
    static final String TIMED_OUT = "timed_out";
    private static final List<String> TERMINAL = List.of(COMPLETED, FAILED, TIMED_OUT);

    static final String TRACES_ROWS = "traces_rows";
    /** Trace rows in any status but a terminal one: pending, assigned or in progress. */
    static final String TRACES_UNFINISHED = "traces_unfinished";
    static final String AGENT_TASKS_COMPLETED = "agent_tasks_completed";
    static final String AGENT_TASKS_FAILED = "agent_tasks_failed";
    static final String AGENT_BUSY_MS = "agent_busy_ms";

    private SwarmViews() {}

    /** The count of trace rows in a terminal status. */
    static String tracesIn(String status) {
        return "traces_" + status;
    }

    /** The counts the views must hold once every event of the swarm is in. */
    static Map<String, Long> expected(Swarm.Summary swarm) {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put(TRACES_ROWS, swarm.traces());
        expected.put(tracesIn(COMPLETED), swarm.completed());
        expected.put(tracesIn(FAILED), swarm.failed());
        expected.put(tracesIn(TIMED_OUT), swarm.timedOut());
        expected.put(TRACES_UNFINISHED, 0L);
        // A timed-out task counts for no agent.
        expected.put(AGENT_TASKS_COMPLETED, swarm.completed());
        expected.put(AGENT_TASKS_FAILED, swarm.failed());
        expected.put(AGENT_BUSY_MS, swarm.busyMillis());
        return expected;
    }

    /**
     * The counts the views hold, from the trace rows by status and the sums over the agents'
     * daily rows; statuses other than the terminal ones count as unfinished.
     */
    static Map<String, Long> counts(Map<String, Long> tracesByStatus, long tasksCompleted, long tasksFailed,
            long busyMillis) {
        Map<String, Long> counts = new LinkedHashMap<>();
        long rows = tracesByStatus.values().stream().mapToLong(Long::longValue).sum();
        counts.put(TRACES_ROWS, rows);
        long terminal = 0;
        for (String status : TERMINAL) {
            long n = tracesByStatus.getOrDefault(status, 0L);
            counts.put(tracesIn(status), n);
            terminal += n;
        }
        counts.put(TRACES_UNFINISHED, rows - terminal);
        counts.put(AGENT_TASKS_COMPLETED, tasksCompleted);
        counts.put(AGENT_TASKS_FAILED, tasksFailed);
        counts.put(AGENT_BUSY_MS, busyMillis);
        return counts;
    }

    /** The counts the views of a run's namespace hold, read back as any Iceberg reader sees them. */
    static Map<String, Long> read(IcebergCounts tables) throws IOException {
        String agents = ChronicleTable.AGENT_METRICS.tableName();
        return counts(tables.countBy(ChronicleTable.TRACES.tableName(), "status"),
                tables.sum(agents, "tasks_completed"), tables.sum(agents, "tasks_failed"),
                tables.sum(agents, "busy_ms"));
    }
}
