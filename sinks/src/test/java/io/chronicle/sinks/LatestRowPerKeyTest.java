package io.chronicle.sinks;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatestRowPerKeyTest {

    /** (tenant, id) is the key; version tells the rows of one key apart. */
    private static final RowType ROW = RowType.of(
            new VarCharType(false, VarCharType.MAX_LENGTH), new VarCharType(false, VarCharType.MAX_LENGTH),
            new BigIntType(false));
    private static final List<String> KEY = List.of("f0", "f1");

    @Test
    void holdsTheLatestRowOfEachKeyUntilTheBarrier() throws Exception {
        Harness h = new Harness(100);
        h.input(row("acme", "t1", 1), 10);
        h.input(row("acme", "t2", 1), 11);
        h.input(row("acme", "t1", 2), 12);
        h.input(row("beta", "t1", 1), 13);
        h.input(row("acme", "t1", 3), 14);
        assertThat(h.rows()).isEmpty();

        h.barrier(1);

        // Keys in the order they first came, each with its last row and that row's timestamp.
        assertThat(h.records()).containsExactly(
                new StreamRecord<RowData>(row("acme", "t1", 3), 14),
                new StreamRecord<RowData>(row("acme", "t2", 1), 11),
                new StreamRecord<RowData>(row("beta", "t1", 1), 13));
        assertThat(h.replaced()).isEqualTo(2);

        h.input(row("acme", "t1", 4), 15);
        h.barrier(2);
        assertThat(h.rows()).last().isEqualTo(row("acme", "t1", 4));
        assertThat(h.rows()).hasSize(4);
    }

    @Test
    void aSnapshotHoldsNothing() throws Exception {
        Harness h = new Harness(100);
        h.input(row("acme", "t1", 1), 10);
        h.barrier(1);
        assertThat(h.harness.snapshot(1, 1).getManagedOperatorState()).isEmpty();
        assertThat(h.harness.snapshot(1, 1).getManagedKeyedState()).isEmpty();
    }

    @Test
    void moreKeysThanItHoldsSendsEveryRowOn() throws Exception {
        Harness h = new Harness(2);
        h.input(row("acme", "t1", 1), 1);
        h.input(row("acme", "t2", 1), 2);
        h.input(row("acme", "t2", 2), 3);
        assertThat(h.rows()).isEmpty();
        h.input(row("acme", "t3", 1), 4);
        assertThat(h.rows()).containsExactly(row("acme", "t1", 1), row("acme", "t2", 2), row("acme", "t3", 1));
        h.input(row("acme", "t1", 2), 5);
        h.endInput();
        assertThat(h.rows()).last().isEqualTo(row("acme", "t1", 2));
    }

    @Test
    void theEndOfTheInputSendsEveryRowOn() throws Exception {
        Harness h = new Harness(100);
        h.input(row("acme", "t1", 1), 1);
        h.input(row("acme", "t1", 2), 2);
        h.endInput();
        assertThat(h.rows()).containsExactly(row("acme", "t1", 2));
    }

    @Test
    void watermarksPassAtOnce() throws Exception {
        Harness h = new Harness(100);
        h.input(row("acme", "t1", 1), 1);
        h.harness.processWatermark(new Watermark(50));
        assertThat(h.harness.getOutput()).containsExactly(new Watermark(50));
    }

    @Test
    void aRecordTheOperatorInFrontReusesIsCopied() throws Exception {
        Harness h = new Harness(100);
        StreamRecord<RowData> reused = new StreamRecord<>(row("acme", "t1", 1), 1);
        h.harness.processElement(reused);
        reused.replace(row("acme", "t2", 1), 2);
        h.harness.processElement(reused);
        h.barrier(1);
        assertThat(h.rows()).containsExactly(row("acme", "t1", 1), row("acme", "t2", 1));
    }

    @Test
    void refusesAKeyTheRowDoesNotHave() {
        assertThatThrownBy(() -> new LatestRowPerKey(ROW, List.of("f0", "nope"), 10))
                .hasMessageContaining("no column nope");
        assertThatThrownBy(() -> new LatestRowPerKey(ROW, List.of(), 10))
                .hasMessageContaining("identifier");
        assertThatThrownBy(() -> new LatestRowPerKey(ROW, KEY, 0)).hasMessageContaining("at least 1");
    }

    /**
     * After every checkpoint, the upserts the operator sent on leave the table as every row that
     * came in would: the same row for every key, whatever the keys, barriers and bound; and it
     * never holds back the latest rows of more keys than its bound.
     */
    @Property(tries = 300)
    void theTableAtEveryCheckpointIsTheOneEveryRowWouldMake(
            @ForAll("histories") List<Integer> history, @ForAll @IntRange(min = 1, max = 6) int maxRows)
            throws Exception {
        Harness h = new Harness(maxRows);
        Map<RowData, RowData> expected = new HashMap<>();
        long version = 0;
        int checkpoint = 0;
        for (int step : history) {
            if (step < 0) {
                h.barrier(++checkpoint);
                assertThat(upserted(h.rows())).isEqualTo(expected);
                assertThat(h.rows().size()).isLessThanOrEqualTo((int) version);
                continue;
            }
            GenericRowData row = row(step % 2 == 0 ? "acme" : "beta", "t" + step / 2, ++version);
            expected.put(key(row), row);
            h.input(row, version);
            Map<RowData, RowData> sent = upserted(h.rows());
            long held = expected.entrySet().stream()
                    .filter(latest -> !latest.getValue().equals(sent.get(latest.getKey()))).count();
            assertThat(held).isLessThanOrEqualTo(maxRows);
        }
        h.endInput();
        assertThat(upserted(h.rows())).isEqualTo(expected);
        assertThat(h.rows().size() + h.replaced()).isEqualTo(version);
    }

    @Provide
    Arbitrary<List<Integer>> histories() {
        // -1 is a barrier, anything else a row of one of 8 keys.
        return Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(1, Arbitraries.just(-1)),
                        net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 7)))
                .list().ofMaxSize(60);
    }

    private static Map<RowData, RowData> upserted(List<RowData> rows) {
        Map<RowData, RowData> table = new HashMap<>();
        for (RowData row : rows) {
            table.put(key(row), row);
        }
        return table;
    }

    private static RowData key(RowData row) {
        return GenericRowData.of(row.getString(0), row.getString(1));
    }

    private static GenericRowData row(String tenant, String id, long version) {
        return GenericRowData.of(StringData.fromString(tenant), StringData.fromString(id), version);
    }

    /** The operator in Flink's harness, with its metrics intercepted. */
    private static final class Harness {
        private final InterceptedMetrics metrics = new InterceptedMetrics();
        final OneInputStreamOperatorTestHarness<RowData, RowData> harness;

        Harness(int maxRows) throws Exception {
            MockEnvironment env = metrics.environment();
            harness = new OneInputStreamOperatorTestHarness<>(new LatestRowPerKey(ROW, KEY, maxRows),
                    new RowDataSerializer(ROW), env);
            harness.setup(new RowDataSerializer(ROW));
            harness.open();
        }

        void input(RowData row, long timestamp) throws Exception {
            harness.processElement(row, timestamp);
        }

        void barrier(long checkpointId) throws Exception {
            harness.prepareSnapshotPreBarrier(checkpointId);
        }

        void endInput() throws Exception {
            harness.endInput();
        }

        List<RowData> rows() {
            return new ArrayList<>(harness.extractOutputValues());
        }

        List<StreamRecord<? extends RowData>> records() {
            return new ArrayList<>(harness.extractOutputStreamRecords());
        }

        long replaced() {
            return ((Counter) metrics.group.get(LatestRowPerKey.ROWS_REPLACED)).getCount();
        }
    }
}
