package io.chronicle.operators.state;

import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Set;
import java.util.TreeSet;

/**
 * The names of the state an operator reads, kept in its checkpoints and savepoints, so that a
 * restore into a version that no longer reads some of it fails at start, naming the operator,
 * instead of running on without it.
 *
 * <p>Flink itself refuses a state whose serializer changed incompatibly or whose class is gone,
 * but a state renamed or dropped is restored quietly into a name nothing reads, and the operator
 * starts empty: a rollup window open at the upgrade would be written with only the points that
 * came after it. A change of meaning under an unchanged name and type is caught by neither, so
 * it takes a new name (and a migration where the old state is worth keeping).
 *
 * <p>Used by a function that implements {@code CheckpointedFunction}: {@link #initialize} in
 * {@code initializeState}, every state descriptor through {@link #reads} in {@code open}, then
 * {@link #verify}; {@link #snapshot} in {@code snapshotState}. A restore from a version before
 * this marker carries no names and is not checked.
 */
public final class StateLayout implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The operator state holding the names; every subtask gets all of them back on a rescale. */
    public static final String MARKER = "chronicle-state-layout";

    private final String operator;
    /** Names a restore may hold that this version folds into its own state when it reads them. */
    private final Set<String> migrated;

    private transient ListState<String> marker;
    private transient Set<String> reads;
    /** The names the restored state recorded; empty when starting fresh or from before the marker. */
    private transient Set<String> restored;

    /**
     * @param operator what the operator is, for the refusal (its task name is added)
     * @param migrated names of earlier versions' state this version reads and migrates, which it
     *     must still pass through {@link #reads} or list here
     */
    public StateLayout(String operator, String... migrated) {
        this.operator = operator;
        this.migrated = Set.of(migrated);
    }

    public void initialize(FunctionInitializationContext context) throws Exception {
        marker = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>(MARKER, Types.STRING));
        reads = new TreeSet<>();
        restored = new TreeSet<>();
        if (context.isRestored()) {
            marker.get().forEach(restored::add);
        }
    }

    /** Records that this version reads {@code descriptor}'s state; returns it. */
    public <D extends StateDescriptor<?, ?>> D reads(D descriptor) {
        reads.add(descriptor.getName());
        return descriptor;
    }

    /** Refuses a restored state this version does not read. */
    public void verify(RuntimeContext context) {
        Set<String> unread = new TreeSet<>(restored);
        unread.removeAll(reads);
        unread.removeAll(migrated);
        if (!unread.isEmpty()) {
            throw new IncompatibleStateException(operator + " (" + context.getTaskInfo().getTaskNameWithSubtasks()
                    + ") cannot restore this checkpoint or savepoint: it holds state " + unread
                    + " that this version does not read (it reads " + reads + "), so the operator would"
                    + " start without it. Restore a savepoint of a compatible version, or start"
                    + " without this operator's state (see docs/operations.md, Upgrades and state).");
        }
    }

    public void snapshot() throws Exception {
        marker.update(new ArrayList<>(reads));
    }
}
