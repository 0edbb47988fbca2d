package io.chronicle.operators.alerts;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends each point to every rule in force that selects it, keyed for evaluation. Rules arrive on
 * the broadcast side and apply from the next point on, without a restart. Rules are indexed by
 * metric, so a point costs one lookup plus its candidate rules' matchers.
 *
 * <p>The first instance answers every message of the rules topic on {@link RuleBook#STATUS}
 * (every instance applies it alike). A rule whose selector fails on a point is disabled here,
 * counted ({@code ruleEvaluationFailures}) and reported there, and the point goes on to the
 * other rules.
 */
public class RuleRouter extends BroadcastProcessFunction<MetricPoint, RuleChange, RuleSample> {
    private static final long serialVersionUID = 1L;

    private final RuleBook rules;

    private transient Counter failures;
    private transient boolean answers;

    public RuleRouter(RuleBook rules) {
        this.rules = rules;
    }

    @Override
    public void open(OpenContext openContext) {
        failures = getRuntimeContext().getMetricGroup().counter("ruleEvaluationFailures");
        answers = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
    }

    @Override
    public void processElement(MetricPoint point, ReadOnlyContext ctx, Collector<RuleSample> out)
            throws Exception {
        for (AlertRule rule : rules.forMetric(point.metric, ctx.getBroadcastState(RuleBook.RULES))) {
            boolean selected;
            try {
                selected = rule.selects(point);
            } catch (RuntimeException e) {
                failures.inc();
                RuleStatus status = rules.disable(rule, e);
                if (status != null) {
                    ctx.output(RuleBook.STATUS, status);
                }
                continue;
            }
            if (selected) {
                boolean perSeries = rule.kind != AlertRule.Kind.ABSENCE || rule.absentPerSeries;
                out.collect(RuleSample.of(rule.name, perSeries, point));
            }
        }
    }

    @Override
    public void processBroadcastElement(RuleChange change, Context ctx, Collector<RuleSample> out)
            throws Exception {
        RuleBook.Applied applied = rules.apply(change, ctx.getBroadcastState(RuleBook.RULES));
        if (answers) {
            ctx.output(RuleBook.STATUS, applied.status());
        }
    }
}
