package io.chronicle.catalog;

import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;

import org.apache.iceberg.flink.CatalogLoader;

import java.io.Closeable;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creates Chronicle's namespace and tables when they are missing and leaves existing ones as
 * they are, so every job and the local stack can run it at start. Concurrent creators are fine:
 * whoever loses the race loads the winner's table.
 */
public final class TableBootstrap {

    private TableBootstrap() {}

    /** Opens the catalog, ensures the tables exist, and closes the catalog again. */
    public static Map<String, Table> ensureTables(
            CatalogLoader loader, String namespace, TableDefinition... tables) throws IOException {
        Catalog catalog = loader.loadCatalog();
        try {
            return ensureTables(catalog, namespace, tables);
        } finally {
            if (catalog instanceof Closeable) {
                ((Closeable) catalog).close();
            }
        }
    }

    public static Map<String, Table> ensureTables(
            Catalog catalog, String namespace, TableDefinition... tables) {
        Namespace ns = Namespace.of(namespace);
        if (catalog instanceof SupportsNamespaces) {
            SupportsNamespaces namespaces = (SupportsNamespaces) catalog;
            if (!namespaces.namespaceExists(ns)) {
                try {
                    namespaces.createNamespace(ns);
                } catch (AlreadyExistsException e) {
                    // created concurrently
                }
            }
        }
        Map<String, Table> result = new LinkedHashMap<>();
        for (TableDefinition table : tables) {
            result.put(table.tableName(), ensureTable(catalog, TableIdentifier.of(ns, table.tableName()), table));
        }
        return result;
    }

    private static Table ensureTable(Catalog catalog, TableIdentifier id, TableDefinition table) {
        if (catalog.tableExists(id)) {
            return catalog.loadTable(id);
        }
        Schema schema = table.schema();
        try {
            return catalog.buildTable(id, schema)
                    .withPartitionSpec(table.spec(schema))
                    .withSortOrder(table.sortOrder(schema))
                    .withProperties(table.properties())
                    .create();
        } catch (AlreadyExistsException e) {
            return catalog.loadTable(id);
        }
    }
}
