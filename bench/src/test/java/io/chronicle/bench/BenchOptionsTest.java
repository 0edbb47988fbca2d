package io.chronicle.bench;

import io.chronicle.workload.Swarm;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchOptionsTest {

    private static final List<ConfigOption<?>> ROLLUPS = new RollupSuite().options();
    private static final List<ConfigOption<?>> ALERTS = new AlertSuite().options();

    @Test
    void givenValuesOverrideDefaults() {
        Configuration conf = BenchOptions.parse(List.of("--points", "5000", "--sample-interval", "10 s"), ROLLUPS);
        assertThat(conf.get(BenchOptions.POINTS)).isEqualTo(5_000L);
        assertThat(conf.get(BenchOptions.SAMPLE_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(conf.get(BenchOptions.RUNS)).isEqualTo(BenchOptions.RUNS.defaultValue());
        assertThat(BenchOptions.describe(conf, ROLLUPS)).containsEntry("sample-interval", "10 s")
                .containsEntry("points", "5000").doesNotContainKey("rate");
    }

    @Test
    void aMisspeltOptionFailsNamingIt() {
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--pionts", "5000"), ROLLUPS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown option 'pionts'")
                .hasMessageContaining("points");
    }

    @Test
    void aSuiteTakesOnlyTheOptionsItReads() {
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--points", "5000"), ALERTS))
                .hasMessageContaining("Unknown option 'points'")
                .hasMessageContaining("rate");
        Configuration conf = BenchOptions.parse(List.of("--rate", "2000", "--trigger-interval", "100 ms"), ALERTS);
        assertThat(BenchOptions.describe(conf, ALERTS)).containsEntry("rate", "2000")
                .containsEntry("trigger-interval", "100 ms").doesNotContainKey("points");
    }

    @Test
    void aBadValueFailsNamingTheOption() {
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--runs", "0"), ROLLUPS))
                .hasMessageContaining("'runs'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--out-of-order-share", "2"), ROLLUPS))
                .hasMessageContaining("'out-of-order-share'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--points", "many"), ROLLUPS))
                .hasMessageContaining("'points'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--rate", "0"), ALERTS))
                .hasMessageContaining("'rate'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--trigger-interval", "1 ms"), ALERTS))
                .hasMessageContaining("'trigger-interval'");
    }

    @Test
    void theIngestSuiteTakesTheSwarmsOptions() {
        List<ConfigOption<?>> ingest = new IngestSuite().options();
        Configuration conf = BenchOptions.parse(List.of("--traces", "2000", "--agents", "50",
                "--traces-per-second", "12.5"), ingest);
        assertThat(Workloads.swarm(conf).generate((key, json) -> { }))
                .extracting(Swarm.Summary::traces, Swarm.Summary::agents, Swarm.Summary::tenants)
                .containsExactly(2_000L, 50, 4);
        assertThat(BenchOptions.describe(conf, ingest)).containsEntry("traces", "2000")
                .containsEntry("traces-per-second", "12.5");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--traces-per-second", "0"), ingest))
                .hasMessageContaining("'traces-per-second'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--traces", "0"), ingest))
                .hasMessageContaining("'traces'");
    }

    @Test
    void fewerAgentsThanTenantsFailNamingBothOptions() {
        Configuration conf = BenchOptions.parse(List.of("--agents", "3", "--tenants", "4"), new IngestSuite().options());
        assertThatThrownBy(() -> Workloads.swarm(conf)).hasMessageContaining("'agents'").hasMessageContaining("'tenants'");
    }
}
