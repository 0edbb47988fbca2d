package io.chronicle.operators.alerts.anomaly;

import java.io.Serializable;

/**
 * A per-series forecaster that scores each point against the band around its forecast.
 *
 * <p>A model holds only a rule's parameters and is shared by every series of the rule; what it
 * learns about one series lives in that series' {@link AnomalyState}, the keyed state of the
 * (rule, series). Parameters change with the rule, without touching the state of its series.
 */
public interface AnomalyModel extends Serializable {

    /**
     * Scores {@code value} against the forecast the model made before seeing it, then updates
     * {@code state} with it. A non-finite value, or a point that does not come after the last one
     * observed (for Holt-Winters, in a later step), gets {@link Forecast#NONE} and leaves the state
     * untouched: an exponential smoother cannot take a point back into its past. A point that
     * would leave a number in the state infinite (a value beyond about 1e154, or sums near the
     * double range) is scored by the forecast made before it, and the series starts afresh.
     */
    Forecast observe(AnomalyState state, long tsMicros, double value);
}
