package io.chronicle.operators.alerts;

import io.chronicle.core.MetricPoint;

/** A point selected by a rule, keyed for evaluation by (rule, series) or (rule, selector). */
public class RuleSample {
    public String ruleName;
    /** The evaluation key: rule name and series id, or rule name alone for a whole selector. */
    public String key;
    public MetricPoint point;

    public RuleSample() {}

    public static RuleSample of(String ruleName, boolean perSeries, MetricPoint point) {
        RuleSample s = new RuleSample();
        s.ruleName = ruleName;
        s.key = perSeries ? ruleName + '\u0000' + point.seriesId : ruleName;
        s.point = point;
        return s;
    }
}
