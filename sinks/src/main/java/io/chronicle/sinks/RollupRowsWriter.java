package io.chronicle.sinks;

import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.metrics.MetricGroup;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.Table;

import java.util.List;

/**
 * Writes a rollup tier's rows into its table's Parquet data files straight from the rows
 * ({@link RollupColumns}), with no Flink row between ({@link ColumnFilesWriter}); a row of the last
 * row's tenant and UTC day goes to its file with no partition computed.
 *
 * <p>A row the file could not hold (a missing tenant, metric, tags, tag key or value, aggregate or
 * sketch) is skipped and counted: the tiers never make one.
 */
final class RollupRowsWriter extends ColumnFilesWriter<RollupRow> {

    private static final DayPartitions<RollupRow> DAYS = new DayPartitions<>(
            "window_start", rollup -> rollup.windowStartMicros, List.of("tenant"), rollup -> rollup.tenant);

    RollupRowsWriter(Table table, int subtask, int attempt, MetricGroup metricGroup) {
        super(table, subtask, attempt, metricGroup, file -> new RollupColumns(table.name(), file),
                new RollupStruct(table.schema())::of, DAYS);
    }

    /** Refuses a table whose rows a rollup row cannot fill, or that is partitioned by a column no rollup row gives, naming it. */
    static void requireWritable(Table table) {
        RollupColumns.requireWritable(table.name(), table.schema());
        for (PartitionField field : table.spec().fields()) {
            String column = table.schema().findColumnName(field.sourceId());
            if (!RollupStruct.SOURCES.contains(column)) {
                throw new IllegalStateException(table.name() + " is partitioned by " + field
                        + " of column '" + column + "'; Chronicle's rollup tiers partition by "
                        + String.join(", ", RollupStruct.SOURCES) + " only");
            }
        }
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
}
