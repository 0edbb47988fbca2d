package io.chronicle.sql.catalog;

import io.chronicle.catalog.ChronicleCatalogLoader;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.catalog.Catalog;
import org.apache.flink.table.factories.CatalogFactory;
import org.apache.flink.table.factories.FactoryUtil;

import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Flink's factory of catalogs of type {@code chronicle}: Chronicle's Iceberg tables, read-only,
 * with Chronicle's SQL functions (see {@link ChronicleCatalog}), configured by
 * {@link ChronicleCatalogOptions}.
 */
public final class ChronicleCatalogFactory implements CatalogFactory {

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
        return new HashSet<>(ChronicleCatalogOptions.all());
    }

    @Override
    public Catalog createCatalog(Context context) {
        FactoryUtil.CatalogFactoryHelper helper = FactoryUtil.createCatalogFactoryHelper(this, context);
        helper.validateExcept(ChronicleCatalogOptions.PROPERTIES_PREFIX);
        ReadableConfig options = helper.getOptions();
        Map<String, String> properties = new HashMap<>();
        context.getOptions().forEach((key, value) -> {
            if (key.startsWith(ChronicleCatalogOptions.PROPERTIES_PREFIX)) {
                properties.put(key.substring(ChronicleCatalogOptions.PROPERTIES_PREFIX.length()), value);
            }
        });
        Map<String, String> iceberg =
                ChronicleCatalogOptions.icebergProperties(context.getName(), options, properties);
        return new ChronicleCatalog(
                context.getName(),
                options.get(ChronicleCatalogOptions.DEFAULT_DATABASE),
                new ChronicleCatalogLoader(options.get(ChronicleCatalogOptions.CATALOG_NAME), iceberg),
                context.getOptions(),
                Clock.systemUTC());
    }
}
