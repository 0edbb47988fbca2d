package io.chronicle.sql.catalog;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.DynamicTableSourceFactory;

import java.util.Set;

/**
 * The table factory of {@link ChronicleCatalog}: Iceberg's sources, and a refusal instead of a
 * sink, which the planner asks for on {@code INSERT}, {@code UPDATE}, {@code DELETE} and
 * {@code TRUNCATE}. Not a service: it is reached only through the catalog.
 */
final class ReadOnlyTableFactory implements DynamicTableSourceFactory, DynamicTableSinkFactory {

    private final DynamicTableSourceFactory sources;
    private final String catalog;

    ReadOnlyTableFactory(DynamicTableSourceFactory sources, String catalog) {
        this.sources = sources;
        this.catalog = catalog;
    }

    @Override
    public DynamicTableSource createDynamicTableSource(Context context) {
        return sources.createDynamicTableSource(context);
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        throw new ValidationException(String.format("Cannot write to table %s: catalog '%s' is read-only. %s",
                context.getObjectIdentifier().asSummaryString(), catalog, ChronicleCatalog.WRITTEN_BY_JOBS));
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
