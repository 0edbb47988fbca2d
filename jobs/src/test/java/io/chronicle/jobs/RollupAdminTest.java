package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.RollupAdmin.Command;
import io.chronicle.jobs.RollupAdmin.Expire;
import io.chronicle.jobs.RollupAdmin.Help;
import io.chronicle.jobs.RollupAdmin.Rebuild;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.RollupPolicy.Tier;
import org.apache.flink.configuration.SecurityOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RollupAdminTest {

    private static final Instant CLOCK_NOW = Instant.parse("2026-11-20T08:15:00Z");
    private static final Clock CLOCK = Clock.fixed(CLOCK_NOW, ZoneOffset.UTC);
    private static final String DAY = "2026-11-01T00:00:00Z";
    private static final String NEXT_DAY = "2026-11-02T00:00:00Z";

    private static Command parse(String... args) {
        return RollupAdmin.parse(args, CLOCK);
    }

    private static void assertRejected(String message, String... args) {
        assertThatThrownBy(() -> parse(args))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void rebuildTakesItsOptionsAndPassesChronicleOptionsOn() {
        Command command = parse("rebuild", "--chronicle.catalog.namespace", "ops", "--tier", "1h",
                "--from", DAY, "--chronicle.rollup.tiers", "5m;1h;1d", "--to", NEXT_DAY);

        assertThat(command).isInstanceOf(Rebuild.class);
        Rebuild rebuild = (Rebuild) command;
        assertThat(rebuild.tier()).isEqualTo("1h");
        assertThat(rebuild.from()).isEqualTo(Instant.parse(DAY));
        assertThat(rebuild.to()).isEqualTo(Instant.parse(NEXT_DAY));
        assertThat(rebuild.conf().get(ChronicleOptions.CATALOG_NAMESPACE)).isEqualTo("ops");
        assertThat(rebuild.conf().get(ChronicleOptions.ROLLUP_TIERS)).containsExactly("5m", "1h", "1d");
        assertThat(rebuild.conf().containsKey("tier")).isFalse();
    }

    @Test
    void rebuildRunsInProcessWithoutHadoopSecurityUnlessTold() {
        String[] range = {"rebuild", "--tier", "5m", "--from", DAY, "--to", NEXT_DAY};
        Rebuild defaults = (Rebuild) parse(range);
        Rebuild told = (Rebuild) parse(concat(range,
                new String[] {"--" + SecurityOptions.DELEGATION_TOKENS_ENABLED.key(), "true"}));

        assertThat(defaults.conf().get(SecurityOptions.DELEGATION_TOKENS_ENABLED)).isFalse();
        assertThat(defaults.conf().get(SecurityOptions.SECURITY_MODULE_FACTORY_CLASSES))
                .containsExactly("org.apache.flink.runtime.security.modules.JaasModuleFactory");
        assertThat(told.conf().get(SecurityOptions.DELEGATION_TOKENS_ENABLED)).isTrue();
    }

    @Test
    void expireCountsBackFromNowGiven() {
        Command command = parse("expire", "--now", "2026-11-15T10:30:00Z", "--chronicle.rollup.retention.5m", "3 d");

        assertThat(command).isInstanceOf(Expire.class);
        assertThat(((Expire) command).now()).isEqualTo(Instant.parse("2026-11-15T10:30:00Z"));
        assertThat(((Expire) command).conf().getString("chronicle.rollup.retention.5m", null)).isEqualTo("3 d");
    }

    @Test
    void expireWithoutNowCountsBackFromTheClock() {
        assertThat(((Expire) parse("expire")).now()).isEqualTo(CLOCK_NOW);
        assertThat(((Expire) parse("expire")).dryRun()).isFalse();
    }

    @Test
    void dryRunIsAFlagOfExpireOnly() {
        Expire dry = (Expire) parse("expire", "--dry-run", "--now", DAY, "--chronicle.retention.events", "3 d");
        assertThat(dry.dryRun()).isTrue();
        assertThat(dry.now()).isEqualTo(Instant.parse(DAY));
        assertThat(((Expire) parse("expire", "--now", DAY, "--dry-run")).dryRun()).isTrue();
        assertRejected("Option '--dry-run' does not apply to rebuild",
                "rebuild", "--dry-run", "--tier", "5m", "--from", DAY, "--to", NEXT_DAY);
        assertRejected("Option '--dry-run' is given twice", "expire", "--dry-run", "--dry-run");
        assertRejected("Invalid value for option 'chronicle.retention.events': must be positive, got PT0S",
                "expire", "--dry-run", "--chronicle.retention.events", "0 s");
    }

    @Test
    void helpNeedsNothingElse() {
        assertThat(parse("--help")).isInstanceOf(Help.class);
        assertThat(parse("help")).isInstanceOf(Help.class);
        assertThat(parse("rebuild", "--help")).isInstanceOf(Help.class);
        assertThat(parse("rebuild", "--tier", "5m", "-h")).isInstanceOf(Help.class);
        assertThat(parse("expire", "--chronicle.rollup.retention.5m", "forever", "--help")).isInstanceOf(Help.class);
    }

    @Test
    void helpPrintsTheUsageAndExitsZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        assertThat(RollupAdmin.run(new String[] {"rebuild", "--help"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), CLOCK)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(RollupAdmin.USAGE + "\n").startsWith("usage: ");
        assertThat(err.size()).isZero();
    }

    @Test
    void aWrongArgumentIsNamedOnOneLineThenTheUsageAndExitsTwo(@TempDir Path dir) {
        assertExitsTwo("RollupAdmin: Option '--bogus' needs a value", "expire", "--bogus");
        assertExitsTwo("RollupAdmin: Unknown command 'compact': expected rebuild or expire", "compact");
        assertExitsTwo("RollupAdmin: Cannot read configuration file " + dir.resolve("missing.yaml"),
                "expire", "--config", dir.resolve("missing.yaml").toString());
    }

    private static void assertExitsTwo(String firstLine, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        assertThat(RollupAdmin.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), CLOCK)).isEqualTo(2);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(firstLine + "\n\n" + RollupAdmin.USAGE + "\n");
    }

    @Test
    void aCommandIsRequiredAndMustBeKnown() {
        assertRejected("No command given: expected rebuild or expire");
        assertRejected("Unknown command 'compact': expected rebuild or expire", "compact");
    }

    @Test
    void rebuildRequiresTierFromAndTo() {
        assertRejected("Option '--tier' is required", "rebuild", "--from", DAY, "--to", NEXT_DAY);
        assertRejected("Option '--from' is required", "rebuild", "--tier", "5m", "--to", NEXT_DAY);
        assertRejected("Option '--to' is required", "rebuild", "--tier", "5m", "--from", DAY);
    }

    @Test
    void instantsMustBeIso8601() {
        assertRejected("Invalid value for option '--from': '2026-11-01' is not an ISO-8601 instant"
                        + " such as 2026-11-01T00:00:00Z",
                "rebuild", "--tier", "5m", "--from", "2026-11-01", "--to", NEXT_DAY);
        assertRejected("Invalid value for option '--now': 'yesterday' is not an ISO-8601 instant"
                        + " such as 2026-11-01T00:00:00Z",
                "expire", "--now", "yesterday");
    }

    @Test
    void tierMustBeADurationThatSomeTenantHas() {
        assertRejected("Invalid value for option '--tier': 'five' is not a duration",
                "rebuild", "--tier", "five", "--from", DAY, "--to", NEXT_DAY);
        assertRejected("Invalid value for option '--tier': no tenant has a 1d tier; tiers are [5m, 1h]",
                "rebuild", "--tier", "1d", "--from", DAY, "--to", NEXT_DAY);
    }

    @Test
    void rangeIsANonEmptyRunOfWholeWindows() {
        assertRejected("Invalid value for option '--from': 2026-11-01T00:01:00Z is not the start of a 5m window",
                "rebuild", "--tier", "5m", "--from", "2026-11-01T00:01:00Z", "--to", NEXT_DAY);
        assertRejected("Invalid value for option '--to': 2026-11-01T12:30:00Z is not the start of a 1h window",
                "rebuild", "--tier", "1h", "--from", DAY, "--to", "2026-11-01T12:30:00Z");
        assertRejected("Invalid value for option '--to': 2026-11-01T00:00:00Z is not after --from 2026-11-01T00:00:00Z",
                "rebuild", "--tier", "5m", "--from", DAY, "--to", DAY);
    }

    @Test
    void optionsOfTheOtherCommandAreRefused() {
        assertRejected("Option '--now' does not apply to rebuild",
                "rebuild", "--tier", "5m", "--from", DAY, "--to", NEXT_DAY, "--now", DAY);
        assertRejected("Option '--tier' does not apply to expire", "expire", "--tier", "5m");
    }

    @Test
    void optionsComeInPairsOnce() {
        assertRejected("Option '--now' needs a value", "expire", "--now");
        assertRejected("Expected '--option value' pairs, got 'now'", "expire", "now", DAY);
        assertRejected("Option '--tier' is given twice",
                "rebuild", "--tier", "5m", "--tier", "1h", "--from", DAY, "--to", NEXT_DAY);
    }

    @Test
    void badChronicleOptionsAreNamed() {
        assertRejected("Invalid value for option 'chronicle.rollup.retention.5m': 'forever' is not a duration",
                "expire", "--chronicle.rollup.retention.5m", "forever");
        assertThatThrownBy(() -> parse("expire", "--chronicle.catalog.namspace", "ops"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Unknown option 'chronicle.catalog.namspace' (did you mean 'chronicle.catalog.namespace'?)");
    }

    @Test
    void expireReportsEveryTableOfTheConfiguredCatalog(@TempDir Path dir) throws Exception {
        String[] catalog = {"--chronicle.catalog.uri", "jdbc:sqlite:" + dir.resolve("chronicle.catalog.db"),
                "--chronicle.catalog.warehouse", dir.resolve("warehouse").toUri().toString(),
                // Files in memory: the tables are empty, and Hadoop's local file system is not here.
                "--chronicle.catalog.properties.io-impl", "org.apache.iceberg.inmemory.InMemoryFileIO"};
        Command expire = parse(concat(new String[] {"expire", "--chronicle.rollup.retention.1h", "2 d"}, catalog));
        assertThat(output(expire)).isEqualTo("No tables in namespace chronicle yet: nothing to expire\n");

        Expire configured = (Expire) expire;
        TableBootstrap.ensureTables(ChronicleCatalogLoader.from(configured.conf()), "chronicle",
                new RollupTable(Tier.parse("t", "5m")), new RollupTable(Tier.parse("t", "1h")),
                ChronicleTable.EVENTS);

        assertThat(output(expire)).isEqualTo(String.join("\n",
                "rollup_5m: nothing to delete [all tenants kept]",
                "rollup_1h: nothing to delete [all tenants before 2026-11-18T00:00:00Z]",
                "events: nothing to delete [all tenants before 2026-10-21T00:00:00Z]",
                ""));
    }

    private static String output(Command command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            command.run(out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = new String[first.length + second.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }
}
