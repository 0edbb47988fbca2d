package io.chronicle.sinks;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records to the rows of their Iceberg table, each checked against the table's schema first. A
 * row the writer would fail on (a conversion that throws, a required column or map entry without a
 * value) fails the whole job, and the restored job meets the same record again; such a record is
 * logged with its coordinates and counted in {@value #ROWS_SKIPPED} instead. The normalizers keep
 * such records out, so this never fires unless one of them has a bug.
 */
public final class ToTableRows<T> extends ProcessFunction<T, RowData> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ToTableRows.class);

    /** Records skipped because their row could not be written to the table. */
    public static final String ROWS_SKIPPED = "rowsSkipped";

    private final String table;
    private final RowConverter<T> toRow;
    private final RowType rowType;
    private transient Counter skipped;

    public ToTableRows(String table, RowConverter<T> toRow, RowType rowType) {
        this.table = table;
        this.toRow = toRow;
        this.rowType = rowType;
    }

    @Override
    public void open(OpenContext openContext) {
        skipped = getRuntimeContext().getMetricGroup().counter(ROWS_SKIPPED);
    }

    @Override
    public void processElement(T record, Context ctx, Collector<RowData> out) {
        RowData row = null;
        String problem;
        try {
            row = toRow.map(record);
            problem = problem(row, rowType);
        } catch (Exception e) {
            problem = "cannot be converted: " + RecordCoordinates.quote(String.valueOf(e));
        }
        if (problem == null) {
            // Outside the try: a failure of the writer chained behind is the writer's, never the record's.
            out.collect(row);
            return;
        }
        skipped.inc();
        LOG.warn("Skipped a record for table {}: {} {}; counted in {}", table,
                toRow.coordinates(record), problem, ROWS_SKIPPED);
    }

    /** Why the table's writer would refuse the row, or null when it can write it. */
    static String problem(RowData row, RowType type) {
        if (row.getArity() != type.getFieldCount()) {
            return "has " + row.getArity() + " columns, the table " + type.getFieldCount();
        }
        for (int i = 0; i < row.getArity(); i++) {
            LogicalType column = type.getTypeAt(i);
            if (row.isNullAt(i)) {
                if (!column.isNullable()) {
                    return "has no value for the required column '" + type.getFieldNames().get(i) + "'";
                }
            } else if (column instanceof MapType map) {
                MapData entries = row.getMap(i);
                if (hasNull(entries.keyArray(), map.getKeyType()) || hasNull(entries.valueArray(), map.getValueType())) {
                    return "has an entry without a value in the map column '" + type.getFieldNames().get(i) + "'";
                }
            }
        }
        return null;
    }

    private static boolean hasNull(ArrayData array, LogicalType elementType) {
        if (elementType.isNullable()) {
            return false;
        }
        for (int j = 0; j < array.size(); j++) {
            if (array.isNullAt(j)) {
                return true;
            }
        }
        return false;
    }
}
