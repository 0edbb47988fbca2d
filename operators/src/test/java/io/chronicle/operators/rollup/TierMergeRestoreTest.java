package io.chronicle.operators.rollup;

import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.operators.state.IncompatibleStateException;
import io.chronicle.operators.state.Snapshots;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The tier merge restored from its own snapshot, and from snapshots an earlier version would have
 * written: with its open windows under another name (refused, naming the operator and the state,
 * where Flink alone would write the windows open at the restore as partial rows), and with the
 * row class under another name (refused by Flink, naming the class).
 */
class TierMergeRestoreTest {

    private static final long SECOND = 1_000_000L;
    private static final long FIVE_MINUTES = 300 * SECOND;
    private static final long HOUR = 3_600 * SECOND;

    @TempDir
    Path dir;

    private static KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new TierMergeFunction(FIVE_MINUTES, HOUR, Policies.lateness(0))),
                r -> r.seriesId, Types.LONG);
    }

    private static RollupRow fine(long windowStart, double value) {
        RollupRow row = new RollupRow();
        row.tenant = "default";
        row.metric = "cpu";
        row.tags = Map.of("host", "a");
        row.seriesId = 5L;
        row.windowStartMicros = windowStart;
        row.windowEndMicros = windowStart + FIVE_MINUTES;
        row.aggregate = RollupAggregate.ofSortedSamples(new long[] {windowStart}, new double[] {value}, 1, false,
                Double.NaN);
        return row;
    }

    /** The first hour open with the rows of 0 and 5 minutes (values 1 and 2). */
    private static OperatorSubtaskState openHour() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(new StreamRecord<>(fine(0, 1.0), 0));
            h.processElement(new StreamRecord<>(fine(FIVE_MINUTES, 2.0), 0));
            return h.snapshot(1, 1);
        }
    }

    private static List<RollupRow> finishHour(OperatorSubtaskState state) throws Exception {
        try (var h = harness()) {
            h.initializeState(state);
            h.open();
            h.processElement(new StreamRecord<>(fine(2 * FIVE_MINUTES, 3.0), 0));
            h.processWatermark(HOUR / 1_000);
            return h.extractOutputValues();
        }
    }

    @Test
    void anOpenHourRestoredFromThisVersionIsWrittenWhole() throws Exception {
        List<RollupRow> rows = finishHour(openHour());
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).windowStartMicros).isZero();
        assertThat(rows.get(0).aggregate.count).isEqualTo(3);
        assertThat(rows.get(0).aggregate.sum).isEqualTo(6.0);
    }

    @Test
    void openWindowsUnderAnotherStateNameAreRefusedNotWrittenPartially() throws Exception {
        OperatorSubtaskState earlier = Snapshots.renamed(openHour(), dir, "open-coarse-windows", "open-coarse-windowz");
        assertThatThrownBy(() -> finishHour(earlier))
                .isInstanceOf(IncompatibleStateException.class)
                .hasMessageStartingWith("rollup tier merge (")
                .hasMessageContaining("it holds state [open-coarse-windowz] that this version does not read");
    }

    @Test
    void theRowClassUnderAnotherNameIsRefusedByFlinkNamingTheClass() throws Exception {
        // Same length as io.chronicle.core.rollup.RollupRow, as the class's earlier package was not.
        OperatorSubtaskState earlier = Snapshots.renamed(openHour(), dir, RollupRow.class.getName(),
                "io.chronicle.prev.rollup.RollupRow");
        assertThatThrownBy(() -> finishHour(earlier))
                .satisfies(e -> assertThat(ExceptionUtils.stringifyException(e))
                        .contains("ClassNotFoundException: io.chronicle.prev.rollup.RollupRow"));
    }
}
