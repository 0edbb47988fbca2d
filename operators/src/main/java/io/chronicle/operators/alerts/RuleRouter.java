package io.chronicle.operators.alerts;

import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertRule;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends each point to every rule in force that selects it, keyed for evaluation. Rules arrive on
 * the broadcast side and apply from the next point on, without a restart. Rules are indexed by
 * metric, so a point costs one lookup plus its candidate rules' matchers.
 */
public class RuleRouter extends BroadcastProcessFunction<MetricPoint, RuleChange, RuleSample> {
    private static final long serialVersionUID = 1L;

    private final RuleBook rules;

    public RuleRouter(RuleBook rules) {
        this.rules = rules;
    }

    @Override
    public void processElement(MetricPoint point, ReadOnlyContext ctx, Collector<RuleSample> out)
            throws Exception {
        for (AlertRule rule : rules.forMetric(point.metric, ctx.getBroadcastState(RuleBook.RULES))) {
            if (rule.selects(point)) {
                boolean perSeries = rule.kind != AlertRule.Kind.ABSENCE || rule.absentPerSeries;
                out.collect(RuleSample.of(rule.name, perSeries, point));
            }
        }
    }

    @Override
    public void processBroadcastElement(RuleChange change, Context ctx, Collector<RuleSample> out)
            throws Exception {
        if (change.error != null) {
            return;
        }
        ctx.getBroadcastState(RuleBook.RULES).put(change.name, new RuleBook.RuleEntry(change.rule));
        rules.changed();
    }
}
