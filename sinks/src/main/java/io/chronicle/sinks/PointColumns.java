package io.chronicle.sinks;

import io.chronicle.core.MetricPoint;
import org.apache.iceberg.DoubleFieldMetrics;
import org.apache.iceberg.FieldMetrics;
import org.apache.iceberg.Schema;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.parquet.ParquetValueWriter;
import org.apache.iceberg.parquet.TripleWriter;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A {@code points_raw} row written from a point straight into Parquet's column writers, for
 * Iceberg's Parquet appender: no row object, no boxed values, and each repeated string (tenant,
 * metric, tag keys and values, topic) encoded to UTF-8 once rather than per row ({@link RepeatedStrings}).
 *
 * <p>Columns are found by name in the file's schema (the table's), so a table whose catalog
 * numbered its fields differently is written alike. A column the table has and Chronicle does not
 * know is written as null when optional, and refused when required: no row could fill it.
 */
public final class PointColumns implements ParquetValueWriter<MetricPoint> {

    private final List<Column> columns = new ArrayList<>();
    private final RepeatedStrings<Binary> utf8 = new RepeatedStrings<>(Binary::fromConstantByteArray);
    private DoubleFieldMetrics.Builder valueMetrics;

    public PointColumns(MessageType file) {
        for (Type field : file.getFields()) {
            columns.add(column(file, field));
        }
    }

    /** Refuses a table schema whose rows a point cannot fill, naming the column. */
    static void requireWritable(Schema table) {
        new PointColumns(ParquetSchemaUtil.convert(table, "table"));
    }

    @Override
    public void write(int repetitionLevel, MetricPoint point) {
        for (Column column : columns) {
            column.write(point);
        }
    }

    @Override
    public List<TripleWriter<?>> columns() {
        // Asked only of a nested writer by its parent; this one is always the file's root.
        return List.of();
    }

    @Override
    public void setColumnStore(ColumnWriteStore store) {
        for (Column column : columns) {
            column.bind(store);
        }
    }

    @Override
    public Stream<FieldMetrics<?>> metrics() {
        // Iceberg takes a double column's bounds and NaN count from here, not from Parquet's statistics.
        return valueMetrics == null ? Stream.empty() : Stream.of(valueMetrics.build());
    }

    /** One top-level column of the table and how a point fills it. */
    private abstract static class Column {
        final ColumnDescriptor[] leaves;
        ColumnWriter[] writers;

        Column(ColumnDescriptor... leaves) {
            this.leaves = leaves;
        }

        void bind(ColumnWriteStore store) {
            writers = new ColumnWriter[leaves.length];
            for (int i = 0; i < leaves.length; i++) {
                writers[i] = store.getColumnWriter(leaves[i]);
            }
        }

        abstract void write(MetricPoint point);
    }

    private Column column(MessageType file, Type field) {
        String name = field.getName();
        switch (name) {
            case "tenant":
                return strings(file, field, point -> point.tenant);
            case "metric":
                return strings(file, field, point -> point.metric);
            case "source_topic":
                return strings(file, field, point -> point.provenance.topic);
            case "value":
                return doubles(file, field);
            case "ts":
                return longs(file, field, point -> point.timestampMicros);
            case "ingested_at":
                return longs(file, field, point -> point.provenance.ingestedAtMicros);
            case "series_id":
                return longs(file, field, point -> point.seriesId);
            case "source_offset":
                return longs(file, field, point -> point.provenance.offset);
            case "source_partition":
                return ints(file, field, point -> point.provenance.partition);
            case "source_index":
                return ints(file, field, point -> point.provenance.index);
            case "tags":
                return tags(file, field);
            default:
                return nulls(file, field);
        }
    }

    private interface StringOf {
        String of(MetricPoint point);
    }

    private interface LongOf {
        long of(MetricPoint point);
    }

    private interface IntOf {
        int of(MetricPoint point);
    }

    private Column strings(MessageType file, Type field, StringOf value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.BINARY);
        int defined = leaf.getMaxDefinitionLevel();
        return new Column(leaf) {
            @Override
            void write(MetricPoint point) {
                writers[0].write(utf8.of(value.of(point)), 0, defined);
            }
        };
    }

    private Column longs(MessageType file, Type field, LongOf value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.INT64);
        int defined = leaf.getMaxDefinitionLevel();
        return new Column(leaf) {
            @Override
            void write(MetricPoint point) {
                writers[0].write(value.of(point), 0, defined);
            }
        };
    }

    private Column ints(MessageType file, Type field, IntOf value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.INT32);
        int defined = leaf.getMaxDefinitionLevel();
        return new Column(leaf) {
            @Override
            void write(MetricPoint point) {
                writers[0].write(value.of(point), 0, defined);
            }
        };
    }

    private Column doubles(MessageType file, Type field) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.DOUBLE);
        int defined = leaf.getMaxDefinitionLevel();
        valueMetrics = new DoubleFieldMetrics.Builder(field.getId().intValue());
        DoubleFieldMetrics.Builder metrics = valueMetrics;
        return new Column(leaf) {
            @Override
            void write(MetricPoint point) {
                writers[0].write(point.value, 0, defined);
                metrics.addValue(point.value);
            }
        };
    }

    /** A map of strings: a first entry at repetition level 0, the others at 1; none writes a null. */
    private Column tags(MessageType file, Type field) {
        ColumnDescriptor key = leaf(file, field, "key");
        ColumnDescriptor value = leaf(file, field, "value");
        int defined = key.getMaxDefinitionLevel();
        int empty = defined - 1;
        return new Column(key, value) {
            @Override
            void write(MetricPoint point) {
                Map<String, String> tags = point.tags;
                if (tags.isEmpty()) {
                    writers[0].writeNull(0, empty);
                    writers[1].writeNull(0, empty);
                    return;
                }
                int repetition = 0;
                for (Map.Entry<String, String> tag : tags.entrySet()) {
                    writers[0].write(utf8.of(tag.getKey()), repetition, defined);
                    writers[1].write(utf8.of(tag.getValue()), repetition, defined);
                    repetition = 1;
                }
            }
        };
    }

    private static Column nulls(MessageType file, Type field) {
        if (field.isRepetition(Type.Repetition.REQUIRED)) {
            throw new IllegalStateException("points_raw has a required column '" + field.getName()
                    + "' that Chronicle does not know, so no row can fill it; make it optional or drop it");
        }
        List<ColumnDescriptor> leaves = new ArrayList<>();
        for (ColumnDescriptor leaf : file.getColumns()) {
            if (leaf.getPath()[0].equals(field.getName())) {
                leaves.add(leaf);
            }
        }
        return new Column(leaves.toArray(ColumnDescriptor[]::new)) {
            @Override
            void write(MetricPoint point) {
                for (ColumnWriter writer : writers) {
                    writer.writeNull(0, 0);
                }
            }
        };
    }

    private static ColumnDescriptor leaf(MessageType file, Type field, PrimitiveTypeName expected) {
        if (!field.isPrimitive() || field.asPrimitiveType().getPrimitiveTypeName() != expected) {
            throw new IllegalStateException("points_raw's column '" + field.getName() + "' is " + field
                    + ", Chronicle writes a " + expected);
        }
        return file.getColumnDescription(new String[] {field.getName()});
    }

    /** The key or value leaf of a map column of strings. */
    private static ColumnDescriptor leaf(MessageType file, Type field, String part) {
        for (ColumnDescriptor leaf : file.getColumns()) {
            String[] path = leaf.getPath();
            if (path.length == 3 && path[0].equals(field.getName()) && path[2].equals(part)
                    && leaf.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY
                    && leaf.getMaxRepetitionLevel() == 1) {
                return leaf;
            }
        }
        throw new IllegalStateException("points_raw's column '" + field.getName() + "' is " + field
                + ", Chronicle writes a map of strings");
    }

}
