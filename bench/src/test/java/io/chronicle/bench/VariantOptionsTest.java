package io.chronicle.bench;

import io.chronicle.core.ChronicleOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VariantOptionsTest {

    @Test
    void aVariantNamedWithOptionsRunsWithThemBesideItsBase() {
        List<String> named = BenchOptions.parse(List.of("--variants",
                "limit;chronicle-full;chronicle-full{chronicle.alerts.filter-unwatched-points=false,"
                        + " chronicle.rollup.progress-interval=5 s}"), new IngestSuite().options())
                .get(BenchOptions.VARIANTS);
        assertThat(named).hasSize(3);

        VariantOptions plain = VariantOptions.parse("variants", named.get(1), 1);
        assertThat(plain.base()).isEqualTo("chronicle-full");
        assertThat(plain.conf().toMap()).isEmpty();
        assertThat(plain.namespaceSuffix()).isEmpty();

        VariantOptions options = VariantOptions.parse("variants", named.get(2), 2);
        assertThat(options.base()).isEqualTo("chronicle-full");
        assertThat(options.conf().get(ChronicleOptions.ALERTS_FILTER_UNWATCHED)).isFalse();
        assertThat(options.conf().get(ChronicleOptions.ROLLUP_PROGRESS_INTERVAL)).hasSeconds(5);
        assertThat(plain.base() + options.suffix()).isEqualTo(named.get(2));
        assertThat(options.namespaceSuffix()).isEqualTo("_v2");
    }

    @Test
    void anOptionThatIsNotChroniclesFailsNamingIt() {
        assertThatThrownBy(() -> VariantOptions.parse("variants", "chronicle-full{chronicle.alerts.filter=false}", 0))
                .hasMessageContaining("'variants'").hasMessageContaining("'chronicle.alerts.filter=false'");
        assertThatThrownBy(() -> VariantOptions.parse("variants", "chronicle-full{chronicle.alerts.enabled}", 0))
                .hasMessageContaining("not key=value");
        assertThatThrownBy(() -> VariantOptions.parse("variants", "chronicle-full{chronicle.alerts.enabled=true", 0))
                .hasMessageContaining("end with '}'");
    }
}
