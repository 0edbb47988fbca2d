package io.chronicle.operators.alerts.anomaly;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** A rule's parameters are checked when its model is built, not when a series first hits them. */
class AnomalyParametersTest {

    private static final AnomalyBand BAND = AnomalyBand.defaults();

    static Stream<Arguments> outOfRange() {
        return Stream.of(
                arguments("band width 0", of(() -> new AnomalyBand(0, 30, 1e-9, 1e-3, 0.01, 5))),
                arguments("no warm-up", of(() -> new AnomalyBand(3, 0, 1e-9, 1e-3, 0.01, 5))),
                arguments("sigma floor 0", of(() -> new AnomalyBand(3, 30, 0, 1e-3, 0.01, 5))),
                arguments("negative relative floor", of(() -> new AnomalyBand(3, 30, 1e-9, -1, 0.01, 5))),
                arguments("variance alpha 0", of(() -> new AnomalyBand(3, 30, 1e-9, 1e-3, 0, 5))),
                arguments("adapt after one point", of(() -> new AnomalyBand(3, 30, 1e-9, 1e-3, 0.01, 1))),
                arguments("EWMA alpha 0", of(() -> new EwmaModel(0, BAND))),
                arguments("EWMA alpha above 1", of(() -> new EwmaModel(1.5, BAND))),
                arguments("alpha NaN", of(() -> new HoltWintersModel(Double.NaN, 0.01, 0.1, 24, 1, BAND))),
                arguments("beta above 1", of(() -> new HoltWintersModel(0.1, 2, 0.1, 24, 1, BAND))),
                arguments("negative gamma", of(() -> new HoltWintersModel(0.1, 0.01, -0.1, 24, 1, BAND))),
                arguments("season of one step", of(() -> new HoltWintersModel(0.1, 0.01, 0.1, 1, 1, BAND))),
                arguments("step 0", of(() -> new HoltWintersModel(0.1, 0.01, 0.1, 24, 0, BAND))));
    }

    private static ThrowingCallable of(ThrowingCallable build) {
        return build;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outOfRange")
    void rejectsAParameterOutOfRange(String parameter, ThrowingCallable build) {
        assertThatIllegalArgumentException().isThrownBy(build);
    }
}
