package io.chronicle.catalog;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.util.SnapshotUtil;

import java.time.Instant;

/**
 * Which snapshot of a table an id or a time names, for reads as of a snapshot or a time and for
 * rollbacks. Each refusal names the table and says which snapshots it keeps: a table keeps only
 * the snapshots its maintenance has not expired.
 */
public final class TableSnapshots {

    private TableSnapshots() {}

    /** The snapshot {@code id}, if the table keeps it. */
    public static Snapshot byId(Table table, long id) {
        Snapshot snapshot = table.snapshot(id);
        if (snapshot == null) {
            throw new IllegalArgumentException(
                    String.format("Table %s has no snapshot %d: %s", table.name(), id, kept(table)));
        }
        return snapshot;
    }

    /**
     * The snapshot that was the table's current one at {@code time}, from the table's history, so
     * after a rollback a time before it still names what readers saw then.
     */
    public static Snapshot currentAt(Table table, Instant time, Instant now) {
        refuseFuture(table, time, now);
        Long id = SnapshotUtil.nullableSnapshotIdAsOfTime(table, time.toEpochMilli());
        Snapshot snapshot = id == null ? null : table.snapshot(id);
        if (snapshot == null) {
            throw new IllegalArgumentException(String.format("Table %s has no snapshot at or before %s: %s",
                    table.name(), time, kept(table)));
        }
        return snapshot;
    }

    /**
     * The newest snapshot in the current snapshot's lineage committed at or before {@code time}:
     * what a rollback to a time returns to.
     */
    public static Snapshot ancestorAt(Table table, Instant time, Instant now) {
        refuseFuture(table, time, now);
        for (Snapshot snapshot : SnapshotUtil.currentAncestors(table)) {
            if (snapshot.timestampMillis() <= time.toEpochMilli()) {
                return snapshot;
            }
        }
        throw new IllegalArgumentException(String.format(
                "Table %s has no snapshot committed at or before %s in its current lineage: %s",
                table.name(), time, kept(table)));
    }

    private static void refuseFuture(Table table, Instant time, Instant now) {
        if (time.isAfter(now)) {
            throw new IllegalArgumentException(String.format(
                    "Table %s cannot be read as of %s: that is in the future (now is %s)", table.name(), time, now));
        }
    }

    /** Which snapshots the table keeps, for error messages. */
    static String kept(Table table) {
        Snapshot current = table.currentSnapshot();
        if (current == null) {
            return "it has no snapshot yet";
        }
        Snapshot oldest = null;
        for (Snapshot snapshot : table.snapshots()) {
            if (oldest == null || snapshot.timestampMillis() < oldest.timestampMillis()) {
                oldest = snapshot;
            }
        }
        return String.format("it keeps snapshots from %d (committed %s) to the current %d (committed %s);"
                        + " list them in %s$snapshots",
                oldest.snapshotId(), Instant.ofEpochMilli(oldest.timestampMillis()),
                current.snapshotId(), Instant.ofEpochMilli(current.timestampMillis()), shortName(table));
    }

    private static String shortName(Table table) {
        String name = table.name();
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
