package io.chronicle.sinks;

import io.chronicle.core.MetricPoint;
import org.apache.iceberg.Schema;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.parquet.schema.MessageType;

/** A {@code points_raw} row written from a point straight into Parquet's column writers ({@link RecordColumns}). */
public final class PointColumns extends RecordColumns<MetricPoint> {

    public PointColumns(MessageType file) {
        super("points_raw", file, PointColumns::source);
    }

    /** Refuses a table schema whose rows a point cannot fill, naming the column. */
    static void requireWritable(Schema table) {
        new PointColumns(ParquetSchemaUtil.convert(table, "table"));
    }

    private static Source<MetricPoint> source(String column) {
        return switch (column) {
            case "tenant" -> new Source.Strings<>(point -> point.tenant);
            case "metric" -> new Source.Strings<>(point -> point.metric);
            case "source_topic" -> new Source.Strings<>(point -> point.provenance.topic);
            case "value" -> new Source.Doubles<>(point -> point.value);
            case "ts" -> new Source.Longs<>(point -> point.timestampMicros);
            case "ingested_at" -> new Source.Longs<>(point -> point.provenance.ingestedAtMicros);
            case "series_id" -> new Source.Longs<>(point -> point.seriesId);
            case "source_offset" -> new Source.Longs<>(point -> point.provenance.offset);
            case "source_partition" -> new Source.Ints<>(point -> point.provenance.partition);
            case "source_index" -> new Source.Ints<>(point -> point.provenance.index);
            case "tags" -> new Source.StringMaps<>(point -> point.tags);
            default -> null;
        };
    }
}
