package io.chronicle.sinks;

import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.metrics.MetricGroup;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;

import java.util.List;

/**
 * Writes a rollup tier's rows into its table's Parquet data files straight from the rows
 * ({@link RollupColumns}), with no Flink row between ({@link ColumnFilesWriter}).
 *
 * <p>A row the file could not hold (a missing tenant, metric, tags, tag key or value, aggregate or
 * sketch) is skipped and counted: the tiers never make one.
 */
final class RollupRowsWriter extends ColumnFilesWriter<RollupRow> {

    private static final long DAY_MICROS = 86_400_000_000L;

    private final RowStruct row;
    /**
     * Whether the spec is the rollup tables' own, {@code tenant} and {@code day(window_start)}: then
     * a row of the last row's tenant and UTC day goes to its file with no partition computed.
     */
    private final boolean byTenantAndDay;
    private String lastTenant;
    private long dayStart = Long.MAX_VALUE;
    private long dayEnd = Long.MIN_VALUE;
    private PartitionFile lastFile;

    RollupRowsWriter(Table table, int subtask, int attempt, MetricGroup metricGroup) {
        super(table, subtask, attempt, metricGroup, file -> new RollupColumns(table.name(), file));
        this.row = new RowStruct(table.schema());
        List<PartitionField> fields = spec.fields();
        this.byTenantAndDay = fields.size() == 2
                && fields.get(0).transform().isIdentity()
                && "tenant".equals(table.schema().findColumnName(fields.get(0).sourceId()))
                && "day".equals(fields.get(1).transform().toString())
                && "window_start".equals(table.schema().findColumnName(fields.get(1).sourceId()));
    }

    /** Refuses a table whose rows a rollup row cannot fill, or that is partitioned by a column no rollup row gives, naming it. */
    static void requireWritable(Table table) {
        RollupColumns.requireWritable(table.name(), table.schema());
        for (PartitionField field : table.spec().fields()) {
            String column = table.schema().findColumnName(field.sourceId());
            if (!RowStruct.PARTITION_SOURCES.contains(column)) {
                throw new IllegalStateException(table.name() + " is partitioned by " + field
                        + " of column '" + column + "'; Chronicle's rollup tiers partition by "
                        + String.join(", ", RowStruct.PARTITION_SOURCES) + " only");
            }
        }
    }

    @Override
    PartitionFile fileOf(RollupRow rollup) {
        long start = rollup.windowStartMicros;
        if (start >= dayStart && start < dayEnd && rollup.tenant.equals(lastTenant)) {
            return lastFile;
        }
        PartitionFile file = partitionFile(row.of(rollup));
        if (byTenantAndDay) {
            long day = file.key.get(1, Integer.class);
            dayStart = day * DAY_MICROS;
            dayEnd = dayStart + DAY_MICROS;
            lastTenant = rollup.tenant;
            lastFile = file;
        }
        return file;
    }

    @Override
    void forgetFiles() {
        dayStart = Long.MAX_VALUE;
        dayEnd = Long.MIN_VALUE;
        lastTenant = null;
        lastFile = null;
    }

    @Override
    String problem(RollupRow rollup) {
        if (rollup == null) {
            return "is null";
        }
        if (rollup.tenant == null || rollup.metric == null || rollup.tags == null || rollup.aggregate == null
                || rollup.aggregate.sketch == null) {
            return "has no value for a required column (tenant, metric, tags, the aggregate or its sketch)";
        }
        return ColumnFilesWriter.tagsProblem(rollup.tags);
    }

    @Override
    String coordinates(RollupRow rollup) {
        return new RowConverters.RollupToRow().coordinates(rollup);
    }

    /**
     * A rollup row seen as a row of the table's schema, in Iceberg's own value types, for computing
     * its partition: only the columns a partition may be computed from. Reused: {@link #of} points
     * it at the next row.
     */
    private static final class RowStruct implements StructLike {
        static final List<String> PARTITION_SOURCES =
                List.of("tenant", "metric", "series_id", "window_start", "window_end");

        private final String[] names;
        private RollupRow rollup;

        RowStruct(Schema schema) {
            names = schema.columns().stream().map(field -> field.name()).toArray(String[]::new);
        }

        RowStruct of(RollupRow next) {
            rollup = next;
            return this;
        }

        @Override
        public int size() {
            return names.length;
        }

        @Override
        public <V> V get(int pos, Class<V> javaClass) {
            Object value = switch (names[pos]) {
                case "tenant" -> rollup.tenant;
                case "metric" -> rollup.metric;
                case "series_id" -> rollup.seriesId;
                case "window_start" -> rollup.windowStartMicros;
                case "window_end" -> rollup.windowEndMicros;
                default -> null;
            };
            return javaClass.cast(value);
        }

        @Override
        public <V> void set(int pos, V value) {
            throw new UnsupportedOperationException("A rollup row's view is read-only");
        }
    }
}
