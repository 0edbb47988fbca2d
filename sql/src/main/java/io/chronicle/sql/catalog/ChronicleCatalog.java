package io.chronicle.sql.catalog;

import io.chronicle.catalog.TableSnapshots;
import io.chronicle.sql.functions.ChronicleFunctions;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CatalogBaseTable;
import org.apache.flink.table.catalog.CatalogDatabase;
import org.apache.flink.table.catalog.CatalogFunction;
import org.apache.flink.table.catalog.CatalogFunctionImpl;
import org.apache.flink.table.catalog.CatalogModel;
import org.apache.flink.table.catalog.CatalogPartition;
import org.apache.flink.table.catalog.CatalogPartitionSpec;
import org.apache.flink.table.catalog.CatalogTable;
import org.apache.flink.table.catalog.FunctionLanguage;
import org.apache.flink.table.catalog.ModelChange;
import org.apache.flink.table.catalog.ObjectPath;
import org.apache.flink.table.catalog.TableChange;
import org.apache.flink.table.catalog.exceptions.CatalogException;
import org.apache.flink.table.catalog.exceptions.FunctionNotExistException;
import org.apache.flink.table.catalog.exceptions.TableNotExistException;
import org.apache.flink.table.catalog.stats.CatalogColumnStatistics;
import org.apache.flink.table.catalog.stats.CatalogTableStatistics;
import org.apache.flink.table.factories.Factory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.functions.UserDefinedFunction;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkCatalog;
import org.apache.iceberg.flink.FlinkDynamicTableFactory;
import org.apache.iceberg.flink.FlinkReadOptions;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Chronicle's tables in Flink SQL: Iceberg's Flink catalog, read-only. Every change of a
 * database, table, view, partition, function, statistic or model fails naming the reason, and its
 * tables offer a source and no sink, so {@code INSERT}, {@code UPDATE}, {@code DELETE} and
 * {@code TRUNCATE} fail too: Chronicle's jobs own the tables. Each database of the catalog offers
 * Chronicle's SQL functions ({@link ChronicleFunctions}) as catalog functions, so a session whose
 * current database is Chronicle's calls {@code sketch_quantile(...)} with no setup.
 */
final class ChronicleCatalog extends FlinkCatalog {

    static final String WRITTEN_BY_JOBS = "Chronicle's tables are written only by its jobs and admin commands.";
    /** The option through which Iceberg's catalog would hand its own options to a table's copy. */
    private static final String SOURCE_CATALOG_OPTION = "src-catalog";

    private final Clock clock;

    ChronicleCatalog(String name, String defaultDatabase, CatalogLoader loader, Map<String, String> options,
            Clock clock) {
        // Iceberg's defaults: tables cached, and refreshed each time a query loads one.
        super(name, defaultDatabase, Namespace.empty(), loader, options, true,
                CatalogProperties.CACHE_EXPIRATION_INTERVAL_MS_OFF);
        this.clock = clock;
    }

    /**
     * The table as Iceberg describes it, without the options naming Iceberg's connector and
     * catalog: no statement's plan should reach Iceberg but through this catalog, and
     * {@code CREATE TABLE ... LIKE} in another catalog must not copy a way around it.
     */
    @Override
    public CatalogTable getTable(ObjectPath tablePath) throws TableNotExistException, CatalogException {
        CatalogTable table = super.getTable(tablePath);
        Map<String, String> options = new HashMap<>(table.getOptions());
        options.remove(FactoryUtil.CONNECTOR.key());
        options.remove(SOURCE_CATALOG_OPTION);
        return table.copy(options);
    }

    /**
     * The table as of {@code timestamp} (epoch milliseconds, from {@code FOR SYSTEM_TIME AS OF}):
     * read at the snapshot that was current then. Iceberg's catalog does not implement it.
     */
    @Override
    public CatalogTable getTable(ObjectPath tablePath, long timestamp) throws TableNotExistException, CatalogException {
        CatalogTable table = getTable(tablePath);
        long snapshotId;
        try {
            snapshotId = TableSnapshots.currentAt(icebergTable(tablePath), Instant.ofEpochMilli(timestamp),
                    clock.instant()).snapshotId();
        } catch (IllegalArgumentException e) {
            throw new ValidationException(e.getMessage(), e);
        }
        Map<String, String> options = new HashMap<>(table.getOptions());
        options.put(FlinkReadOptions.SNAPSHOT_ID.key(), Long.toString(snapshotId));
        return CatalogTable.newBuilder()
                .schema(table.getUnresolvedSchema())
                .comment(table.getComment())
                .partitionKeys(table.getPartitionKeys())
                .options(options)
                .snapshot(timestamp)
                .build();
    }

    /** The Iceberg table of {@code path}, refreshed; for a metadata table, the table it describes. */
    Table icebergTable(ObjectPath path) throws TableNotExistException {
        String name = path.getObjectName();
        int metadata = name.indexOf('$');
        String base = metadata < 0 ? name : name.substring(0, metadata);
        try {
            Table table = catalog().loadTable(TableIdentifier.of(Namespace.of(path.getDatabaseName()), base));
            table.refresh();
            return table;
        } catch (org.apache.iceberg.exceptions.NoSuchTableException e) {
            throw new TableNotExistException(getName(), path, e);
        }
    }

    /** Now, for refusing reads as of a time in the future. */
    Instant now() {
        return clock.instant();
    }

    @Override
    public Optional<Factory> getFactory() {
        return Optional.of(new ReadOnlyTableFactory(new FlinkDynamicTableFactory(this), this));
    }

    // ---- Chronicle's functions ----------------------------------------------------------------

    @Override
    public List<String> listFunctions(String databaseName) throws CatalogException {
        return databaseExists(databaseName) ? new ArrayList<>(ChronicleFunctions.all().keySet()) : List.of();
    }

    @Override
    public CatalogFunction getFunction(ObjectPath functionPath)
            throws FunctionNotExistException, CatalogException {
        Class<? extends UserDefinedFunction> function = function(functionPath);
        if (function == null) {
            throw new FunctionNotExistException(getName(), functionPath);
        }
        return new CatalogFunctionImpl(function.getName(), FunctionLanguage.JAVA);
    }

    @Override
    public boolean functionExists(ObjectPath functionPath) throws CatalogException {
        return function(functionPath) != null;
    }

    private Class<? extends UserDefinedFunction> function(ObjectPath path) {
        Class<? extends UserDefinedFunction> function =
                ChronicleFunctions.all().get(path.getObjectName().toLowerCase(Locale.ROOT));
        return function != null && databaseExists(path.getDatabaseName()) ? function : null;
    }

    // ---- read-only ----------------------------------------------------------------------------

    private CatalogException readOnly(String change) {
        return new CatalogException(String.format(
                "Cannot %s: catalog '%s' is read-only. %s", change, getName(), WRITTEN_BY_JOBS));
    }

    @Override
    public void createDatabase(String name, CatalogDatabase database, boolean ignoreIfExists) {
        throw readOnly("create database " + name);
    }

    @Override
    public void dropDatabase(String name, boolean ignoreIfNotExists, boolean cascade) {
        throw readOnly("drop database " + name);
    }

    @Override
    public void alterDatabase(String name, CatalogDatabase newDatabase, boolean ignoreIfNotExists) {
        throw readOnly("alter database " + name);
    }

    @Override
    public void createTable(ObjectPath tablePath, CatalogBaseTable table, boolean ignoreIfExists) {
        throw readOnly("create " + kind(table) + " " + tablePath.getFullName());
    }

    @Override
    public void dropTable(ObjectPath tablePath, boolean ignoreIfNotExists) {
        throw readOnly("drop table " + tablePath.getFullName());
    }

    @Override
    public void renameTable(ObjectPath tablePath, String newTableName, boolean ignoreIfNotExists) {
        throw readOnly("rename table " + tablePath.getFullName());
    }

    @Override
    public void alterTable(ObjectPath tablePath, CatalogBaseTable newTable, boolean ignoreIfNotExists) {
        throw readOnly("alter table " + tablePath.getFullName());
    }

    @Override
    public void alterTable(ObjectPath tablePath, CatalogBaseTable newTable, List<TableChange> tableChanges,
            boolean ignoreIfNotExists) {
        throw readOnly("alter table " + tablePath.getFullName());
    }

    @Override
    public void createPartition(ObjectPath tablePath, CatalogPartitionSpec partitionSpec,
            CatalogPartition partition, boolean ignoreIfExists) {
        throw readOnly("add a partition to " + tablePath.getFullName());
    }

    @Override
    public void dropPartition(ObjectPath tablePath, CatalogPartitionSpec partitionSpec, boolean ignoreIfNotExists) {
        throw readOnly("drop a partition of " + tablePath.getFullName());
    }

    @Override
    public void alterPartition(ObjectPath tablePath, CatalogPartitionSpec partitionSpec,
            CatalogPartition newPartition, boolean ignoreIfNotExists) {
        throw readOnly("alter a partition of " + tablePath.getFullName());
    }

    @Override
    public void createFunction(ObjectPath functionPath, CatalogFunction function, boolean ignoreIfExists) {
        throw readOnly("create function " + functionPath.getFullName());
    }

    @Override
    public void alterFunction(ObjectPath functionPath, CatalogFunction newFunction, boolean ignoreIfNotExists) {
        throw readOnly("alter function " + functionPath.getFullName());
    }

    @Override
    public void dropFunction(ObjectPath functionPath, boolean ignoreIfNotExists) {
        throw readOnly("drop function " + functionPath.getFullName());
    }

    @Override
    public void alterTableStatistics(ObjectPath tablePath, CatalogTableStatistics tableStatistics,
            boolean ignoreIfNotExists) {
        throw readOnly("store statistics of " + tablePath.getFullName());
    }

    @Override
    public void alterTableColumnStatistics(ObjectPath tablePath, CatalogColumnStatistics columnStatistics,
            boolean ignoreIfNotExists) {
        throw readOnly("store statistics of " + tablePath.getFullName());
    }

    @Override
    public void alterPartitionStatistics(ObjectPath tablePath, CatalogPartitionSpec partitionSpec,
            CatalogTableStatistics partitionStatistics, boolean ignoreIfNotExists) {
        throw readOnly("store statistics of " + tablePath.getFullName());
    }

    @Override
    public void alterPartitionColumnStatistics(ObjectPath tablePath, CatalogPartitionSpec partitionSpec,
            CatalogColumnStatistics columnStatistics, boolean ignoreIfNotExists) {
        throw readOnly("store statistics of " + tablePath.getFullName());
    }

    @Override
    public void createModel(ObjectPath modelPath, CatalogModel model, boolean ignoreIfExists) {
        throw readOnly("create model " + modelPath.getFullName());
    }

    @Override
    public void dropModel(ObjectPath modelPath, boolean ignoreIfNotExists) {
        throw readOnly("drop model " + modelPath.getFullName());
    }

    @Override
    public void renameModel(ObjectPath modelPath, String newModelName, boolean ignoreIfNotExists) {
        throw readOnly("rename model " + modelPath.getFullName());
    }

    @Override
    public void alterModel(ObjectPath modelPath, CatalogModel newModel, boolean ignoreIfNotExists) {
        throw readOnly("alter model " + modelPath.getFullName());
    }

    @Override
    public void alterModel(ObjectPath modelPath, CatalogModel newModel, List<ModelChange> modelChanges,
            boolean ignoreIfNotExists) {
        throw readOnly("alter model " + modelPath.getFullName());
    }

    private static String kind(CatalogBaseTable table) {
        return table.getTableKind() == CatalogBaseTable.TableKind.VIEW ? "view" : "table";
    }
}
