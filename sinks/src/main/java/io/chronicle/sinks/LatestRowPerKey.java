package io.chronicle.sinks;

import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * In front of an upsert table's writer: keeps only the latest row of each key until the next
 * checkpoint, as Flink's upsert-kafka sink buffers by key. The table shows a key's rows only when
 * the checkpoint that wrote them commits, and then only the last of them, so the rows it replaced
 * within one checkpoint were written, deleted again by position, and never seen. Readers now get
 * one row and one equality delete per key and checkpoint instead.
 *
 * <p>Every buffered row is emitted before the checkpoint's barrier, so a snapshot never holds any
 * and the operator has no state: after a failure the input since the last checkpoint is replayed
 * and rebuilds what was buffered. Past {@code maxRows} keys every buffered row is emitted, which
 * bounds the memory. Watermarks pass at once: the writer behind is the only consumer, and it does
 * not work in event time. The rows must not be reused by the operator in front (the row
 * converters make a new one per record).
 */
public final class LatestRowPerKey extends AbstractStreamOperator<RowData>
        implements OneInputStreamOperator<RowData, RowData>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    /** Rows replaced by a later row of the same key before they reached the writer. */
    public static final String ROWS_REPLACED = "upsertRowsReplaced";

    private final RowProjection keys;
    private final int maxRows;
    private transient Map<GenericRowData, StreamRecord<RowData>> latest;
    private transient Counter replaced;

    /**
     * @param rowType the table's row type
     * @param keyColumns the table's identifier columns
     * @param maxRows the most keys held before every row held is emitted; at least 1
     */
    public LatestRowPerKey(RowType rowType, List<String> keyColumns, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
        }
        if (keyColumns.isEmpty()) {
            throw new IllegalArgumentException("an upsert table needs identifier columns");
        }
        int[] positions = new int[keyColumns.size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = rowType.getFieldIndex(keyColumns.get(i));
            if (positions[i] < 0) {
                throw new IllegalArgumentException("no column " + keyColumns.get(i) + " in " + rowType);
            }
        }
        this.keys = RowProjection.of(rowType, positions);
        this.maxRows = maxRows;
    }

    @Override
    public void open() throws Exception {
        super.open();
        latest = new LinkedHashMap<>();
        replaced = getMetricGroup().counter(ROWS_REPLACED);
    }

    @Override
    public void processElement(StreamRecord<RowData> element) {
        // The record itself is the chained operator's, reused for its next row: hold a copy.
        if (latest.put(keys.project(element.getValue()), element.copy(element.getValue())) != null) {
            replaced.inc();
        } else if (latest.size() > maxRows) {
            emitAll();
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        emitAll();
    }

    @Override
    public void endInput() {
        emitAll();
    }

    private void emitAll() {
        Iterator<StreamRecord<RowData>> rows = latest.values().iterator();
        while (rows.hasNext()) {
            output.collect(rows.next());
            rows.remove();
        }
    }
}
