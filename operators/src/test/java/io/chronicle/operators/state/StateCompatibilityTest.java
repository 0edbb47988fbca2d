package io.chronicle.operators.state;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.runtime.throwable.ThrowableClassifier;
import org.apache.flink.runtime.throwable.ThrowableType;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What Flink does when a restored keyed state no longer matches the operator that restores it,
 * case by case, and what {@link StateLayout} adds: a heap snapshot of one version of a small
 * operator, rewritten to be that of an earlier version (another class or state name), restored.
 */
class StateCompatibilityTest {

    @TempDir
    Path dir;

    /** The first version of a state's class. Its siblings have names of the same length. */
    public static class PojoV1 {
        public long a;
        public String b;

        @Override
        public String toString() {
            return "a=" + a + " b=" + b;
        }
    }

    /** V1 with a field added. */
    public static class PojoV2 {
        public long a;
        public String b;
        public String c;

        @Override
        public String toString() {
            return "a=" + a + " b=" + b + " c=" + c;
        }
    }

    /** V1 with a field removed. */
    public static class PojoV3 {
        public long a;

        @Override
        public String toString() {
            return "a=" + a;
        }
    }

    /** V1 with a field's type changed. */
    public static class PojoV4 {
        public String a;
        public String b;

        @Override
        public String toString() {
            return "a=" + a + " b=" + b;
        }
    }

    /**
     * Keeps one value per key in {@code stateName}, of {@code type}; each element emits what the
     * state held ("none" the first time) and stores a new V1-shaped value.
     */
    static final class Holder<T> extends KeyedProcessFunction<Long, Long, String> implements CheckpointedFunction {
        private static final long serialVersionUID = 1L;
        private final String stateName;
        private final Class<T> type;
        private final StateLayout layout;
        private transient ValueState<T> state;

        Holder(String stateName, Class<T> type, StateLayout layout) {
            this.stateName = stateName;
            this.type = type;
            this.layout = layout;
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            if (layout != null) {
                layout.initialize(context);
            }
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            if (layout != null) {
                layout.snapshot();
            }
        }

        @Override
        public void open(OpenContext openContext) {
            ValueStateDescriptor<T> descriptor = new ValueStateDescriptor<>(stateName, TypeInformation.of(type));
            state = getRuntimeContext().getState(layout == null ? descriptor : layout.reads(descriptor));
            if (layout != null) {
                layout.verify(getRuntimeContext());
            }
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<String> out) throws Exception {
            T held = state.value();
            out.collect(held == null ? "none" : held.toString());
            if (type == PojoV1.class) {
                PojoV1 v = new PojoV1();
                v.a = value;
                v.b = "b" + value;
                state.update(type.cast(v));
            }
        }
    }

    private static <T> KeyedOneInputStreamOperatorTestHarness<Long, Long, String> harness(Holder<T> fn)
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(fn), v -> v % 2, Types.LONG);
    }

    /** A snapshot of V1 in state "held-value" holding a=7 b=b7 for key 1, guarded or not. */
    private static OperatorSubtaskState v1Snapshot(StateLayout layout) throws Exception {
        try (var h = harness(new Holder<>("held-value", PojoV1.class, layout))) {
            h.open();
            h.processElement(new StreamRecord<>(7L, 0));
            assertThat(h.extractOutputValues()).containsExactly("none");
            return h.snapshot(1, 1);
        }
    }

    private static <T> List<String> restoreAndRead(OperatorSubtaskState state, Holder<T> fn) throws Exception {
        try (var h = harness(fn)) {
            h.initializeState(state);
            h.open();
            h.processElement(new StreamRecord<>(9L, 0));
            return h.extractOutputValues();
        }
    }

    private String v1(String suffix) {
        return PojoV1.class.getName().replace("PojoV1", suffix);
    }

    @Test
    void aFieldAddedIsRestoredAsNull() throws Exception {
        OperatorSubtaskState state = Snapshots.renamed(v1Snapshot(null), dir, PojoV1.class.getName(), v1("PojoV2"));
        assertThat(restoreAndRead(state, new Holder<>("held-value", PojoV2.class, null))).containsExactly("a=7 b=b7 c=null");
    }

    @Test
    void aFieldRemovedIsDroppedSilently() throws Exception {
        OperatorSubtaskState state = Snapshots.renamed(v1Snapshot(null), dir, PojoV1.class.getName(), v1("PojoV3"));
        assertThat(restoreAndRead(state, new Holder<>("held-value", PojoV3.class, null))).containsExactly("a=7");
    }

    @Test
    void aFieldWhoseTypeChangedFailsTheRestoreOfTheBackendNamingTheField() throws Exception {
        // On the heap the restore reads the values with the old field serializers into the new
        // class, and fails there, naming the operator only by its hash and type.
        OperatorSubtaskState state = Snapshots.renamed(v1Snapshot(null), dir, PojoV1.class.getName(), v1("PojoV4"));
        assertThatThrownBy(() -> restoreAndRead(state, new Holder<>("held-value", PojoV4.class, null)))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("Could not restore keyed state backend for KeyedProcessOperator_")
                        .contains("Can not set java.lang.String field " + v1("PojoV4") + ".a to java.lang.Long"));
    }

    @Test
    void aClassMovedOrRenamedFailsTheRestoreNamingTheClass() throws Exception {
        // The snapshot names a class this version does not have, as after RollupRow's move.
        OperatorSubtaskState state = Snapshots.renamed(v1Snapshot(null), dir, PojoV1.class.getName(), v1("PojoV9"));
        assertThatThrownBy(() -> restoreAndRead(state, new Holder<>("held-value", PojoV1.class, null)))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("ClassNotFoundException: " + v1("PojoV9")));
    }

    @Test
    void withoutTheLayoutARenamedStateIsRestoredEmptyAndTheOperatorRunsOn() throws Exception {
        // An earlier version kept the value under "held-valu0": Flink restores it where nothing reads it.
        OperatorSubtaskState state = Snapshots.renamed(v1Snapshot(null), dir, "held-value", "held-valu0");
        assertThat(restoreAndRead(state, new Holder<>("held-value", PojoV1.class, null))).containsExactly("none");
    }

    @Test
    void withTheLayoutARenamedStateIsRefusedNamingTheOperatorAndTheState() throws Exception {
        OperatorSubtaskState state = Snapshots.renamed(v1Snapshot(new StateLayout("holder")), dir, "held-value", "held-valu0");
        assertThatThrownBy(() -> restoreAndRead(state, new Holder<>("held-value", PojoV1.class, new StateLayout("holder"))))
                .isInstanceOf(IncompatibleStateException.class)
                .hasMessageStartingWith("holder (")
                .hasMessageContaining("it holds state [held-valu0] that this version does not read (it reads [held-value])");
    }

    @Test
    void aStateTheNewVersionMigratesIsAccepted() throws Exception {
        OperatorSubtaskState state = Snapshots.renamed(v1Snapshot(new StateLayout("holder")), dir, "held-value", "held-valu0");
        assertThat(restoreAndRead(state, new Holder<>("held-value", PojoV1.class, new StateLayout("holder", "held-valu0"))))
                .containsExactly("none");
    }

    @Test
    void theSameLayoutRestoresAndContinues() throws Exception {
        assertThat(restoreAndRead(v1Snapshot(new StateLayout("holder")),
                new Holder<>("held-value", PojoV1.class, new StateLayout("holder")))).containsExactly("a=7 b=b7");
    }

    @Test
    void aSnapshotFromBeforeTheLayoutIsNotChecked() throws Exception {
        assertThat(restoreAndRead(v1Snapshot(null),
                new Holder<>("held-value", PojoV1.class, new StateLayout("holder")))).containsExactly("a=7 b=b7");
    }

    @Test
    void aRefusalFailsTheJobWithoutRestarts() {
        // Restarting would restore the same state and refuse again.
        assertThat(ThrowableClassifier.getThrowableType(new IncompatibleStateException("x")))
                .isEqualTo(ThrowableType.NonRecoverableError);
    }
}
