package io.chronicle.operators.alerts.anomaly;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EwmaModelTest {

    /** Alpha 0.5, band of 2 sigmas, warm-up 3, variance alpha 0.5, a shift after 3 points. */
    private static final AnomalyBand BAND = new AnomalyBand(2, 3, 1e-9, 0, 0.5, 3);
    private static final EwmaModel MODEL = new EwmaModel(0.5, BAND);
    private static final double EPS = 1e-12;

    private static AnomalyState warmedUp() {
        AnomalyState state = new AnomalyState();
        for (double v : new double[] {10, 12, 10, 11}) {
            MODEL.observe(state, state.count + 1, v);
        }
        return state;
    }

    @Test
    void learnsLevelAndVarianceStepByStep() {
        AnomalyState state = new AnomalyState();
        assertThat(MODEL.observe(state, 1, 10)).isEqualTo(Forecast.NONE);
        assertThat(state.level).isEqualTo(10);

        // No variance yet: sigma is the floor, and the score does not count during the warm-up
        Forecast second = MODEL.observe(state, 2, 12);
        assertThat(second.expected()).isEqualTo(10);
        assertThat(second.sigma()).isEqualTo(1e-9);
        assertThat(second.warmedUp()).isFalse();
        assertThat(second.anomalous()).isFalse();
        assertThat(state.level).isEqualTo(11);
        assertThat(state.variance).isZero();

        // Residuals 2 then -1: the first difference, -3, gives a variance of 9 / 2
        Forecast third = MODEL.observe(state, 3, 10);
        assertThat(third.expected()).isEqualTo(11);
        assertThat(state.level).isEqualTo(10.5);
        assertThat(state.variance).isEqualTo(4.5);

        // Residual 0.5, difference 1.5: variance 4.5 + 0.5 * (1.5^2 / 2 - 4.5)
        Forecast fourth = MODEL.observe(state, 4, 11);
        assertThat(fourth.warmedUp()).isTrue();
        assertThat(fourth.expected()).isEqualTo(10.5);
        assertThat(fourth.sigma()).isCloseTo(Math.sqrt(4.5), within(EPS));
        assertThat(fourth.score()).isCloseTo(0.5 / (2 * Math.sqrt(4.5)), within(EPS));
        assertThat(fourth.anomalous()).isFalse();
        assertThat(state.level).isEqualTo(10.75);
        assertThat(state.variance).isEqualTo(2.8125);
    }

    @Test
    void aPointOutsideTheBandTeachesOnlyWhatTheBandsEdgeWould() {
        AnomalyState state = warmedUp();
        double sigma = Math.sqrt(2.8125);
        double edge = 2 * sigma;

        Forecast spike = MODEL.observe(state, 5, 20);

        assertThat(spike.score()).isCloseTo(9.25 / edge, within(EPS));
        assertThat(spike.anomalous()).isTrue();
        assertThat(state.level).isCloseTo(10.75 + 0.5 * edge, within(EPS));
        double diff = edge - 0.5;
        assertThat(state.variance).isCloseTo(2.8125 + 0.5 * (diff * diff / 2 - 2.8125), within(EPS));
        assertThat(state.run).isEqualTo(1);
    }

    @Test
    void adaptAfterPointsInARowOutsideTheBandBecomeTheNewLevel() {
        AnomalyState state = warmedUp();

        assertThat(MODEL.observe(state, 5, 20).anomalous()).isTrue();
        assertThat(MODEL.observe(state, 6, 21).anomalous()).isTrue();
        assertThat(MODEL.observe(state, 7, 22).anomalous()).isTrue();

        assertThat(state.level).isEqualTo(21);
        assertThat(state.run).isZero();
        Forecast after = MODEL.observe(state, 8, 21.5);
        assertThat(after.expected()).isEqualTo(21);
        assertThat(after.anomalous()).isFalse();
    }

    @Test
    void anInBandPointEndsARun() {
        AnomalyState state = warmedUp();

        assertThat(MODEL.observe(state, 5, 20).anomalous()).isTrue();
        assertThat(MODEL.observe(state, 6, 12).anomalous()).isFalse();

        assertThat(state.run).isZero();
    }

    @Test
    void aSpikeSetsOffNoAlertsAfterIt() {
        EwmaModel model = new EwmaModel(EwmaModel.DEFAULT_ALPHA, AnomalyBand.defaults());
        AnomalyState state = new AnomalyState();
        long t = 0;
        for (; t < 200; t++) {
            model.observe(state, t, t % 2 == 0 ? 99 : 101);
        }
        double levelBefore = state.level;

        Forecast spike = model.observe(state, t++, 150);

        assertThat(spike.anomalous()).isTrue();
        assertThat(Math.abs(state.level - levelBefore))
                .isLessThanOrEqualTo(EwmaModel.DEFAULT_ALPHA * AnomalyBand.DEFAULT_WIDTH * spike.sigma() + EPS);
        for (long end = t + 200; t < end; t++) {
            assertThat(model.observe(state, t, t % 2 == 0 ? 99 : 101).anomalous()).as("point %d", t).isFalse();
        }
    }

    @Test
    void aFlatSeriesHasTheRelativeSigmaFloor() {
        EwmaModel model = new EwmaModel(0.1, new AnomalyBand(3, 10, 1e-9, 1e-3, 0.01, 5));
        AnomalyState state = new AnomalyState();
        for (int t = 0; t < 50; t++) {
            model.observe(state, t, 100);
        }

        Forecast small = model.observe(state, 50, 100.2);

        assertThat(small.sigma()).isCloseTo(0.1, within(EPS));
        assertThat(small.score()).isCloseTo(0.2 / 0.3, within(1e-9));
        assertThat(small.anomalous()).isFalse();
        assertThat(model.observe(state, 51, 101).anomalous()).isTrue();
    }

    @Test
    void aFlatSeriesAtZeroHasTheAbsoluteSigmaFloor() {
        EwmaModel model = new EwmaModel(0.1, new AnomalyBand(3, 10, 0.5, 1e-3, 0.01, 5));
        AnomalyState state = new AnomalyState();
        for (int t = 0; t < 50; t++) {
            model.observe(state, t, 0);
        }

        Forecast one = model.observe(state, 50, 1);

        assertThat(one.sigma()).isEqualTo(0.5);
        assertThat(one.score()).isCloseTo(1 / 1.5, within(EPS));
    }

    @Test
    void pointsNotAfterTheLastOneAndNonFiniteValuesLeaveTheStateAlone() {
        AnomalyState state = warmedUp();
        AnomalyState untouched = warmedUp();

        assertThat(MODEL.observe(state, 4, 50)).isEqualTo(Forecast.NONE);
        assertThat(MODEL.observe(state, 2, 50)).isEqualTo(Forecast.NONE);
        assertThat(MODEL.observe(state, 5, Double.NaN)).isEqualTo(Forecast.NONE);
        assertThat(MODEL.observe(state, 5, Double.POSITIVE_INFINITY)).isEqualTo(Forecast.NONE);

        assertThat(state).usingRecursiveComparison()
                .withEqualsForType(Double::equals, Double.class).isEqualTo(untouched);
    }

    @Test
    void aSpikeNearTheDoubleRangeAfterTheWarmUpIsAnAnomalyTheModelWithstands() {
        AnomalyState state = warmedUp();
        Forecast spike = MODEL.observe(state, 5, 1.7e308);
        assertThat(spike.anomalous()).isTrue();
        assertThat(spike.score()).isCloseTo(1.7e308 / (2 * Math.sqrt(2.8125)), within(1e295));
        // The band's edge is what the model learns, as for any spike.
        assertThat(state.level).isCloseTo(10.75 + Math.sqrt(2.8125), within(EPS));
        assertThat(MODEL.observe(state, 6, 11).anomalous()).isFalse();
    }

    @Test
    void aValueWhoseSquareOverflowsInTheWarmUpStartsTheSeriesAfresh() {
        AnomalyState state = new AnomalyState();
        MODEL.observe(state, 1, 10);
        MODEL.observe(state, 2, 1e300);
        // The difference of residuals squares to infinity: everything learned is forgotten.
        Forecast third = MODEL.observe(state, 3, 10);
        assertThat(third.warmedUp()).isFalse();
        assertThat(state.count).isZero();
        assertThat(state.variance).isZero();

        for (double v : new double[] {10, 12, 10, 11}) {
            MODEL.observe(state, state.lastTsMicros + 1, v);
        }
        assertThat(state.level).isEqualTo(10.75);
        assertThat(state.variance).isEqualTo(2.8125);
        assertThat(MODEL.observe(state, state.lastTsMicros + 1, 20).anomalous()).isTrue();
    }

    @Test
    void aRunOfValuesWhoseSumOverflowsStartsTheSeriesAfreshWithoutFailing() {
        AnomalyState state = warmedUp();
        double max = 1.7e308;
        assertThat(MODEL.observe(state, 5, max).anomalous()).isTrue();
        // The run's levels add up beyond the double range.
        assertThat(MODEL.observe(state, 6, max).score()).isFinite();
        assertThat(state.count).isZero();
        assertThat(MODEL.observe(state, 7, -max)).isEqualTo(Forecast.NONE);
        assertThat(state.level).isEqualTo(-max);
    }
}
