package io.chronicle.jobs;

import io.chronicle.catalog.TableRollback;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaPosition;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableAdminTest {

    private static void assertRejected(String message, String... args) {
        assertThatThrownBy(() -> TableAdmin.parse(args))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void rollbackTakesATableAndOneTargetAndPassesChronicleOptionsOn() {
        TableAdmin.Command command = TableAdmin.parse(new String[] {"rollback", "--chronicle.catalog.namespace", "ops",
                "--table", "rollup_5m", "--to-time", "2026-11-01T00:00:00Z"});

        assertThat(command).isInstanceOf(TableAdmin.Rollback.class);
        TableAdmin.Rollback rollback = (TableAdmin.Rollback) command;
        assertThat(rollback.table()).isEqualTo("rollup_5m");
        assertThat(rollback.target()).isEqualTo(new TableRollback.ToTime(Instant.parse("2026-11-01T00:00:00Z")));
        assertThat(rollback.conf().get(ChronicleOptions.CATALOG_NAMESPACE)).isEqualTo("ops");
        assertThat(((TableAdmin.Rollback) TableAdmin.parse(
                new String[] {"rollback", "--to-snapshot", "12", "--table", "events"})).target())
                .isEqualTo(new TableRollback.ToSnapshot(12));
    }

    @Test
    void badCommandLinesAreRefusedNamingTheOption() {
        assertRejected("No command given", new String[0]);
        assertRejected("Unknown command 'undo'", "undo");
        assertRejected("Option '--table' is required", "rollback", "--to-snapshot", "1");
        assertRejected("Give exactly one of '--to-snapshot' and '--to-time'", "rollback", "--table", "points_raw");
        assertRejected("Give exactly one of '--to-snapshot' and '--to-time'",
                "rollback", "--table", "points_raw", "--to-snapshot", "1", "--to-time", "2026-11-01T00:00:00Z");
        assertRejected("Invalid value for option '--to-snapshot': 'abc' is not a snapshot id",
                "rollback", "--table", "points_raw", "--to-snapshot", "abc");
        assertRejected("Invalid value for option '--to-time': 'yesterday'",
                "rollback", "--table", "points_raw", "--to-time", "yesterday");
        assertRejected("Option '--table' is given twice",
                "rollback", "--table", "points_raw", "--table", "events", "--to-snapshot", "1");
        for (String table : List.of("traces", "agent_metrics", "alerts", "anomalies")) {
            assertRejected("rolling back '" + table + "' is not supported", "rollback", "--table", table, "--to-snapshot", "1");
        }
        assertRejected("Option '--to-snapshot' needs a value", "rollback", "--table", "points_raw", "--to-snapshot");
    }

    @Test
    void aBadCommandLinePrintsOneLineAndTheUsageAndExitsWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = TableAdmin.run(new String[] {"rollback", "--table", "traces", "--to-snapshot", "1"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.systemUTC());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("TableAdmin: Invalid value for option '--table'")
                .contains(TableAdmin.USAGE);
    }

    @Test
    void theReplayArgumentsNameEachPartitionOfTheRemovedRowsAndParseAsReplayPositions() {
        SortedMap<String, SortedMap<Integer, long[]>> offsets = new TreeMap<>();
        offsets.computeIfAbsent("chronicle.points", t -> new TreeMap<>()).put(0, new long[] {30, 60});
        offsets.get("chronicle.points").put(3, new long[] {7, 8});
        offsets.computeIfAbsent("chronicle.events", t -> new TreeMap<>()).put(1, new long[] {0, 5});

        List<String> args = TableAdmin.replayArguments(offsets);

        assertThat(args).containsExactly(
                "--from", "chronicle.events:1:0,chronicle.points:0:30,chronicle.points:3:7",
                "--to", "chronicle.events:1:5,chronicle.points:0:60,chronicle.points:3:8");
        assertThat(KafkaPosition.parse("--from", args.get(1), ReplayJob.FROM_FORMS))
                .isInstanceOf(KafkaPosition.Offsets.class);
        assertThat(KafkaPosition.parse("--to", args.get(3), KafkaPosition.ENDS))
                .isInstanceOf(KafkaPosition.Offsets.class);
    }
}
