package io.chronicle.sinks;

import com.fasterxml.jackson.core.JsonGenerator;
import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.TraceRow;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.time.LocalDate;

/**
 * The views' change topics: every new row of {@code traces} and {@code agent_metrics} as JSON,
 * keyed by the row's key, on a compacted topic that keeps the latest row per key.
 *
 * <p>At-least-once on purpose: a row is a whole upsert, so a repeat after a restore is harmless
 * to a follower, while exactly-once would hold every change back until the next checkpoint.
 */
public final class ViewTopicSink {

    private ViewTopicSink() {}

    public static KafkaSink<TraceRow> traces(Configuration conf) {
        // A change should reach followers within a few milliseconds.
        return KafkaTopics.atLeastOnceSink(conf, 5, new TraceSerializer(conf.get(ChronicleOptions.TOPIC_TRACES)));
    }

    public static KafkaSink<AgentMetricsRow> agentMetrics(Configuration conf) {
        return KafkaTopics.atLeastOnceSink(conf, 5,
                new AgentMetricsSerializer(conf.get(ChronicleOptions.TOPIC_AGENT_METRICS)));
    }

    static final class TraceSerializer implements KafkaRecordSerializationSchema<TraceRow> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        TraceSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(TraceRow t, KafkaSinkContext context, Long timestamp) {
            byte[] key = JsonBytes.object(g -> {
                g.writeStringField("tenant", t.tenant);
                g.writeStringField("trace_id", t.traceId);
            });
            return new ProducerRecord<>(topic, null, timestamp, key, toJson(t));
        }

        static byte[] toJson(TraceRow t) {
            return JsonBytes.object(g -> {
                g.writeStringField("tenant", t.tenant);
                g.writeStringField("trace_id", t.traceId);
                g.writeStringField("task_title", t.taskTitle);
                g.writeStringField("owner", t.owner);
                g.writeStringField("status", t.status);
                g.writeStringField("assigned_agent", t.assignedAgent);
                JsonBytes.writeTime(g, "created_at", t.createdAtMicros);
                JsonBytes.writeTime(g, "assigned_at", t.assignedAtMicros);
                JsonBytes.writeTime(g, "started_at", t.startedAtMicros);
                JsonBytes.writeTime(g, "completed_at", t.completedAtMicros);
                writeLong(g, "duration_ms", t.durationMs);
                writeLong(g, "time_to_pickup_ms", t.timeToPickupMs);
                g.writeNumberField("span_count", t.spanCount);
                g.writeStringField("error", t.error);
                if (t.scoringBreakdown == null) {
                    g.writeNullField("scoring_breakdown");
                } else {
                    g.writeFieldName("scoring_breakdown");
                    g.writeRawValue(t.scoringBreakdown);
                }
                JsonBytes.writeTime(g, "last_event_time", t.lastEventTimeMicros);
                g.writeNumberField("illegal_transitions", t.illegalTransitions);
                g.writeStringField("last_illegal_transition", t.lastIllegalTransition);
            });
        }
    }

    static final class AgentMetricsSerializer implements KafkaRecordSerializationSchema<AgentMetricsRow> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        AgentMetricsSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                AgentMetricsRow a, KafkaSinkContext context, Long timestamp) {
            String date = LocalDate.ofEpochDay(a.metricDate).toString();
            byte[] key = JsonBytes.object(g -> {
                g.writeStringField("tenant", a.tenant);
                g.writeStringField("agent_id", a.agentId);
                g.writeStringField("metric_date", date);
            });
            return new ProducerRecord<>(topic, null, timestamp, key, toJson(a));
        }

        static byte[] toJson(AgentMetricsRow a) {
            return JsonBytes.object(g -> {
                g.writeStringField("tenant", a.tenant);
                g.writeStringField("agent_id", a.agentId);
                g.writeStringField("metric_date", LocalDate.ofEpochDay(a.metricDate).toString());
                g.writeNumberField("tasks_completed", a.tasksCompleted);
                g.writeNumberField("tasks_failed", a.tasksFailed);
                writeDouble(g, "avg_duration_ms", a.avgDurationMs);
                writeDouble(g, "p95_duration_ms", a.p95DurationMs);
                g.writeNumberField("busy_ms", a.busyMs);
                g.writeNumberField("uptime_ms", a.uptimeMs);
                writeDouble(g, "utilization_pct", a.utilizationPct);
            });
        }
    }

    private static void writeLong(JsonGenerator g, String field, Long value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, value);
        }
    }

    private static void writeDouble(JsonGenerator g, String field, Double value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
        } else {
            g.writeNumberField(field, value);
        }
    }
}
