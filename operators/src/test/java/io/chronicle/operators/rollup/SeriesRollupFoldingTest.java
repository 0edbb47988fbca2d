package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.operators.rollup.RollupReference.Sample;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Windows folded into their aggregate in batches as points arrive: equal to the aggregate of all
 * their samples while points arrive within the reorder buffer, the documented assumption for a
 * counter point beyond it, a million points of one series in bounded state, and a checkpoint of
 * the version that kept every sample, restored and continued.
 */
class SeriesRollupFoldingTest {

    private static final long SECOND = 1_000_000L;
    private static final long WINDOW = 60 * SECOND;
    private static final long LATENESS = 30 * SECOND;
    private static final long IDLE = 600 * SECOND;

    private long offset;

    private static KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> harness(
            int reorderBuffer, boolean rocksDb) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new SeriesRollupFunction(WINDOW,
                                Policies.lateness(LATENESS), IDLE, new CounterRule(Set.of("requests")),
                                reorderBuffer)),
                        p -> p.seriesId, Types.LONG);
        h.setStateBackend(rocksDb ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend());
        return h;
    }

    private MetricPoint point(String metric, long seriesId, long tsMicros, double value) {
        MetricPoint p = new MetricPoint();
        p.tenant = "default";
        p.metric = metric;
        p.tags = new TreeMap<>(Map.of("host", "a"));
        p.seriesId = seriesId;
        p.timestampMicros = tsMicros;
        p.value = value;
        p.provenance = new Provenance("points", 0, offset++, 0);
        return p;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> h,
            MetricPoint p) throws Exception {
        h.processElement(new StreamRecord<>(PointBatch.of(p), Math.floorDiv(p.timestampMicros, 1_000L)));
    }

    /** Every row against its samples, the series' previous sample before each window. */
    private static void assertRowsMatch(List<RollupRow> rows, Map<Long, List<Sample>> bySeries,
            Map<Long, Boolean> counters) {
        Map<Long, TreeMap<Long, List<Sample>>> windows = new TreeMap<>();
        bySeries.forEach((series, samples) -> samples.forEach(s -> windows
                .computeIfAbsent(series, k -> new TreeMap<>())
                .computeIfAbsent(Math.floorDiv(s.tsMicros(), WINDOW) * WINDOW, k -> new ArrayList<>())
                .add(s)));
        int expectedRows = windows.values().stream().mapToInt(Map::size).sum();
        assertThat(rows).hasSize(expectedRows);
        for (RollupRow row : rows) {
            TreeMap<Long, List<Sample>> series = windows.get(row.seriesId);
            List<Sample> window = series.get(row.windowStartMicros);
            Map.Entry<Long, List<Sample>> before = series.lowerEntry(row.windowStartMicros);
            Sample previous = before == null ? null : before.getValue().stream()
                    .max(Comparator.comparingLong(Sample::tsMicros).thenComparingInt(Sample::arrival))
                    .orElseThrow();
            RollupReference.assertMatches("series " + row.seriesId + " window " + row.windowStartMicros,
                    row.aggregate, window, previous, counters.get(row.seriesId));
        }
    }

    /**
     * Twenty series, counters and gauges, a point a second (two at some instants) for half an
     * hour, each delayed by up to two seconds, so no point is overtaken by more than four later
     * ones: with a reorder buffer of four, every window folds many times and every row must equal
     * its samples' aggregate.
     */
    @ParameterizedTest(name = "RocksDB: {0}")
    @ValueSource(booleans = {false, true})
    void windowsFoldedInBatchesEqualTheirSamplesAggregate(boolean rocksDb) throws Exception {
        Random random = new Random(rocksDb ? 3 : 4);
        record Arrival(MetricPoint point, double at) {}
        List<Arrival> arrivals = new ArrayList<>();
        Map<Long, List<Sample>> bySeries = new TreeMap<>();
        Map<Long, Boolean> counters = new TreeMap<>();
        for (long series = 1; series <= 20; series++) {
            boolean counter = series % 2 == 0;
            counters.put(series, counter);
            double value = counter ? 0 : 50;
            long ts = 3_000 * SECOND + random.nextInt(1_000_000);
            boolean tie = false;
            for (int i = 0; i < 1_800; i++) {
                tie = !tie && random.nextInt(10) == 0;
                ts += tie ? 0 : SECOND;
                if (counter) {
                    value = random.nextInt(40) == 0 ? random.nextInt(10) : value + random.nextInt(100);
                } else {
                    value = (random.nextDouble() - 0.2) * Math.pow(10, random.nextInt(7));
                }
                MetricPoint p = point(counter ? "requests" : "cpu", series, ts, value);
                arrivals.add(new Arrival(p, ts + random.nextDouble() * 2 * SECOND));
            }
        }
        arrivals.sort(Comparator.comparingDouble(Arrival::at));
        try (var h = harness(4, rocksDb)) {
            h.open();
            long watermark = Long.MIN_VALUE;
            for (Arrival a : arrivals) {
                MetricPoint p = a.point();
                List<Sample> samples = bySeries.computeIfAbsent(p.seriesId, k -> new ArrayList<>());
                samples.add(new Sample(p.timestampMicros, p.value, samples.size()));
                send(h, p);
                long latest = Math.floorDiv(p.timestampMicros, 1_000L);
                if (latest > watermark + 5_000) {
                    watermark = latest;
                    h.processWatermark(watermark);
                }
            }
            h.processWatermark(watermark + 10 * WINDOW / 1_000);
            assertThat(h.getSideOutput(SeriesRollupFunction.TOO_LATE)).isNullOrEmpty();
            assertRowsMatch(h.extractOutputValues(), bySeries, counters);
        }
    }

    /**
     * With a buffer of two, a window holding 10, 20, 30, 40, 50 at 1 to 5 s has folded 10 and
     * 20. A point before all of them is still exact; one among the folded samples is assumed to
     * continue the counter without a reset: exact for 15 at 1.5 s, while 1 at 1.7 s (a reset the
     * window cannot see any more, worth 15 more) is counted as a step-free point.
     */
    @Test
    void aCounterPointOlderThanTheFoldedSamplesFollowsTheDocumentedAssumption() throws Exception {
        try (var h = harness(2, false)) {
            h.open();
            long base = 60 * SECOND;
            double[][] points = {{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}, {0.5, 5}, {1.5, 15}, {1.7, 1}};
            List<Sample> samples = new ArrayList<>();
            for (double[] p : points) {
                long ts = base + (long) (p[0] * SECOND);
                send(h, point("requests", 7, ts, p[1]));
                samples.add(new Sample(ts, p[1], samples.size()));
            }
            h.processWatermark((2 * WINDOW + LATENESS) / 1_000);
            RollupAggregate row = h.extractOutputValues().get(0).aggregate;
            // Everything but the increase is exact.
            assertThat(row.count).isEqualTo(8);
            assertThat(row.totalSum()).isEqualTo(171.0);
            assertThat(row.min).isEqualTo(1.0);
            assertThat(row.firstValue).isEqualTo(5.0);
            assertThat(row.lastValue).isEqualTo(50.0);
            // True order: 5, 10, 15, 1, 20, 30, 40, 50: steps 5 + 5 + reset 1 + 19 + 10 + 10 + 10.
            // Seen: the step 15 → 1 → 20 taken as 15 → 20, so 1 + 19 becomes 5: 45, not 60.
            assertThat(row.totalIncrease()).isEqualTo(45.0);
            List<Sample> withoutTheReset = samples.subList(0, 7);
            RollupAggregate withoutReset = RollupAggregate.ofSortedSamples(
                    withoutTheReset.stream().sorted(Comparator.comparingLong(Sample::tsMicros))
                            .mapToLong(Sample::tsMicros).toArray(),
                    withoutTheReset.stream().sorted(Comparator.comparingLong(Sample::tsMicros))
                            .mapToDouble(Sample::value).toArray(), 7, true, Double.NaN);
            assertThat(row.totalIncrease()).isEqualTo(withoutReset.totalIncrease());
        }
    }

    /**
     * A million points of one series, ten windows of 100,000, arriving a little out of order:
     * every row equals its samples' aggregate, while the state holds the same entries and what a
     * point writes (its window, serialized) stays the same size from the first to the last.
     */
    @Test
    void aMillionPointsOfOneSeriesKeepItsStateAndWritesBounded() throws Exception {
        int n = 1_000_000;
        long spacing = 10 * WINDOW / n;
        Random random = new Random(9);
        List<MetricPoint> points = new ArrayList<>(n);
        double value = 0;
        for (int i = 0; i < n; i++) {
            value = random.nextInt(100_000) == 0 ? 1 : value + random.nextInt(5);
            points.add(point("requests", 42, WINDOW + i * spacing, value));
        }
        for (int i = 0; i + 1 < n; i += 1 + random.nextInt(4)) {
            java.util.Collections.swap(points, i, i + 1);
        }
        TypeSerializer<PendingWindow> windowSerializer =
                TypeInformation.of(PendingWindow.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(4_096);
        List<Sample> samples = new ArrayList<>(n);
        try (var h = harness(32, false)) {
            h.open();
            int largestEarly = 0;
            int largestLate = 0;
            long stateAtTenth = 0;
            for (int i = 0; i < n; i++) {
                MetricPoint p = points.get(i);
                samples.add(new Sample(p.timestampMicros, p.value, i));
                send(h, p);
                if (i % 1_000 == 999) {
                    PendingWindow window = pendingWindows(h, 42L)
                            .get(Math.floorDiv(p.timestampMicros, WINDOW) * WINDOW);
                    out.clear();
                    windowSerializer.serialize(window, out);
                    if (i < n / 10) {
                        largestEarly = Math.max(largestEarly, out.length());
                    } else if (i >= n - n / 10) {
                        largestLate = Math.max(largestLate, out.length());
                    }
                    assertThat(h.numKeyedStateEntries()).as("state entries after %d points", i + 1)
                            .isLessThanOrEqualTo(7);
                }
                if (i + 1 == n / 10) {
                    stateAtTenth = h.snapshot(1, 1).getStateSize();
                }
                if (i % 10_000 == 9_999) {
                    h.processWatermark(Math.floorDiv(p.timestampMicros, 1_000L) - 1_000);
                }
            }
            // At most twice the buffer's samples and the folded aggregate.
            assertThat(largestLate).isEqualTo(largestEarly).isLessThan(2 * 32 * 16 + 300);
            assertThat(h.snapshot(2, 2).getStateSize()).as("state bytes after a million points")
                    .isBetween(stateAtTenth - 256, stateAtTenth + 256);
            h.processWatermark((11 * WINDOW + LATENESS) / 1_000);
            assertRowsMatch(h.extractOutputValues(), Map.of(42L, samples), Map.of(42L, true));
            h.processWatermark((11 * WINDOW + IDLE) / 1_000 + 1);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    private static MapState<Long, PendingWindow> pendingWindows(
            KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> h, long series)
            throws Exception {
        KeyedStateBackend<Long> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(series);
        return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                new MapStateDescriptor<>("pending-windows", Types.LONG, TypeInformation.of(PendingWindow.class)));
    }

    private static long keysWithState(
            KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> h, String... states) {
        KeyedStateBackend<Long> backend = ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        long keys = 0;
        for (String state : states) {
            try (Stream<Long> held = backend.getKeys(state, VoidNamespace.INSTANCE)) {
                keys += held.count();
            }
        }
        return keys;
    }

    /**
     * The checkpoints under {@code legacy-state/} were taken by the previous version of this
     * operator (commit 8720c81, which kept every sample of a window), on the heap and in RocksDB,
     * with a 60 s window, 30 s of lateness, a watermark at 90 s: a gauge with 4.0, 5.0 and 6.0 at
     * 70, 75 and 100 s waiting, after 3.0 at 50 s was written; a counter with 3 and 8 at 70 and 80
     * s waiting, after 15 at 20 s. Restored with a reorder buffer of one, each window's samples
     * are folded as they come and the rows equal their samples' aggregates.
     */
    @ParameterizedTest(name = "RocksDB: {0}")
    @ValueSource(booleans = {false, true})
    void aCheckpointOfThePreviousVersionIsRestoredAndContinued(boolean rocksDb) throws Exception {
        String file = Objects.requireNonNull(getClass().getResource(
                "/legacy-state/rollup-" + (rocksDb ? "rocksdb" : "heap") + ".snapshot")).getPath();
        OperatorSubtaskState legacy = OperatorSnapshotUtil.readStateHandle(file);
        try (var h = harness(1, rocksDb)) {
            h.initializeState(legacy);
            h.open();
            assertThat(keysWithState(h, "pending-windows")).isEqualTo(2);
            send(h, point("requests", 2, 65 * SECOND, 20));
            send(h, point("cpu", 1, 110 * SECOND, 7.0));
            assertThat(keysWithState(h, "pending-window-sketches")).as("both folded").isEqualTo(2);
            h.processWatermark(150_000);
            // Timers of one instant fire in the backend's key order.
            List<RollupRow> rows = new ArrayList<>(h.extractOutputValues());
            rows.sort(Comparator.comparingLong((RollupRow r) -> r.seriesId).reversed());
            assertThat(rows).extracting(r -> r.seriesId, r -> r.windowStartMicros).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(2L, WINDOW), org.assertj.core.groups.Tuple.tuple(1L, WINDOW));
            RollupReference.assertMatches("counter", rows.get(0).aggregate,
                    List.of(new Sample(70 * SECOND, 3, 0), new Sample(80 * SECOND, 8, 1),
                            new Sample(65 * SECOND, 20, 2)),
                    new Sample(20 * SECOND, 15, 0), true);
            assertThat(rows.get(0).aggregate.totalIncrease()).as("15 → 20, a reset to 3, 3 → 8").isEqualTo(13.0);
            RollupReference.assertMatches("gauge", rows.get(1).aggregate,
                    List.of(new Sample(70 * SECOND, 4.0, 0), new Sample(75 * SECOND, 5.0, 1),
                            new Sample(100 * SECOND, 6.0, 2), new Sample(110 * SECOND, 7.0, 3)),
                    null, false);
            h.processWatermark((110 * SECOND + IDLE) / 1_000 + 1);
            assertThat(keysWithState(h, "pending-windows", "pending-window-sketches",
                    "open-window-starts", "series-identity", "last-written-value", "last-written-ts")).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

}
