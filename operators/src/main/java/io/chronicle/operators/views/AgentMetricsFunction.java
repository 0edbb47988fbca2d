package io.chronicle.operators.views;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The agent_metrics view, keyed by (tenant, agent id): one row per UTC day, emitted whenever a
 * task or heartbeat changes it. Each counted task is remembered by trace id, so a trace whose
 * outcome, duration, day or agent changes (a late event) replaces its earlier contribution instead
 * of adding to it; the result is the same whatever order the events arrived in.
 *
 * <p>The mean duration is exact (integer sums); the 95th percentile comes from a DDSketch of the
 * day's completed durations, rebuilt from the remembered tasks when one is taken back. A day's
 * state is cleared by an event-time timer at the day's end plus the grace period; a signal for a
 * day already cleared is counted ({@code lateAgentSignals}) and dropped, since its events stay in
 * {@code events} and the finished row must not be overwritten by a partial one.
 */
public class AgentMetricsFunction extends KeyedProcessFunction<String, AgentSignal, AgentMetricsRow>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("agent_metrics view");
    private static final long MILLIS_PER_DAY = 86_400_000L;

    private final long dayGraceMillis;

    private transient MapState<Integer, AgentDay> days;
    private transient MapState<String, AgentTask> tasks;
    private transient Counter lateSignals;

    public AgentMetricsFunction(Duration dayGrace) {
        this.dayGraceMillis = dayGrace.toMillis();
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        layout.initialize(context);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        layout.snapshot();
    }

    @Override
    public void open(OpenContext openContext) {
        days = getRuntimeContext().getMapState(layout.reads(new MapStateDescriptor<>(
                "agent-days", Types.INT, TypeInformation.of(AgentDay.class))));
        tasks = getRuntimeContext().getMapState(layout.reads(new MapStateDescriptor<>(
                "agent-tasks", Types.STRING, TypeInformation.of(AgentTask.class))));
        lateSignals = getRuntimeContext().getMetricGroup().counter("lateAgentSignals");
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(AgentSignal signal, Context ctx, Collector<AgentMetricsRow> out)
            throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        List<Integer> changed = new ArrayList<>(2);
        if (signal.kind == AgentSignal.Kind.HEARTBEAT) {
            AgentDay day = openDay(signal.epochDay, watermark, ctx);
            if (day == null) {
                return;
            }
            day.busyMs += signal.busyMs;
            day.uptimeMs += signal.uptimeMs;
            day.heartbeats++;
            days.put(signal.epochDay, day);
            changed.add(signal.epochDay);
        } else {
            AgentTask before = tasks.get(signal.traceId);
            if (before != null) {
                tasks.remove(signal.traceId);
                if (takeBack(before)) {
                    changed.add(before.epochDay);
                }
            }
            if (signal.kind == AgentSignal.Kind.TASK) {
                AgentDay day = openDay(signal.epochDay, watermark, ctx);
                if (day != null) {
                    AgentTask task = AgentTask.of(signal);
                    tasks.put(signal.traceId, task);
                    add(day, task);
                    days.put(signal.epochDay, day);
                    if (!changed.contains(signal.epochDay)) {
                        changed.add(signal.epochDay);
                    }
                }
            }
        }
        for (int epochDay : changed) {
            AgentDay day = days.get(epochDay);
            if (day != null) {
                out.collect(row(signal.tenant, signal.agentId, epochDay, day));
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AgentMetricsRow> out)
            throws Exception {
        int epochDay = (int) ((timestamp - dayGraceMillis) / MILLIS_PER_DAY) - 1;
        days.remove(epochDay);
        List<String> ended = new ArrayList<>();
        for (Map.Entry<String, AgentTask> task : tasks.entries()) {
            if (task.getValue().epochDay == epochDay) {
                ended.add(task.getKey());
            }
        }
        // Removed by key, not through the iterator: that way an emptied map leaves no entry behind.
        for (String traceId : ended) {
            tasks.remove(traceId);
        }
    }

    /** The day's figures, opened (with its cleanup timer) on first use; null once closed. */
    private AgentDay openDay(int epochDay, long watermark, Context ctx) throws Exception {
        long closesAt = (epochDay + 1L) * MILLIS_PER_DAY + dayGraceMillis;
        if (watermark >= closesAt) {
            lateSignals.inc();
            return null;
        }
        AgentDay day = days.get(epochDay);
        if (day == null) {
            day = new AgentDay();
            ctx.timerService().registerEventTimeTimer(closesAt);
        }
        return day;
    }

    private static void add(AgentDay day, AgentTask task) {
        if (!task.completed) {
            day.tasksFailed++;
            return;
        }
        day.tasksCompleted++;
        if (task.durationMs != null) {
            day.durationSumMs += task.durationMs;
            day.durationCount++;
            DDSketch sketch = day.durationSketch == null
                    ? SketchCodec.newSketch()
                    : SketchCodec.decode(day.durationSketch);
            sketch.accept(task.durationMs);
            day.durationSketch = SketchCodec.encode(sketch);
        }
    }

    /** Takes a task out of its day's figures; false when that day is already cleared. */
    private boolean takeBack(AgentTask task) throws Exception {
        AgentDay day = days.get(task.epochDay);
        if (day == null) {
            return false;
        }
        if (!task.completed) {
            day.tasksFailed--;
        } else {
            day.tasksCompleted--;
            if (task.durationMs != null) {
                day.durationSumMs -= task.durationMs;
                day.durationCount--;
                day.durationSketch = durationsOf(task.epochDay);
            }
        }
        days.put(task.epochDay, day);
        return true;
    }

    /** A sketch of the remembered completed durations of a day; null when there are none. */
    private byte[] durationsOf(int epochDay) throws Exception {
        DDSketch sketch = SketchCodec.newSketch();
        for (AgentTask task : tasks.values()) {
            if (task.epochDay == epochDay && task.completed && task.durationMs != null) {
                sketch.accept(task.durationMs);
            }
        }
        return sketch.isEmpty() ? null : SketchCodec.encode(sketch);
    }

    private static AgentMetricsRow row(String tenant, String agentId, int epochDay, AgentDay day) {
        AgentMetricsRow row = new AgentMetricsRow();
        row.tenant = tenant;
        row.agentId = agentId;
        row.metricDate = epochDay;
        row.tasksCompleted = day.tasksCompleted;
        row.tasksFailed = day.tasksFailed;
        if (day.durationCount > 0) {
            row.avgDurationMs = (double) day.durationSumMs / day.durationCount;
            row.p95DurationMs = SketchCodec.quantile(day.durationSketch, 0.95);
        }
        row.busyMs = day.busyMs;
        row.uptimeMs = day.uptimeMs;
        if (day.heartbeats > 0 && day.uptimeMs > 0) {
            row.utilizationPct = day.busyMs * 100.0 / day.uptimeMs;
        }
        return row;
    }
}
