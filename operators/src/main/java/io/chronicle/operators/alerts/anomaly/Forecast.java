package io.chronicle.operators.alerts.anomaly;

/**
 * What a model expected of a point before it saw it.
 *
 * @param expected the forecast value; NaN when the model could not forecast yet
 * @param sigma the standard deviation of the forecast's residuals, floored; NaN without a forecast
 * @param score {@code |value - expected| / (band width * sigma)}: below 1 inside the band, 1 on its
 *     edge; NaN without a forecast
 * @param warmedUp whether the model had seen enough of the series for the score to be trusted
 */
public record Forecast(double expected, double sigma, double score, boolean warmedUp) {

    /** The answer for a point the model could not forecast or did not observe. */
    public static final Forecast NONE = new Forecast(Double.NaN, Double.NaN, Double.NaN, false);

    /** Whether the point lies outside the band of a warmed-up model. */
    public boolean anomalous() {
        return warmedUp && score >= 1;
    }
}
