package io.chronicle.catalog;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.jdbc.JdbcCatalog;

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
 *
 * <p>A JDBC catalog's password may instead come from the environment variable
 * {@value #JDBC_PASSWORD_ENV} of each process that opens the catalog, so it need not travel with
 * the loader, nor sit in any configuration a SQL session can print. A process that cannot set its
 * own environment, such as one hosting a cluster in-process, sets the system property
 * {@value #JDBC_PASSWORD_PROPERTY} instead.
 */
public final class ChronicleCatalogLoader implements CatalogLoader {

    private static final long serialVersionUID = 1L;

    /** The environment variable holding the JDBC catalog's password. */
    public static final String JDBC_PASSWORD_ENV = "CHRONICLE_CATALOG_JDBC_PASSWORD";
    /** The system property read when {@link #JDBC_PASSWORD_ENV} is not set. */
    public static final String JDBC_PASSWORD_PROPERTY = "chronicle.catalog.jdbc-password";
    /** The Iceberg property the JDBC catalog hands to the driver as its password. */
    static final String JDBC_PASSWORD = JdbcCatalog.PROPERTY_PREFIX + "password";

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
        SqliteDriverScope.requireOneCopyPerProcess(
                properties.get("uri"),
                ChronicleCatalogLoader.class.getClassLoader(),
                Configuration.class.getClassLoader());
        registerJdbcDrivers();
        return CatalogUtil.buildIcebergCatalog(
                name, withEnvironment(properties, System.getenv(), System.getProperty(JDBC_PASSWORD_PROPERTY)), null);
    }

    /**
     * {@code properties}, with the JDBC password from {@code env}, else {@code passwordProperty},
     * unless they hold one.
     */
    static Map<String, String> withEnvironment(
            Map<String, String> properties, Map<String, String> env, String passwordProperty) {
        String password = env.getOrDefault(JDBC_PASSWORD_ENV, passwordProperty);
        if (password == null || properties.containsKey(JDBC_PASSWORD)) {
            return properties;
        }
        Map<String, String> withPassword = new HashMap<>(properties);
        withPassword.put(JDBC_PASSWORD, password);
        return withPassword;
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
