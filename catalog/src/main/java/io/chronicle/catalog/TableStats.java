package io.chronicle.catalog;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;

/** Cheap facts about a table, read from its current snapshot's summary rather than its files. */
public final class TableStats {

    private TableStats() {}

    /** Rows in the table's latest committed snapshot, refreshing the table first. */
    public static long committedRecords(Table table) {
        table.refresh();
        Snapshot snapshot = table.currentSnapshot();
        return snapshot == null
                ? 0
                : Long.parseLong(snapshot.summary().getOrDefault(SnapshotSummary.TOTAL_RECORDS_PROP, "0"));
    }
}
