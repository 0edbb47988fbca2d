package io.chronicle.jobs.upgrade;

import io.chronicle.core.RollupPolicy;
import io.chronicle.core.RollupPolicy.Tier;
import io.chronicle.jobs.RollupPipeline;
import io.chronicle.operators.state.IncompatibleStateException;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.state.api.OperatorIdentifier;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Operator uids of an earlier version whose state this version keeps under another uid.
 *
 * <p>Chronicle 0.1.0-SNAPSHOT's single job gave every rollup tier's operator the uid
 * {@code rollup-<tier>}: the finest tier's window, and each coarser tier's merge. This version
 * names the merges {@code rollup-merge-<tier>}, so that adding a finer tier never rebinds a uid
 * to another kind of operator. A savepoint of the earlier version keeps its merges' open windows
 * under uids this version has no operator for: {@link MigrateSavepoint} moves them, and a job
 * started from such a savepoint unmigrated is refused before it is submitted, naming the
 * operator, rather than failing on Flink's bare operator hash or, with
 * {@code --allowNonRestoredState}, writing the coarse windows open then as partial rows.
 */
public final class LegacyUids {

    /** The version whose savepoints name the tier merges {@code rollup-<tier>}. */
    public static final String VERSION = "0.1.0-SNAPSHOT (the single job, before the split jobs)";

    /** The main that migrates, run from the job jar. */
    public static final String MIGRATE_COMMAND =
            "flink run -c " + MigrateSavepoint.class.getName() + " chronicle-jobs-<version>-job.jar";

    private LegacyUids() {}

    /** An operator's state to move from the uid an earlier version gave it to this version's. */
    public record Rename(String tier, String from, String to) {}

    /**
     * The renames {@code metadata} needs under {@code policy}'s tiers: each coarser tier whose
     * merge state the savepoint holds as {@code rollup-<tier>}. The finest tier the savepoint
     * holds as {@code rollup-<tier>} is that version's window, whose uid is unchanged; coarser
     * ones are its merges. Empty for a savepoint of this version.
     */
    public static List<Rename> renames(CheckpointMetadata metadata, RollupPolicy policy) {
        Map<OperatorID, OperatorState> held = new HashMap<>();
        metadata.getOperatorStates().forEach(s -> held.put(s.getOperatorID(), s));
        List<Rename> renames = new ArrayList<>();
        boolean windowSeen = false;
        for (Tier tier : policy.chain()) {
            String legacy = RollupPipeline.windowUid(tier);
            OperatorState state = held.get(idOf(legacy));
            if (state == null) {
                continue;
            }
            if (!windowSeen) {
                windowSeen = true;
            } else if (hasState(state) && !held.containsKey(idOf(RollupPipeline.mergeUid(tier)))) {
                renames.add(new Rename(tier.toString(), legacy, RollupPipeline.mergeUid(tier)));
            }
        }
        return renames;
    }

    /**
     * Refuses a start from a checkpoint or savepoint ({@code execution.state-recovery.path} in
     * {@code flinkConf}) that holds tier merge state under an earlier version's uids, in one line
     * naming the operators, the version and the migration.
     */
    public static void refuseUnmigrated(ReadableConfig flinkConf, RollupPolicy policy) throws IOException {
        Optional<String> pointer = flinkConf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH);
        if (pointer.isEmpty()) {
            return;
        }
        List<Rename> renames = renames(load(pointer.get()), policy);
        if (!renames.isEmpty()) {
            throw new IncompatibleStateException("Cannot start from " + pointer.get() + ": it holds the state of "
                    + renames.stream().map(r -> "operator " + r.from() + " (the " + r.tier()
                            + " tier's merge)").collect(Collectors.joining(", "))
                    + " under the uid Chronicle " + VERSION + " gave it, which this version keeps under "
                    + renames.stream().map(Rename::to).collect(Collectors.joining(", "))
                    + "; migrate it first with '" + MIGRATE_COMMAND + " --from " + pointer.get()
                    + " --to <new savepoint folder>' and the job's options, then start from the new savepoint"
                    + " (docs/operations.md, Upgrades and state)");
        }
    }

    /**
     * The metadata of a checkpoint or savepoint: its folder or its {@code _metadata} file, on any
     * file system Flink reads (s3:// with Flink's S3 plugin).
     */
    public static CheckpointMetadata load(String pointer) throws IOException {
        try (DataInputStream in = new DataInputStream(AbstractFsCheckpointStorageAccess
                .resolveCheckpointPointer(pointer).getMetadataHandle().openInputStream())) {
            return Checkpoints.loadCheckpointMetadata(in, Thread.currentThread().getContextClassLoader(), pointer);
        }
    }

    /** The operator id Flink derives from {@code uid}, under which a savepoint keeps its state. */
    private static OperatorID idOf(String uid) {
        return OperatorIdentifier.forUid(uid).getOperatorId();
    }

    /** As Flink judges it when the state has no operator to go to: empty state is skipped. */
    private static boolean hasState(OperatorState state) {
        return state.getCoordinatorState() != null
                || state.getSubtaskStates().values().stream().anyMatch(OperatorSubtaskState::hasState);
    }
}
