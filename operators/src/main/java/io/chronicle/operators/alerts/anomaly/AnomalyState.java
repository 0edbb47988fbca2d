package io.chronicle.operators.alerts.anomaly;

/**
 * What an {@link AnomalyModel} has learned about one series: the keyed state of one (rule, series).
 * Primitives and one array, so Flink stores it with its POJO serializer. It starts empty and
 * belongs to the model configuration that filled it; the evaluator starts a new one when a rule's
 * model changes.
 */
public class AnomalyState {

    /** Points observed; for Holt-Winters, steps covered since the first point, gaps included. */
    public long count;
    /** Timestamp of the last point observed, epoch microseconds. */
    public long lastTsMicros;
    /** The deseasonalized value the model believes the series had at its last point. */
    public double level;
    /** Holt-Winters: the level's change per step. */
    public double trend;
    /**
     * Holt-Winters: one component per step of the season, indexed by the step number since the
     * epoch modulo the season length. During the first two seasons, the sums of the values seen at
     * each step of the season.
     */
    public double[] seasonal;
    /** Residual variance: half the exponentially weighted mean square of successive residual differences. */
    public double variance;
    /** The last residual the variance took in; NaN before the first. */
    public double lastResidual;
    /** Points in a row outside the band, up to the last one. */
    public int run;
    /** Sum of the levels those points imply, each carried forward to the last of them. */
    public double runLevelSum;
    /** Holt-Winters, first two seasons: the value at the last step, to interpolate over missing ones. */
    public double lastValue;
    /** Holt-Winters, first two seasons: the sum of the first season's values. */
    public double firstSeasonSum;
    /** Holt-Winters, first two seasons: the sum of the differences, second season minus first. */
    public double seasonDiffSum;
    /** Holt-Winters, first two seasons: the sum of the squares of those differences. */
    public double seasonDiffSquares;

    public AnomalyState() {}

    /**
     * Whether the numbers every model keeps are still finite. Values beyond about 1e154 square to
     * infinity in the variance, and sums of values near the double range overflow; a state that
     * held such a number would score every later point NaN, which is never an anomaly.
     */
    boolean finite() {
        return Double.isFinite(level) && Double.isFinite(trend) && Double.isFinite(variance)
                && Double.isFinite(runLevelSum) && Double.isFinite(lastValue)
                && Double.isFinite(firstSeasonSum) && Double.isFinite(seasonDiffSum)
                && Double.isFinite(seasonDiffSquares) && !Double.isInfinite(lastResidual);
    }

    /** Forgets everything learned: the series' next point starts the model afresh, warm-up included. */
    void clear() {
        count = 0;
        lastTsMicros = 0;
        level = 0;
        trend = 0;
        seasonal = null;
        variance = 0;
        lastResidual = Double.NaN;
        run = 0;
        runLevelSum = 0;
        lastValue = 0;
        firstSeasonSum = 0;
        seasonDiffSum = 0;
        seasonDiffSquares = 0;
    }

    /**
     * Follows runs of points outside the band, and answers whether this point completes one long
     * enough to be a level shift, in which case the level is now the run's mean.
     *
     * @param impliedLevel the level this point alone implies
     * @param levelChange how far the model's level moved since the previous point
     */
    boolean levelShifted(boolean outside, double impliedLevel, double levelChange, int adaptAfter) {
        if (!outside) {
            run = 0;
            return false;
        }
        if (run == 0) {
            runLevelSum = 0;
        }
        runLevelSum += run * levelChange + impliedLevel;
        if (++run < adaptAfter) {
            return false;
        }
        level = runLevelSum / run;
        lastResidual = impliedLevel - level;
        run = 0;
        return true;
    }

    /**
     * Takes a residual into the variance. Successive differences leave out whatever changes slowly
     * in the residuals, so a drift the forecast lags behind stands out rather than widening the
     * band (von Neumann's mean square successive difference, exponentially weighted).
     */
    void learnVariance(double residual, double weight) {
        if (!Double.isNaN(lastResidual)) {
            double diff = residual - lastResidual;
            variance += weight * (diff * diff / 2 - variance);
        }
        lastResidual = residual;
    }
}
