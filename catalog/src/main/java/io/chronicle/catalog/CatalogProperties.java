package io.chronicle.catalog;

import io.chronicle.core.CatalogType;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.aws.AwsClientProperties;
import org.apache.iceberg.aws.s3.S3FileIOProperties;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Translates Chronicle's catalog and S3 options into Iceberg catalog properties, once, for every
 * component that opens the catalog: the jobs, the SQL gateway and the table bootstrap.
 */
public final class CatalogProperties {

    private static final String CATALOG_IMPL = org.apache.iceberg.CatalogProperties.CATALOG_IMPL;

    private CatalogProperties() {}

    /** Iceberg catalog properties ({@code type} or {@code catalog-impl}, uri, warehouse, io). */
    public static Map<String, String> icebergProperties(Configuration conf) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(CATALOG_IMPL, catalogImpl(conf));
        conf.getOptional(ChronicleOptions.CATALOG_URI).ifPresent(uri -> props.put("uri", uri));
        props.put("warehouse", conf.get(ChronicleOptions.CATALOG_WAREHOUSE));
        props.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
        conf.getOptional(ChronicleOptions.S3_ENDPOINT)
                .ifPresent(endpoint -> props.put(S3FileIOProperties.ENDPOINT, endpoint));
        props.put(
                S3FileIOProperties.PATH_STYLE_ACCESS,
                String.valueOf(conf.get(ChronicleOptions.S3_PATH_STYLE_ACCESS)));
        props.put(AwsClientProperties.CLIENT_REGION, conf.get(ChronicleOptions.S3_REGION));
        conf.getOptional(ChronicleOptions.S3_ACCESS_KEY)
                .ifPresent(key -> props.put(S3FileIOProperties.ACCESS_KEY_ID, key));
        conf.getOptional(ChronicleOptions.S3_SECRET_KEY)
                .ifPresent(key -> props.put(S3FileIOProperties.SECRET_ACCESS_KEY, key));
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.CATALOG_PROPERTIES_PREFIX));
        return props;
    }

    /**
     * The catalog class. Types are resolved here, not by Iceberg, because Iceberg's Flink catalog
     * knows only some of them by name; every catalog accepts its class.
     */
    static String catalogImpl(Configuration conf) {
        Optional<String> impl = conf.getOptional(ChronicleOptions.CATALOG_IMPL);
        if (impl.isPresent()) {
            return impl.get();
        }
        return switch (CatalogType.of(conf)) {
            case JDBC -> CatalogUtil.ICEBERG_CATALOG_JDBC;
            case REST -> CatalogUtil.ICEBERG_CATALOG_REST;
            case GLUE -> CatalogUtil.ICEBERG_CATALOG_GLUE;
            case NESSIE -> CatalogUtil.ICEBERG_CATALOG_NESSIE;
        };
    }

    /** Options of Flink SQL's {@code CREATE CATALOG ... WITH (...)} for the same catalog. */
    public static Map<String, String> flinkSqlCatalogOptions(Configuration conf) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("type", "iceberg");
        options.putAll(icebergProperties(conf));
        options.put("default-database", conf.get(ChronicleOptions.CATALOG_NAMESPACE));
        return options;
    }
}
