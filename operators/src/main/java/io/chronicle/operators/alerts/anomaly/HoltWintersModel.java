package io.chronicle.operators.alerts.anomaly;

/**
 * Additive Holt-Winters: level, trend and a season of {@code seasonLength} steps of
 * {@code stepMicros}. The forecast {@code h} steps after the last point is
 * {@code level + h * trend + seasonal[step mod seasonLength]}; after each point
 *
 * <pre>
 * level'       = alpha * (value - seasonal[i]) + (1 - alpha) * (level + trend)
 * trend'       = beta * (level' - level) + (1 - beta) * trend
 * seasonal[i]' = gamma * (value - level') + (1 - gamma) * seasonal[i]
 * </pre>
 *
 * <p>Time is counted in steps: a point belongs to the step nearest its timestamp, and the step
 * number since the epoch, modulo the season length, picks its seasonal component. A missing point
 * therefore cannot shift the season's phase, as it would if every point counted as one step;
 * across missing steps the level follows its trend and their seasonal components stay as they
 * are. A second point in the same step is ignored.
 *
 * <p>The first two seasons fit the initial components (missing steps among them are interpolated
 * linearly): the trend is the difference of the two seasons' means per step, each seasonal
 * component the mean of its two detrended values, and the residual variance comes from the
 * differences between the seasons at the same step. The model forecasts from the third season on,
 * and its scores count from {@code max(warmUp, 2 * seasonLength)} steps.
 */
public final class HoltWintersModel implements AnomalyModel {

    public static final double DEFAULT_ALPHA = 0.05;
    public static final double DEFAULT_BETA = 0.005;
    public static final double DEFAULT_GAMMA = 0.2;

    private final double alpha;
    private final double beta;
    private final double gamma;
    private final int seasonLength;
    private final long stepMicros;
    private final AnomalyBand band;

    public HoltWintersModel(
            double alpha, double beta, double gamma, int seasonLength, long stepMicros, AnomalyBand band) {
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in (0, 1]: " + alpha);
        }
        if (!(beta >= 0 && beta <= 1)) {
            throw new IllegalArgumentException("beta must be in [0, 1]: " + beta);
        }
        if (!(gamma >= 0 && gamma <= 1)) {
            throw new IllegalArgumentException("gamma must be in [0, 1]: " + gamma);
        }
        if (seasonLength < 2) {
            throw new IllegalArgumentException("a season has at least two steps: " + seasonLength);
        }
        if (stepMicros <= 0) {
            throw new IllegalArgumentException("step must be positive: " + stepMicros);
        }
        this.alpha = alpha;
        this.beta = beta;
        this.gamma = gamma;
        this.seasonLength = seasonLength;
        this.stepMicros = stepMicros;
        this.band = band;
    }

    @Override
    public Forecast observe(AnomalyState state, long tsMicros, double value) {
        if (!Double.isFinite(value)) {
            return Forecast.NONE;
        }
        long step = stepOf(tsMicros);
        // A state of another season length comes from a rule that changed; it starts over
        if (state.seasonal == null || state.seasonal.length != seasonLength) {
            start(state, step, tsMicros, value);
            return Forecast.NONE;
        }
        long last = stepOf(state.lastTsMicros);
        if (step <= last) {
            return Forecast.NONE;
        }
        state.lastTsMicros = tsMicros;
        long fitSteps = 2L * seasonLength;
        if (state.count < fitSteps) {
            long fitEnd = Math.min(step, last + fitSteps - state.count);
            double from = state.lastValue;
            for (long s = last + 1; s <= fitEnd; s++) {
                state.lastValue = from + (value - from) * (s - last) / (step - last);
                addToFit(state, s, state.lastValue);
            }
            if (state.count == fitSteps) {
                fit(state, fitEnd);
                if (!seasonFinite(state)) {
                    state.clear();
                }
            }
            if (!state.finite()) {
                state.clear();
            }
            if (fitEnd == step || state.seasonal == null) {
                return Forecast.NONE;
            }
            last = fitEnd;
        }

        long steps = step - last;
        int i = Math.floorMod(step, seasonLength);
        // The level at the step before this one, carried across missing steps
        double level = state.level + (steps - 1) * state.trend;
        double expected = level + state.trend + state.seasonal[i];
        double sigma = band.sigma(state.variance, expected);
        double residual = value - expected;
        double score = band.score(residual, sigma);
        boolean warmedUp = state.count >= Math.max(band.warmUp(), fitSteps);
        state.count += steps;
        if (!state.levelShifted(warmedUp && score >= 1, value - state.seasonal[i], steps * state.trend,
                band.adaptAfter())) {
            double learned = warmedUp ? band.winsorize(residual, sigma) : residual;
            learn(state, level, i, expected + learned);
            state.learnVariance(learned, band.varianceAlpha());
        }
        if (!state.finite() || !Double.isFinite(state.seasonal[i])) {
            state.clear();
        }
        return new Forecast(expected, sigma, score, warmedUp);
    }

    private static boolean seasonFinite(AnomalyState state) {
        for (double component : state.seasonal) {
            if (!Double.isFinite(component)) {
                return false;
            }
        }
        return true;
    }

    private long stepOf(long tsMicros) {
        return Math.floorDiv(tsMicros + stepMicros / 2, stepMicros);
    }

    private void start(AnomalyState state, long step, long tsMicros, double value) {
        state.count = 0;
        state.run = 0;
        state.seasonal = new double[seasonLength];
        state.firstSeasonSum = 0;
        state.seasonDiffSum = 0;
        state.seasonDiffSquares = 0;
        state.lastTsMicros = tsMicros;
        state.lastValue = value;
        addToFit(state, step, value);
    }

    /** Adds the value of the next step of the first two seasons. */
    private void addToFit(AnomalyState state, long step, double value) {
        int i = Math.floorMod(step, seasonLength);
        if (state.count < seasonLength) {
            state.seasonal[i] = value;
            state.firstSeasonSum += value;
        } else {
            double diff = value - state.seasonal[i];
            state.seasonDiffSum += diff;
            state.seasonDiffSquares += diff * diff;
            state.seasonal[i] += value;
        }
        state.count++;
    }

    /** Fits level, trend, season and variance to the first two seasons, which end at lastStep. */
    private void fit(AnomalyState state, long lastStep) {
        double m = seasonLength;
        double firstMean = state.firstSeasonSum / m;
        double meanDiff = state.seasonDiffSum / m;
        double secondMean = firstMean + meanDiff;
        state.trend = meanDiff / m;
        long firstStep = lastStep - 2L * seasonLength + 1;
        for (int i = 0; i < seasonLength; i++) {
            // Steps from the season's middle, where each season's mean sits on the trend line
            double fromMiddle = Math.floorMod(i - firstStep, seasonLength) - (m - 1) / 2;
            state.seasonal[i] = (state.seasonal[i] - firstMean - secondMean) / 2 - state.trend * fromMiddle;
        }
        state.level = secondMean + state.trend * (m - 1) / 2;
        // The differences between seasons have twice the noise variance; the residuals carry the
        // noise plus the error of seasonal components averaged from two values, half of it more
        double diffVariance = (state.seasonDiffSquares - state.seasonDiffSum * meanDiff) / (m - 1);
        state.variance = 0.75 * diffVariance;
        state.lastResidual = Double.NaN;
    }

    /** The update of level, trend and season by a value at season step i; level is the level before it. */
    private void learn(AnomalyState state, double level, int i, double value) {
        double newLevel = alpha * (value - state.seasonal[i]) + (1 - alpha) * (level + state.trend);
        state.trend = beta * (newLevel - level) + (1 - beta) * state.trend;
        state.seasonal[i] = gamma * (value - newLevel) + (1 - gamma) * state.seasonal[i];
        state.level = newLevel;
    }
}
