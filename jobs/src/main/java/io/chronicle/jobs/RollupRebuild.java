package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RollupPolicy.Tier;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.operators.rollup.CounterRule;
import io.chronicle.operators.rollup.PointBatch;
import io.chronicle.operators.rollup.SeriesRollupFunction;
import io.chronicle.operators.rollup.TierMergeFunction;
import io.chronicle.sinks.DataFileWriterOperator;
import io.chronicle.sinks.RangeReplace;
import io.chronicle.sinks.RowConverters;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.SerializableTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.RowDataTaskWriterFactory;
import org.apache.iceberg.flink.source.IcebergSource;

import java.io.Closeable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Recomputes one rollup tier for a time range from {@code points_raw}, in batch mode with the
 * same operators as the stream, and replaces the range's rows in one Iceberg commit. Points that
 * arrived too late for the stream are in {@code points_raw}, so a rebuild folds them in.
 *
 * <p>Counter increases need each series' last sample before the range, so points are read from
 * {@code chronicle.rollup.series-state-ttl} before it: the stream never counts a step across a longer gap.
 */
public final class RollupRebuild {

    private static final long TARGET_FILE_BYTES = 128L * 1024 * 1024;

    private RollupRebuild() {}

    /** Rebuilds {@code tier} for windows starting in {@code [from, to)}. */
    public static RangeReplace.Result run(Configuration conf, String tierLabel, Instant from, Instant to)
            throws Exception {
        RollupPolicy policy = RollupPolicy.from(conf);
        Tier tier = checkRange(policy, tierLabel, from, to);
        int tierIndex = policy.chain().indexOf(tier);
        long fromMicros = micros(from);
        long toMicros = micros(to);
        ChronicleCatalogLoader catalogLoader = ChronicleCatalogLoader.from(conf);
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        RollupTable rollupTable = new RollupTable(tier);
        Catalog catalog = catalogLoader.loadCatalog();
        try {
            Table table = TableBootstrap.ensureTables(catalog, namespace, rollupTable)
                    .get(rollupTable.tableName());
            return rebuild(conf, policy, tierIndex, catalogLoader, namespace, table,
                    fromMicros, toMicros);
        } finally {
            if (catalog instanceof Closeable) {
                ((Closeable) catalog).close();
            }
        }
    }

    /**
     * The tier, if {@code [from, to)} is a non-empty run of whole windows of a tier some tenant
     * has; otherwise fails naming the command line's option ({@code --tier}, {@code --from},
     * {@code --to}).
     */
    public static Tier checkRange(RollupPolicy policy, String tierLabel, Instant from, Instant to) {
        Tier tier = Tier.parse("--tier", tierLabel);
        if (!policy.chain().contains(tier)) {
            throw new IllegalArgumentException("Invalid value for option '--tier': no tenant has a "
                    + tier + " tier; tiers are " + policy.chain());
        }
        requireWindowStart("--from", from, tier);
        requireWindowStart("--to", to, tier);
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("Invalid value for option '--to': " + to
                    + " is not after --from " + from);
        }
        return tier;
    }

    private static void requireWindowStart(String option, Instant t, Tier tier) {
        if (t.getNano() % 1_000 != 0 || Math.floorMod(micros(t), tier.micros()) != 0) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': " + t
                    + " is not the start of a " + tier + " window");
        }
    }

    private static RangeReplace.Result rebuild(Configuration conf, RollupPolicy policy,
            int tierIndex, ChronicleCatalogLoader catalogLoader, String namespace, Table table,
            long fromMicros, long toMicros) throws Exception {
        List<Tier> chain = policy.chain();
        Tier tier = chain.get(tierIndex);
        RollupTable rollupTable = new RollupTable(tier);
        long lookbackMicros = conf.get(ChronicleOptions.ROLLUP_SERIES_STATE_TTL).toNanos() / 1_000L;
        Long baseSnapshot = table.currentSnapshot() == null ? null : table.currentSnapshot().snapshotId();

        Configuration batch = new Configuration(conf);
        batch.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(batch);

        IcebergSource<RowData> pointsRaw = IcebergSource.forRowData()
                .tableLoader(TableLoader.fromCatalog(catalogLoader,
                        TableIdentifier.of(namespace, ChronicleTable.POINTS_RAW.tableName())))
                .streaming(false)
                .filters(List.of(
                        Expressions.greaterThanOrEqual("ts", fromMicros - lookbackMicros),
                        Expressions.lessThan("ts", toMicros)))
                .build();
        DataStream<MetricPoint> points = env
                .fromSource(pointsRaw, WatermarkStrategy.noWatermarks(), "points-raw",
                        RowConverters.rowType(ChronicleTable.POINTS_RAW))
                .map(new RowConverters.RowToPoint(), TypeInformation.of(MetricPoint.class))
                .name("to-point")
                .filter(p -> p.timestampMicros >= fromMicros - lookbackMicros && p.timestampMicros < toMicros)
                .name("in-range")
                // Batch execution sorts a keyed input by key, then timestamp: each series' points
                // then reach its windows in time order, as the stream mostly has them.
                .assignTimestampsAndWatermarks(WatermarkStrategy.<MetricPoint>noWatermarks()
                        .withTimestampAssigner((p, previous) -> Math.floorDiv(p.timestampMicros, 1_000L)))
                .name("event-times");

        DataStream<RollupRow> rows = points
                .map(PointBatch::of, TypeInformation.of(PointBatch.class))
                .name("to-batch")
                .keyBy(b -> b.seriesId, Types.LONG)
                .process(new SeriesRollupFunction(chain.get(0).micros(), policy, lookbackMicros,
                                new CounterRule(new HashSet<>(conf.get(ChronicleOptions.ROLLUP_COUNTERS))),
                                conf.get(ChronicleOptions.ROLLUP_REORDER_BUFFER)),
                        TypeInformation.of(RollupRow.class))
                .name("rollup-" + chain.get(0));
        for (int i = 1; i <= tierIndex; i++) {
            rows = rows.keyBy(r -> r.seriesId, Types.LONG)
                    .process(new TierMergeFunction(chain.get(i - 1).micros(), chain.get(i).micros(), policy),
                            TypeInformation.of(RollupRow.class))
                    .name("rollup-" + chain.get(i));
        }
        RowDataTaskWriterFactory writerFactory = new RowDataTaskWriterFactory(
                SerializableTable.copyOf(table), FlinkSchemaUtil.convert(table.schema()),
                TARGET_FILE_BYTES, FileFormat.PARQUET, table.properties(), List.of(), false);
        List<byte[]> written = new ArrayList<>();
        try (CloseableIterator<byte[]> files = rows
                .filter(r -> r.windowStartMicros >= fromMicros && r.windowStartMicros < toMicros)
                .name("in-range-windows")
                .filter(new RollupPipeline.TenantWritesTier(policy, tier))
                .name("tenants-of-" + rollupTable.tableName())
                .map(new RowConverters.RollupToRow(), RowConverters.rowType(rollupTable))
                .name("to-row")
                .transform("write-" + rollupTable.tableName(),
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                        new DataFileWriterOperator(writerFactory))
                .executeAndCollect("rebuild-" + rollupTable.tableName())) {
            files.forEachRemaining(written::add);
        }

        table.refresh();
        return RangeReplace.replace(table, baseSnapshot, fromMicros, toMicros, tier.micros(),
                DataFileWriterOperator.dataFiles(written));
    }

    private static long micros(Instant t) {
        return Math.multiplyExact(t.getEpochSecond(), 1_000_000L) + t.getNano() / 1_000;
    }
}
