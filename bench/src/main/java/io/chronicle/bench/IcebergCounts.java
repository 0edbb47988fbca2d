package io.chronicle.bench;

import io.chronicle.catalog.TableStats;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.io.CloseableIterable;

import java.io.Closeable;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/** What a run left in the Iceberg tables of its namespace, to check the variants against each other. */
final class IcebergCounts implements AutoCloseable {

    private final Catalog catalog;
    private final String namespace;

    IcebergCounts(CatalogLoader loader, String namespace) {
        this.catalog = loader.loadCatalog();
        this.namespace = namespace;
    }

    long rows(String table) {
        return TableStats.committedRecords(table(table));
    }

    /**
     * A total of the table's current snapshot from its summary (Iceberg's {@code total-*} keys),
     * 0 when the table has no snapshot or the summary no such total.
     */
    long total(String table, String summaryKey) {
        Snapshot current = table(table).currentSnapshot();
        return current == null ? 0 : Long.parseLong(current.summary().getOrDefault(summaryKey, "0"));
    }

    Table table(String table) {
        return catalog.loadTable(TableIdentifier.of(namespace, table));
    }

    /** The sum of a long column over the table's current snapshot, every delete applied. */
    long sum(String table, String column) throws IOException {
        long sum = 0;
        try (CloseableIterable<Record> records = IcebergGenerics
                .read(catalog.loadTable(TableIdentifier.of(namespace, table))).select(column).build()) {
            for (Record record : records) {
                sum += (Long) record.getField(column);
            }
        }
        return sum;
    }

    /**
     * The rows of the table's current snapshot by the value of a string column, read back with
     * every delete applied, as any reader sees them: for an upsert table, one row per key.
     */
    Map<String, Long> countBy(String table, String column) throws IOException {
        Map<String, Long> counts = new TreeMap<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table(table)).select(column).build()) {
            for (Record record : records) {
                counts.merge(String.valueOf(record.getField(column)), 1L, Long::sum);
            }
        }
        return counts;
    }

    @Override
    public void close() throws IOException {
        if (catalog instanceof Closeable) {
            ((Closeable) catalog).close();
        }
    }
}
