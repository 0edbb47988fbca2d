package io.chronicle.bench;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchOptionsTest {

    @Test
    void givenValuesOverrideDefaults() {
        Configuration conf = BenchOptions.parse(List.of("--points", "5000", "--sample-interval", "10 s"));
        assertThat(conf.get(BenchOptions.POINTS)).isEqualTo(5_000L);
        assertThat(conf.get(BenchOptions.SAMPLE_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(conf.get(BenchOptions.RUNS)).isEqualTo(BenchOptions.RUNS.defaultValue());
        assertThat(BenchOptions.describe(conf)).containsEntry("sample-interval", "10 s").containsEntry("points", "5000");
    }

    @Test
    void aMisspeltOptionFailsNamingIt() {
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--pionts", "5000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown option 'pionts'")
                .hasMessageContaining("points");
    }

    @Test
    void aBadValueFailsNamingTheOption() {
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--runs", "0")))
                .hasMessageContaining("'runs'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--out-of-order-share", "2")))
                .hasMessageContaining("'out-of-order-share'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--points", "many")))
                .hasMessageContaining("'points'");
    }
}
