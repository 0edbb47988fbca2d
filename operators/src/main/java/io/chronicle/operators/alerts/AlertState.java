package io.chronicle.operators.alerts;

import io.chronicle.operators.alerts.anomaly.AnomalyState;

import java.util.Map;

/** One alert's evaluation state: a (rule, series) or (rule, selector) pair. */
public class AlertState {
    public String ruleName;
    public String tenant;
    public long seriesId;
    /** The alert's labels (alertname, rule labels, series tags, tenant). */
    public Map<String, String> labels;
    /** inactive, pending or firing. */
    public String state;
    /** When the condition started holding (pending), event time µs. */
    public long activeSinceMicros;
    /** When the alert started firing, event time µs. */
    public long firedAtMicros;
    /** While firing with keep_firing_for: when the condition stopped holding; MIN_VALUE if it holds. */
    public long clearedSinceMicros;
    /** The latest sample evaluated, event time µs. */
    public long lastSampleMicros;
    public double lastValue;
    /** Rate: the samples inside the window, oldest first. */
    public long[] windowTimes;
    public double[] windowValues;
    /** Anomaly: what the rule's model has learnt of the series. */
    public AnomalyState anomaly;
    /** The event-time timer registered, epoch ms; MIN_VALUE for none. */
    public long timerMillis;

    public AlertState() {}
}
