package io.chronicle.core.alerts;

import io.chronicle.core.MetricPoint;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An alerting rule: a selector (metric, tag matchers, optional tenant), labels and annotations,
 * and one condition: a threshold, the absence of points, a rate of change, or an anomaly against
 * a per-series forecast. Parsed and validated by {@link AlertRules}.
 */
public class AlertRule implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Kind { THRESHOLD, ABSENCE, RATE, ANOMALY }

    public String name;
    /** The only tenant the rule applies to; null for every tenant. */
    public String tenant;
    public String metric;
    public List<LabelMatcher> matchers;
    public Map<String, String> labels;
    public Map<String, String> annotations;
    public Kind kind;
    /** Threshold and rate: {@code >}, {@code >=}, {@code <} or {@code <=} against {@link #bound}. */
    public String op;
    public double bound;
    /** How long the condition must hold before the alert fires (pending until then). */
    public long forMicros;
    /** How long a firing alert keeps firing after the condition stopped holding. */
    public long keepFiringForMicros;
    /** Absence: how long without a point before the alert fires. */
    public long absentForMicros;
    /** Absence: per series (each series seen goes quiet) or for the selector as a whole. */
    public boolean absentPerSeries;
    /** Rate: the window the increase per second is measured over. */
    public long windowMicros;
    /** Anomaly: {@code ewma} or {@code holt_winters}. */
    public String model;
    public double alpha;
    public double beta;
    public double gamma;
    /** Anomaly: steps per season (Holt-Winters): the season's duration over the step. */
    public int seasonLength;
    /** Anomaly: the series' step, the time between its points (Holt-Winters). */
    public long stepMicros;
    /** Anomaly: the band's half-width in standard deviations. */
    public double band;
    /** Anomaly: points observed before the model may fire. */
    public int warmup;
    /** Anomaly: floors of sigma, absolute (in the series' unit) and relative to the forecast. */
    public double minSigma;
    public double minRelativeSigma;
    /** Anomaly: how fast sigma follows a change in the noise. */
    public double varianceAlpha;
    /** Anomaly: points in a row outside the band taken as a new level. */
    public int adaptAfter;

    public AlertRule() {}

    /** Whether the point is one this rule watches. */
    public boolean selects(MetricPoint p) {
        if (!metric.equals(p.metric) || (tenant != null && !tenant.equals(p.tenant))) {
            return false;
        }
        for (LabelMatcher m : matchers) {
            if (!m.matches(p.tags.get(m.name))) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code value} meets the rule's comparison. */
    public boolean compare(double value) {
        return switch (op) {
            case ">" -> value > bound;
            case ">=" -> value >= bound;
            case "<" -> value < bound;
            default -> value <= bound;
        };
    }

    /**
     * Whether {@code other} evaluates the same way: same selector, condition and timings. Alerts
     * of a rule changed only in labels or annotations keep their state.
     */
    public boolean evaluatesLike(AlertRule other) {
        return other != null && kind == other.kind && Objects.equals(tenant, other.tenant)
                && metric.equals(other.metric) && matchers.equals(other.matchers)
                && Objects.equals(op, other.op) && bound == other.bound
                && forMicros == other.forMicros && keepFiringForMicros == other.keepFiringForMicros
                && absentForMicros == other.absentForMicros && absentPerSeries == other.absentPerSeries
                && windowMicros == other.windowMicros && Objects.equals(model, other.model)
                && alpha == other.alpha && beta == other.beta && gamma == other.gamma
                && seasonLength == other.seasonLength && stepMicros == other.stepMicros
                && band == other.band && warmup == other.warmup && minSigma == other.minSigma
                && minRelativeSigma == other.minRelativeSigma && varianceAlpha == other.varianceAlpha
                && adaptAfter == other.adaptAfter;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AlertRule r && evaluatesLike(r) && name.equals(r.name)
                && Objects.equals(labels, r.labels) && Objects.equals(annotations, r.annotations);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, metric);
    }

    @Override
    public String toString() {
        return "AlertRule{" + name + " " + kind + " " + metric + matchers + "}";
    }
}
