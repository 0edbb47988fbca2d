package io.chronicle.sinks;

import io.chronicle.core.rollup.RollupRow;
import org.apache.iceberg.Schema;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.types.Types;

import java.util.List;

/**
 * A rollup row seen as a row of its tier's table schema, in Iceberg's own value types, for
 * computing its partition: only the columns a partition may be computed from ({@link #SOURCES});
 * any other reads as null. Reused: {@link #of} points it at the next row.
 */
final class RollupStruct implements StructLike {

    /** The columns a rollup table may be partitioned by. */
    static final List<String> SOURCES = List.of("tenant", "metric", "series_id", "window_start", "window_end");

    private enum Column { TENANT, METRIC, SERIES_ID, WINDOW_START, WINDOW_END, UNKNOWN }

    private final Column[] columns;
    private RollupRow rollup;

    RollupStruct(Schema schema) {
        List<Types.NestedField> fields = schema.columns();
        columns = new Column[fields.size()];
        for (int i = 0; i < columns.length; i++) {
            int known = SOURCES.indexOf(fields.get(i).name());
            columns[i] = known < 0 ? Column.UNKNOWN : Column.values()[known];
        }
    }

    RollupStruct of(RollupRow next) {
        rollup = next;
        return this;
    }

    @Override
    public int size() {
        return columns.length;
    }

    @Override
    public <T> T get(int pos, Class<T> javaClass) {
        Object value = switch (columns[pos]) {
            case TENANT -> rollup.tenant;
            case METRIC -> rollup.metric;
            case SERIES_ID -> rollup.seriesId;
            case WINDOW_START -> rollup.windowStartMicros;
            case WINDOW_END -> rollup.windowEndMicros;
            case UNKNOWN -> null;
        };
        return javaClass.cast(value);
    }

    /** A view of the row, only read: a partition key reads a row's source columns, never sets them. */
    @Override
    public <T> void set(int pos, T value) {
        throw new UnsupportedOperationException("A rollup row's view is read-only");
    }
}
