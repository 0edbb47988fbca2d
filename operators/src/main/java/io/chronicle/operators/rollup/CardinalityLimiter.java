package io.chronicle.operators.rollup;

import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Holds each tenant to its most active series before the rollups, whose per-series state it
 * protects. Keyed by (tenant, shard), a series going to shard {@code series id mod shards}: a
 * tenant's points spread over as many keys as there are shards rather than making the tenant one
 * hot key, and each shard admits its share of the tenant's limit, rounded up. So a tenant is held
 * to at most its limit plus fewer than {@code shards} series, and may be refused a little below
 * its limit when its series hash unevenly (by a few standard deviations of a shard's count, the
 * square root of its share).
 *
 * <p>Points come in {@link PointBatch}es of one series. A series is admitted with its first batch
 * while its shard has room and stays admitted until its points stop for the series TTL (event
 * time), as the rollups keep it; its batches pass on. A point of a series not admitted goes to {@link #REFUSED} as {@code cardinality_limit}: each
 * such point, since each is a point the tiers will not hold, and the flood is the producer's own
 * volume. The points stay in {@code points_raw}, from which a rebuild can fold them in.
 *
 * <p>A series' latest time is kept rounded up to a sixteenth of the TTL, so a steady series
 * writes its entry once per sixteenth, not once per point; an event-time timer per shard, at most
 * once per sixteenth, lets quiet series go. A series thus counts for up to a sixteenth of the TTL
 * longer than the rollups keep it, erring towards refusing, never towards holding more. The
 * state of a shard is at most its share of series, and drains when they all go quiet.
 */
public class CardinalityLimiter extends KeyedProcessFunction<String, PointBatch, PointBatch>
        implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("rollup series limit");

    public static final OutputTag<RejectedRecord> REFUSED =
            new OutputTag<>("cardinality-limit", TypeInformation.of(RejectedRecord.class));

    private final RollupPolicy policy;
    private final int shards;
    private final long activeMicros;
    private final long granuleMicros;

    /** Admitted series by id, to their latest point's time rounded up to a granule. */
    private transient MapState<Long, Long> admitted;
    private transient ValueState<ShardCount> count;
    private transient Counter refused;

    public CardinalityLimiter(RollupPolicy policy, int shards, long seriesStateTtlMicros) {
        this.policy = policy;
        this.shards = shards;
        this.activeMicros = seriesStateTtlMicros;
        this.granuleMicros = Math.max(1L, seriesStateTtlMicros / 16);
    }

    /** The state key of a batch's shard. */
    public static String shardKey(PointBatch batch, int shards) {
        return batch.tenant + '\u0000' + Long.remainderUnsigned(batch.seriesId, shards);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        layout.initialize(context);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        layout.snapshot();
    }

    @Override
    public void open(OpenContext openContext) {
        admitted = getRuntimeContext().getMapState(layout.reads(
                new MapStateDescriptor<>("admitted-series", Types.LONG, Types.LONG)));
        count = getRuntimeContext().getState(layout.reads(
                new ValueStateDescriptor<>("admitted-count", TypeInformation.of(ShardCount.class))));
        refused = getRuntimeContext().getMetricGroup().counter("cardinalityLimitRejections");
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(PointBatch batch, Context ctx, Collector<PointBatch> out)
            throws Exception {
        long granule = Math.floorDiv(batch.maxTsMicros(), granuleMicros) * granuleMicros + granuleMicros;
        Long seen = admitted.get(batch.seriesId);
        if (seen != null) {
            if (granule > seen) {
                admitted.put(batch.seriesId, granule);
            }
            out.collect(batch);
            return;
        }
        ShardCount shard = count.value();
        if (shard == null) {
            shard = new ShardCount();
        }
        long tenantLimit = policy.forTenant(batch.tenant).maxSeries();
        long shardLimit = (tenantLimit + shards - 1) / shards;
        if (shard.series >= shardLimit) {
            refuse(batch, tenantLimit, shardLimit, ctx);
            return;
        }
        admitted.put(batch.seriesId, granule);
        shard.series++;
        if (shard.sweepTimerMillis == 0) {
            shard.sweepTimerMillis = Math.floorDiv(granule + activeMicros, 1_000L);
            ctx.timerService().registerEventTimeTimer(shard.sweepTimerMillis);
        }
        count.update(shard);
        out.collect(batch);
    }

    /** Refuses each point of the batch on its own, as each is a point the tiers will not hold. */
    private void refuse(PointBatch batch, long tenantLimit, long shardLimit, Context ctx) {
        String message = "tenant " + batch.tenant + " has the most active series it may have ("
                + tenantLimit + ", chronicle.rollup.max-series-per-tenant, held per shard of "
                + shards + " as " + shardLimit + "): series " + batch.seriesId + " of metric "
                + batch.metric + " is not rolled up until some of them go quiet for the series"
                + " TTL; the point is in points_raw";
        long now = ctx.timerService().currentProcessingTime();
        for (int i = 0; i < batch.size(); i++) {
            refused.inc();
            ctx.output(REFUSED, RejectedPoints.of(batch.point(i), RejectReason.CARDINALITY_LIMIT, message, now));
        }
    }

    /** Lets go of the shard's series quiet for the TTL, and sets the next look. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<PointBatch> out)
            throws Exception {
        ShardCount shard = count.value();
        if (shard == null || shard.sweepTimerMillis != timestamp) {
            return;
        }
        // At the end of a bounded input every series goes: nothing later would come.
        boolean endOfInput = ctx.timerService().currentWatermark() == Long.MAX_VALUE;
        long nowMicros = timestamp * 1_000L;
        long earliest = Long.MAX_VALUE;
        List<Long> quiet = new ArrayList<>();
        for (Map.Entry<Long, Long> series : admitted.entries()) {
            if (endOfInput || series.getValue() + activeMicros <= nowMicros) {
                quiet.add(series.getKey());
            } else {
                earliest = Math.min(earliest, series.getValue());
            }
        }
        for (Long series : quiet) {
            admitted.remove(series);
        }
        shard.series -= quiet.size();
        if (shard.series <= 0) {
            count.clear();
            return;
        }
        shard.sweepTimerMillis = Math.max(timestamp + granuleMicros / 1_000L,
                Math.floorDiv(earliest + activeMicros, 1_000L));
        ctx.timerService().registerEventTimeTimer(shard.sweepTimerMillis);
        count.update(shard);
    }
}
