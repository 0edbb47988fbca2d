package io.chronicle.catalog;

import org.apache.iceberg.BaseTable;
import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;

import java.io.IOException;
import java.time.Duration;

/**
 * Loads a table whose snapshot expiry keeps what writers stopped for less than {@code grace} need to
 * restore ({@link WriterSafeExpiry}), for Iceberg's Flink table maintenance: its expiry task calls
 * the loaded table's {@code expireSnapshots()}, and everything else behaves as the catalog's table.
 */
public final class WriterSafeTableLoader implements TableLoader {

    private static final long serialVersionUID = 1L;

    private final TableLoader loader;
    private final Duration grace;

    private WriterSafeTableLoader(TableLoader loader, Duration grace) {
        this.loader = loader;
        this.grace = grace;
    }

    public static WriterSafeTableLoader fromCatalog(CatalogLoader catalogLoader, TableIdentifier table, Duration grace) {
        return new WriterSafeTableLoader(TableLoader.fromCatalog(catalogLoader, table), grace);
    }

    @Override
    public void open() {
        loader.open();
    }

    @Override
    public boolean isOpen() {
        return loader.isOpen();
    }

    @Override
    public Table loadTable() {
        Table table = loader.loadTable();
        if (!(table instanceof BaseTable base)) {
            throw new IllegalStateException("Table " + table.name() + " is a " + table.getClass().getName()
                    + ", not a catalog table: its snapshot expiry cannot keep what writers need to restore");
        }
        return new WriterSafeTable(base, grace);
    }

    @Override
    public TableLoader clone() {
        return new WriterSafeTableLoader(loader.clone(), grace);
    }

    @Override
    public void close() throws IOException {
        loader.close();
    }

    @Override
    public String toString() {
        return "WriterSafeTableLoader{" + loader + '}';
    }

    /** The catalog's table, on the same operations, with a writer-safe snapshot expiry. */
    static final class WriterSafeTable extends BaseTable {

        private static final long serialVersionUID = 1L;

        private final Duration grace;

        WriterSafeTable(BaseTable table, Duration grace) {
            super(table.operations(), table.name(), table.reporter());
            this.grace = grace;
        }

        @Override
        public ExpireSnapshots expireSnapshots() {
            return new WriterSafeExpiry(super.expireSnapshots(), this, grace, System::currentTimeMillis);
        }
    }
}
