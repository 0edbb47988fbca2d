package io.chronicle.operators.alerts.anomaly;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Detection quality on generated series with labelled anomalies: Holt-Winters on seasonal series,
 * EWMA on series without a season. A quarter of the series is clean; each of the others carries
 * anomalies of one kind, a few hundred points apart, after the warm-up:
 *
 * <ul>
 *   <li>spike: one point 6 to 10 noise sigmas off, labelled on that point;
 *   <li>level shift: the series moves 6 to 10 noise sigmas for good, labelled on its first
 *       {@link #SHIFT_SPAN} points, after which the model must have adapted;
 *   <li>drift: the series slides 0.15 to 0.3 noise sigmas a point for 40 to 80 points, then
 *       stays; labelled from where the drift passes {@link #DRIFT_LABEL_SIGMAS} noise sigmas to
 *       {@link #SHIFT_SPAN} points after it stops.
 * </ul>
 *
 * An anomaly is detected when a point of its span scores at least 1. Every point after the
 * warm-up that is neither in a span nor on a drift still below its label is a clean point; one that
 * scores at least 1 is a false positive, including the points right after a spike or a shift.
 * Precision of a kind is the share of the points flagged in its series that lie in its spans.
 */
class AnomalyEvaluationTest {

    private static final int SERIES = 200;
    private static final int SHIFT_SPAN = 10;
    private static final double DRIFT_LABEL_SIGMAS = 4;
    private static final int SPACING = 300;
    private static final long STEP_MICROS = 300_000_000L;

    enum Kind { SPIKE, SHIFT, DRIFT }

    /**
     * An injected anomaly: it starts at onset, and the points from (inclusive) to to (exclusive)
     * are labelled as it. Points between onset and from are neither anomalous nor clean.
     */
    record Injected(Kind kind, int onset, int from, int to) {}

    record Series(double[] values, List<Injected> anomalies, int scoredFrom) {}

    @Test
    void holtWintersFindsAnomaliesInSeasonalSeries() {
        int season = 288;
        Random random = new Random(5);
        List<Series> series = new ArrayList<>();
        for (int s = 0; s < SERIES; s++) {
            double noise = 1 + random.nextDouble() * 9;
            double level = noise * (20 + random.nextDouble() * 200);
            double amplitude = noise * (3 + random.nextDouble() * 20);
            double harmonic = amplitude * random.nextDouble() * 0.4;
            double phase = random.nextDouble() * 2 * Math.PI;
            double trend = noise * (random.nextDouble() - 0.5) * 0.004;
            double[] values = new double[8 * season];
            for (int t = 0; t < values.length; t++) {
                double angle = 2 * Math.PI * t / season + phase;
                values[t] = level + trend * t + amplitude * Math.sin(angle) + harmonic * Math.sin(2 * angle)
                        + noise * random.nextGaussian();
            }
            series.add(inject(values, noise, 2 * season, kindOf(s), random));
        }
        Report report = evaluate(series, new HoltWintersModel(HoltWintersModel.DEFAULT_ALPHA,
                HoltWintersModel.DEFAULT_BETA, HoltWintersModel.DEFAULT_GAMMA, season, STEP_MICROS,
                AnomalyBand.defaults()));
        report.print("Holt-Winters, " + SERIES + " seasonal series, season " + season + " points");
        report.assertGood();
    }

    @Test
    void ewmaFindsAnomaliesInSeriesWithoutSeason() {
        Random random = new Random(6);
        List<Series> series = new ArrayList<>();
        for (int s = 0; s < SERIES; s++) {
            double noise = 1 + random.nextDouble() * 9;
            double level = noise * (20 + random.nextDouble() * 200);
            // A slow mean-reverting wander of about one noise sigma, which the level must follow
            double wander = 0;
            double[] values = new double[2000];
            for (int t = 0; t < values.length; t++) {
                wander = 0.995 * wander + 0.1 * noise * random.nextGaussian();
                values[t] = level + wander + noise * random.nextGaussian();
            }
            series.add(inject(values, noise, AnomalyBand.DEFAULT_WARM_UP, kindOf(s), random));
        }
        Report report = evaluate(series, new EwmaModel(EwmaModel.DEFAULT_ALPHA, AnomalyBand.defaults()));
        report.print("EWMA, " + SERIES + " series without season");
        report.assertGood();
    }

    /** A quarter of the series clean, the others one kind each. */
    private static Kind kindOf(int series) {
        int k = series % 4;
        return k == 0 ? null : Kind.values()[k - 1];
    }

    private static Series inject(double[] values, double noise, int warmUp, Kind kind, Random random) {
        List<Injected> anomalies = new ArrayList<>();
        for (int at = warmUp + 100; kind != null && at + SPACING / 2 < values.length; at += SPACING) {
            double sign = random.nextBoolean() ? 1 : -1;
            switch (kind) {
                case SPIKE -> {
                    values[at] += sign * noise * (6 + random.nextDouble() * 4);
                    anomalies.add(new Injected(kind, at, at, at + 1));
                }
                case SHIFT -> {
                    double size = sign * noise * (6 + random.nextDouble() * 4);
                    for (int t = at; t < values.length; t++) {
                        values[t] += size;
                    }
                    anomalies.add(new Injected(kind, at, at, at + SHIFT_SPAN));
                }
                case DRIFT -> {
                    double slope = sign * noise * (0.15 + random.nextDouble() * 0.15);
                    int length = 40 + random.nextInt(41);
                    int labelled = -1;
                    for (int t = at; t < values.length; t++) {
                        double offset = slope * Math.min(t - at + 1, length);
                        values[t] += offset;
                        if (labelled < 0 && Math.abs(offset) >= DRIFT_LABEL_SIGMAS * noise) {
                            labelled = t;
                        }
                    }
                    anomalies.add(new Injected(kind, at, labelled, at + length + SHIFT_SPAN));
                }
            }
        }
        return new Series(values, anomalies, warmUp);
    }

    /** One model for all the series, as a rule's model serves all of the rule's series. */
    private static Report evaluate(List<Series> series, AnomalyModel model) {
        Report report = new Report();
        for (Series s : series) {
            AnomalyState state = new AnomalyState();
            boolean[] flagged = new boolean[s.values().length];
            for (int t = 0; t < s.values().length; t++) {
                flagged[t] = model.observe(state, t * STEP_MICROS, s.values()[t]).anomalous();
            }
            boolean[] unclean = new boolean[flagged.length];
            for (Injected a : s.anomalies()) {
                Counts c = report.kinds.get(a.kind());
                c.injected++;
                boolean detected = false;
                for (int t = a.onset(); t < a.from(); t++) {
                    unclean[t] = true;
                }
                for (int t = a.from(); t < a.to(); t++) {
                    unclean[t] = true;
                    detected |= flagged[t];
                    c.flaggedInSpans += flagged[t] ? 1 : 0;
                }
                c.detected += detected ? 1 : 0;
            }
            for (int t = s.scoredFrom(); t < flagged.length; t++) {
                if (!unclean[t]) {
                    report.cleanPoints++;
                    if (flagged[t]) {
                        report.falsePositives++;
                        if (!s.anomalies().isEmpty()) {
                            report.kinds.get(s.anomalies().get(0).kind()).flaggedOutside++;
                        }
                    }
                }
            }
        }
        return report;
    }

    static final class Counts {
        int injected;
        int detected;
        int flaggedInSpans;
        int flaggedOutside;

        double recall() {
            return (double) detected / injected;
        }

        /** Of the points flagged in the series of this kind, the share inside a labelled span. */
        double precision() {
            return (double) flaggedInSpans / (flaggedInSpans + flaggedOutside);
        }
    }

    static final class Report {
        final Map<Kind, Counts> kinds = new EnumMap<>(Kind.class);
        long cleanPoints;
        long falsePositives;

        Report() {
            for (Kind k : Kind.values()) {
                kinds.put(k, new Counts());
            }
        }

        double falsePositiveRate() {
            return (double) falsePositives / cleanPoints;
        }

        void print(String title) {
            StringBuilder out = new StringBuilder(title).append('\n');
            out.append(String.format(Locale.ROOT, "  %-6s %8s %8s %7s %9s%n",
                    "kind", "injected", "detected", "recall", "precision"));
            kinds.forEach((kind, c) -> out.append(String.format(Locale.ROOT, "  %-6s %8d %8d %7.3f %9.3f%n",
                    kind, c.injected, c.detected, c.recall(), c.precision())));
            out.append(String.format(Locale.ROOT, "  false positives: %d of %d clean points (%.3f %%)%n",
                    falsePositives, cleanPoints, 100 * falsePositiveRate()));
            System.out.print(out);
        }

        void assertGood() {
            kinds.forEach((kind, c) -> assertThat(c.recall()).as("recall of %s", kind).isGreaterThanOrEqualTo(0.9));
            assertThat(falsePositiveRate()).as("false-positive rate").isLessThanOrEqualTo(0.01);
        }
    }
}
