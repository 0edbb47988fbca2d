package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.TraceRow;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaSink;

/**
 * The views' change topics: every new row of {@code traces} and {@code agent_metrics} as JSON
 * (the table's columns, {@link RowJsonSerializer}), keyed by the JSON of the row's key columns, on
 * a compacted topic that keeps the latest row per key.
 *
 * <p>At-least-once on purpose: a row is a whole upsert, so a repeat after a restore is harmless
 * to a follower, while exactly-once would hold every change back until the next checkpoint.
 */
public final class ViewTopicSink {

    private ViewTopicSink() {}

    public static KafkaSink<TraceRow> traces(Configuration conf) {
        // A change should reach followers within a few milliseconds.
        return KafkaTopics.atLeastOnceSink(conf, 5, tracesSerializer(conf));
    }

    public static KafkaSink<AgentMetricsRow> agentMetrics(Configuration conf) {
        return KafkaTopics.atLeastOnceSink(conf, 5, agentMetricsSerializer(conf));
    }

    static CheckedMessages<TraceRow> tracesSerializer(Configuration conf) {
        return serializer(conf, conf.get(ChronicleOptions.TOPIC_TRACES), ChronicleTable.TRACES,
                new RowConverters.TraceToRow());
    }

    static CheckedMessages<AgentMetricsRow> agentMetricsSerializer(Configuration conf) {
        return serializer(conf, conf.get(ChronicleOptions.TOPIC_AGENT_METRICS), ChronicleTable.AGENT_METRICS,
                new RowConverters.AgentMetricsToRow());
    }

    private static <T> CheckedMessages<T> serializer(Configuration conf, String topic, ChronicleTable table,
            RowConverter<T> toRow) {
        return KafkaTopics.checked(conf, topic, RowJsonSerializer.keyedByIdentifier(topic, table, toRow), toRow);
    }
}
