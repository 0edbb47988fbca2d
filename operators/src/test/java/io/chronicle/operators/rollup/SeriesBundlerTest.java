package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesBundlerTest {

    private static final long SECOND = 1_000_000L;
    private static final long WINDOW = 60 * SECOND;
    private static final long LATENESS = 30 * SECOND;
    /** The first window, [0, 60 s), is due at this watermark (ms): its end plus the lateness. */
    private static final long FIRST_DUE_MILLIS = (WINDOW + LATENESS) / 1_000L - 1;

    private long offset;

    private static OneInputStreamOperatorTestHarness<MetricPoint, PointBatch> bundler(
            RollupPolicy policy, int maxPoints) throws Exception {
        var h = new OneInputStreamOperatorTestHarness<>(new SeriesBundler(WINDOW, policy, maxPoints));
        h.open();
        return h;
    }

    private MetricPoint point(String tenant, long series, long tsMicros, double value) {
        MetricPoint p = new MetricPoint();
        p.tenant = tenant;
        p.metric = series % 3 == 0 ? "requests" : "cpu";
        p.tags = new TreeMap<>(Map.of("host", "h" + series));
        p.seriesId = series;
        p.timestampMicros = tsMicros;
        p.value = value;
        p.provenance = new Provenance("points", (int) (series % 4), offset++, 0);
        return p;
    }

    private static void send(OneInputStreamOperatorTestHarness<MetricPoint, PointBatch> h, MetricPoint p)
            throws Exception {
        h.processElement(new StreamRecord<>(p, Math.floorDiv(p.timestampMicros, 1_000L)));
    }

    /** What left the operator, in order: a batch as "series:offsets", a watermark as "W<ms>". */
    private static List<String> output(OneInputStreamOperatorTestHarness<MetricPoint, PointBatch> h) {
        List<String> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof Watermark w) {
                out.add("W" + w.getTimestamp());
            } else if (o instanceof WatermarkStatus status) {
                out.add(status.isIdle() ? "IDLE" : "ACTIVE");
            } else {
                PointBatch b = ((StreamRecord<PointBatch>) o).getValue();
                StringBuilder s = new StringBuilder().append(b.seriesId).append(':');
                for (int i = 0; i < b.size(); i++) {
                    s.append(i == 0 ? "" : ",").append(b.offsets[i]);
                }
                out.add(s.toString());
            }
        }
        return out;
    }

    @Test
    void aSeriesPointsAreHeldUntilTheirWindowIsDueThenLeaveInArrivalOrderBeforeTheWatermark()
            throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS), 1_000)) {
            send(h, point("a", 1, 10 * SECOND, 1));   // offset 0
            send(h, point("a", 2, 11 * SECOND, 1));   // 1
            send(h, point("a", 1, 5 * SECOND, 2));    // 2, out of order: stays after offset 0
            send(h, point("a", 1, 70 * SECOND, 3));   // 3, the next window
            h.processWatermark(FIRST_DUE_MILLIS - 1);
            assertThat(output(h)).containsExactly("W" + (FIRST_DUE_MILLIS - 1));
            h.processWatermark(FIRST_DUE_MILLIS);
            // Series in the order their first points came (the limit of active series admits in
            // it), and the watermark after the batches it made due.
            assertThat(output(h)).containsExactly("W" + (FIRST_DUE_MILLIS - 1), "1:0,2,3", "2:1",
                    "W" + FIRST_DUE_MILLIS);
            PointBatch first = h.extractOutputValues().stream().filter(b -> b.seriesId == 1).findFirst().orElseThrow();
            assertThat(first.tsMicros).containsExactly(10 * SECOND, 5 * SECOND, 70 * SECOND);
            assertThat(first.values).containsExactly(1, 2, 3);
            assertThat(first.partitions).containsExactly(1, 1, 1);
            MetricPoint second = first.point(1);
            assertThat(second).extracting(p -> p.tenant, p -> p.metric, p -> p.tags, p -> p.timestampMicros,
                            p -> p.value, p -> p.provenance)
                    .containsExactly("a", "cpu", Map.of("host", "h1"), 5 * SECOND, 2.0,
                            new Provenance("points", 1, 2, 0));
        }
    }

    @Test
    void eachPointKeepsItsPlaceInItsRecordAndAJsonBatchCarriesNone() throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS), 1_000)) {
            send(h, point("a", 1, 10 * SECOND, 1));   // offset 0, a record of one point
            send(h, point("a", 2, 11 * SECOND, 1));   // 1
            MetricPoint third = point("a", 1, 12 * SECOND, 2);
            third.provenance.index = 3;               // the fourth point of a batch record
            send(h, third);
            send(h, point("a", 1, 13 * SECOND, 4));   // 3
            h.processWatermark(FIRST_DUE_MILLIS);
            List<PointBatch> batches = h.extractOutputValues();
            PointBatch mixed = batches.stream().filter(b -> b.seriesId == 1).findFirst().orElseThrow();
            assertThat(mixed.indexes).containsExactly(0, 3, 0);
            assertThat(mixed.point(1).provenance).isEqualTo(new Provenance("points", 1, 2, 3, 0));
            assertThat(mixed.point(2).provenance).isEqualTo(new Provenance("points", 1, 3, 0, 0));
            PointBatch json = batches.stream().filter(b -> b.seriesId == 2).findFirst().orElseThrow();
            assertThat(json.indexes).isNull();
            assertThat(PointBatch.of(third).point(0).provenance).isEqualTo(third.provenance);
        }
    }

    @Test
    void aPointWhoseWindowIsDueLeavesAtOnceWithItsSeriesPointsBeforeIt() throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS), 1_000)) {
            send(h, point("a", 1, 100 * SECOND, 1));  // 0
            send(h, point("a", 2, 100 * SECOND, 1));  // 1
            h.processWatermark(FIRST_DUE_MILLIS);
            send(h, point("a", 1, 20 * SECOND, 1));   // 2: its window was written; the operator after says so
            assertThat(output(h)).containsExactly("W" + FIRST_DUE_MILLIS, "1:0,2");
        }
    }

    @Test
    void everythingHeldLeavesBeforeACheckpointBarrierAndAtTheEnd() throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS), 1_000)) {
            send(h, point("a", 1, 10 * SECOND, 1));
            send(h, point("a", 2, 10 * SECOND, 1));
            h.prepareSnapshotPreBarrier(1L);
            assertThat(output(h)).containsExactly("1:0", "2:1");
            send(h, point("a", 1, 20 * SECOND, 1));
            h.endInput();
            h.getOneInputOperator().finish();
            assertThat(output(h)).hasSize(3).contains("1:2");
        }
    }

    /** The operators after an idle task follow the others' watermarks: nothing may wait for it. */
    @Test
    void everythingHeldLeavesBeforeTheTaskTurnsIdle() throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS), 1_000)) {
            send(h, point("a", 1, 10 * SECOND, 1));
            send(h, point("a", 2, 10 * SECOND, 1));
            h.processWatermarkStatus(WatermarkStatus.IDLE);
            assertThat(output(h)).containsExactly("1:0", "2:1", "IDLE");
        }
    }

    @Test
    void atMostMaxPointsAreHeld() throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS), 3)) {
            send(h, point("a", 1, 10 * SECOND, 1));
            send(h, point("a", 2, 10 * SECOND, 1));
            assertThat(output(h)).isEmpty();
            send(h, point("a", 1, 11 * SECOND, 1));
            assertThat(output(h)).containsExactly("1:0,2", "2:1");
            send(h, point("a", 1, 12 * SECOND, 1));
            assertThat(output(h)).hasSize(2);
        }
    }

    @Test
    void aSeriesFromAnotherTopicStartsABatchOfItsOwn() throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS), 1_000)) {
            send(h, point("a", 1, 10 * SECOND, 1));
            MetricPoint other = point("a", 1, 11 * SECOND, 1);
            other.provenance.topic = "points-eu";
            send(h, other);
            assertThat(output(h)).containsExactly("1:0");
            h.prepareSnapshotPreBarrier(1L);
            assertThat(h.extractOutputValues()).extracting(b -> b.topic).containsExactly("points", "points-eu");
        }
    }

    @Test
    void eachTenantsLatenessDecidesWhenItsBatchesAreDue() throws Exception {
        try (var h = bundler(Policies.lateness(LATENESS, "strict", 0), 1_000)) {
            send(h, point("a", 1, 10 * SECOND, 1));
            send(h, point("strict", 2, 10 * SECOND, 1));
            h.processWatermark(WINDOW / 1_000L - 1);
            assertThat(output(h)).containsExactly("2:1", "W" + (WINDOW / 1_000L - 1));
        }
    }

    /**
     * The rollup's rows and rejections are the same whether its points come one by one or in
     * batches: a seeded stream of twelve series over four tenants (one with no lateness), counters
     * among them, points out of order and some too late, watermarks as a source emits them,
     * checkpoint barriers at random, and a bound on points held small enough to be reached.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(ints = {1, 2, 3})
    void theRollupWritesTheSameRowsAndRejectionsBatchedAsPointByPoint(int seed) throws Exception {
        Random random = new Random(seed);
        RollupPolicy policy = Policies.lateness(LATENESS, "strict", 0);
        record Arrival(MetricPoint point, double at) {}
        List<Arrival> arrivals = new ArrayList<>();
        String[] tenants = {"a", "b", "c", "strict"};
        for (long series = 1; series <= 12; series++) {
            String tenant = tenants[(int) (series % tenants.length)];
            double counter = 0;
            for (long ts = random.nextInt(5) * SECOND; ts < 900 * SECOND; ts += (1 + random.nextInt(4)) * SECOND) {
                counter = random.nextInt(30) == 0 ? random.nextInt(5) : counter + random.nextInt(50);
                double value = series % 3 == 0 ? counter : random.nextGaussian() * 100;
                double delay = random.nextInt(20) == 0 ? random.nextDouble() * 150 : random.nextDouble() * 3;
                arrivals.add(new Arrival(point(tenant, series, ts, value), ts / (double) SECOND + delay));
            }
        }
        arrivals.sort(Comparator.comparingDouble(Arrival::at));

        try (var byPoint = rollup(policy); var batched = rollup(policy);
                var bundler = bundler(policy, 50)) {
            long watermark = Long.MIN_VALUE;
            long checkpoint = 0;
            for (Arrival a : arrivals) {
                MetricPoint p = a.point();
                byPoint.processElement(new StreamRecord<>(PointBatch.of(p), p.timestampMicros / 1_000L));
                send(bundler, p);
                long next = (long) (a.at() * 1_000) - 5_000;
                if (next > watermark + 2_000) {
                    watermark = next;
                    byPoint.processWatermark(watermark);
                    bundler.processWatermark(watermark);
                }
                if (random.nextInt(200) == 0) {
                    bundler.prepareSnapshotPreBarrier(++checkpoint);
                }
                replay(bundler, batched);
            }
            byPoint.processWatermark(Long.MAX_VALUE);
            bundler.processWatermark(Long.MAX_VALUE);
            replay(bundler, batched);

            assertThat(rows(batched)).hasSizeGreaterThan(100)
                    .usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(rows(byPoint));
            assertThat(rejections(byPoint)).as("some points were too late").isNotEmpty();
            assertThat(rejections(batched)).usingRecursiveFieldByFieldElementComparator()
                    .containsExactlyElementsOf(rejections(byPoint));
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> rollup(
            RollupPolicy policy) throws Exception {
        var h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new SeriesRollupFunction(WINDOW, policy, 3_600 * SECOND,
                        new CounterRule(Set.of("requests")), 4)),
                b -> b.seriesId, Types.LONG);
        h.open();
        return h;
    }

    /** Feeds what the bundler sent, batches and watermarks in order, to the rollup. */
    private static void replay(OneInputStreamOperatorTestHarness<MetricPoint, PointBatch> bundler,
            KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> rollup) throws Exception {
        for (Object o : bundler.getOutput()) {
            if (o instanceof Watermark w) {
                rollup.processWatermark(w);
            } else if (o instanceof WatermarkStatus status) {
                rollup.processWatermarkStatus(status);
            } else {
                rollup.processElement((StreamRecord<PointBatch>) o);
            }
        }
        bundler.getOutput().clear();
    }

    private static List<RollupRow> rows(KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> h) {
        List<RollupRow> rows = new ArrayList<>(h.extractOutputValues());
        rows.sort(Comparator.comparingLong((RollupRow r) -> r.seriesId).thenComparingLong(r -> r.windowStartMicros));
        return rows;
    }

    private static List<RejectedRecord> rejections(
            KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow> h) {
        List<RejectedRecord> out = new ArrayList<>();
        if (h.getSideOutput(SeriesRollupFunction.TOO_LATE) != null) {
            h.getSideOutput(SeriesRollupFunction.TOO_LATE).forEach(r -> out.add(r.getValue()));
        }
        out.sort(Comparator.comparingLong(r -> r.provenance.offset));
        return out;
    }
}
