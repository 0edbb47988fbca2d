package io.chronicle.catalog;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.types.Types;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

/**
 * Chronicle's Iceberg tables, each defined once: schema (with stable field ids), partition spec,
 * sort order; properties as every {@link TableDefinition}.
 */
public enum ChronicleTable implements TableDefinition {
    POINTS_RAW("points_raw") {
        @Override
        public Schema schema() {
            return new Schema(
                    required(1, "tenant", Types.StringType.get()),
                    required(2, "metric", Types.StringType.get()),
                    required(3, "tags", Types.MapType.ofRequired(
                            4, 5, Types.StringType.get(), Types.StringType.get())),
                    required(6, "value", Types.DoubleType.get()),
                    required(7, "ts", Types.TimestampType.withZone()),
                    required(8, "series_id", Types.LongType.get(),
                            "XXH64 of tenant, metric and sorted tags"),
                    required(9, "source_topic", Types.StringType.get()),
                    required(10, "source_partition", Types.IntegerType.get()),
                    required(11, "source_offset", Types.LongType.get()),
                    required(12, "ingested_at", Types.TimestampType.withZone()));
        }

        @Override
        public PartitionSpec spec(Schema schema) {
            return PartitionSpec.builderFor(schema).day("ts").build();
        }

        @Override
        public SortOrder sortOrder(Schema schema) {
            return SortOrder.builderFor(schema)
                    .asc("tenant").asc("metric").asc("series_id").asc("ts").build();
        }
    },

    EVENTS("events") {
        @Override
        public Schema schema() {
            return new Schema(
                    required(1, "tenant", Types.StringType.get()),
                    required(2, "event_id", Types.StringType.get()),
                    required(3, "trace_id", Types.StringType.get()),
                    optional(4, "source", Types.StringType.get()),
                    required(5, "event_type", Types.StringType.get()),
                    required(6, "event_time", Types.TimestampType.withZone()),
                    required(7, "metadata", Types.StringType.get(), "JSON object"),
                    optional(8, "namespace", Types.StringType.get()),
                    optional(9, "schema_id", Types.StringType.get()),
                    optional(10, "schema_version", Types.IntegerType.get()),
                    optional(11, "aggregate_id", Types.StringType.get()),
                    required(12, "source_topic", Types.StringType.get()),
                    required(13, "source_partition", Types.IntegerType.get()),
                    required(14, "source_offset", Types.LongType.get()),
                    required(15, "ingested_at", Types.TimestampType.withZone()));
        }

        @Override
        public PartitionSpec spec(Schema schema) {
            return PartitionSpec.builderFor(schema).day("event_time").build();
        }

        @Override
        public SortOrder sortOrder(Schema schema) {
            return SortOrder.builderFor(schema)
                    .asc("tenant").asc("trace_id").asc("event_time").build();
        }
    },

    REJECTED("rejected") {
        @Override
        public Schema schema() {
            return new Schema(
                    required(1, "reason_code", Types.StringType.get()),
                    required(2, "reason", Types.StringType.get()),
                    optional(3, "tenant", Types.StringType.get()),
                    optional(4, "payload", Types.BinaryType.get(), "the original record value"),
                    required(5, "kafka_timestamp", Types.TimestampType.withZone()),
                    required(6, "source_topic", Types.StringType.get()),
                    required(7, "source_partition", Types.IntegerType.get()),
                    required(8, "source_offset", Types.LongType.get()),
                    required(9, "rejected_at", Types.TimestampType.withZone()));
        }

        @Override
        public PartitionSpec spec(Schema schema) {
            return PartitionSpec.builderFor(schema).day("rejected_at").build();
        }

        @Override
        public SortOrder sortOrder(Schema schema) {
            return SortOrder.builderFor(schema)
                    .asc("source_topic").asc("source_partition").asc("source_offset").build();
        }
    };

    private final String tableName;

    ChronicleTable(String tableName) {
        this.tableName = tableName;
    }

    @Override
    public String tableName() {
        return tableName;
    }
}
