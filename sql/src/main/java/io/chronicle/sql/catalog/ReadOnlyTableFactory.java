package io.chronicle.sql.catalog;

import io.chronicle.catalog.TableSnapshots;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.ObjectPath;
import org.apache.flink.table.catalog.exceptions.TableNotExistException;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.iceberg.Table;
import org.apache.iceberg.flink.FlinkReadOptions;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * The table factory of {@link ChronicleCatalog}: Iceberg's sources, and a refusal instead of a
 * sink, which the planner asks for on {@code INSERT}, {@code UPDATE}, {@code DELETE} and
 * {@code TRUNCATE}. Not a service: it is reached only through the catalog.
 *
 * <p>A read as of a snapshot or a time (Iceberg's {@code snapshot-id} and {@code as-of-timestamp}
 * options, given as hints or set by {@code FOR SYSTEM_TIME AS OF}) is checked here, while the
 * statement is planned, so an unknown snapshot or a time outside the table's history fails with
 * a message naming the table and the snapshots it keeps, not later in the job.
 */
final class ReadOnlyTableFactory implements DynamicTableSourceFactory, DynamicTableSinkFactory {

    private final DynamicTableSourceFactory sources;
    private final ChronicleCatalog catalog;

    ReadOnlyTableFactory(DynamicTableSourceFactory sources, ChronicleCatalog catalog) {
        this.sources = sources;
        this.catalog = catalog;
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        checkTimeTravel(context.getObjectIdentifier().toObjectPath(), context.getCatalogTable().getOptions());
        return sources.createDynamicTableSource(context);
    }

    private void checkTimeTravel(ObjectPath path, Map<String, String> options) {
        String snapshotId = options.get(FlinkReadOptions.SNAPSHOT_ID.key());
        String asOf = options.get(FlinkReadOptions.AS_OF_TIMESTAMP.key());
        if (snapshotId == null && asOf == null) {
            return;
        }
        try {
            Table table = catalog.icebergTable(path);
            if (snapshotId != null) {
                TableSnapshots.byId(table, number(FlinkReadOptions.SNAPSHOT_ID, snapshotId));
            }
            if (asOf != null) {
                TableSnapshots.currentAt(table, Instant.ofEpochMilli(number(FlinkReadOptions.AS_OF_TIMESTAMP, asOf)),
                        catalog.now());
            }
        } catch (TableNotExistException e) {
            throw new ValidationException(e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ValidationException("Cannot read " + path.getFullName() + " as asked: " + e.getMessage(), e);
        }
    }

    private static long number(ConfigOption<Long> option, String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "option '" + option.key() + "' must be a whole number, got '" + value + "'", e);
        }
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        throw new ValidationException(String.format("Cannot write to table %s: catalog '%s' is read-only. %s",
                context.getObjectIdentifier().asSummaryString(), catalog.getName(), ChronicleCatalog.WRITTEN_BY_JOBS));
    }

    @Override
    public String factoryIdentifier() {
        return ChronicleCatalogOptions.IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of();
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of();
    }
}
