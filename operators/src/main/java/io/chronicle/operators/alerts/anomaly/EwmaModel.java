package io.chronicle.operators.alerts.anomaly;

/**
 * Exponentially weighted moving average: a level without trend or season, for series that hover
 * around a slowly moving value. The forecast is the level; after each point the level moves
 * {@code alpha} of the way to it.
 *
 * <p>Each point is one observation, however long after the previous one it comes: a flat forecast
 * is the same however far ahead it looks.
 *
 * <p>The residual variance starts as a plain mean and becomes exponentially weighted once
 * {@code 1 / varianceAlpha} residuals are in, so its first estimates are not pulled towards zero.
 */
public final class EwmaModel implements AnomalyModel {

    public static final double DEFAULT_ALPHA = 0.05;

    private final double alpha;
    private final AnomalyBand band;

    public EwmaModel(double alpha, AnomalyBand band) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1]: " + alpha);
        }
        this.alpha = alpha;
        this.band = band;
    }

    @Override
    public Forecast observe(AnomalyState state, long tsMicros, double value) {
        if (!Double.isFinite(value) || (state.count > 0 && tsMicros <= state.lastTsMicros)) {
            return Forecast.NONE;
        }
        long seen = state.count++;
        state.lastTsMicros = tsMicros;
        if (seen == 0) {
            state.level = value;
            state.lastResidual = Double.NaN;
            return Forecast.NONE;
        }
        double expected = state.level;
        double sigma = band.sigma(state.variance, expected);
        double residual = value - expected;
        double score = band.score(residual, sigma);
        boolean warmedUp = seen >= band.warmUp();
        if (!state.levelShifted(warmedUp && score >= 1, value, 0, band.adaptAfter())) {
            double learned = warmedUp ? band.winsorize(residual, sigma) : residual;
            state.level += alpha * learned;
            state.learnVariance(learned, Math.max(band.varianceAlpha(), 1.0 / (seen - 1)));
        }
        if (!state.finite()) {
            state.clear();
        }
        return new Forecast(expected, sigma, score, warmedUp);
    }
}
