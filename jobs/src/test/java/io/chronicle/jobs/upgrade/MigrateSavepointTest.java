package io.chronicle.jobs.upgrade;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.RollupPolicy;
import io.chronicle.operators.state.IncompatibleStateException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The checked-in savepoint of 0.1.0-SNAPSHOT's single job, whose hourly tier's merge is
 * {@code rollup-1h}: found, refused unmigrated, and migrated with the State Processor API (in a
 * Flink cluster in this process) into a savepoint whose only change is that operator's uid.
 */
class MigrateSavepointTest {

    private static final String LEGACY = "0.1.0-SNAPSHOT";

    @TempDir
    Path tempDir;

    private static String legacySavepoint() throws URISyntaxException, java.io.IOException {
        Path dir = Path.of(Objects.requireNonNull(
                MigrateSavepointTest.class.getResource("/savepoints/" + LEGACY)).toURI());
        try (Stream<Path> in = Files.list(dir)) {
            return in.filter(p -> p.getFileName().toString().startsWith("savepoint-")).findFirst().orElseThrow()
                    .toUri().toString();
        }
    }

    private static RollupPolicy tiers(String tiers) {
        return RollupPolicy.from(ChronicleConfig.fromArgs(new String[] {"--chronicle.rollup.tiers", tiers}));
    }

    private static OperatorID id(String uid) {
        return OperatorIdentifier.forUid(uid).getOperatorId();
    }

    @Test
    void theHourlyMergeOfTheSingleJobIsTheOneStateToMove() throws Exception {
        CheckpointMetadata metadata = LegacyUids.load(legacySavepoint());
        assertThat(LegacyUids.renames(metadata, tiers("5m;1h")))
                .containsExactly(new LegacyUids.Rename("1h", "rollup-1h", "rollup-merge-1h"));
        // A finer tier configured since: the savepoint's finest tier is still its window, whose uid holds.
        assertThat(LegacyUids.renames(metadata, tiers("1m;5m;1h")))
                .containsExactly(new LegacyUids.Rename("1h", "rollup-1h", "rollup-merge-1h"));
        // Without the hourly tier there is no operator to take its state, migrated or not.
        assertThat(LegacyUids.renames(metadata, tiers("5m"))).isEmpty();
    }

    @Test
    void anUnmigratedStartIsRefusedNamingTheOperatorTheVersionAndTheMigration() throws Exception {
        String savepoint = legacySavepoint();
        Configuration flink = new Configuration();
        flink.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        assertThatThrownBy(() -> LegacyUids.refuseUnmigrated(flink, tiers("5m;1h")))
                .isInstanceOf(IncompatibleStateException.class)
                .hasMessage("Cannot start from " + savepoint + ": it holds the state of operator rollup-1h (the 1h"
                        + " tier's merge) under the uid Chronicle 0.1.0-SNAPSHOT (the single job, before the split"
                        + " jobs) gave it, which this version keeps under rollup-merge-1h; migrate it first with"
                        + " 'flink run -c io.chronicle.jobs.upgrade.MigrateSavepoint chronicle-jobs-<version>-job.jar"
                        + " --from " + savepoint + " --to <new savepoint folder>' and the job's options, then start"
                        + " from the new savepoint (docs/operations.md, Upgrades and state)");
        // Without a savepoint to restore, nothing is read.
        LegacyUids.refuseUnmigrated(new Configuration(), tiers("5m;1h"));
    }

    @Test
    void theMigratedSavepointHoldsTheSameStateUnderTheNewUidAndIsNotRefused() throws Exception {
        String from = legacySavepoint();
        String to = tempDir.resolve("migrated").toUri().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MigrateSavepoint.run(new String[] {"--from", from, "--to", to, "--chronicle.rollup.tiers", "5m;1h",
                "--parallelism.default", "1"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("rollup-1h -> rollup-merge-1h\nWrote " + to + ": start the job from it\n");

        Map<OperatorID, Long> before = sizes(LegacyUids.load(from));
        Map<OperatorID, Long> after = sizes(LegacyUids.load(to));
        Map<OperatorID, Long> expected = new TreeMap<>(before);
        expected.put(id("rollup-merge-1h"), expected.remove(id("rollup-1h")));
        assertThat(before.get(id("rollup-1h"))).as("the hourly windows open at the savepoint").isPositive();
        assertThat(after).isEqualTo(expected);
        assertThat(LegacyUids.renames(LegacyUids.load(to), tiers("5m;1h"))).isEmpty();
        Configuration flink = new Configuration();
        flink.set(StateRecoveryOptions.SAVEPOINT_PATH, to);
        LegacyUids.refuseUnmigrated(flink, tiers("5m;1h"));

        // A second run finds nothing to move and writes nothing.
        out.reset();
        String again = tempDir.resolve("again").toUri().toString();
        assertThat(MigrateSavepoint.migrate(StreamExecutionEnvironment.getExecutionEnvironment(),
                tiers("5m;1h"), to, again)).isEmpty();
        assertThat(tempDir.resolve("again")).doesNotExist();
    }

    @Test
    void aTargetThatHoldsASavepointIsRefused() throws Exception {
        String from = legacySavepoint();
        assertThatThrownBy(() -> MigrateSavepoint.migrate(StreamExecutionEnvironment.getExecutionEnvironment(),
                tiers("5m;1h"), from, from))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Option '--to': " + from + " already holds a savepoint");
    }

    @Test
    void helpPrintsTheUsageAndAMissingOptionIsNamed() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MigrateSavepoint.run(new String[] {"--help"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(MigrateSavepoint.USAGE + "\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThatThrownBy(() -> MigrateSavepoint.run(new String[] {"--from", "/nowhere"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Option '--to' is required");
        assertThat(err.toString(StandardCharsets.UTF_8))
                .startsWith("MigrateSavepoint: Option '--to' is required\n\nusage: flink run -c "
                        + MigrateSavepoint.class.getName());
    }

    /** Each operator's state size: what it holds, whatever the file names. */
    private static Map<OperatorID, Long> sizes(CheckpointMetadata metadata) {
        return metadata.getOperatorStates().stream()
                .collect(Collectors.toMap(OperatorState::getOperatorID, OperatorState::getStateSize, (a, b) -> a,
                        TreeMap::new));
    }
}
