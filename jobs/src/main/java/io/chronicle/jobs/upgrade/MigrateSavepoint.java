package io.chronicle.jobs.upgrade;

import io.chronicle.core.CommandLine;
import io.chronicle.core.RollupPolicy;
import io.chronicle.jobs.JobEnvironment;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.fs.Path;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a savepoint of an earlier version anew for this one, with Flink's State Processor API:
 * each operator state kept under a uid this version renamed ({@link LegacyUids}) moves to the new
 * uid, every other operator's state stays as it is. Only the metadata changes; the state files are
 * copied as they are. The tiers are those of the job's options, as the job derives them: give the
 * options the savepoint's job ran with.
 */
public final class MigrateSavepoint {

    static final String PROGRAM = "MigrateSavepoint";

    static final String USAGE = String.join("\n",
            "usage: flink run -c " + MigrateSavepoint.class.getName() + " chronicle-jobs-<version>-job.jar",
            "           --from SAVEPOINT --to FOLDER [--config FILE] [--KEY VALUE]...",
            "",
            "Writes the savepoint (or retained checkpoint) at --from, of an earlier Chronicle version, to",
            "the new folder --to for this version: the open windows of each coarser rollup tier move",
            "from uid rollup-<tier> (" + LegacyUids.VERSION + ")",
            "to rollup-merge-<tier>; every other operator's state is kept as it is. Give the options the",
            "savepoint's job ran with (the tiers are chronicle.rollup.tiers). Start the job from --to.",
            "",
            CommandLine.configurationUsage());

    private MigrateSavepoint() {}

    public static void main(String[] args) throws Exception {
        run(args, System.out, System.err);
    }

    /** Parses the arguments, migrates, and prints what moved. */
    static void run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Map<String, String> own = new HashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--from") || args[i].equals("--to")) {
                if (i + 1 == args.length) {
                    throw usageError(err, "Option '" + args[i] + "' needs a value");
                }
                if (own.put(args[i].substring(2), args[++i]) != null) {
                    throw usageError(err, "Option '" + args[i - 1] + "' is given twice");
                }
            } else {
                rest.add(args[i]);
            }
        }
        if (CommandLine.wantsHelp(args, 0)) {
            out.println(USAGE);
            return;
        }
        for (String required : List.of("from", "to")) {
            if (!own.containsKey(required)) {
                throw usageError(err, "Option '--" + required + "' is required");
            }
        }
        JobEnvironment.Job job = JobEnvironment.forMain(PROGRAM, rest.toArray(new String[0]), USAGE, out, err)
                .orElseThrow();
        List<LegacyUids.Rename> renames = migrate(job.env(), RollupPolicy.from(job.conf()), own.get("from"), own.get("to"));
        if (renames.isEmpty()) {
            out.println(own.get("from") + " holds no state under an earlier version's uid: nothing to migrate,"
                    + " start from it as it is");
        } else {
            renames.forEach(r -> out.println(r.from() + " -> " + r.to()));
            out.println("Wrote " + own.get("to") + ": start the job from it");
        }
    }

    /**
     * Writes {@code from} to {@code to} with the state of each earlier version's uid under this
     * version's, running the State Processor API's job in {@code env}; writes nothing and returns
     * no rename when {@code from} needs none.
     */
    public static List<LegacyUids.Rename> migrate(StreamExecutionEnvironment env, RollupPolicy policy,
            String from, String to) throws Exception {
        CheckpointMetadata metadata = LegacyUids.load(from);
        List<LegacyUids.Rename> renames = LegacyUids.renames(metadata, policy);
        if (renames.isEmpty()) {
            return renames;
        }
        refuseExisting(to);
        // A bounded job that reads no record: the metadata is rewritten and the files copied.
        Configuration batch = new Configuration();
        batch.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        // The State Processor API's own operators have no uids, and this job keeps no state.
        batch.set(PipelineOptions.AUTO_GENERATE_UIDS, true);
        env.configure(batch);
        SavepointWriter writer = SavepointWriter.fromExistingSavepoint(env, from);
        for (LegacyUids.Rename rename : renames) {
            writer.changeOperatorIdentifier(OperatorIdentifier.forUid(rename.from()), OperatorIdentifier.forUid(rename.to()));
        }
        writer.write(to);
        env.execute(PROGRAM + " " + from);
        return renames;
    }

    /** A savepoint written over another would mix the two's files. */
    private static void refuseExisting(String to) throws IOException {
        Path metadata = new Path(to, AbstractFsCheckpointStorageAccess.METADATA_FILE_NAME);
        if (metadata.getFileSystem().exists(metadata)) {
            throw new IllegalArgumentException("Option '--to': " + to + " already holds a savepoint");
        }
    }

    private static IllegalArgumentException usageError(PrintStream err, String message) {
        CommandLine.printError(err, PROGRAM, message, USAGE);
        return new IllegalArgumentException(message);
    }
}
