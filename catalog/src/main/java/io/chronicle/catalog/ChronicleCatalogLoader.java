package io.chronicle.catalog;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;

import java.sql.Driver;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Opens the Iceberg catalog on whichever process needs it (task managers included). It carries
 * only the catalog's name and properties, so it serializes small and needs no Hadoop
 * configuration, unlike Iceberg's {@code CatalogLoader.custom}.
 */
public final class ChronicleCatalogLoader implements CatalogLoader {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final HashMap<String, String> properties;

    public ChronicleCatalogLoader(String name, Map<String, String> properties) {
        this.name = name;
        this.properties = new HashMap<>(properties);
    }

    public static ChronicleCatalogLoader from(Configuration conf) {
        return new ChronicleCatalogLoader(
                conf.get(ChronicleOptions.CATALOG_NAME), CatalogProperties.icebergProperties(conf));
    }

    @Override
    public Catalog loadCatalog() {
        registerJdbcDrivers();
        return CatalogUtil.buildIcebergCatalog(name, properties, null);
    }

    /**
     * DriverManager hands a driver only to code of the class loader that registered it, so a
     * second job in the same task manager would not find the drivers the first job's classes
     * registered. Loading them through this job's class loader registers them for this job too.
     */
    private static void registerJdbcDrivers() {
        for (Iterator<Driver> drivers =
                        ServiceLoader.load(Driver.class, ChronicleCatalogLoader.class.getClassLoader())
                                .iterator();
                drivers.hasNext(); ) {
            try {
                drivers.next();
            } catch (ServiceConfigurationError e) {
                // A driver that cannot load is not one this catalog needs.
            }
        }
    }

    @Override
    @SuppressWarnings({"checkstyle:NoClone", "checkstyle:SuperClone"})
    public CatalogLoader clone() {
        return new ChronicleCatalogLoader(name, properties);
    }

    @Override
    public String toString() {
        return "ChronicleCatalogLoader{" + name + ", type=" + properties.get("catalog-impl") + "}";
    }
}
