package io.chronicle.sinks;

import io.chronicle.catalog.TableDefinition;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.IcebergSink;

/**
 * Appends a stream to one of Chronicle's Iceberg tables. Data files are written continuously and
 * committed when a checkpoint completes, so a restore neither loses nor repeats rows.
 */
public final class IcebergSinks {

    private IcebergSinks() {}

    public static <T> void append(
            DataStream<T> records,
            MapFunction<T, RowData> toRow,
            TableDefinition table,
            CatalogLoader catalogLoader,
            String namespace) {
        DataStream<RowData> rows =
                records.map(toRow, RowConverters.rowType(table))
                        .name("to-row-" + table.tableName())
                        .uid("to-row-" + table.tableName());
        TableLoader tableLoader =
                TableLoader.fromCatalog(
                        catalogLoader, TableIdentifier.of(namespace, table.tableName()));
        IcebergSink.forRowData(rows)
                .tableLoader(tableLoader)
                .uidSuffix(table.tableName())
                .append()
                .name("iceberg-" + table.tableName())
                .uid("iceberg-" + table.tableName());
    }
}
