package io.chronicle.sinks;

import io.chronicle.core.MetricPoint;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.types.Types;

import java.util.List;

/**
 * A point seen as a {@code points_raw} row of the table's schema, in Iceberg's own value types,
 * for computing its partition. Columns are matched by name; one Chronicle does not write reads as
 * null. Reused: {@link #of} points it at the next point.
 */
final class PointStruct implements StructLike {

    private enum Column { TENANT, METRIC, TAGS, VALUE, TS, SERIES_ID, SOURCE_TOPIC, SOURCE_PARTITION,
        SOURCE_OFFSET, INGESTED_AT, SOURCE_INDEX, UNKNOWN }

    private final Column[] columns;
    private MetricPoint point;

    PointStruct(Schema schema) {
        List<Types.NestedField> fields = schema.columns();
        columns = new Column[fields.size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = column(fields.get(i).name());
        }
    }

    private static Column column(String name) {
        for (Column column : Column.values()) {
            if (column.name().equalsIgnoreCase(name)) {
                return column;
            }
        }
        return Column.UNKNOWN;
    }

    PointStruct of(MetricPoint next) {
        point = next;
        return this;
    }

    @Override
    public int size() {
        return columns.length;
    }

    @Override
    public <T> T get(int pos, Class<T> javaClass) {
        return javaClass.cast(value(columns[pos]));
    }

    private Object value(Column column) {
        return switch (column) {
            case TENANT -> point.tenant;
            case METRIC -> point.metric;
            case TAGS -> point.tags;
            case VALUE -> point.value;
            case TS -> point.timestampMicros;
            case SERIES_ID -> point.seriesId;
            case SOURCE_TOPIC -> point.provenance.topic;
            case SOURCE_PARTITION -> point.provenance.partition;
            case SOURCE_OFFSET -> point.provenance.offset;
            case INGESTED_AT -> point.provenance.ingestedAtMicros;
            case SOURCE_INDEX -> point.provenance.index;
            case UNKNOWN -> null;
        };
    }

    /** A view of the point, only read: a partition key reads a row's source columns, never sets them. */
    @Override
    public <T> void set(int pos, T value) {
        throw new UnsupportedOperationException("A point's row is read-only");
    }
}
