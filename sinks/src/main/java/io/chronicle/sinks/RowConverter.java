package io.chronicle.sinks;

import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.table.data.RowData;

/** Maps a record to the row of its table, and names the record when the row cannot be written. */
public interface RowConverter<T> extends MapFunction<T, RowData>, RecordCoordinates<T> {}
