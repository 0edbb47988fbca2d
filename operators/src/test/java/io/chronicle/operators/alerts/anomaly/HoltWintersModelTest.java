package io.chronicle.operators.alerts.anomaly;

import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HoltWintersModelTest {

    private static final long STEP = 10;
    private static final double EPS = 1e-12;
    /** Alpha, beta and gamma 0.5, a season of two steps, a band of 3 sigmas, variance alpha 0.5. */
    private static final HoltWintersModel MODEL =
            new HoltWintersModel(0.5, 0.5, 0.5, 2, STEP, new AnomalyBand(3, 1, 1e-9, 0, 0.5, 3));

    /** Field by field, NaN equal to NaN. */
    private static final RecursiveComparisonConfiguration SAME_STATE = RecursiveComparisonConfiguration.builder()
            .withEqualsForType((a, b) -> a.equals(b) || Math.abs(a - b) <= EPS, Double.class).build();

    /** Observes values at consecutive steps from the given one; NaN leaves a step out. */
    private static AnomalyState observe(HoltWintersModel model, long firstStep, double... values) {
        AnomalyState state = new AnomalyState();
        for (int k = 0; k < values.length; k++) {
            if (!Double.isNaN(values[k])) {
                model.observe(state, (firstStep + k) * STEP, values[k]);
            }
        }
        return state;
    }

    @Test
    void fitsTheFirstTwoSeasons() {
        // Steps 1 to 4: seasons (10, 20) and (14, 22), with step 1 on season step 1
        AnomalyState state = observe(MODEL, 1, 10, 20, 14, 22);

        // Means 15 and 18: a trend of 3 / 2 per step, and the level at step 4 is 18 + 1.5 / 2
        assertThat(state.trend).isEqualTo(1.5);
        assertThat(state.level).isEqualTo(18.75);
        // Season step 1 took 10 and 14, 4.5 below the means, 0.75 of which is the trend's
        assertThat(state.seasonal).containsExactly(3.75, -3.75);
        // Differences 4 and 2 around their mean 3: variance 2, of which 3/4
        assertThat(state.variance).isEqualTo(1.5);
        assertThat(state.count).isEqualTo(4);
    }

    @Test
    void forecastsAndLearnsStepByStep() {
        AnomalyState state = observe(MODEL, 1, 10, 20, 14, 22);

        Forecast fifth = MODEL.observe(state, 5 * STEP, 17);

        assertThat(fifth.expected()).isEqualTo(18.75 + 1.5 - 3.75);
        assertThat(fifth.sigma()).isCloseTo(Math.sqrt(1.5), within(EPS));
        assertThat(fifth.score()).isCloseTo(0.5 / (3 * Math.sqrt(1.5)), within(EPS));
        assertThat(fifth.warmedUp()).isTrue();
        // level 0.5 * (17 + 3.75) + 0.5 * (18.75 + 1.5); trend 0.5 * (20.5 - 18.75) + 0.5 * 1.5;
        // seasonal 0.5 * (17 - 20.5) + 0.5 * -3.75
        assertThat(state.level).isEqualTo(20.5);
        assertThat(state.trend).isEqualTo(1.625);
        assertThat(state.seasonal).containsExactly(3.75, -3.625);
        // The first residual has nothing to differ from
        assertThat(state.variance).isEqualTo(1.5);
    }

    @Test
    void aMissingStepAdvancesTheLevelByTheTrendAndKeepsTheSeasonsPhase() {
        AnomalyState state = observe(MODEL, 1, 10, 20, 14, 22, 17);

        // Step 6 is missing; step 7 is on season step 1 again
        Forecast seventh = MODEL.observe(state, 7 * STEP, 20);

        assertThat(seventh.expected()).isEqualTo(20.5 + 2 * 1.625 - 3.625);
        // level 0.5 * (20 + 3.625) + 0.5 * (22.125 + 1.625); trend 0.5 * (23.6875 - 22.125) + 0.5 * 1.625;
        // seasonal 0.5 * (20 - 23.6875) + 0.5 * -3.625; residual -0.125 after 0.5
        assertThat(state.level).isEqualTo(23.6875);
        assertThat(state.trend).isEqualTo(1.59375);
        assertThat(state.seasonal).containsExactly(3.75, -3.65625);
        assertThat(state.variance).isEqualTo(1.5 + 0.5 * (0.625 * 0.625 / 2 - 1.5));
        assertThat(state.count).isEqualTo(7);
    }

    @Test
    void aPointBelongsToTheNearestStep() {
        AnomalyState state = observe(MODEL, 1, 10, 20, 14, 22);

        Forecast early = MODEL.observe(state, 5 * STEP - STEP / 2, 17);

        assertThat(early.expected()).isEqualTo(18.75 + 1.5 - 3.75);
        assertThat(MODEL.observe(state, 5 * STEP + 4, 17)).isEqualTo(Forecast.NONE);
    }

    @Test
    void missingStepsInTheFirstTwoSeasonsAreInterpolated() {
        AnomalyState gap = observe(MODEL, 1, 10, 20, Double.NaN, 22);
        AnomalyState filled = observe(MODEL, 1, 10, 20, 21, 22);

        assertThat(gap).usingRecursiveComparison(SAME_STATE).isEqualTo(filled);
    }

    @Test
    void aGapAcrossTheEndOfTheFitIsInterpolatedUpToItAndForecastAcrossTheRest() {
        AnomalyState gap = observe(MODEL, 1, 10, 20, 14, Double.NaN, Double.NaN, 24);
        // Step 4 lies a third of the way from 14 to 24
        AnomalyState filled = observe(MODEL, 1, 10, 20, 14, 14 + 10.0 / 3, Double.NaN, 24);

        assertThat(gap).usingRecursiveComparison(SAME_STATE).isEqualTo(filled);
        assertThat(gap.count).isEqualTo(6);
    }

    @Test
    void pointsNotAfterTheLastStepAndNonFiniteValuesLeaveTheStateAlone() {
        AnomalyState state = observe(MODEL, 1, 10, 20, 14, 22, 17);
        AnomalyState untouched = observe(MODEL, 1, 10, 20, 14, 22, 17);

        assertThat(MODEL.observe(state, 5 * STEP + 1, 50)).isEqualTo(Forecast.NONE);
        assertThat(MODEL.observe(state, 3 * STEP, 50)).isEqualTo(Forecast.NONE);
        assertThat(MODEL.observe(state, 6 * STEP, Double.NaN)).isEqualTo(Forecast.NONE);

        assertThat(state).usingRecursiveComparison(SAME_STATE).isEqualTo(untouched);
    }

    @Test
    void aStateOfAnotherSeasonLengthStartsOver() {
        AnomalyState reused = observe(MODEL, 1, 10, 20, 14, 22, 17);
        AnomalyState fresh = new AnomalyState();
        HoltWintersModel longer = new HoltWintersModel(0.5, 0.5, 0.5, 3, STEP, new AnomalyBand(3, 1, 1e-9, 0, 0.5, 3));

        double[] values = {5, 7, 9, 6, 8, 11, 7, 9, 10, 8};
        for (int k = 0; k < values.length; k++) {
            long ts = (6 + k) * STEP;
            assertThat(longer.observe(reused, ts, values[k])).isEqualTo(longer.observe(fresh, ts, values[k]));
        }
        assertThat(reused.seasonal).containsExactly(fresh.seasonal);
    }

    @Test
    void scoresCountOnlyAfterTheWarmUpAndAtLeastTwoSeasons() {
        HoltWintersModel model = new HoltWintersModel(0.5, 0.5, 0.5, 2, STEP, new AnomalyBand(3, 6, 1e-9, 0, 0.5, 3));
        AnomalyState state = observe(model, 1, 10, 20, 14, 22);

        assertThat(model.observe(state, 5 * STEP, 17).warmedUp()).isFalse();
        assertThat(model.observe(state, 6 * STEP, 25).warmedUp()).isFalse();
        assertThat(model.observe(state, 7 * STEP, 20).warmedUp()).isTrue();
    }

    @Test
    void aLevelShiftIsAlertedOnThenAdaptedTo() {
        int season = 24;
        AnomalyBand band = AnomalyBand.defaults();
        HoltWintersModel model = new HoltWintersModel(HoltWintersModel.DEFAULT_ALPHA, HoltWintersModel.DEFAULT_BETA,
                HoltWintersModel.DEFAULT_GAMMA, season, STEP, band);
        AnomalyState state = new AnomalyState();
        int shiftAt = 10 * season;
        int alerts = 0;
        for (int t = 0; t < 20 * season; t++) {
            double value = 100 + 20 * Math.sin(2 * Math.PI * t / season) + (t % 2 == 0 ? 1 : -1)
                    + (t >= shiftAt ? 30 : 0);
            Forecast f = model.observe(state, t * STEP, value);
            if (t < shiftAt) {
                assertThat(f.anomalous()).as("point %d before the shift", t).isFalse();
            } else if (f.anomalous()) {
                assertThat(t).as("an alert long after the shift").isLessThan(shiftAt + band.adaptAfter());
                alerts++;
            }
        }
        assertThat(alerts).isEqualTo(band.adaptAfter());
    }

    @Test
    void aFitThatOverflowsStartsAfreshAndFitsTheNextTwoSeasons() {
        AnomalyState state = new AnomalyState();
        for (double[] point : new double[][] {{1, 10}, {2, 20}, {3, 1e300}}) {
            assertThat(MODEL.observe(state, (long) point[0] * STEP, point[1])).isEqualTo(Forecast.NONE);
        }
        // 1e300 - 10 squared is infinite: the fit starts over.
        assertThat(state.seasonal).isNull();
        for (int k = 0; k < 4; k++) {
            MODEL.observe(state, (5 + k) * STEP, new double[] {10, 20, 14, 22}[k]);
        }
        AnomalyState reference = observe(MODEL, 1, 10, 20, 14, 22);
        assertThat(state.trend).isEqualTo(reference.trend).isEqualTo(1.5);
        assertThat(state.level).isEqualTo(reference.level);
        assertThat(state.seasonal).containsExactly(reference.seasonal);
        assertThat(state.variance).isEqualTo(reference.variance);
    }

    @Test
    void spikesNearTheDoubleRangeAreAnomaliesAndARunOfThemStartsAfresh() {
        AnomalyState state = observe(MODEL, 1, 10, 20, 14, 22);
        Forecast spike = MODEL.observe(state, 5 * STEP, 1.7e308);
        assertThat(spike.anomalous()).isTrue();
        assertThat(spike.expected()).isFinite();
        assertThat(state.seasonal).isNotNull();
        // The run's levels add up beyond the double range: the model starts over.
        MODEL.observe(state, 6 * STEP, 1.7e308);
        assertThat(state.seasonal).isNull();
        assertThat(MODEL.observe(state, 7 * STEP, 10)).isEqualTo(Forecast.NONE);
        assertThat(state.count).isEqualTo(1);
    }
}
