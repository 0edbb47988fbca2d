package io.chronicle.jobs;

import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy.Tier;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.jobs.upgrade.LegacyUids;
import io.chronicle.operators.rollup.CardinalityLimiter;
import io.chronicle.operators.rollup.CounterRule;
import io.chronicle.operators.rollup.PointBatch;
import io.chronicle.operators.rollup.SeriesBundler;
import io.chronicle.operators.rollup.SeriesChange;
import io.chronicle.operators.rollup.SeriesRollupFunction;
import io.chronicle.operators.rollup.TierMergeFunction;
import io.chronicle.operators.rollup.TierOperator;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.TierProgressRecorder;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.iceberg.flink.CatalogLoader;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * The rollup tiers: the finest from the points (with event-time watermarks) of the series each
 * tenant's limit of active series admits, each coarser one merged from the tier before it, every
 * tier into its own Iceberg table. Each tenant's rows land only in the tiers its settings name.
 *
 * <p>An operator's uid names what its state holds, whatever the other tiers: {@code rollup-5m}
 * windows points into 5 minutes, {@code rollup-merge-1h} merges finer rows into hours. Adding a
 * finer tier gives the 5 minute tier a merge of its own, and a savepoint's {@code rollup-5m}
 * state then has no operator, which Flink refuses rather than restore it into another kind.
 * A savepoint of a version that named the merges {@code rollup-<tier>} is refused before the job
 * is submitted, naming the migration ({@link LegacyUids}).
 */
public final class RollupPipeline {

    /** Gathers each series' points before the exchanges; it keeps no state. */
    static final String BATCHES_UID = "rollup-batches";

    private RollupPipeline() {}

    /** What the tiers give the rest of the job: the points refused (too late, over a limit), the series changes. */
    public record Outputs(DataStream<RejectedRecord> rejected, DataStream<SeriesChange> seriesChanges) {}

    /** Adds the tiers to the points' job. */
    public static Outputs build(DataStream<MetricPoint> points,
            Configuration conf, CatalogLoader catalogLoader, String namespace) throws IOException {
        RollupPolicy policy = RollupPolicy.from(conf);
        LegacyUids.refuseUnmigrated(points.getExecutionEnvironment().getConfiguration(), policy);
        List<Tier> chain = policy.chain();
        RollupTable[] tables = chain.stream().map(RollupTable::new).toArray(RollupTable[]::new);
        TableBootstrap.ensureTables(catalogLoader, namespace, tables);

        Tier finest = chain.get(0);
        long seriesStateTtlMicros = conf.get(ChronicleOptions.ROLLUP_SERIES_STATE_TTL).toNanos() / 1_000L;
        int shards = conf.get(ChronicleOptions.ROLLUP_MAX_SERIES_SHARDS);
        Duration progressInterval = conf.get(ChronicleOptions.ROLLUP_PROGRESS_INTERVAL);
        DataStream<PointBatch> batches = points
                .transform(BATCHES_UID, TypeInformation.of(PointBatch.class), new SeriesBundler(
                        finest.micros(), policy, conf.get(ChronicleOptions.ROLLUP_BATCH_MAX_POINTS)))
                .uid(BATCHES_UID);
        SingleOutputStreamOperator<PointBatch> admitted = batches
                .keyBy(b -> CardinalityLimiter.shardKey(b, shards), Types.STRING)
                .process(new CardinalityLimiter(policy, shards, seriesStateTtlMicros),
                        TypeInformation.of(PointBatch.class))
                .name("rollup-series-limit")
                .uid("rollup-series-limit");
        SingleOutputStreamOperator<RollupRow> rows = admitted
                .keyBy(b -> b.seriesId, Types.LONG)
                .transform(windowUid(finest), TypeInformation.of(RollupRow.class), new TierOperator<>(
                        new SeriesRollupFunction(finest.micros(), policy, seriesStateTtlMicros,
                                new CounterRule(new HashSet<>(conf.get(ChronicleOptions.ROLLUP_COUNTERS))),
                                conf.get(ChronicleOptions.ROLLUP_REORDER_BUFFER))))
                .uid(windowUid(finest));
        Outputs outputs = new Outputs(
                admitted.getSideOutput(CardinalityLimiter.REFUSED)
                        .union(rows.getSideOutput(SeriesRollupFunction.TOO_LATE)),
                rows.getSideOutput(SeriesRollupFunction.SERIES_CHANGES));
        write(rows, tables[0], policy, progressInterval, catalogLoader, namespace);

        for (int i = 1; i < chain.size(); i++) {
            Tier tier = chain.get(i);
            rows = rows.keyBy(r -> r.seriesId, Types.LONG)
                    .transform(mergeUid(tier), TypeInformation.of(RollupRow.class), new TierOperator<>(
                            new TierMergeFunction(chain.get(i - 1).micros(), tier.micros(), policy)))
                    .uid(mergeUid(tier));
            write(rows, tables[i], policy, progressInterval, catalogLoader, namespace);
        }
        return outputs;
    }

    /** The uid of the finest tier's window operator. */
    public static String windowUid(Tier finest) {
        return "rollup-" + finest;
    }

    /** The uid of a coarser tier's merge operator. */
    public static String mergeUid(Tier tier) {
        return "rollup-merge-" + tier;
    }

    private static void write(DataStream<RollupRow> rows, RollupTable table, RollupPolicy policy,
            Duration progressInterval, CatalogLoader catalogLoader, String namespace) {
        DataStream<RollupRow> written = rows
                .filter(new TenantWritesTier(policy, table.tier()))
                .name("tenants-of-" + table.tableName())
                .uid("tenants-of-" + table.tableName());
        IcebergSinks.appendRollups(written, table, catalogLoader, namespace);
        recordProgress(written, table, progressInterval, catalogLoader, namespace);
    }

    /**
     * How far the tier's table is complete, for retention to keep raw points until then: the
     * rows' watermarks, without the rows, to one recorder.
     */
    private static void recordProgress(DataStream<RollupRow> written, RollupTable table,
            Duration progressInterval, CatalogLoader catalogLoader, String namespace) {
        String name = "progress-of-" + table.tableName();
        written.filter(row -> false)
                .name(name + "-watermarks")
                .uid(name + "-watermarks")
                .transform(name, Types.VOID, new TierProgressRecorder<RollupRow>(catalogLoader, namespace,
                        table.tableName(), table.tier().micros() / 1_000L, progressInterval))
                .setParallelism(1)
                .uid(name);
    }

    /** Keeps the rows of tenants whose settings include the tier. */
    static final class TenantWritesTier implements FilterFunction<RollupRow> {
        private static final long serialVersionUID = 1L;

        private final RollupPolicy policy;
        private final Tier tier;

        TenantWritesTier(RollupPolicy policy, Tier tier) {
            this.policy = policy;
            this.tier = tier;
        }

        @Override
        public boolean filter(RollupRow row) {
            return policy.forTenant(row.tenant).writes(tier);
        }
    }
}
