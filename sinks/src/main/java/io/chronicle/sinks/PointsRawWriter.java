package io.chronicle.sinks;

import io.chronicle.core.MetricPoint;
import org.apache.flink.metrics.MetricGroup;
import org.apache.iceberg.Table;

import java.util.List;

/**
 * Writes points into {@code points_raw}'s Parquet data files straight from the points
 * ({@link PointColumns}), with no Flink row between ({@link ColumnFilesWriter}); a point of the
 * last point's UTC day goes to its file with no partition computed.
 *
 * <p>A point the file could not hold (a missing tenant, metric, tags, tag key or value, topic) is
 * skipped and counted: the normalizer keeps such points out.
 */
final class PointsRawWriter extends ColumnFilesWriter<MetricPoint> {

    private static final DayPartitions<MetricPoint> DAYS =
            new DayPartitions<>("ts", point -> point.timestampMicros, List.of(), point -> null);

    PointsRawWriter(Table table, int subtask, int attempt, MetricGroup metricGroup) {
        super(table, subtask, attempt, metricGroup, PointColumns::new, new PointStruct(table.schema())::of, DAYS);
    }

    @Override
    String problem(MetricPoint point) {
        if (point == null) {
            return "is null";
        }
        if (point.tenant == null || point.metric == null || point.tags == null || point.provenance == null
                || point.provenance.topic == null) {
            return "has no value for a required column (tenant, metric, tags or source_topic)";
        }
        return ColumnFilesWriter.tagsProblem(point.tags);
    }

    @Override
    String coordinates(MetricPoint point) {
        return point.provenance == null ? "(no coordinates)" : RecordCoordinates.of(point.provenance);
    }
}
