package io.chronicle.operators.rollup;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The limit of active series per tenant: which points pass and which are refused, exactly;
 * series freed when they go quiet; a tenant's points spread over its shards; and a flood of new
 * series held in state no larger than the limit.
 */
class CardinalityLimiterTest {

    private static final long SECOND = 1_000_000L;
    /** A sixteenth of it, the limiter's granule, is 10 s. */
    private static final long TTL = 160 * SECOND;

    private long offset;

    private static KeyedOneInputStreamOperatorTestHarness<String, PointBatch, PointBatch> harness(
            RollupPolicy policy, int shards) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<String, PointBatch, PointBatch> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new CardinalityLimiter(policy, shards, TTL)),
                        p -> CardinalityLimiter.shardKey(p, shards), Types.STRING);
        h.open();
        return h;
    }

    private static RollupPolicy limits(long global, Map<String, Long> tenants) {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.ROLLUP_MAX_SERIES_PER_TENANT, global);
        tenants.forEach((tenant, max) -> conf.setString(
                RollupPolicy.TENANTS_PREFIX + tenant + ".max-series-per-tenant", String.valueOf(max)));
        return RollupPolicy.from(conf);
    }

    private MetricPoint point(String tenant, long seriesId, long tsSeconds) {
        MetricPoint p = new MetricPoint();
        p.tenant = tenant;
        p.metric = "cpu";
        p.tags = new TreeMap<>(Map.of("host", "h" + seriesId));
        p.seriesId = seriesId;
        p.timestampMicros = tsSeconds * SECOND;
        p.value = 1.5;
        p.provenance = new Provenance("points", 0, offset++, 0);
        return p;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, PointBatch, PointBatch> h,
            MetricPoint p) throws Exception {
        h.processElement(new StreamRecord<>(PointBatch.of(p), p.timestampMicros / 1_000L));
    }

    /** The points of the batches the limiter let through, in order. */
    private static List<MetricPoint> passed(
            KeyedOneInputStreamOperatorTestHarness<String, PointBatch, PointBatch> h) {
        List<MetricPoint> out = new ArrayList<>();
        for (PointBatch batch : h.extractOutputValues()) {
            for (int i = 0; i < batch.size(); i++) {
                out.add(batch.point(i));
            }
        }
        return out;
    }

    private static List<RejectedRecord> refused(
            KeyedOneInputStreamOperatorTestHarness<String, PointBatch, PointBatch> h) {
        List<RejectedRecord> out = new ArrayList<>();
        if (h.getSideOutput(CardinalityLimiter.REFUSED) != null) {
            h.getSideOutput(CardinalityLimiter.REFUSED).forEach(r -> out.add(r.getValue()));
        }
        return out;
    }

    /** The series the shards under {@code keys} hold. */
    private static long admittedSeries(
            KeyedOneInputStreamOperatorTestHarness<String, PointBatch, PointBatch> h, Set<String> keys)
            throws Exception {
        KeyedStateBackend<String> backend =
                ((AbstractStreamOperator<?>) h.getOperator()).getKeyedStateBackend();
        long held = 0;
        for (String key : keys) {
            backend.setCurrentKey(key);
            MapState<Long, Long> admitted = backend.getPartitionedState(VoidNamespace.INSTANCE,
                    VoidNamespaceSerializer.INSTANCE,
                    new MapStateDescriptor<>("admitted-series", Types.LONG, Types.LONG));
            for (Long ignored : admitted.keys()) {
                held++;
            }
        }
        return held;
    }

    /**
     * Limit 10 over two shards (even and odd series ids), five each: of thirty series sending
     * three rounds of points, series 0 to 9 pass with every point and the other twenty are
     * refused with every point; another tenant, with a limit of its own, is counted apart.
     */
    @Test
    void eachShardAdmitsItsShareOfTheLimitAndEveryPointOfTheRestIsRefused() throws Exception {
        try (var h = harness(limits(10, Map.of("small", 2L)), 2)) {
            List<MetricPoint> passed = new ArrayList<>();
            List<MetricPoint> refused = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (long series = 0; series < 30; series++) {
                    MetricPoint p = point("acme", series, 10 + round);
                    send(h, p);
                    (series < 10 ? passed : refused).add(p);
                }
                for (long series = 100; series < 104; series++) {
                    MetricPoint p = point("small", series, 10 + round);
                    send(h, p);
                    // One per shard: 100 and 101 come first in theirs.
                    (series < 102 ? passed : refused).add(p);
                }
            }
            assertThat(passed(h)).containsExactlyElementsOf(passed);
            List<RejectedRecord> rejected = refused(h);
            assertThat(rejected).extracting(r -> r.provenance.offset)
                    .containsExactlyElementsOf(refused.stream().map(p -> p.provenance.offset).collect(Collectors.toList()));
            assertThat(rejected).extracting(r -> r.reasonCode).containsOnly("cardinality_limit");
            assertThat(rejected.get(0).tenant).isEqualTo("acme");
            assertThat(rejected.get(0).message).contains("tenant acme").contains("10,").contains("series 10 ");
            assertThat(new String(rejected.get(0).payload, StandardCharsets.UTF_8)).isEqualTo(
                    "{\"tenant\":\"acme\",\"metric\":\"cpu\",\"tags\":{\"host\":\"h10\"},\"value\":1.5,"
                            + "\"timestamp\":10000000}");
        }
    }

    /**
     * A series counts until its points stop for the TTL, measured from its latest point rounded
     * up to the granule (10 s): series 1, last seen at 12 s, is let go when event time reaches
     * 20 + 160 s, not a moment before; series 2, sending every 30 s, stays however long.
     */
    @Test
    void aSeriesQuietForTheTtlMakesRoomAndOneThatKeepsSendingStays() throws Exception {
        try (var h = harness(limits(2, Map.of()), 1)) {
            send(h, point("acme", 1, 12));
            send(h, point("acme", 2, 12));
            send(h, point("acme", 3, 12));
            for (long t = 30; t <= 150; t += 30) {
                send(h, point("acme", 2, t));
                h.processWatermark(t * 1_000L);
            }
            send(h, point("acme", 3, 160));
            h.processWatermark(179_999L);
            send(h, point("acme", 3, 170));
            h.processWatermark(180_000L);
            send(h, point("acme", 3, 181));
            send(h, point("acme", 4, 181));
            for (long t = 210; t <= 300; t += 30) {
                send(h, point("acme", 2, t));
                h.processWatermark(t * 1_000L);
            }
            assertThat(passed(h)).extracting(p -> p.seriesId + "@" + p.timestampMicros / SECOND)
                    .containsExactly("1@12", "2@12", "2@30", "2@60", "2@90", "2@120", "2@150", "3@181",
                            "2@210", "2@240", "2@270", "2@300");
            assertThat(refused(h)).extracting(r -> r.kafkaTimestampMillis / 1_000 + "")
                    .containsExactly("12", "160", "170", "181");

            // Series 3 went quiet at 190 + 160 s; series 2 goes at 310 + 160 s, and the shard drains.
            Set<String> shard = Set.of(CardinalityLimiter.shardKey(PointBatch.of(point("acme", 2, 0)), 1));
            h.processWatermark((310 + 160) * 1_000L - 1);
            assertThat(admittedSeries(h, shard)).isEqualTo(1);
            h.processWatermark((310 + 160) * 1_000L);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /**
     * 200,000 points, each of a new series of one tenant, against a limit of 1,024 over 16
     * shards: exactly 1,024 series pass, every other point is refused, the tenant's points went
     * to all 16 keys, and the state holds the admitted series and a count per shard, no more.
     */
    @Test
    void aFloodOfNewSeriesIsHeldInStateNoLargerThanTheLimit() throws Exception {
        int n = 200_000;
        Random random = new Random(13);
        Set<String> keys = new HashSet<>();
        try (var h = harness(limits(1_024, Map.of()), 16)) {
            for (int i = 0; i < n; i++) {
                MetricPoint p = point("flood", random.nextLong(), 10);
                keys.add(CardinalityLimiter.shardKey(PointBatch.of(p), 16));
                send(h, p);
                if (i % 20_000 == 19_999) {
                    assertThat(admittedSeries(h, keys)).as("series held after %d", i + 1).isEqualTo(1_024);
                    // A map and a count per shard.
                    assertThat(h.numKeyedStateEntries()).isEqualTo(2 * 16);
                    // Keep only the count of what was refused: the records themselves are the test's.
                    h.getSideOutput(CardinalityLimiter.REFUSED).clear();
                }
            }
            assertThat(passed(h)).hasSize(1_024);
            assertThat(keys).hasSize(16);
            assertThat(passed(h).stream().map(p -> CardinalityLimiter.shardKey(PointBatch.of(p), 16))
                    .collect(Collectors.groupingBy(k -> k, Collectors.counting())).values())
                    .hasSize(16).containsOnly(64L);
            h.processWatermark(Long.MAX_VALUE);
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /**
     * A batch is admitted or refused as one, its series once: an admitted batch passes whole, and
     * each point of a refused one is rejected on its own with its own offset and time.
     */
    @Test
    void aBatchOfPointsIsAdmittedOrRefusedWithEveryPointAccounted() throws Exception {
        try (var h = harness(limits(1, Map.of()), 1)) {
            PointBatch first = batchOf(point("acme", 1, 10), point("acme", 1, 25), point("acme", 1, 40));
            PointBatch other = batchOf(point("acme", 2, 10), point("acme", 2, 11));
            h.processElement(new StreamRecord<>(first, 10_000L));
            h.processElement(new StreamRecord<>(other, 10_000L));
            assertThat(h.extractOutputValues()).containsExactly(first);
            assertThat(refused(h)).extracting(r -> r.provenance.offset, r -> r.kafkaTimestampMillis)
                    .containsExactly(tuple(3L, 10_000L), tuple(4L, 11_000L));
            assertThat(refused(h)).allMatch(r -> r.reasonCode.equals("cardinality_limit"));
        }
    }

    private static PointBatch batchOf(MetricPoint... points) {
        PointBatch batch = PointBatch.of(points[0]);
        int n = points.length;
        batch.tsMicros = new long[n];
        batch.values = new double[n];
        batch.partitions = new int[n];
        batch.offsets = new long[n];
        for (int i = 0; i < n; i++) {
            batch.tsMicros[i] = points[i].timestampMicros;
            batch.values[i] = points[i].value;
            batch.partitions[i] = points[i].provenance.partition;
            batch.offsets[i] = points[i].provenance.offset;
        }
        return batch;
    }
}
