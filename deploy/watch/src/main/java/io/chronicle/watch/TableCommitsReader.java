package io.chronicle.watch;

import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.flink.CatalogLoader;

import java.io.Closeable;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The last commit of each watched table (its current snapshot's time), or of every table of the
 * namespace when none is named. Tables stay loaded and are refreshed, which reads metadata only
 * when it changed; a table that cannot be read is loaded afresh next time.
 */
final class TableCommitsReader implements Closeable {

    private final CatalogLoader loader;
    private final String namespace;
    private final List<String> tables;
    private Catalog catalog;
    private final Map<String, Table> loaded = new HashMap<>();

    TableCommitsReader(CatalogLoader loader, String namespace, List<String> tables) {
        this.loader = loader;
        this.namespace = namespace;
        this.tables = tables;
    }

    /** Epoch millis of each table's last commit; null for a table without a snapshot. */
    Map<String, Long> read() {
        if (catalog == null) {
            catalog = loader.loadCatalog();
        }
        List<String> names = tables.isEmpty()
                ? catalog.listTables(Namespace.of(namespace)).stream().map(TableIdentifier::name).toList()
                : tables;
        Map<String, Long> last = new TreeMap<>();
        for (String name : names) {
            Table table = loaded.get(name);
            try {
                if (table == null) {
                    table = catalog.loadTable(TableIdentifier.of(namespace, name));
                    loaded.put(name, table);
                } else {
                    table.refresh();
                }
            } catch (NoSuchTableException e) {
                // A watched table not created yet has never been committed.
                loaded.remove(name);
                last.put(name, null);
                continue;
            } catch (RuntimeException e) {
                loaded.remove(name);
                throw e;
            }
            Snapshot current = table.currentSnapshot();
            last.put(name, current == null ? null : current.timestampMillis());
        }
        loaded.keySet().retainAll(names);
        return last;
    }

    @Override
    public void close() throws IOException {
        if (catalog instanceof Closeable closeable) {
            closeable.close();
        }
    }
}
