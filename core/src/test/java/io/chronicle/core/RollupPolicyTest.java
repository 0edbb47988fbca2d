package io.chronicle.core;

import io.chronicle.core.RollupPolicy.Settings;
import io.chronicle.core.RollupPolicy.Tier;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RollupPolicyTest {

    private static final Tier T1M = Tier.parse("t", "1m");
    private static final Tier T5M = Tier.parse("t", "5m");
    private static final Tier T1H = Tier.parse("t", "1h");

    private static Configuration yaml(Path dir, String... lines) throws Exception {
        Path file = dir.resolve("chronicle.yaml");
        // Nested under Chronicle's namespace, as in a Flink config.yaml.
        Files.writeString(file, "chronicle:\n  " + String.join("\n  ", lines) + "\n");
        return ChronicleConfig.fromArgs(new String[] {"--config", file.toString()});
    }

    @Test
    void defaultsAreFiveMinutesAndOneHourWithFiveMinutesOfLatenessKeptForever() {
        RollupPolicy policy = RollupPolicy.from(new Configuration());
        assertThat(policy.chain()).containsExactly(T5M, T1H);
        Settings any = policy.forTenant("acme");
        assertThat(any.tiers()).containsExactly(T5M, T1H);
        assertThat(any.allowedLateness()).isEqualTo(Duration.ofMinutes(5));
        assertThat(any.retention(T5M)).isEmpty();
    }

    @Test
    void resolvesTenantThenDomainThenGlobalKeyByKey(@TempDir Path dir) throws Exception {
        Configuration conf = yaml(dir,
                "rollup:",
                "  tiers: [5m, 1h]",
                "  allowed-lateness: 2 min",
                "  retention:",
                "    5m: 30 d",
                "    1h: 400 d",
                "  domains:",
                "    healthcare:",
                "      tenants: [clinic-a, clinic-b]",
                "      allowed-lateness: 15 min",
                "      retention:",
                "        1h: 3650 d",
                "  tenants:",
                "    clinic-a:",
                "      tiers: [1m, 5m, 1h]",
                "      retention:",
                "        1m: 2 d",
                "    solo:",
                "      allowed-lateness: 0 s");
        RollupPolicy policy = RollupPolicy.from(conf);

        assertThat(policy.chain()).containsExactly(T1M, T5M, T1H);
        assertThat(policy.overriddenTenants()).containsExactly("clinic-a", "clinic-b", "solo");

        Settings clinicA = policy.forTenant("clinic-a");
        assertThat(clinicA.tiers()).as("from the tenant").containsExactly(T1M, T5M, T1H);
        assertThat(clinicA.allowedLateness()).as("from the domain").isEqualTo(Duration.ofMinutes(15));
        assertThat(clinicA.retention(T1M)).as("tenant").contains(Duration.ofDays(2));
        assertThat(clinicA.retention(T5M)).as("global").contains(Duration.ofDays(30));
        assertThat(clinicA.retention(T1H)).as("domain").contains(Duration.ofDays(3650));

        Settings clinicB = policy.forTenant("clinic-b");
        assertThat(clinicB.tiers()).containsExactly(T5M, T1H);
        assertThat(clinicB.writes(T1M)).isFalse();
        assertThat(clinicB.allowedLateness()).isEqualTo(Duration.ofMinutes(15));
        assertThat(clinicB.retention(T1H)).contains(Duration.ofDays(3650));

        Settings solo = policy.forTenant("solo");
        assertThat(solo.allowedLatenessMicros()).isZero();
        assertThat(solo.retention(T5M)).contains(Duration.ofDays(30));

        assertThat(policy.forTenant("anyone-else")).isEqualTo(policy.global());
        assertThat(policy.global().allowedLateness()).isEqualTo(Duration.ofMinutes(2));
        assertThat(policy.global().retention(T1H)).contains(Duration.ofDays(400));
    }

    @Test
    void acceptsTheFlatFormsOnTheCommandLine() {
        Configuration conf = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.rollup.tiers", "1m;1h",
                "--chronicle.rollup.retention", "1m:1 d,1h:30 d",
                "--chronicle.rollup.tenants.acme.retention.1h", "90 d"});
        RollupPolicy policy = RollupPolicy.from(conf);
        assertThat(policy.chain()).containsExactly(T1M, T1H);
        assertThat(policy.global().retention(T1M)).contains(Duration.ofDays(1));
        assertThat(policy.forTenant("acme").retention(T1H)).contains(Duration.ofDays(90));
        assertThat(policy.forTenant("acme").retention(T1M)).contains(Duration.ofDays(1));
    }

    @Test
    void theMostActiveSeriesResolvesTenantThenDomainThenGlobal(@TempDir Path dir) throws Exception {
        assertThat(RollupPolicy.from(new Configuration()).global().maxSeries()).isEqualTo(2_000_000L);
        Configuration conf = yaml(dir,
                "rollup:",
                "  max-series-per-tenant: 100000",
                "  domains:",
                "    small:",
                "      tenants: [a, b]",
                "      max-series-per-tenant: 5000",
                "  tenants:",
                "    a:",
                "      max-series-per-tenant: 50");
        RollupPolicy policy = RollupPolicy.from(conf);
        assertThat(policy.forTenant("a").maxSeries()).isEqualTo(50L);
        assertThat(policy.forTenant("b").maxSeries()).isEqualTo(5_000L);
        assertThat(policy.forTenant("c").maxSeries()).isEqualTo(100_000L);
        assertThatThrownBy(() -> conf("--chronicle.rollup.tenants.a.max-series-per-tenant", "0"))
                .hasMessageContaining("'chronicle.rollup.tenants.a.max-series-per-tenant'")
                .hasMessageContaining("must be positive");
        assertThatThrownBy(() -> conf("--chronicle.rollup.max-series-per-tenant", "-1"))
                .hasMessageContaining("'chronicle.rollup.max-series-per-tenant'");
        assertThatThrownBy(() -> conf("--chronicle.rollup.domains.d.tenants", "x",
                        "--chronicle.rollup.domains.d.max-series-per-tenant", "lots"))
                .hasMessageContaining("'chronicle.rollup.domains.d.max-series-per-tenant'");
    }

    @Test
    void labelsTiersByTheirShortestUnit() {
        assertThat(List.of(Tier.parse("t", "300 s"), Tier.parse("t", "60 min"),
                        Tier.parse("t", "1 d"), Tier.parse("t", "90s")))
                .extracting(Tier::tableName)
                .containsExactly("rollup_5m", "rollup_1h", "rollup_1d", "rollup_90s");
    }

    @Test
    void failsFastNamingTheOption() {
        assertThatThrownBy(() -> conf("--chronicle.rollup.tiers", "5m;7m"))
                .hasMessageContaining("'chronicle.rollup.tiers'").hasMessageContaining("7m");
        assertThatThrownBy(() -> conf("--chronicle.rollup.tenants.acme.tiers", "5m;7m"))
                .hasMessageContaining("'chronicle.rollup.tiers'").hasMessageContaining("7m");
        assertThatThrownBy(() -> conf("--chronicle.rollup.tenants.acme.allowed-latness", "1 min"))
                .hasMessageContaining("Unknown option 'chronicle.rollup.tenants.acme.allowed-latness'");
        assertThatThrownBy(() -> conf("--chronicle.rollup.tenants.acme.allowed-lateness", "soon"))
                .hasMessageContaining("'chronicle.rollup.tenants.acme.allowed-lateness'");
        assertThatThrownBy(() -> conf("--chronicle.rollup.retention.15m", "1 d"))
                .hasMessageContaining("'chronicle.rollup.retention.15m'");
        assertThatThrownBy(() -> conf("--chronicle.rollup.tiers", "1500 ms"))
                .hasMessageContaining("'chronicle.rollup.tiers'");
        assertThatThrownBy(() -> conf("--chronicle.rollup.domains.prod.allowed-lateness", "1 min"))
                .hasMessageContaining("'chronicle.rollup.domains.prod.tenants' is missing");
        assertThatThrownBy(() -> conf(
                        "--chronicle.rollup.domains.a.tenants", "x", "--chronicle.rollup.domains.b.tenants", "x;y"))
                .hasMessageContaining("Tenant 'x' is listed in domains 'a' and 'b'");
    }

    @Test
    void retentionOfATierNoTenantHasIsAMistake() {
        assertThat(Optional.of(conf("--chronicle.rollup.tenants.acme.tiers", "1m;5m;1h",
                "--chronicle.rollup.retention.1m", "1 d"))).isPresent();
        assertThatThrownBy(() -> conf("--chronicle.rollup.retention.1m", "1 d"))
                .hasMessageContaining("'chronicle.rollup.retention.1m'").hasMessageContaining("no tenant");
    }

    @Test
    void tablesKeepTheirDocumentedRetentionUnlessATenantOrDomainSaysOtherwise(@TempDir Path dir) throws Exception {
        Settings defaults = RollupPolicy.from(new Configuration()).forTenant("any");
        assertThat(defaults.retention("points_raw")).contains(Duration.ofDays(7));
        assertThat(defaults.retention("events")).contains(Duration.ofDays(30));
        assertThat(defaults.retention("rejected")).contains(Duration.ofDays(30));
        assertThat(defaults.retention("traces")).contains(Duration.ofDays(90));
        assertThat(defaults.retention("alerts")).contains(Duration.ofDays(90));
        assertThat(defaults.retention("anomalies")).contains(Duration.ofDays(90));
        assertThat(defaults.retention("agent_metrics")).isEmpty();

        RollupPolicy policy = RollupPolicy.from(yaml(dir,
                "retention:",
                "  points_raw: 3 d",
                "  agent_metrics: 400 d",
                "rollup:",
                "  retention:",
                "    5m: 30 d",
                "  domains:",
                "    eu:",
                "      tenants: [clinic]",
                "      retention:",
                "        points_raw: 14 d",
                "        events: 60 d",
                "  tenants:",
                "    clinic:",
                "      retention:",
                "        events: 1 d"));
        Settings clinic = policy.forTenant("clinic");
        assertThat(clinic.retention("points_raw")).contains(Duration.ofDays(14));
        assertThat(clinic.retention("events")).contains(Duration.ofDays(1));
        assertThat(clinic.retention("traces")).contains(Duration.ofDays(90));
        assertThat(clinic.retention("agent_metrics")).contains(Duration.ofDays(400));
        assertThat(clinic.retention(T5M)).contains(Duration.ofDays(30));
        assertThat(policy.global().retention("points_raw")).contains(Duration.ofDays(3));
    }

    @Test
    void badTableRetentionFailsNamingTheOption() {
        assertThatThrownBy(() -> conf("--chronicle.retention.points_raw", "0 s"))
                .hasMessageContaining("'chronicle.retention.points_raw'").hasMessageContaining("must be positive");
        assertThatThrownBy(() -> conf("--chronicle.retention.events", "a month"))
                .hasMessageContaining("chronicle.retention.events");
        assertThatThrownBy(() -> conf("--chronicle.rollup.tenants.a.retention.events", "soon"))
                .hasMessageContaining("'chronicle.rollup.tenants.a.retention.events'");
        assertThatThrownBy(() -> conf("--chronicle.rollup.tenants.a.retention.pointsraw", "1 d"))
                .hasMessageContaining("'chronicle.rollup.tenants.a.retention.pointsraw'")
                .hasMessageContaining("points_raw");
        assertThatThrownBy(() -> conf("--chronicle.rollup.domains.d.tenants", "x",
                        "--chronicle.rollup.domains.d.retention.traces", "-1 d"))
                .hasMessageContaining("'chronicle.rollup.domains.d.retention.traces'");
        assertThatThrownBy(() -> conf("--chronicle.rollup.retention.events", "1 d"))
                .hasMessageContaining("'chronicle.rollup.retention.events'")
                .hasMessageContaining("chronicle.retention.events");
        assertThatThrownBy(() -> conf("--chronicle.retention.interval", "0 s"))
                .hasMessageContaining("'chronicle.retention.interval'").hasMessageContaining("must be positive");
        assertThatThrownBy(() -> conf("--chronicle.retention.rollup_5m", "1 d"))
                .hasMessageContaining("chronicle.retention.rollup_5m");
    }

    private static Configuration conf(String... args) {
        return ChronicleConfig.fromArgs(args);
    }
}
