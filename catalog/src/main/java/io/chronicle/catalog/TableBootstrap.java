package io.chronicle.catalog;

import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.CommitFailedException;

import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Creates Chronicle's namespace and tables when they are missing, and adds to an existing table the
 * columns a newer definition has appended, so every job and the local stack can run it at start,
 * before and after an upgrade. Concurrent creators are fine: whoever loses the race loads the
 * winner's table.
 *
 * <p>A definition only ever appends optional columns: Iceberg cannot add a required column to a
 * table holding rows, and the writers fill a row by position. A required column missing from an
 * existing table, or a column of another type, fails the start naming the table and the column.
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
            return evolve(catalog, id, table);
        }
        Schema schema = table.schema();
        try {
            return catalog.buildTable(id, schema)
                    .withPartitionSpec(table.spec(schema))
                    .withSortOrder(table.sortOrder(schema))
                    .withProperties(table.properties())
                    .create();
        } catch (AlreadyExistsException e) {
            return evolve(catalog, id, table);
        }
    }

    /** The existing table, with the columns its definition appended since it was created. */
    private static Table evolve(Catalog catalog, TableIdentifier id, TableDefinition table) {
        for (int attempt = 1; ; attempt++) {
            Table existing = catalog.loadTable(id);
            List<Types.NestedField> missing = missingColumns(id, existing.schema(), table.schema());
            if (missing.isEmpty()) {
                return existing;
            }
            UpdateSchema update = existing.updateSchema();
            for (Types.NestedField column : missing) {
                update.addColumn(column.name(), column.type(), column.doc());
            }
            try {
                update.commit();
                return catalog.loadTable(id);
            } catch (CommitFailedException e) {
                // Another job evolved it at the same moment: look again.
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    static List<Types.NestedField> missingColumns(TableIdentifier id, Schema existing, Schema defined) {
        List<Types.NestedField> missing = new ArrayList<>();
        for (Types.NestedField column : defined.columns()) {
            Types.NestedField present = existing.findField(column.name());
            if (present == null) {
                if (column.isRequired()) {
                    throw new IllegalStateException("Table " + id + " has no column '" + column.name()
                            + "', which this version requires and Iceberg cannot add to a table with rows");
                }
                missing.add(column);
            } else if (!sameType(present.type(), column.type())) {
                throw new IllegalStateException("Column '" + column.name() + "' of table " + id + " is "
                        + present.type() + ", this version writes " + column.type());
            }
        }
        return missing;
    }

    /**
     * Types equal but for the ids of the fields nested in them (a map's key and value, a list's
     * element, a struct's fields), which a catalog assigns afresh when it creates a table.
     */
    static boolean sameType(Type a, Type b) {
        if (a.isPrimitiveType() || b.isPrimitiveType()) {
            return a.equals(b);
        }
        List<Types.NestedField> as = a.asNestedType().fields();
        List<Types.NestedField> bs = b.asNestedType().fields();
        if (a.typeId() != b.typeId() || as.size() != bs.size()) {
            return false;
        }
        for (int i = 0; i < as.size(); i++) {
            Types.NestedField x = as.get(i);
            Types.NestedField y = bs.get(i);
            if (!x.name().equals(y.name()) || x.isOptional() != y.isOptional() || !sameType(x.type(), y.type())) {
                return false;
            }
        }
        return true;
    }
}
