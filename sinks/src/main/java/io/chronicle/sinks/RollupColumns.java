package io.chronicle.sinks;

import io.chronicle.core.rollup.RollupRow;
import org.apache.iceberg.Schema;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.parquet.schema.MessageType;

/**
 * A rollup tier's row written from a {@link RollupRow} straight into Parquet's column writers
 * ({@link RecordColumns}): the values {@link RowConverters.RollupToRow} gives Iceberg's writer, with
 * no row between.
 */
public final class RollupColumns extends RecordColumns<RollupRow> {

    public RollupColumns(String tableName, MessageType file) {
        super(tableName, file, RollupColumns::source);
    }

    /** Refuses a table schema whose rows a rollup row cannot fill, naming the column. */
    static void requireWritable(String tableName, Schema table) {
        new RollupColumns(tableName, ParquetSchemaUtil.convert(table, "table"));
    }

    private static Source<RollupRow> source(String column) {
        return switch (column) {
            case "tenant" -> new Source.Strings<>(row -> row.tenant);
            case "metric" -> new Source.Strings<>(row -> row.metric);
            case "tags" -> new Source.StringMaps<>(row -> row.tags);
            case "series_id" -> new Source.Longs<>(row -> row.seriesId);
            case "window_start" -> new Source.Longs<>(row -> row.windowStartMicros);
            case "window_end" -> new Source.Longs<>(row -> row.windowEndMicros);
            case "sample_count" -> new Source.Longs<>(row -> row.aggregate.count);
            case "value_sum" -> new Source.Doubles<>(row -> row.aggregate.totalSum());
            case "value_min" -> new Source.Doubles<>(row -> row.aggregate.min);
            case "value_max" -> new Source.Doubles<>(row -> row.aggregate.max);
            case "value_first" -> new Source.Doubles<>(row -> row.aggregate.firstValue);
            case "first_ts" -> new Source.Longs<>(row -> row.aggregate.firstTsMicros);
            case "value_last" -> new Source.Doubles<>(row -> row.aggregate.lastValue);
            case "last_ts" -> new Source.Longs<>(row -> row.aggregate.lastTsMicros);
            case "value_sum_squares" -> new Source.Doubles<>(row -> row.aggregate.totalSumSquares());
            case "counter_increase" -> new Source.OptionalDoubles<>(row -> row.counter,
                    row -> row.aggregate.totalIncrease());
            case "sketch" -> new Source.Bytes<>(row -> row.aggregate.sketch);
            default -> null;
        };
    }
}
