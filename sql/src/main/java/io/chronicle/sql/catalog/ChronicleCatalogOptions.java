package io.chronicle.sql.catalog;

import io.chronicle.catalog.CatalogProperties;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.CatalogType;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.CommonCatalogOptions;
import org.apache.iceberg.aws.s3.S3FileIOProperties;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.apache.flink.configuration.ConfigOptions.key;

/**
 * The options of a catalog of type {@code chronicle}: where Chronicle's Iceberg catalog and its
 * storage are, never how to log in to them. Credentials come from the environment of each process
 * that opens the catalog: S3 keys from the AWS default credentials chain ({@code
 * AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}, a profile, a web identity or an instance
 * role), the JDBC catalog's password from {@code CHRONICLE_CATALOG_JDBC_PASSWORD}. An option that
 * would hold a secret is refused, so that {@code SHOW CREATE CATALOG}, {@code DESCRIBE CATALOG}
 * and the catalog store's file never show one.
 */
public final class ChronicleCatalogOptions {

    public static final String IDENTIFIER = "chronicle";

    public static final ConfigOption<String> CATALOG_TYPE =
            key("catalog-type").stringType().defaultValue(ChronicleOptions.CATALOG_TYPE.defaultValue())
                    .withDescription("Iceberg catalog type: " + CatalogType.offered()
                            + "; ignored when catalog-impl is set.");

    public static final ConfigOption<String> CATALOG_IMPL =
            key("catalog-impl").stringType().noDefaultValue()
                    .withDescription("A custom Iceberg Catalog class, instead of catalog-type.");

    public static final ConfigOption<String> URI =
            key("uri").stringType().noDefaultValue()
                    .withDescription("Catalog URI: a JDBC URL or a REST endpoint.");

    public static final ConfigOption<String> WAREHOUSE =
            key("warehouse").stringType().defaultValue(ChronicleOptions.CATALOG_WAREHOUSE.defaultValue())
                    .withDescription("Warehouse location of the tables.");

    public static final ConfigOption<String> CATALOG_NAME =
            key("catalog-name").stringType().defaultValue(ChronicleOptions.CATALOG_NAME.defaultValue())
                    .withDescription("The Iceberg catalog's name, Chronicle's chronicle.catalog.name: a JDBC"
                            + " catalog keeps its tables under it, whatever Flink calls the catalog.");

    public static final ConfigOption<String> DEFAULT_DATABASE =
            key(CommonCatalogOptions.DEFAULT_DATABASE_KEY).stringType()
                    .defaultValue(ChronicleOptions.CATALOG_NAMESPACE.defaultValue())
                    .withDescription("The database a session starts in: Chronicle's namespace.");

    public static final ConfigOption<String> S3_ENDPOINT =
            key("s3.endpoint").stringType().noDefaultValue()
                    .withDescription("S3 endpoint URL for S3-compatible stores; unset means AWS S3.");

    public static final ConfigOption<String> S3_REGION =
            key("s3.region").stringType().defaultValue(ChronicleOptions.S3_REGION.defaultValue())
                    .withDescription("S3 region.");

    public static final ConfigOption<Boolean> S3_PATH_STYLE_ACCESS =
            key("s3.path-style-access").booleanType()
                    .defaultValue(ChronicleOptions.S3_PATH_STYLE_ACCESS.defaultValue())
                    .withDescription("Path-style bucket addressing (most S3-compatible stores).");

    /** Any other Iceberg catalog property, for example {@code properties.jdbc.user}. */
    public static final String PROPERTIES_PREFIX = "properties.";

    /** Iceberg properties that hold credentials without a sensitive-looking name. */
    private static final Set<String> CREDENTIALS = Set.of(
            S3FileIOProperties.ACCESS_KEY_ID, "credential", S3FileIOProperties.SSE_KEY);
    /** REST catalog request headers, which may carry an Authorization header. */
    private static final String HEADER_PREFIX = "header.";

    private static final List<ConfigOption<?>> ALL = List.of(CATALOG_TYPE, CATALOG_IMPL, URI, WAREHOUSE,
            CATALOG_NAME, DEFAULT_DATABASE, S3_ENDPOINT, S3_REGION, S3_PATH_STYLE_ACCESS);

    private ChronicleCatalogOptions() {}

    static List<ConfigOption<?>> all() {
        return ALL;
    }

    /**
     * The options of Chronicle's catalog, {@code type} included, for the catalog Chronicle's
     * configuration describes: what a catalog store file or {@code CREATE CATALOG} holds. Secrets
     * of the configuration are left out; give them to the process that opens the catalog instead.
     */
    public static Map<String, String> of(Configuration chronicle) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put(CommonCatalogOptions.CATALOG_TYPE.key(), IDENTIFIER);
        chronicle.getOptional(ChronicleOptions.CATALOG_IMPL).ifPresentOrElse(
                impl -> options.put(CATALOG_IMPL.key(), impl),
                () -> options.put(CATALOG_TYPE.key(), chronicle.get(ChronicleOptions.CATALOG_TYPE)));
        chronicle.getOptional(ChronicleOptions.CATALOG_URI).ifPresent(uri -> options.put(URI.key(), uri));
        options.put(WAREHOUSE.key(), chronicle.get(ChronicleOptions.CATALOG_WAREHOUSE));
        options.put(CATALOG_NAME.key(), chronicle.get(ChronicleOptions.CATALOG_NAME));
        options.put(DEFAULT_DATABASE.key(), chronicle.get(ChronicleOptions.CATALOG_NAMESPACE));
        chronicle.getOptional(ChronicleOptions.S3_ENDPOINT).ifPresent(e -> options.put(S3_ENDPOINT.key(), e));
        options.put(S3_REGION.key(), chronicle.get(ChronicleOptions.S3_REGION));
        options.put(S3_PATH_STYLE_ACCESS.key(), String.valueOf(chronicle.get(ChronicleOptions.S3_PATH_STYLE_ACCESS)));
        ChronicleConfig.withPrefix(chronicle, ChronicleOptions.CATALOG_PROPERTIES_PREFIX).forEach((k, v) -> {
            if (!isCredential(k)) {
                options.put(PROPERTIES_PREFIX + k, v);
            }
        });
        return options;
    }

    /**
     * Iceberg catalog properties for {@code options}, translated the way the jobs translate
     * Chronicle's configuration; {@code properties} are the {@code properties.*} options without
     * their prefix.
     */
    static Map<String, String> icebergProperties(
            String catalog, ReadableConfig options, Map<String, String> properties) {
        properties.keySet().stream().filter(ChronicleCatalogOptions::isCredential).findFirst().ifPresent(key -> {
            throw new ValidationException(String.format(
                    "Option '%s%s' of catalog '%s' holds a credential, and a catalog's options are"
                            + " readable by every session (SHOW CREATE CATALOG). Chronicle's catalog"
                            + " takes credentials from the environment of the process that opens it:"
                            + " S3 keys from the AWS default credentials chain (AWS_ACCESS_KEY_ID,"
                            + " AWS_SECRET_ACCESS_KEY), the JDBC password from %s.",
                    PROPERTIES_PREFIX, key, catalog, ChronicleCatalogLoader.JDBC_PASSWORD_ENV));
        });
        Configuration chronicle = new Configuration();
        options.getOptional(CATALOG_IMPL).ifPresentOrElse(
                impl -> chronicle.set(ChronicleOptions.CATALOG_IMPL, impl),
                () -> {
                    String type = options.get(CATALOG_TYPE);
                    try {
                        CatalogType.of(type, CATALOG_TYPE.key(), CATALOG_IMPL.key());
                    } catch (IllegalArgumentException e) {
                        throw new ValidationException(e.getMessage());
                    }
                    chronicle.set(ChronicleOptions.CATALOG_TYPE, type);
                });
        options.getOptional(URI).ifPresent(uri -> chronicle.set(ChronicleOptions.CATALOG_URI, uri));
        chronicle.set(ChronicleOptions.CATALOG_WAREHOUSE, options.get(WAREHOUSE));
        options.getOptional(S3_ENDPOINT).ifPresent(e -> chronicle.set(ChronicleOptions.S3_ENDPOINT, e));
        chronicle.set(ChronicleOptions.S3_REGION, options.get(S3_REGION));
        chronicle.set(ChronicleOptions.S3_PATH_STYLE_ACCESS, options.get(S3_PATH_STYLE_ACCESS));
        properties.forEach((k, v) -> chronicle.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + k, v));
        return CatalogProperties.icebergProperties(chronicle);
    }

    /** Whether an Iceberg property holds a credential: by Flink's rule for secrets, or by name. */
    static boolean isCredential(String icebergProperty) {
        return GlobalConfiguration.isSensitive(icebergProperty)
                || CREDENTIALS.contains(icebergProperty)
                || icebergProperty.startsWith(HEADER_PREFIX);
    }
}
