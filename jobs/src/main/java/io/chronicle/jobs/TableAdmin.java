package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableRollback;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.CommandLine;
import io.chronicle.core.RollupPolicy;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;

import java.io.Closeable;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.StringJoiner;

/**
 * Table commands from the command line: {@code rollback} returns a table to an earlier snapshot
 * ({@link TableRollback}: one commit, the table's Flink writers kept at their last checkpoints)
 * and prints the command that writes the removed rows again exactly once: a replay of their
 * offsets for {@code points_raw}, {@code events} and {@code rejected}, a rebuild of their windows
 * for a rollup tier. The other tables are refused: their rows come from keyed state that a
 * rollback cannot return to the snapshot's time.
 */
public final class TableAdmin {

    static final String PROGRAM = "TableAdmin";

    static final String USAGE = String.join("\n",
            "usage: " + PROGRAM + " rollback --table TABLE (--to-snapshot ID | --to-time INSTANT) [--KEY VALUE]...",
            "",
            "  rollback  returns TABLE (points_raw, events, rejected or a rollup tier such as rollup_5m) to",
            "            the snapshot ID, or to the newest snapshot committed at or before INSTANT",
            "            (ISO-8601, 2026-11-01T00:00:00Z), in one commit; the jobs writing it may run on.",
            "            It prints the replay (or rollup rebuild) that writes the removed rows again",
            "            exactly once: run it next. List a table's snapshots in Flink SQL with",
            "            SELECT * FROM `TABLE$snapshots`.",
            "",
            "Give the catalog options the jobs run with.",
            "",
            CommandLine.argumentsConfigurationUsage());

    private static final Set<String> ADMIN_OPTIONS = Set.of("table", "to-snapshot", "to-time");
    private static final Set<String> REPLAYED = Set.of(ChronicleTable.POINTS_RAW.tableName(),
            ChronicleTable.EVENTS.tableName(), ChronicleTable.REJECTED.tableName());
    private static final String ROLLUP_PREFIX = "rollup_";

    private TableAdmin() {}

    /** A parsed command line, ready to run. */
    sealed interface Command permits Help, Rollback {
        void run(PrintStream out, Clock clock) throws Exception;
    }

    record Help() implements Command {
        @Override
        public void run(PrintStream out, Clock clock) {
            out.println(USAGE);
        }
    }

    record Rollback(Configuration conf, String table, TableRollback.Target target) implements Command {
        @Override
        public void run(PrintStream out, Clock clock) throws Exception {
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            try {
                Table loaded;
                try {
                    loaded = catalog.loadTable(TableIdentifier.of(conf.get(ChronicleOptions.CATALOG_NAMESPACE), table));
                } catch (NoSuchTableException e) {
                    throw new IllegalArgumentException("Table " + conf.get(ChronicleOptions.CATALOG_NAMESPACE) + "."
                            + table + " does not exist", e);
                }
                report(TableRollback.rollBack(loaded, target, clock.instant()), table, out);
            } finally {
                if (catalog instanceof Closeable) {
                    ((Closeable) catalog).close();
                }
            }
        }
    }

    /** Prints what the rollback did and the command that writes the removed rows again. */
    static void report(TableRollback.Result result, String table, PrintStream out) {
        TableRollback.Plan plan = result.plan();
        out.printf("%s: rolled back from snapshot %d to snapshot %d (committed %s): %d snapshots and %d rows removed%n",
                table, plan.head().snapshotId(), plan.target().snapshotId(),
                Instant.ofEpochMilli(plan.target().timestampMillis()), plan.removed().size(),
                result.removedRows().rows());
        for (TableRollback.Writer writer : plan.writers()) {
            out.printf("  writer: Flink job %s, operator %s, kept at checkpoint %d%n",
                    writer.jobId(), writer.operatorId(), writer.checkpointId());
        }
        SortedMap<String, SortedMap<Integer, long[]>> offsets = result.removedRows().offsets();
        long[] windows = result.removedRows().windows();
        if (!offsets.isEmpty()) {
            List<String> replay = replayArguments(offsets);
            out.println("Write the removed rows again, exactly once, by replaying their offsets:");
            out.println("  ReplayJob " + String.join(" ", replay));
        } else if (windows != null) {
            RollupPolicy.Tier tier = RollupPolicy.Tier.parse("--table", table.substring(ROLLUP_PREFIX.length()));
            out.println("Write the removed windows again by rebuilding them from points_raw:");
            out.printf("  RollupAdmin rebuild --tier %s --from %s --to %s%n", tier,
                    Instant.ofEpochMilli(windows[0]), Instant.ofEpochMilli(windows[1] + tier.micros() / 1000));
        } else {
            out.println("The removed snapshots added no rows: nothing to write again.");
        }
    }

    /**
     * The positions of {@link ReplayJob} that replay exactly the removed rows' offsets: each
     * partition named in both, so no other partition is replayed.
     */
    static List<String> replayArguments(SortedMap<String, SortedMap<Integer, long[]>> offsets) {
        StringJoiner from = new StringJoiner(",");
        StringJoiner to = new StringJoiner(",");
        offsets.forEach((topic, partitions) -> partitions.forEach((partition, range) -> {
            from.add(topic + ":" + partition + ":" + range[0]);
            to.add(topic + ":" + partition + ":" + range[1]);
        }));
        return List.of("--from", from.toString(), "--to", to.toString());
    }

    /** Parses and checks {@code args}; fails naming the offending option before anything is opened. */
    static Command parse(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("No command given: expected rollback");
        }
        String name = args[0];
        if (List.of("help", "-h", "--help").contains(name) || CommandLine.wantsHelp(args, 1)) {
            return new Help();
        }
        if (!name.equals("rollback")) {
            throw new IllegalArgumentException("Unknown command '" + name + "': expected rollback");
        }
        Map<String, String> own = new HashMap<>();
        List<String> chronicleArgs = new ArrayList<>();
        for (int i = 1; i < args.length; i += 2) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("Expected '--option value' pairs, got '" + arg + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option '" + arg + "' needs a value");
            }
            String key = arg.substring(2);
            if (!ADMIN_OPTIONS.contains(key)) {
                chronicleArgs.add(arg);
                chronicleArgs.add(args[i + 1]);
            } else if (own.put(key, args[i + 1]) != null) {
                throw new IllegalArgumentException("Option '" + arg + "' is given twice");
            }
        }
        String table = own.get("table");
        if (table == null) {
            throw new IllegalArgumentException("Option '--table' is required");
        }
        if (!REPLAYED.contains(table) && !table.startsWith(ROLLUP_PREFIX)) {
            throw new IllegalArgumentException("Invalid value for option '--table': rolling back '" + table
                    + "' is not supported: only points_raw, events, rejected and the rollup tiers, whose rows a"
                    + " replay or a rebuild writes again; the rows of the others come from the keyed state of"
                    + " the job that writes them, which a rollback cannot return to the snapshot's time");
        }
        if (own.containsKey("to-snapshot") == own.containsKey("to-time")) {
            throw new IllegalArgumentException("Give exactly one of '--to-snapshot' and '--to-time'");
        }
        TableRollback.Target target = own.containsKey("to-snapshot")
                ? new TableRollback.ToSnapshot(snapshotId(own.get("to-snapshot")))
                : new TableRollback.ToTime(instant(own.get("to-time")));
        return new Rollback(ChronicleConfig.fromArgs(chronicleArgs.toArray(new String[0])), table, target);
    }

    private static long snapshotId(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value for option '--to-snapshot': '" + text
                    + "' is not a snapshot id (a whole number)", e);
        }
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Invalid value for option '--to-time': '" + text
                    + "' is not an ISO-8601 instant such as 2026-11-01T00:00:00Z", e);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, Clock.systemUTC()));
    }

    /** Returns 0 when done, 2 on a bad command line (with the usage), 1 when the command fails. */
    static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
        Command command;
        try {
            command = parse(args);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            CommandLine.printError(err, PROGRAM, e.getMessage(), USAGE);
            return CommandLine.USAGE_ERROR;
        }
        try {
            command.run(out, clock);
        } catch (IllegalArgumentException e) {
            err.println(args[0] + " refused, nothing changed: " + e.getMessage());
            return 1;
        } catch (Throwable e) {
            err.println(args[0] + " failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
        return 0;
    }
}
