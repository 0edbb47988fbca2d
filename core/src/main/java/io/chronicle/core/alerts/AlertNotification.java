package io.chronicle.core.alerts;

import java.util.Map;
import java.util.Objects;

/**
 * One state change of one alert, the unit every alert output carries: the Kafka topic, the
 * {@code alerts} history table and the HTTP receivers. Fields follow Alertmanager's alert model
 * (labels, annotations, startsAt, endsAt, generatorURL, fingerprint, and the state as status).
 */
public class AlertNotification {

    public static final String PENDING = "pending";
    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";
    /** A pending alert whose condition stopped holding before it fired. */
    public static final String INACTIVE = "inactive";

    /** Stable identity of the alert: FNV-1a 64 of its sorted labels, as Alertmanager computes it. */
    public String fingerprint;
    /**
     * The lifecycle state entered: pending, firing, resolved, or inactive (a pending alert that
     * never fired). Alertmanager knows only firing and resolved; only those are delivered to it.
     */
    public String state;
    public String tenant;
    public String ruleName;
    /** The series the alert is about; 0 for an alert about a selector as a whole. */
    public long seriesId;
    /** {@code alertname}, the rule's labels, the series' tags and {@code tenant}. */
    public Map<String, String> labels;
    public Map<String, String> annotations;
    /** When the alert started firing (or became pending), event time, epoch microseconds. */
    public long startsAtMicros;
    /** When it resolved, event time, epoch microseconds; null while it is active. */
    public Long endsAtMicros;
    /** The event time of the change, epoch microseconds. */
    public long changedAtMicros;
    /** The value that caused the change (the point's value, rate, or anomaly score). */
    public Double value;
    public String generatorUrl;

    public AlertNotification() {}

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof AlertNotification)) return false;
        AlertNotification a = (AlertNotification) o;
        return seriesId == a.seriesId && startsAtMicros == a.startsAtMicros
                && changedAtMicros == a.changedAtMicros
                && Objects.equals(fingerprint, a.fingerprint) && Objects.equals(state, a.state)
                && Objects.equals(tenant, a.tenant)
                && Objects.equals(ruleName, a.ruleName) && Objects.equals(labels, a.labels)
                && Objects.equals(annotations, a.annotations)
                && Objects.equals(endsAtMicros, a.endsAtMicros) && Objects.equals(value, a.value)
                && Objects.equals(generatorUrl, a.generatorUrl);
    }

    @Override
    public int hashCode() {
        return Objects.hash(fingerprint, state, changedAtMicros);
    }

    @Override
    public String toString() {
        return "AlertNotification{" + ruleName + " " + state + " " + labels + " fp=" + fingerprint
                + " starts=" + startsAtMicros + " ends=" + endsAtMicros + " at=" + changedAtMicros
                + " value=" + value + "}";
    }
}
