package io.chronicle.sinks;

import io.chronicle.core.MetricPoint;
import org.apache.flink.metrics.MetricGroup;
import org.apache.iceberg.Table;

import java.util.Map;

/**
 * Writes points into {@code points_raw}'s Parquet data files straight from the points
 * ({@link PointColumns}), with no Flink row between ({@link ColumnFilesWriter}).
 *
 * <p>A point the file could not hold (a missing tenant, metric, tags, tag key or value, topic) is
 * skipped and counted: the normalizer keeps such points out.
 */
final class PointsRawWriter extends ColumnFilesWriter<MetricPoint> {

    private static final long DAY_MICROS = 86_400_000_000L;

    private final PointStruct row;
    /**
     * Whether the spec is {@code day(ts)} alone (points_raw's own): then a point of the same UTC day
     * as the last one goes to its file with no partition computed (Iceberg's day transform goes
     * through {@code OffsetDateTime}), and the day's range comes from the partition Iceberg computed.
     */
    private final boolean byDayOfTs;
    private long dayStart = Long.MAX_VALUE;
    private long dayEnd = Long.MIN_VALUE;
    private PartitionFile dayFile;

    PointsRawWriter(Table table, int subtask, int attempt, MetricGroup metricGroup) {
        super(table, subtask, attempt, metricGroup, PointColumns::new);
        this.row = new PointStruct(table.schema());
        this.byDayOfTs = spec.fields().size() == 1
                && "day".equals(spec.fields().get(0).transform().toString())
                && "ts".equals(table.schema().findColumnName(spec.fields().get(0).sourceId()));
    }

    @Override
    PartitionFile fileOf(MetricPoint point) {
        long ts = point.timestampMicros;
        if (ts >= dayStart && ts < dayEnd) {
            return dayFile;
        }
        PartitionFile file = partitionFile(row.of(point));
        if (byDayOfTs) {
            long day = file.key.get(0, Integer.class);
            dayStart = day * DAY_MICROS;
            dayEnd = dayStart + DAY_MICROS;
            dayFile = file;
        }
        return file;
    }

    @Override
    void forgetFiles() {
        dayStart = Long.MAX_VALUE;
        dayEnd = Long.MIN_VALUE;
        dayFile = null;
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
