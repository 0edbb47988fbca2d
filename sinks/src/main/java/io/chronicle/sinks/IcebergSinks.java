package io.chronicle.sinks;

import io.chronicle.catalog.TableDefinition;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.IcebergSink;

import java.util.List;

/**
 * Writes a stream to one of Chronicle's Iceberg tables. Data files are written continuously and
 * committed when a checkpoint completes, so a restore neither loses nor repeats rows.
 */
public final class IcebergSinks {

    private IcebergSinks() {}

    /**
     * Appends to an append-only table, or upserts on the identifier fields of a view table: a
     * row replaces the table's row with the same key (an equality delete plus the new row).
     */
    public static <T> void write(
            DataStream<T> records,
            MapFunction<T, RowData> toRow,
            TableDefinition table,
            CatalogLoader catalogLoader,
            String namespace) {
        if (!table.upsert()) {
            append(records, toRow, table, catalogLoader, namespace);
            return;
        }
        IcebergSink.forRowData(rows(records, toRow, table))
                .tableLoader(tableLoader(catalogLoader, namespace, table))
                .uidSuffix(table.tableName())
                .upsert(true)
                .equalityFieldColumns(List.copyOf(table.schema().identifierFieldNames()))
                .append()
                .name("iceberg-" + table.tableName())
                .uid("iceberg-" + table.tableName());
    }

    public static <T> void append(
            DataStream<T> records,
            MapFunction<T, RowData> toRow,
            TableDefinition table,
            CatalogLoader catalogLoader,
            String namespace) {
        IcebergSink.forRowData(rows(records, toRow, table))
                .tableLoader(tableLoader(catalogLoader, namespace, table))
                .uidSuffix(table.tableName())
                .append()
                .name("iceberg-" + table.tableName())
                .uid("iceberg-" + table.tableName());
    }

    private static <T> DataStream<RowData> rows(
            DataStream<T> records, MapFunction<T, RowData> toRow, TableDefinition table) {
        return records.map(toRow, RowConverters.rowType(table))
                .name("to-row-" + table.tableName())
                .uid("to-row-" + table.tableName());
    }

    private static TableLoader tableLoader(
            CatalogLoader catalogLoader, String namespace, TableDefinition table) {
        return TableLoader.fromCatalog(catalogLoader, TableIdentifier.of(namespace, table.tableName()));
    }
}
