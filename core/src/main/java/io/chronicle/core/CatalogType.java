package io.chronicle.core;

import org.apache.flink.configuration.Configuration;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The values of {@code chronicle.catalog.type}: the Iceberg catalogs whose client libraries the
 * job jar carries. A type is offered only when its catalog loads from the job jar alone, which a
 * test checks for each one.
 */
public enum CatalogType {
    JDBC,
    REST,
    GLUE,
    NESSIE;

    /** Iceberg's other catalog types, refused with the reason rather than as unknown. */
    private static final Map<String, String> NOT_OFFERED = Map.of(
            "hive", "the job jar carries no Hive metastore client",
            "hadoop", "the Hadoop catalog needs a Hadoop file system with atomic rename (HDFS, not S3),"
                    + " which the job jar does not carry");

    /** The value as written in a configuration. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The offered values, comma-separated, for messages and descriptions. */
    public static String offered() {
        return Arrays.stream(values()).map(CatalogType::value).collect(Collectors.joining(", "));
    }

    /**
     * The configured type, or an {@link IllegalArgumentException} naming the option, the value and
     * the offered types.
     */
    public static CatalogType of(Configuration conf) {
        return of(conf.get(ChronicleOptions.CATALOG_TYPE), ChronicleOptions.CATALOG_TYPE.key(),
                ChronicleOptions.CATALOG_IMPL.key());
    }

    /**
     * The type {@code value} names, in any case, or an {@link IllegalArgumentException} naming
     * {@code option}, the value and the offered types, and {@code implOption} as the alternative.
     */
    public static CatalogType of(String value, String option, String implOption) {
        String type = value.trim().toLowerCase(Locale.ROOT);
        for (CatalogType candidate : values()) {
            if (candidate.value().equals(type)) {
                return candidate;
            }
        }
        String why = NOT_OFFERED.containsKey(type)
                ? "catalog type '" + type + "' is not offered: " + NOT_OFFERED.get(type)
                : "unknown catalog type '" + type + "'";
        throw new IllegalArgumentException("Invalid value for option '" + option + "': " + why
                + " (offered: " + offered() + "; or set '" + implOption
                + "' to a Catalog class on the job's classpath)");
    }
}
