package io.chronicle.sinks;

import org.apache.iceberg.DoubleFieldMetrics;
import org.apache.iceberg.FieldMetrics;
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
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * A table's row written from a record straight into Parquet's column writers, for Iceberg's
 * Parquet appender: no row object, no boxed values, and each repeated string (tenant, metric, tag
 * keys and values, topic) encoded to UTF-8 once rather than per row ({@link RepeatedStrings}).
 *
 * <p>Columns are found by name in the file's schema (the table's), so a table whose catalog
 * numbered its fields differently is written alike. A column the table has and the record does
 * not fill is written as null when optional, and refused when required: no row could fill it. A
 * column of another type than the record gives is refused, naming it.
 *
 * @param <T> the records, one per row
 */
abstract class RecordColumns<T> implements ParquetValueWriter<T> {

    private final String tableName;
    private final List<Column<T>> columns = new ArrayList<>();
    private final RepeatedStrings<Binary> utf8 = new RepeatedStrings<>(Binary::fromConstantByteArray);
    private final List<DoubleMetrics> doubleMetrics = new ArrayList<>();

    /** @param sources what fills each column, by the column's name; null for one the record does not fill */
    RecordColumns(String tableName, MessageType file, Function<String, Source<T>> sources) {
        this.tableName = tableName;
        for (Type field : file.getFields()) {
            Source<T> source = sources.apply(field.getName());
            columns.add(source == null ? nulls(file, field) : column(file, field, source));
        }
    }

    @Override
    public final void write(int repetitionLevel, T record) {
        for (Column<T> column : columns) {
            column.write(record);
        }
    }

    @Override
    public final List<TripleWriter<?>> columns() {
        // Asked only of a nested writer by its parent; this one is always the file's root.
        return List.of();
    }

    @Override
    public final void setColumnStore(ColumnWriteStore store) {
        for (Column<T> column : columns) {
            column.bind(store);
        }
    }

    @Override
    public final Stream<FieldMetrics<?>> metrics() {
        // Iceberg takes a double column's bounds and NaN count from here, not from Parquet's statistics.
        return doubleMetrics.stream().map(DoubleMetrics::build);
    }

    /** A double column's metrics, as Iceberg's writer of an optional column counts them: its nulls among its values. */
    private static final class DoubleMetrics {
        final DoubleFieldMetrics.Builder values;
        long nulls;

        DoubleMetrics(int fieldId) {
            values = new DoubleFieldMetrics.Builder(fieldId);
        }

        FieldMetrics<?> build() {
            DoubleFieldMetrics built = values.build();
            if (nulls == 0) {
                return built;
            }
            return new FieldMetrics<>(built.id(), built.valueCount() + nulls, nulls, built.nanValueCount(),
                    built.lowerBound(), built.upperBound(), built.originalType());
        }
    }

    /** What fills a column from a record. */
    sealed interface Source<T> {
        /** A required string. */
        record Strings<T>(Function<T, String> of) implements Source<T> {}

        record Longs<T>(ToLongFunction<T> of) implements Source<T> {}

        record Ints<T>(ToIntFunction<T> of) implements Source<T> {}

        record Doubles<T>(ToDoubleFunction<T> of) implements Source<T> {}

        /** A double that is null where {@code present} says so. */
        record OptionalDoubles<T>(Predicate<T> present, ToDoubleFunction<T> of) implements Source<T> {}

        /** A required binary, the array written as it is: it must not change once handed over. */
        record Bytes<T>(Function<T, byte[]> of) implements Source<T> {}

        /** A required map of strings to strings. */
        record StringMaps<T>(Function<T, Map<String, String>> of) implements Source<T> {}
    }

    /** One top-level column of the table and how a record fills it. */
    private abstract static class Column<T> {
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

        abstract void write(T record);
    }

    private Column<T> column(MessageType file, Type field, Source<T> source) {
        if (source instanceof Source.Strings<T> strings) {
            return strings(file, field, strings.of());
        }
        if (source instanceof Source.Longs<T> longs) {
            return longs(file, field, longs.of());
        }
        if (source instanceof Source.Ints<T> ints) {
            return ints(file, field, ints.of());
        }
        if (source instanceof Source.Doubles<T> doubles) {
            return doubles(file, field, record -> true, doubles.of());
        }
        if (source instanceof Source.OptionalDoubles<T> doubles) {
            if (field.isRepetition(Type.Repetition.REQUIRED)) {
                throw new IllegalStateException(tableName + "'s column '" + field.getName()
                        + "' is required, but Chronicle leaves it null in some rows; make it optional");
            }
            return doubles(file, field, doubles.present(), doubles.of());
        }
        if (source instanceof Source.Bytes<T> bytes) {
            return bytes(file, field, bytes.of());
        }
        return maps(file, field, ((Source.StringMaps<T>) source).of());
    }

    private Column<T> strings(MessageType file, Type field, Function<T, String> value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.BINARY);
        int defined = leaf.getMaxDefinitionLevel();
        return new Column<>(leaf) {
            @Override
            void write(T record) {
                writers[0].write(utf8.of(value.apply(record)), 0, defined);
            }
        };
    }

    private Column<T> longs(MessageType file, Type field, ToLongFunction<T> value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.INT64);
        int defined = leaf.getMaxDefinitionLevel();
        return new Column<>(leaf) {
            @Override
            void write(T record) {
                writers[0].write(value.applyAsLong(record), 0, defined);
            }
        };
    }

    private Column<T> ints(MessageType file, Type field, ToIntFunction<T> value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.INT32);
        int defined = leaf.getMaxDefinitionLevel();
        return new Column<>(leaf) {
            @Override
            void write(T record) {
                writers[0].write(value.applyAsInt(record), 0, defined);
            }
        };
    }

    private Column<T> doubles(MessageType file, Type field, Predicate<T> present, ToDoubleFunction<T> value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.DOUBLE);
        int defined = leaf.getMaxDefinitionLevel();
        DoubleMetrics metrics = new DoubleMetrics(field.getId().intValue());
        doubleMetrics.add(metrics);
        return new Column<>(leaf) {
            @Override
            void write(T record) {
                if (!present.test(record)) {
                    writers[0].writeNull(0, defined - 1);
                    metrics.nulls++;
                    return;
                }
                double v = value.applyAsDouble(record);
                writers[0].write(v, 0, defined);
                metrics.values.addValue(v);
            }
        };
    }

    private Column<T> bytes(MessageType file, Type field, Function<T, byte[]> value) {
        ColumnDescriptor leaf = leaf(file, field, PrimitiveTypeName.BINARY);
        int defined = leaf.getMaxDefinitionLevel();
        return new Column<>(leaf) {
            @Override
            void write(T record) {
                writers[0].write(Binary.fromConstantByteArray(value.apply(record)), 0, defined);
            }
        };
    }

    /** A map of strings: a first entry at repetition level 0, the others at 1; none writes a null. */
    private Column<T> maps(MessageType file, Type field, Function<T, Map<String, String>> value) {
        ColumnDescriptor key = leaf(file, field, "key");
        ColumnDescriptor val = leaf(file, field, "value");
        int defined = key.getMaxDefinitionLevel();
        int empty = defined - 1;
        return new Column<>(key, val) {
            @Override
            void write(T record) {
                Map<String, String> map = value.apply(record);
                if (map.isEmpty()) {
                    writers[0].writeNull(0, empty);
                    writers[1].writeNull(0, empty);
                    return;
                }
                int repetition = 0;
                for (Map.Entry<String, String> entry : map.entrySet()) {
                    writers[0].write(utf8.of(entry.getKey()), repetition, defined);
                    writers[1].write(utf8.of(entry.getValue()), repetition, defined);
                    repetition = 1;
                }
            }
        };
    }

    private Column<T> nulls(MessageType file, Type field) {
        if (field.isRepetition(Type.Repetition.REQUIRED)) {
            throw new IllegalStateException(tableName + " has a required column '" + field.getName()
                    + "' that Chronicle does not know, so no row can fill it; make it optional or drop it");
        }
        List<ColumnDescriptor> leaves = new ArrayList<>();
        for (ColumnDescriptor leaf : file.getColumns()) {
            if (leaf.getPath()[0].equals(field.getName())) {
                leaves.add(leaf);
            }
        }
        return new Column<>(leaves.toArray(ColumnDescriptor[]::new)) {
            @Override
            void write(T record) {
                for (ColumnWriter writer : writers) {
                    writer.writeNull(0, 0);
                }
            }
        };
    }

    private ColumnDescriptor leaf(MessageType file, Type field, PrimitiveTypeName expected) {
        if (!field.isPrimitive() || field.asPrimitiveType().getPrimitiveTypeName() != expected) {
            throw new IllegalStateException(tableName + "'s column '" + field.getName() + "' is " + field
                    + ", Chronicle writes a " + expected);
        }
        return file.getColumnDescription(new String[] {field.getName()});
    }

    /** The key or value leaf of a map column of strings. */
    private ColumnDescriptor leaf(MessageType file, Type field, String part) {
        for (ColumnDescriptor leaf : file.getColumns()) {
            String[] path = leaf.getPath();
            if (path.length == 3 && path[0].equals(field.getName()) && path[2].equals(part)
                    && leaf.getPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY
                    && leaf.getMaxRepetitionLevel() == 1) {
                return leaf;
            }
        }
        throw new IllegalStateException(tableName + "'s column '" + field.getName() + "' is " + field
                + ", Chronicle writes a map of strings");
    }
}
