package io.chronicle.jobs;

import io.chronicle.catalog.Retention;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.CommandLine;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.core.RollupPolicy;
import io.chronicle.sinks.RangeReplace;
import org.apache.flink.configuration.Configuration;

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

/**
 * Rollup maintenance from the command line: rebuild a tier for a time range from
 * {@code points_raw}, or expire every table's rows past their retention (what the retention
 * operator does every {@code chronicle.retention.interval}), or show what that would delete.
 * Each is one Iceberg commit per table.
 * Chronicle's options ({@code --config file.yaml}, {@code --key value}) say which catalog and
 * which rollup policy; give the same ones the ingest job runs with.
 */
public final class RollupAdmin {

    static final String PROGRAM = "RollupAdmin";

    static final String USAGE = String.join("\n",
            "usage: " + PROGRAM + " rebuild --tier TIER --from INSTANT --to INSTANT [--KEY VALUE]...",
            "       " + PROGRAM + " expire [--now INSTANT] [--dry-run] [--KEY VALUE]...",
            "",
            "  rebuild  recomputes TIER (for example 5m) for windows starting in [--from, --to)",
            "           from points_raw and replaces that range in one commit; both ends are",
            "           window starts, as ISO-8601 instants (2026-11-01T00:00:00Z)",
            "  expire   drops each tenant's rows older than its retention from every table",
            "           (chronicle.retention.<table>, chronicle.rollup.retention.<tier>, per tenant and",
            "           domain), whole UTC days at a time, raw points only once their tiers are written;",
            "           --now (default: the current time) is the instant retention counts back from;",
            "           --dry-run prints each table's cutoffs and the rows and files it would delete",
            "",
            "Give the catalog and rollup options the ingest job runs with: they say which tables, and",
            "which tiers and retention.",
            "",
            CommandLine.argumentsConfigurationUsage());

    private static final Map<String, Set<String>> COMMANDS = Map.of(
            "rebuild", Set.of("tier", "from", "to"),
            "expire", Set.of("now", "dry-run"));
    private static final Set<String> ADMIN_OPTIONS = Set.of("tier", "from", "to", "now", "dry-run");
    private static final String DRY_RUN = "--dry-run";

    private RollupAdmin() {}

    /** A parsed command line, ready to run. */
    sealed interface Command permits Help, Rebuild, Expire {
        void run(PrintStream out) throws Exception;
    }

    record Help() implements Command {
        @Override
        public void run(PrintStream out) {
            out.println(USAGE);
        }
    }

    record Rebuild(Configuration conf, String tier, Instant from, Instant to) implements Command {
        @Override
        public void run(PrintStream out) throws Exception {
            RangeReplace.Result result = RollupRebuild.run(conf, tier, from, to);
            out.println("rollup_" + tier + ": windows [" + from + ", " + to + ") replaced in snapshot "
                    + result.snapshotId() + ": " + result.dataFilesAdded() + " data files added, "
                    + result.deleteFilesAdded() + " delete files (one per tenant and day replaced)");
        }
    }

    record Expire(Configuration conf, Instant now, boolean dryRun) implements Command {
        @Override
        public void run(PrintStream out) throws Exception {
            List<Retention.Result> results = Retention.run(conf, now, dryRun);
            if (results.isEmpty()) {
                out.println("No tables in namespace "
                        + conf.get(ChronicleOptions.CATALOG_NAMESPACE) + " yet: nothing to expire");
            }
            results.forEach(out::println);
        }
    }

    /**
     * Parses and checks {@code args}: the command, its own options, then Chronicle's. Fails with a
     * message naming the offending option before anything is opened.
     */
    static Command parse(String[] args, Clock clock) {
        if (args.length == 0) {
            throw new IllegalArgumentException("No command given: expected rebuild or expire");
        }
        String name = args[0];
        if (List.of("help", "-h", "--help").contains(name) || CommandLine.wantsHelp(args, 1)) {
            return new Help();
        }
        Set<String> accepted = COMMANDS.get(name);
        if (accepted == null) {
            throw new IllegalArgumentException(
                    "Unknown command '" + name + "': expected rebuild or expire");
        }
        Map<String, String> own = new HashMap<>();
        List<String> chronicleArgs = new ArrayList<>();
        for (int i = 1; i < args.length; i += 2) {
            String arg = args[i];
            if (arg.equals(DRY_RUN)) {
                // A flag, the one option without a value.
                if (!accepted.contains("dry-run")) {
                    throw new IllegalArgumentException("Option '" + arg + "' does not apply to " + name);
                }
                if (own.put("dry-run", "true") != null) {
                    throw new IllegalArgumentException("Option '" + arg + "' is given twice");
                }
                i--;
                continue;
            }
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
            } else if (!accepted.contains(key)) {
                throw new IllegalArgumentException(
                        "Option '" + arg + "' does not apply to " + name);
            } else if (own.put(key, args[i + 1]) != null) {
                throw new IllegalArgumentException("Option '" + arg + "' is given twice");
            }
        }
        Configuration conf = ChronicleConfig.fromArgs(chronicleArgs.toArray(new String[0]));
        if (name.equals("rebuild")) {
            String tier = required(own, "tier");
            Instant from = instant("from", required(own, "from"));
            Instant to = instant("to", required(own, "to"));
            RollupRebuild.checkRange(RollupPolicy.from(conf), tier, from, to);
            // Outside `flink run`, the rebuild's batch job runs in a Flink cluster in this process.
            Configuration inProcess = EmbeddedCluster.configuration();
            inProcess.addAll(conf);
            return new Rebuild(inProcess, tier, from, to);
        }
        return new Expire(conf, own.containsKey("now") ? instant("now", own.get("now")) : clock.instant(),
                own.containsKey("dry-run"));
    }

    private static String required(Map<String, String> own, String key) {
        String value = own.get(key);
        if (value == null) {
            throw new IllegalArgumentException("Option '--" + key + "' is required");
        }
        return value;
    }

    private static Instant instant(String key, String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Invalid value for option '--" + key + "': '" + text
                    + "' is not an ISO-8601 instant such as 2026-11-01T00:00:00Z", e);
        }
    }

    public static void main(String[] args) {
        // A rebuild's in-process Flink cluster may leave non-daemon threads behind.
        System.exit(run(args, System.out, System.err, Clock.systemUTC()));
    }

    /** Returns 0 when done, 2 on a bad command line (with the usage), 1 when the command fails. */
    static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
        Command command;
        try {
            command = parse(args, clock);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            CommandLine.printError(err, PROGRAM, e.getMessage(), USAGE);
            return CommandLine.USAGE_ERROR;
        }
        try {
            command.run(out);
        } catch (Throwable e) {
            err.println(args[0] + " failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
        return 0;
    }
}
