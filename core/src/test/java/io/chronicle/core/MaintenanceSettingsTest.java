package io.chronicle.core;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MaintenanceSettingsTest {

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        MaintenanceSettings settings = MaintenanceSettings.from(ChronicleConfig.fromArgs(new String[0]));
        assertThat(settings).isEqualTo(new MaintenanceSettings(Duration.ofMinutes(1), Duration.ofHours(1), 100, 20,
                Duration.ofDays(1), 10, Duration.ofHours(1), Duration.ofDays(3), Duration.ofDays(1)));
    }

    @Test
    void givenValuesAreRead() {
        MaintenanceSettings settings = MaintenanceSettings.from(ChronicleConfig.fromArgs(new String[] {
                "--chronicle.maintenance.check-interval", "5 s",
                "--chronicle.maintenance.compaction.interval", "10 min",
                "--chronicle.maintenance.compaction.data-file-count", "7",
                "--chronicle.maintenance.compaction.delete-file-count", "3",
                "--chronicle.maintenance.snapshots.max-age", "6 h",
                "--chronicle.maintenance.snapshots.retain-last", "2",
                "--chronicle.maintenance.snapshots.interval", "30 min",
                "--chronicle.maintenance.orphans.min-age", "1 h",
                "--chronicle.maintenance.orphans.interval", "12 h"}));
        assertThat(settings).isEqualTo(new MaintenanceSettings(Duration.ofSeconds(5), Duration.ofMinutes(10), 7, 3,
                Duration.ofHours(6), 2, Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(12)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "chronicle.maintenance.check-interval|500 ms|must be at least 1 s, got PT0.5S",
        "chronicle.maintenance.compaction.interval|0 s|must be at least 1 s, got PT0S",
        "chronicle.maintenance.compaction.data-file-count|0|must be at least 1, got 0",
        "chronicle.maintenance.compaction.delete-file-count|-4|must be at least 1, got -4",
        "chronicle.maintenance.snapshots.max-age|0 s|must be positive, got PT0S",
        "chronicle.maintenance.snapshots.retain-last|0|must be at least 1, got 0",
        "chronicle.maintenance.snapshots.interval|0 ms|must be at least 1 s, got PT0S",
        "chronicle.maintenance.orphans.min-age|59 min|must be at least PT1H (a younger file may belong to a commit in flight), got PT59M",
        "chronicle.maintenance.orphans.min-age|0 s|must be positive, got PT0S",
        "chronicle.maintenance.orphans.interval|0 s|must be at least 1 s, got PT0S",
    })
    void aBadValueFailsAtStartNamingTheOption(String option, String value, String why) {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--" + option, value}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid value for option '" + option + "': " + why);
    }

    @Test
    void aValueThatIsNoDurationOrNumberFailsNamingTheOption() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.maintenance.snapshots.max-age", "forever"}))
                .hasMessageContaining("chronicle.maintenance.snapshots.max-age");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.maintenance.compaction.data-file-count", "many"}))
                .hasMessageContaining("chronicle.maintenance.compaction.data-file-count");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.maintenance.snapshot.max-age", "1 d"}))
                .hasMessageContaining("chronicle.maintenance.snapshot.max-age");
    }
}
