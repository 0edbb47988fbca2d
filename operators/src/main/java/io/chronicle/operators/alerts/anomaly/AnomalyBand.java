package io.chronicle.operators.alerts.anomaly;

import java.io.Serializable;

/**
 * The band around a forecast and how a model treats points outside it, the same for every model.
 *
 * <p>Sigma is the square root of the residual variance, estimated from successive differences of
 * the one-step residuals: half the exponentially weighted mean of their squares (von Neumann's
 * mean square successive difference). It measures the point-to-point noise of what is scored,
 * including the model's own estimation error, but not a bias that builds up slowly: a drift the
 * forecast lags behind stands out instead of widening its own band, as it would in the mean of the
 * squared residuals. It is floored at {@code minSigma} and at {@code minRelativeSigma} times the
 * forecast's magnitude, so a perfectly flat series does not make every tiny change infinitely
 * anomalous.
 *
 * <p>A point outside the band teaches the model only what a point on the band's edge would
 * (winsorizing, after Gelper, Fried and Croux, "Robust forecasting with exponential and
 * Holt-Winters smoothing", 2010): a spike moves the level by at most alpha times the band's
 * half-width, so it does not set off alerts after it, while the variance still grows if the noise
 * really has.
 * After {@code adaptAfter} points in a row outside the band the model takes them as a level shift,
 * and its level jumps to the level they imply on average.
 *
 * @param width the band's half-width in sigmas
 * @param warmUp points a series needs before its scores count
 * @param minSigma absolute floor of sigma, in the series' unit; its resolution is a good value
 * @param minRelativeSigma floor of sigma as a fraction of the forecast's magnitude
 * @param varianceAlpha smoothing factor of the residual variance: how fast the band follows a
 *     change in the noise
 * @param adaptAfter points in a row outside the band that the model takes as a new level
 */
public record AnomalyBand(
        double width, int warmUp, double minSigma, double minRelativeSigma, double varianceAlpha,
        int adaptAfter) implements Serializable {

    public static final double DEFAULT_WIDTH = 3;
    public static final int DEFAULT_WARM_UP = 30;
    public static final double DEFAULT_MIN_SIGMA = 1e-9;
    public static final double DEFAULT_MIN_RELATIVE_SIGMA = 1e-3;
    public static final double DEFAULT_VARIANCE_ALPHA = 0.01;
    public static final int DEFAULT_ADAPT_AFTER = 5;

    public AnomalyBand {
        if (!(width > 0)) {
            throw new IllegalArgumentException("band width must be positive: " + width);
        }
        if (warmUp < 1) {
            throw new IllegalArgumentException("warm-up must be at least one point: " + warmUp);
        }
        // A zero floor would make the score of any change on a flat series infinite
        if (!(minSigma > 0)) {
            throw new IllegalArgumentException("minimum sigma must be positive: " + minSigma);
        }
        if (!(minRelativeSigma >= 0)) {
            throw new IllegalArgumentException("minimum relative sigma must not be negative: " + minRelativeSigma);
        }
        if (!(varianceAlpha > 0 && varianceAlpha <= 1)) {
            throw new IllegalArgumentException("variance alpha must be in (0, 1]: " + varianceAlpha);
        }
        // One point would take every spike as a new level
        if (adaptAfter < 2) {
            throw new IllegalArgumentException("adapt-after must be at least two points: " + adaptAfter);
        }
    }

    public static AnomalyBand defaults() {
        return new AnomalyBand(DEFAULT_WIDTH, DEFAULT_WARM_UP, DEFAULT_MIN_SIGMA,
                DEFAULT_MIN_RELATIVE_SIGMA, DEFAULT_VARIANCE_ALPHA, DEFAULT_ADAPT_AFTER);
    }

    double sigma(double variance, double expected) {
        return Math.max(Math.sqrt(variance), Math.max(minSigma, minRelativeSigma * Math.abs(expected)));
    }

    double score(double residual, double sigma) {
        return Math.abs(residual) / (width * sigma);
    }

    /** The residual moved onto the band's edge when it lies outside. */
    double winsorize(double residual, double sigma) {
        double edge = width * sigma;
        return Math.max(-edge, Math.min(edge, residual));
    }
}
