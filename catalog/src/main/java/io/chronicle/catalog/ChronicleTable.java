package io.chronicle.catalog;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.types.Types;

import java.util.List;
import java.util.Map;
import java.util.Set;

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
                    required(12, "ingested_at", Types.TimestampType.withZone()),
                    optional(13, "source_index", Types.IntegerType.get(), SOURCE_INDEX_DOC));
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

        @Override
        public Map<String, String> properties() {
            return TableDefinition.seriesProperties();
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
                    required(15, "ingested_at", Types.TimestampType.withZone()),
                    optional(16, "source_index", Types.IntegerType.get(), SOURCE_INDEX_DOC));
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

    TRACES("traces") {
        @Override
        public Schema schema() {
            return new Schema(List.of(
                    required(1, "tenant", Types.StringType.get()),
                    required(2, "trace_id", Types.StringType.get()),
                    optional(3, "task_title", Types.StringType.get()),
                    optional(4, "owner", Types.StringType.get()),
                    required(5, "status", Types.StringType.get(),
                            "pending, assigned, in_progress, completed, failed or timed_out"),
                    optional(6, "assigned_agent", Types.StringType.get()),
                    optional(7, "created_at", Types.TimestampType.withZone()),
                    optional(8, "assigned_at", Types.TimestampType.withZone()),
                    optional(9, "started_at", Types.TimestampType.withZone()),
                    optional(10, "completed_at", Types.TimestampType.withZone(),
                            "when the trace reached its terminal state"),
                    optional(11, "duration_ms", Types.LongType.get(), "completed_at - started_at"),
                    optional(12, "time_to_pickup_ms", Types.LongType.get(), "started_at - assigned_at"),
                    required(13, "span_count", Types.IntegerType.get()),
                    optional(14, "error", Types.StringType.get()),
                    optional(15, "scoring_breakdown", Types.StringType.get(), "JSON"),
                    required(16, "last_event_time", Types.TimestampType.withZone()),
                    required(17, "illegal_transitions", Types.IntegerType.get()),
                    optional(18, "last_illegal_transition", Types.StringType.get()),
                    // Appended: tables created before it gain it at start (TableBootstrap).
                    optional(19, "events_dropped", Types.LongType.get(),
                            "events refused because the trace had the most it may have")),
                    Set.of(1, 2));
        }

        @Override
        public PartitionSpec spec(Schema schema) {
            return PartitionSpec.builderFor(schema).identity("tenant").build();
        }

        @Override
        public SortOrder sortOrder(Schema schema) {
            return SortOrder.builderFor(schema).asc("tenant").asc("trace_id").build();
        }

        @Override
        public boolean upsert() {
            return true;
        }
    },

    AGENT_METRICS("agent_metrics") {
        @Override
        public Schema schema() {
            return new Schema(List.of(
                    required(1, "tenant", Types.StringType.get()),
                    required(2, "agent_id", Types.StringType.get()),
                    required(3, "metric_date", Types.DateType.get(), "UTC day"),
                    required(4, "tasks_completed", Types.LongType.get()),
                    required(5, "tasks_failed", Types.LongType.get()),
                    optional(6, "avg_duration_ms", Types.DoubleType.get()),
                    optional(7, "p95_duration_ms", Types.DoubleType.get(), "DDSketch, 1 % relative accuracy"),
                    required(8, "busy_ms", Types.LongType.get()),
                    required(9, "uptime_ms", Types.LongType.get()),
                    optional(10, "utilization_pct", Types.DoubleType.get(), "busy_ms / uptime_ms x 100")),
                    Set.of(1, 2, 3));
        }

        @Override
        public PartitionSpec spec(Schema schema) {
            return PartitionSpec.builderFor(schema).identity("tenant").build();
        }

        @Override
        public SortOrder sortOrder(Schema schema) {
            return SortOrder.builderFor(schema).asc("tenant").asc("agent_id").asc("metric_date").build();
        }

        @Override
        public boolean upsert() {
            return true;
        }
    },

    ALERTS("alerts") {
        @Override
        public Schema schema() {
            return new Schema(
                    required(1, "fingerprint", Types.StringType.get(), "FNV-1a 64 of the labels, as Alertmanager"),
                    required(2, "rule_name", Types.StringType.get()),
                    optional(3, "tenant", Types.StringType.get()),
                    required(4, "state", Types.StringType.get(), "pending, firing, resolved or inactive"),
                    required(5, "labels", Types.MapType.ofRequired(
                            6, 7, Types.StringType.get(), Types.StringType.get())),
                    required(8, "annotations", Types.MapType.ofRequired(
                            9, 10, Types.StringType.get(), Types.StringType.get())),
                    required(11, "starts_at", Types.TimestampType.withZone()),
                    optional(12, "ends_at", Types.TimestampType.withZone()),
                    required(13, "changed_at", Types.TimestampType.withZone(), "event time of the change"),
                    optional(14, "value", Types.DoubleType.get()),
                    required(15, "series_id", Types.LongType.get(), "0 for an alert about a whole selector"),
                    optional(16, "generator_url", Types.StringType.get()));
        }

        @Override
        public PartitionSpec spec(Schema schema) {
            return PartitionSpec.builderFor(schema).day("changed_at").build();
        }

        @Override
        public SortOrder sortOrder(Schema schema) {
            return SortOrder.builderFor(schema).asc("rule_name").asc("fingerprint").asc("changed_at").build();
        }
    },

    ANOMALIES("anomalies") {
        @Override
        public Schema schema() {
            return new Schema(
                    required(1, "tenant", Types.StringType.get()),
                    required(2, "rule_name", Types.StringType.get()),
                    required(3, "model", Types.StringType.get(), "ewma or holt_winters"),
                    required(4, "metric", Types.StringType.get()),
                    required(5, "tags", Types.MapType.ofRequired(
                            6, 7, Types.StringType.get(), Types.StringType.get())),
                    required(8, "series_id", Types.LongType.get()),
                    required(9, "ts", Types.TimestampType.withZone()),
                    required(10, "value", Types.DoubleType.get()),
                    required(11, "expected", Types.DoubleType.get(), "the forecast"),
                    required(12, "sigma", Types.DoubleType.get()),
                    required(13, "anomaly_score", Types.DoubleType.get(),
                            "|value - expected| / (band x sigma); 1 or more is outside the band"));
        }

        @Override
        public PartitionSpec spec(Schema schema) {
            return PartitionSpec.builderFor(schema).day("ts").build();
        }

        @Override
        public SortOrder sortOrder(Schema schema) {
            return SortOrder.builderFor(schema).asc("rule_name").asc("series_id").asc("ts").build();
        }
    },

    REJECTED("rejected") {
        @Override
        public Schema schema() {
            return new Schema(
                    required(1, "reason_code", Types.StringType.get()),
                    required(2, "reason", Types.StringType.get()),
                    optional(3, "tenant", Types.StringType.get()),
                    optional(4, "payload", Types.BinaryType.get(),
                            "the original record value, or its first bytes when payload_truncated"),
                    required(5, "kafka_timestamp", Types.TimestampType.withZone()),
                    required(6, "source_topic", Types.StringType.get()),
                    required(7, "source_partition", Types.IntegerType.get()),
                    required(8, "source_offset", Types.LongType.get()),
                    required(9, "rejected_at", Types.TimestampType.withZone()),
                    optional(10, "payload_size", Types.IntegerType.get(),
                            "length of the original record value in bytes; null for a tombstone"),
                    optional(11, "payload_truncated", Types.BooleanType.get(),
                            "payload holds only the first bytes of the original value"),
                    optional(12, "source_index", Types.IntegerType.get(), SOURCE_INDEX_DOC));
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

    /**
     * Records of batch formats carry many points or events: with this column, topic, partition,
     * offset and index name one row. Optional, so tables written before it are evolved in place.
     */
    static final String SOURCE_INDEX_DOC = "place of the point, event or refused part among those its"
            + " Kafka record carries, from 0; null in rows written before this column existed";

    private final String tableName;

    ChronicleTable(String tableName) {
        this.tableName = tableName;
    }

    @Override
    public String tableName() {
        return tableName;
    }
}
