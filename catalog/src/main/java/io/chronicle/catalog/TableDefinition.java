package io.chronicle.catalog;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.TableProperties;

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
     * No Parquet statistics for a map column's keys and values: neither Flink SQL nor Trino
     * prunes files or pages by a map's entries, nor does Iceberg keep their bounds, while writing
     * them compares every key and value with its page's and file's.
     */
    static void withoutEntryStatistics(Map<String, String> properties, String mapColumn) {
        properties.put(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + mapColumn + ".key", "false");
        properties.put(TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + mapColumn + ".value", "false");
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
