package io.chronicle.sql.functions;

import com.datadoghq.sketch.ddsketch.DDSketches;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import static io.chronicle.sql.functions.TestSketches.QUANTILES;
import static io.chronicle.sql.functions.TestSketches.exactQuantile;
import static io.chronicle.sql.functions.TestSketches.tolerance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

class SketchQuantileTest {

    private final SketchQuantile function = new SketchQuantile();

    @Test
    void quantilesAreWithinTheSketchAccuracyOfTheExactOnes() {
        double[] values = TestSketches.values(5_000, new Random(21));
        byte[] sketch = TestSketches.sketch(values);
        for (double q : QUANTILES) {
            double exact = exactQuantile(values, q);
            assertThat(function.eval(sketch, q)).as("q=%s", q).isCloseTo(exact, within(tolerance(exact)));
        }
    }

    @Test
    void nullArgumentsGiveNull() {
        assertThat(function.eval(null, 0.5)).isNull();
        assertThat(function.eval(TestSketches.sketch(new double[] {1}), null)).isNull();
    }

    @Test
    void aSketchWithoutValuesGivesNull() {
        byte[] empty = SketchCodec.encode(DDSketches.unboundedDense(SketchCodec.RELATIVE_ACCURACY));
        assertThat(function.eval(empty, 0.5)).isNull();
    }

    @Test
    void quantilesOutsideZeroToOneAreRefusedNamingTheFunctionAndTheValue() {
        byte[] sketch = TestSketches.sketch(new double[] {1, 2, 3});
        assertThatThrownBy(() -> function.eval(sketch, 1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sketch_quantile: q must be between 0 and 1, got 1.5");
        assertThatThrownBy(() -> function.eval(sketch, -0.01))
                .hasMessage("sketch_quantile: q must be between 0 and 1, got -0.01");
        assertThatThrownBy(() -> function.eval(sketch, Double.NaN))
                .hasMessage("sketch_quantile: q must be between 0 and 1, got NaN");
    }

    @Test
    void bytesThatAreNotASketchAreRefusedNamingTheFunction() {
        assertThatThrownBy(() -> function.eval("hello".getBytes(StandardCharsets.UTF_8), 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sketch_quantile: the argument (5 bytes) is not a sketch column of a rollup table.");
        assertThatThrownBy(() -> function.eval(new byte[0], 0.5))
                .hasMessageStartingWith("sketch_quantile: the argument (0 bytes) is not a sketch column of a rollup table.");
    }

    @Test
    void corruptSketchesGiveAValueOrAnErrorNamingTheFunction() {
        Random random = new Random(22);
        byte[] valid = TestSketches.sketch(TestSketches.values(300, random));
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = valid.clone();
            for (int flips = random.nextInt(4) + 1; flips > 0; flips--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
            }
            Throwable thrown = catchThrowable(() -> function.eval(bytes, random.nextDouble()));
            if (thrown != null) {
                assertThat(thrown).as(Arrays.toString(bytes))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageStartingWith("sketch_quantile: ");
            }
        }
    }
}
