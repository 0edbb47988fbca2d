package io.chronicle.catalog;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.TableProperties;

import java.util.HashMap;
import java.util.Map;

/** One of Chronicle's Iceberg tables: name, schema with stable field ids, layout, properties. */
public interface TableDefinition {

    String tableName();

    Schema schema();

    PartitionSpec spec(Schema schema);

    SortOrder sortOrder(Schema schema);

    /**
     * Whether the table is a view kept by upserts on its schema's identifier fields (equality
     * deletes), rather than append-only.
     */
    default boolean upsert() {
        return false;
    }

    default Map<String, String> properties() {
        return defaultProperties();
    }

    /**
     * The defaults, and what the tables of a series' values ({@code points_raw}, the rollup tiers)
     * add to them. A small dictionary: the columns that repeat (tenant, metric, tags, series,
     * window) keep theirs, while unique ones (times, values, offsets, aggregates, sketches) give
     * up after a few thousand values instead of hashing every value of a file into one; ingest
     * CPU fell by about a tenth and the files got smaller (zstd packs plain values better than
     * dictionary indices). No Parquet statistics of the {@code tags} map's keys and values:
     * neither Flink SQL nor Trino prunes files or pages by a map's entries, nor does Iceberg keep
     * their bounds, while writing them compares every key and value with its page's and file's.
     */
    static Map<String, String> seriesProperties() {
        Map<String, String> properties = new HashMap<>(defaultProperties());
        properties.put(TableProperties.PARQUET_DICT_SIZE_BYTES, String.valueOf(128 * 1024));
        properties.put(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "tags.key", "false");
        properties.put(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "tags.value", "false");
        return properties;
    }

    /** Format v2, Parquet with zstd, old metadata files cleaned up on commit. */
    public static Map<String, String> defaultProperties() {
        return Map.of(
                TableProperties.FORMAT_VERSION, "2",
                TableProperties.DEFAULT_FILE_FORMAT, "parquet",
                TableProperties.PARQUET_COMPRESSION, "zstd",
                TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED, "true",
                TableProperties.METADATA_PREVIOUS_VERSIONS_MAX, "100");
    }
}
