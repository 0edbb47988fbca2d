package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableDefinition;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.SerializableTable;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.IcebergSink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a stream to one of Chronicle's Iceberg tables. Data files are written continuously and
 * committed when a checkpoint completes, so a restore neither loses nor repeats rows. The sink is
 * Iceberg's {@link IcebergSink} inside a {@link RestoreSafeIcebergSink}: Iceberg's alone loses every
 * row written since a restore when the job's input ends before its next checkpoint.
 */
public final class IcebergSinks {

    private IcebergSinks() {}

    /**
     * Appends to an append-only table, or upserts on the identifier fields of a view table: a
     * row replaces the table's row with the same key (an equality delete plus the new row). An
     * upsert keeps only each key's latest row until the next checkpoint ({@link LatestRowPerKey},
     * at most {@code upsertBufferRows} keys; 0 sends each row on at once); the records must come
     * keyed by the table's identifier, so that all of a key's rows pass one subtask in order.
     */
    public static <T> void write(
            DataStream<T> records,
            RowConverter<T> toRow,
            TableDefinition table,
            CatalogLoader catalogLoader,
            String namespace,
            int upsertBufferRows) {
        if (!table.upsert()) {
            append(records, toRow, table, catalogLoader, namespace);
            return;
        }
        List<String> keys = List.copyOf(table.schema().identifierFieldNames());
        DataStream<RowData> rows = rows(records, toRow, table, table.tableName());
        if (upsertBufferRows > 0) {
            // The parallelism of the rows, so that it chains to them and a key stays on one subtask.
            rows = rows.transform("latest-row-per-key-" + table.tableName(), rows.getType(),
                            new LatestRowPerKey(FlinkSchemaUtil.convert(table.schema()), keys, upsertBufferRows))
                    .setParallelism(rows.getParallelism())
                    .uid("latest-row-per-key-" + table.tableName());
        }
        IcebergSink.Builder sink = IcebergSink.forRowData(rows)
                .tableLoader(tableLoader(catalogLoader, namespace, table))
                .uidSuffix(table.tableName())
                .upsert(true)
                .equalityFieldColumns(keys);
        RestoreSafeIcebergSink.append(rows, sink, table.tableName())
                .name("iceberg-" + table.tableName())
                .uid("iceberg-" + table.tableName());
    }

    public static <T> void append(
            DataStream<T> records,
            RowConverter<T> toRow,
            TableDefinition table,
            CatalogLoader catalogLoader,
            String namespace) {
        append(records, toRow, table, catalogLoader, namespace, table.tableName());
    }

    /**
     * As {@link #append(DataStream, RowConverter, TableDefinition, CatalogLoader, String)}, its
     * operators named by {@code sinkName} rather than the table: for a table that several jobs
     * append to, whose sinks must not claim one another's state when a savepoint is restored.
     */
    public static <T> void append(
            DataStream<T> records,
            RowConverter<T> toRow,
            TableDefinition table,
            CatalogLoader catalogLoader,
            String namespace,
            String sinkName) {
        DataStream<RowData> rows = rows(records, toRow, table, sinkName);
        IcebergSink.Builder sink = IcebergSink.forRowData(rows)
                .tableLoader(tableLoader(catalogLoader, namespace, table))
                .uidSuffix(sinkName);
        RestoreSafeIcebergSink.append(rows, sink, sinkName)
                .name("iceberg-" + sinkName)
                .uid("iceberg-" + sinkName);
    }

    /**
     * Appends points to {@code points_raw}, written straight from the points into Parquet
     * ({@link PointsRawWriter}) and committed by Iceberg's committer as every other table is.
     */
    public static void appendPoints(DataStream<MetricPoint> points, CatalogLoader catalogLoader, String namespace) {
        Table table = load(catalogLoader, namespace, ChronicleTable.POINTS_RAW);
        PointColumns.requireWritable(table.schema());
        appendStraight(points, table, ChronicleTable.POINTS_RAW, catalogLoader, namespace,
                context -> new PointsRawWriter(table, context.getTaskInfo().getIndexOfThisSubtask(),
                        context.getTaskInfo().getAttemptNumber(), context.metricGroup()));
    }

    /**
     * Appends a rollup tier's rows to its table, written straight from the rows into Parquet
     * ({@link RollupRowsWriter}) and committed by Iceberg's committer as every other table is.
     */
    public static void appendRollups(DataStream<RollupRow> rows, RollupTable tier, CatalogLoader catalogLoader,
            String namespace) {
        Table table = load(catalogLoader, namespace, tier);
        RollupRowsWriter.requireWritable(table);
        appendStraight(rows, table, tier, catalogLoader, namespace,
                context -> new RollupRowsWriter(table, context.getTaskInfo().getIndexOfThisSubtask(),
                        context.getTaskInfo().getAttemptNumber(), context.metricGroup()));
    }

    /** The table as the job is built: its schema, spec and properties are read once, here. */
    private static Table load(CatalogLoader catalogLoader, String namespace, TableDefinition definition) {
        try (TableLoader opened = tableLoader(catalogLoader, namespace, definition)) {
            opened.open();
            return SerializableTable.copyOf(opened.loadTable());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> void appendStraight(DataStream<T> records, Table table, TableDefinition definition,
            CatalogLoader catalogLoader, String namespace, RestoreSafeIcebergSink.WriterFactory<T> writer) {
        String sinkName = definition.tableName();
        // Iceberg's builder asks for an input it never reads while it builds the sink.
        IcebergSink.Builder sink = IcebergSink.forRowData(null)
                .table(table)
                .tableLoader(tableLoader(catalogLoader, namespace, definition))
                .uidSuffix(sinkName);
        RestoreSafeIcebergSink.append(records, sink, writer, sinkName)
                .name("iceberg-" + sinkName)
                .uid("iceberg-" + sinkName);
    }

    /** The records' rows; a record whose row the writer would fail on is skipped and counted. */
    private static <T> DataStream<RowData> rows(
            DataStream<T> records, RowConverter<T> toRow, TableDefinition table, String sinkName) {
        RowType rowType = FlinkSchemaUtil.convert(table.schema());
        return records.process(new ToTableRows<>(table.tableName(), toRow, rowType), InternalTypeInfo.of(rowType))
                .name("to-row-" + sinkName)
                .uid("to-row-" + sinkName);
    }

    private static TableLoader tableLoader(
            CatalogLoader catalogLoader, String namespace, TableDefinition table) {
        return TableLoader.fromCatalog(catalogLoader, TableIdentifier.of(namespace, table.tableName()));
    }
}
