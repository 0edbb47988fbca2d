package io.chronicle.operators.health;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.operators.rollup.SeriesChange;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tenant's active series (keyed by tenant), in all and per metric, from the rollups' series
 * changes. Every processing-time interval it sends the tenant's count and each metric's, as
 * gauges the cardinality rules watch; a metric whose series have all gone quiet is sent once as
 * 0, which resolves an alert on it, and then forgotten.
 */
public class SeriesCardinality extends KeyedProcessFunction<String, SeriesChange, MetricPoint>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("active series health signal");

    private final long intervalMillis;

    private transient MapState<String, Long> perMetric;
    /** The tenant's active series; null when no tick is scheduled. */
    private transient ValueState<Long> total;
    private transient HealthPoints points;

    public SeriesCardinality(Duration interval) {
        this.intervalMillis = interval.toMillis();
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
        perMetric = getRuntimeContext().getMapState(layout.reads(
                new MapStateDescriptor<>("active-series-per-metric", Types.STRING, Types.LONG)));
        total = getRuntimeContext().getState(layout.reads(new ValueStateDescriptor<>("active-series", Types.LONG)));
        points = new HealthPoints();
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(SeriesChange change, Context ctx, Collector<MetricPoint> out) throws Exception {
        Long count = total.value();
        if (count == null) {
            count = 0L;
            ctx.timerService().registerProcessingTimeTimer(
                    HealthPoints.nextTick(ctx.timerService().currentProcessingTime(), intervalMillis));
        }
        Long metricCount = perMetric.get(change.metric);
        // Series active before this operator's state existed (a restore from an older
        // checkpoint) go quiet without having been counted: never below zero.
        perMetric.put(change.metric, Math.max(0L, (metricCount == null ? 0L : metricCount) + change.delta));
        total.update(Math.max(0L, count + change.delta));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MetricPoint> out) throws Exception {
        String tenant = ctx.getCurrentKey();
        long count = total.value();
        out.collect(points.gauge(tenant, HealthRules.TENANT_SERIES, Collections.emptySortedMap(), timestamp, count));
        List<String> quiet = new ArrayList<>();
        for (Map.Entry<String, Long> metric : perMetric.entries()) {
            TreeMap<String, String> tags = new TreeMap<>();
            tags.put("metric_name", metric.getKey());
            out.collect(points.gauge(tenant, HealthRules.METRIC_SERIES, tags, timestamp, metric.getValue()));
            if (metric.getValue() == 0) {
                quiet.add(metric.getKey());
            }
        }
        for (String metric : quiet) {
            perMetric.remove(metric);
        }
        if (count == 0) {
            total.clear();
        } else {
            ctx.timerService().registerProcessingTimeTimer(timestamp + intervalMillis);
        }
    }
}
