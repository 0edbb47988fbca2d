package io.chronicle.operators.health;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.Collections;

/**
 * A tenant's dead-letter rate (keyed by tenant, given one tenant per refused record): the records
 * refused in each processing-time interval over its length, sent at the interval's end while the
 * tenant has rejections, then once more as 0, which resolves an alert on it, and then nothing
 * until the next rejection. Its input is tenants alone, so that the refused records of the job
 * itself and the messages of the dead-letter topic, which other jobs write, count alike.
 */
public class DeadLetterRate extends KeyedProcessFunction<String, String, MetricPoint>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("dead-letter rate health signal");

    private final long intervalMillis;

    /** Rejections in the interval now open; null when no tick is scheduled. */
    private transient ValueState<Long> inInterval;
    private transient HealthPoints points;

    public DeadLetterRate(Duration interval) {
        this.intervalMillis = interval.toMillis();
    }

    public static String tenantOf(RejectedRecord r) {
        return r.tenant == null ? HealthRules.UNKNOWN_TENANT : r.tenant;
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
        inInterval = getRuntimeContext().getState(layout.reads(new ValueStateDescriptor<>("dead-letters-in-interval", Types.LONG)));
        points = new HealthPoints();
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(String tenant, Context ctx, Collector<MetricPoint> out) throws Exception {
        Long count = inInterval.value();
        if (count == null) {
            count = 0L;
            ctx.timerService().registerProcessingTimeTimer(
                    HealthPoints.nextTick(ctx.timerService().currentProcessingTime(), intervalMillis));
        }
        inInterval.update(count + 1);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MetricPoint> out) throws Exception {
        long count = inInterval.value();
        out.collect(points.gauge(ctx.getCurrentKey(), HealthRules.DEAD_LETTERS, Collections.emptySortedMap(),
                timestamp, count * 1_000.0 / intervalMillis));
        if (count == 0) {
            inInterval.clear();
        } else {
            inInterval.update(0L);
            ctx.timerService().registerProcessingTimeTimer(timestamp + intervalMillis);
        }
    }
}
