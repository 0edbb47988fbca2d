package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.core.rollup.SketchCodec;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesRollupFunctionTest {

    private static final long SECOND = 1_000_000L;
    private static final long WINDOW = 60 * SECOND;
    private static final long LATENESS = 30 * SECOND;
    private static final long IDLE = 600 * SECOND;

    private KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> harness;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        harness = harness(Policies.lateness(LATENESS, "strict", 0));
        harness.open();
    }

    private static KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> harness(
            RollupPolicy policy) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SeriesRollupFunction(WINDOW, policy, IDLE,
                        new CounterRule(Set.of("requests")), 32)),
                p -> p.seriesId, org.apache.flink.api.common.typeinfo.Types.LONG);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void point(String metric, long seriesId, long tsSeconds, double value) throws Exception {
        point("default", metric, seriesId, tsSeconds, value);
    }

    private void point(String tenant, String metric, long seriesId, long tsSeconds, double value)
            throws Exception {
        MetricPoint p = new MetricPoint();
        p.tenant = tenant;
        p.metric = metric;
        p.tags = new TreeMap<>(Map.of("host", "a"));
        p.seriesId = seriesId;
        p.timestampMicros = tsSeconds * SECOND;
        p.value = value;
        p.provenance = new Provenance("points", 0, offset++, 0);
        harness.processElement(new StreamRecord<>(PointBatch.of(p), tsSeconds * 1000));
    }

    /** Watermark at the given second (milliseconds are the watermark's unit). */
    private void watermark(long seconds) throws Exception {
        harness.processWatermark(seconds * 1000);
    }

    private List<RollupRow> rows() {
        return harness.extractOutputValues();
    }

    @Test
    void foldsOutOfOrderAndLateWithinLatenessPointsIntoTheirWindow() throws Exception {
        point("cpu", 1, 10, 1.0);
        point("cpu", 1, 5, 2.0);
        point("cpu", 1, 50, 3.0);
        watermark(70);
        assertThat(rows()).as("not written before end + lateness").isEmpty();
        point("cpu", 1, 20, 4.0);
        watermark(89);
        assertThat(rows()).isEmpty();
        watermark(90);
        assertThat(rows()).hasSize(1);
        RollupRow row = rows().get(0);
        assertThat(row.windowStartMicros).isZero();
        assertThat(row.windowEndMicros).isEqualTo(WINDOW);
        assertThat(row.aggregate.count).isEqualTo(4);
        assertThat(row.aggregate.totalSum()).isEqualTo(10.0);
        assertThat(row.aggregate.firstValue).isEqualTo(2.0);
        assertThat(row.aggregate.firstTsMicros).isEqualTo(5 * SECOND);
        assertThat(row.aggregate.lastValue).isEqualTo(3.0);
        assertThat(row.aggregate.min).isEqualTo(1.0);
        assertThat(row.aggregate.max).isEqualTo(4.0);
        assertThat(row.counter).isFalse();
    }

    @Test
    void aPointLaterThanTheLatenessIsRejectedNotDropped() throws Exception {
        point("cpu", 1, 10, 1.0);
        watermark(90);
        point("cpu", 1, 30, 7.0);
        assertThat(rows()).hasSize(1);
        assertThat(rows().get(0).aggregate.count).isEqualTo(1);
        List<RejectedRecord> late = harness.getSideOutput(SeriesRollupFunction.TOO_LATE).stream()
                .map(StreamRecord::getValue).collect(Collectors.toList());
        assertThat(late).hasSize(1);
        assertThat(late.get(0).reasonCode).isEqualTo("too_late");
        assertThat(late.get(0).provenance.offset).isEqualTo(1L);
        assertThat(new String(late.get(0).payload, StandardCharsets.UTF_8))
                .isEqualTo("{\"tenant\":\"default\",\"metric\":\"cpu\",\"tags\":{\"host\":\"a\"},"
                        + "\"value\":7.0,\"timestamp\":30000000}");
    }

    @Test
    void aValueTheSketchCannotHoldIsRefusedAndTheRestOfItsWindowWritten() throws Exception {
        point("cpu", 1, 10, 1.0);
        point("cpu", 1, 20, Double.MAX_VALUE);
        point("cpu", 1, 30, -SketchCodec.MAX_MAGNITUDE);
        watermark(90);
        assertThat(rows()).hasSize(1);
        RollupAggregate a = rows().get(0).aggregate;
        assertThat(a.count).isEqualTo(2);
        assertThat(a.min).isEqualTo(-SketchCodec.MAX_MAGNITUDE);
        assertThat(a.max).isEqualTo(1.0);
        List<RejectedRecord> refused = refused();
        assertThat(refused).extracting(r -> r.reasonCode, r -> r.provenance.offset)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("value_out_of_range", 1L));
        assertThat(new String(refused.get(0).payload, StandardCharsets.UTF_8))
                .isEqualTo("{\"tenant\":\"default\",\"metric\":\"cpu\",\"tags\":{\"host\":\"a\"},"
                        + "\"value\":1.7976931348623157E308,\"timestamp\":20000000}");
    }

    /**
     * State of an earlier version may hold a sample the sketch cannot hold, which failed the
     * window's write on every restore. Restored now, the window is written without it, and the
     * sample is refused under its series.
     */
    @Test
    void aSampleInRestoredStateTheSketchCannotHoldIsLeftOutOnEveryRestore() throws Exception {
        point("cpu", 1, 10, 1.0);
        point("cpu", 1, 40, 3.0);
        watermark(50);
        addToPendingWindow(1L, 0L, 20 * SECOND, Double.MAX_VALUE);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        for (int restore = 0; restore < 2; restore++) {
            harness = harness(Policies.lateness(LATENESS));
            harness.initializeState(snapshot);
            harness.open();
            watermark(90);
            assertThat(rows()).hasSize(1);
            RollupAggregate a = rows().get(0).aggregate;
            assertThat(a.count).isEqualTo(2);
            assertThat(a.totalSum()).isEqualTo(4.0);
            assertThat(a.lastValue).isEqualTo(3.0);
            List<RejectedRecord> refused = refused();
            assertThat(refused).hasSize(1);
            RejectedRecord r = refused.get(0);
            assertThat(r.reasonCode).isEqualTo("value_out_of_range");
            assertThat(r.tenant).isEqualTo("default");
            assertThat(r.provenance.topic).isEqualTo(SeriesRollupFunction.STATE_SOURCE);
            assertThat(r.provenance.partition).isEqualTo(-1);
            assertThat(r.provenance.offset).isEqualTo(-1L);
            assertThat(new String(r.payload, StandardCharsets.UTF_8))
                    .isEqualTo("{\"tenant\":\"default\",\"metric\":\"cpu\",\"tags\":{\"host\":\"a\"},"
                            + "\"value\":1.7976931348623157E308,\"timestamp\":20000000}");
            watermark(40 + 600 + 1);
            assertThat(harness.numKeyedStateEntries()).isZero();
            harness.close();
        }
        harness = harness(Policies.lateness(LATENESS));
        harness.open();
    }

    @Test
    void aWindowOfOnlySamplesTheSketchCannotHoldWritesNoRowAndDrains() throws Exception {
        point("cpu", 1, 70, 2.0);
        addToPendingWindow(1L, 0L, 20 * SECOND, -Double.MAX_VALUE);
        watermark(60 + 90);
        assertThat(rows()).extracting(r -> r.windowStartMicros, r -> r.aggregate.count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(WINDOW, 1L));
        assertThat(refused()).extracting(r -> r.reasonCode).containsExactly("value_out_of_range");
        watermark(70 + 600 + 1);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    private List<RejectedRecord> refused() {
        return harness.getSideOutput(SeriesRollupFunction.TOO_LATE).stream()
                .map(StreamRecord::getValue).collect(Collectors.toList());
    }

    private MapState<Long, PendingWindow> pendingWindows(long seriesId) throws Exception {
        KeyedStateBackend<Long> backend = ((AbstractStreamOperator<RollupRow>) harness.getOperator())
                .getKeyedStateBackend();
        backend.setCurrentKey(seriesId);
        return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("pending-windows", Types.LONG, TypeInformation.of(PendingWindow.class)));
    }

    /** Writes a sample straight into a window's state, as an earlier version could have. */
    private void addToPendingWindow(long seriesId, long windowStart, long tsMicros, double value)
            throws Exception {
        MapState<Long, PendingWindow> pending = pendingWindows(seriesId);
        PendingWindow window = pending.get(windowStart);
        if (window == null) {
            window = new PendingWindow();
            ValueState<long[]> starts = ((AbstractStreamOperator<RollupRow>) harness.getOperator())
                    .getKeyedStateBackend().getPartitionedState(VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE, new ValueStateDescriptor<>(
                                    "open-window-starts", TypeInformation.of(long[].class)));
            starts.update(WindowStarts.with(starts.value(), windowStart));
        }
        window.add(tsMicros, value);
        pending.put(windowStart, window);
    }

    @Test
    void aPointOnTheBoundaryBelongsToTheNextWindow() throws Exception {
        point("cpu", 1, 59, 1.0);
        point("cpu", 1, 60, 2.0);
        watermark(200);
        assertThat(rows()).extracting(r -> r.windowStartMicros, r -> r.aggregate.count)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0L, 1L),
                        org.assertj.core.groups.Tuple.tuple(WINDOW, 1L));
    }

    @Test
    void counterIncreaseSpansWindowsAndTreatsADropAsAReset() throws Exception {
        point("requests", 2, 10, 10);
        point("requests", 2, 20, 15);
        point("requests", 2, 70, 3);
        point("requests", 2, 80, 8);
        point("http_total", 3, 10, 100);
        point("http_total", 3, 70, 130);
        watermark(200);
        Map<Long, List<Double>> increases = rows().stream().collect(Collectors.groupingBy(
                r -> r.seriesId, TreeMap::new,
                Collectors.mapping(r -> r.aggregate.totalIncrease(), Collectors.toList())));
        assertThat(increases.get(2L)).containsExactly(5.0, 3.0 + 5.0);
        assertThat(increases.get(3L)).as("_total is a counter by convention").containsExactly(0.0, 30.0);
        assertThat(rows()).allSatisfy(r -> assertThat(r.counter).isTrue());
    }

    @Test
    void eachTenantWaitsForItsOwnAllowedLateness() throws Exception {
        point("default", "cpu", 1, 10, 1.0);
        point("strict", "cpu", 2, 10, 1.0);
        watermark(60);
        assertThat(rows()).extracting(r -> r.tenant).as("no lateness: written at the window end")
                .containsExactly("strict");
        point("strict", "cpu", 2, 20, 2.0);
        point("default", "cpu", 1, 20, 2.0);
        assertThat(harness.getSideOutput(SeriesRollupFunction.TOO_LATE))
                .extracting(r -> r.getValue().tenant).containsExactly("strict");
        watermark(90);
        assertThat(rows()).extracting(r -> r.tenant, r -> r.aggregate.count).containsExactly(
                org.assertj.core.groups.Tuple.tuple("strict", 1L),
                org.assertj.core.groups.Tuple.tuple("default", 2L));
    }

    @Test
    void aRestoreWithLongerLatenessWritesPendingWindowsOnceAtTheNewTime() throws Exception {
        point("cpu", 1, 10, 1.0);
        point("cpu", 1, 70, 2.0);
        watermark(50);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = harness(Policies.lateness(LATENESS * 2));
        harness.initializeState(snapshot);
        harness.open();
        watermark(90);
        assertThat(rows()).as("the old 90 s timer fires but the window now waits until 120 s").isEmpty();
        point("cpu", 1, 30, 3.0);
        watermark(120);
        assertThat(rows()).extracting(r -> r.windowStartMicros, r -> r.aggregate.count)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, 2L));
        watermark(180);
        assertThat(rows()).extracting(r -> r.windowStartMicros)
                .containsExactly(0L, WINDOW);
    }

    @Test
    void aRestoreWithShorterLatenessWritesEveryDueWindowAtTheFirstTimer() throws Exception {
        point("cpu", 1, 10, 1.0);
        point("cpu", 1, 70, 2.0);
        watermark(50);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = harness(Policies.lateness(0));
        harness.initializeState(snapshot);
        harness.open();
        watermark(130);
        assertThat(rows()).extracting(r -> r.windowStartMicros).containsExactly(0L, WINDOW);
        watermark(70 + 600 + 1);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aCounterStepAcrossAGapLongerThanTheStateTtlIsNotCounted() throws Exception {
        point("requests", 2, 10, 10);
        point("requests", 2, 10 + 601, 25);
        point("requests", 2, 10 + 601 + 30, 30);
        watermark(2_000);
        assertThat(rows()).extracting(r -> r.aggregate.totalIncrease()).containsExactly(0.0, 5.0);
    }

    @Test
    void stateAndTimersDrainOnceASeriesIsIdle() throws Exception {
        point("requests", 2, 10, 1);
        point("cpu", 1, 70, 1);
        watermark(200);
        assertThat(rows()).hasSize(2);
        assertThat(harness.numEventTimeTimers()).as("idle timers remain").isPositive();
        watermark(70 + 600 + 1);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aSeriesIsCountedActiveOnceFromItsFirstPointUntilItGoesQuiet() throws Exception {
        point("acme", "cpu", 1, 10, 1);
        point("acme", "cpu", 1, 70, 1);
        point("acme", "cpu", 1, 130, 1);
        point("acme", "up", 2, 10, 1);
        watermark(200);
        assertThat(seriesChanges()).containsExactly("acme/cpu +1", "acme/up +1");
        watermark(10 + 600 + 1);
        assertThat(seriesChanges()).containsExactly("acme/cpu +1", "acme/up +1", "acme/up -1");
        watermark(130 + 600 + 1);
        assertThat(seriesChanges()).containsExactly("acme/cpu +1", "acme/up +1", "acme/up -1", "acme/cpu -1");
        // Back after going quiet: active again.
        point("acme", "up", 2, 2_000, 1);
        assertThat(seriesChanges()).endsWith("acme/up +1").hasSize(5);
    }

    private List<String> seriesChanges() {
        return harness.getSideOutput(SeriesRollupFunction.SERIES_CHANGES).stream()
                .map(r -> r.getValue().toString()).collect(Collectors.toList());
    }

    @Test
    void samplesOfOneInstantKeepTheirArrivalOrder() throws Exception {
        point("requests", 2, 20, 5);
        point("requests", 2, 10, 1);
        point("requests", 2, 20, 7);
        point("requests", 2, 20, 6);
        watermark(90);
        RollupAggregate window = rows().get(0).aggregate;
        assertThat(window.firstValue).isEqualTo(1);
        assertThat(window.lastValue).isEqualTo(6);
        assertThat(window.totalIncrease()).as("1 to 5 to 7, then a reset to 6").isEqualTo(4 + 2 + 6);
    }

    @ParameterizedTest(name = "RocksDB: {0}")
    @ValueSource(booleans = {false, true})
    void manyWindowsOfOneSeriesAreWrittenInOrderOverALongHistory(boolean rocksDb) throws Exception {
        if (rocksDb) {
            harness.close();
            harness = harness(Policies.lateness(LATENESS));
            harness.setStateBackend(new EmbeddedRocksDBStateBackend());
            harness.open();
        }
        int windows = 1_000;
        // Window w holds the counter values 3w, 3w + 1 and 3w + 2 at 5 s, 25 s and 45 s into it;
        // the 45 s sample arrives after the next window's first, and the window is written 30 s
        // into the next one.
        for (int w = 0; w < windows; w++) {
            long start = w * 60L;
            point("requests", 2, start + 5, 3 * w);
            if (w > 0) {
                point("requests", 2, start - 15, 3 * w - 1);
            }
            point("requests", 2, start + 25, 3 * w + 1);
            watermark(start + 30);
        }
        point("requests", 2, windows * 60L - 15, 3 * windows - 1);
        watermark(windows * 60L + 30);

        List<RollupRow> rows = rows();
        assertThat(rows).hasSize(windows);
        List<String> unexpected = new ArrayList<>();
        for (int w = 0; w < windows; w++) {
            RollupRow row = rows.get(w);
            RollupAggregate a = row.aggregate;
            if (row.windowStartMicros != w * WINDOW || a.count != 3 || a.firstValue != 3 * w
                    || a.lastValue != 3 * w + 2 || a.lastTsMicros != (w * 60L + 45) * SECOND
                    || a.totalIncrease() != (w == 0 ? 2 : 3)) {
                unexpected.add(w + ": " + row + " first " + a.firstValue + " last " + a.lastValue
                        + " increase " + a.totalIncrease());
            }
        }
        assertThat(unexpected).isEmpty();
        assertThat(harness.getSideOutput(SeriesRollupFunction.TOO_LATE)).isNullOrEmpty();

        watermark(windows * 60L + 600);
        assertThat(harness.numEventTimeTimers()).isZero();
        if (!rocksDb) {
            assertThat(harness.numKeyedStateEntries()).isZero();
        }
    }
}
