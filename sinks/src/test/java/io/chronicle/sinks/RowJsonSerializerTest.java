package io.chronicle.sinks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableDefinition;
import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.TraceRow;
import org.apache.iceberg.types.Types;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topics' JSON is derived from the tables' schemas: every column is a field under its own
 * name, in the table's types, and the message key is the JSON of the key columns.
 */
class RowJsonSerializerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    @Test
    void aTraceChangeIsItsTracesRowKeyedByTenantAndTraceId() throws Exception {
        TraceRow t = new TraceRow();
        t.tenant = "acme";
        t.traceId = "tr-1";
        t.status = "in_progress";
        t.assignedAgent = "agent-1";
        t.createdAtMicros = 1_795_300_000_000_000L;
        t.startedAtMicros = 1_795_300_001_500_000L;
        t.spanCount = 3;
        t.scoringBreakdown = "{\"quality\":7}";
        t.lastEventTimeMicros = 1_795_300_001_500_000L;

        ProducerRecord<byte[], byte[]> message = SerializerContext.serialize(RowJsonSerializer.keyedByIdentifier(
                "traces", ChronicleTable.TRACES, new RowConverters.TraceToRow()), t);

        JsonNode key = JSON.readTree(message.key());
        assertThat(fieldNames(key)).containsExactly("tenant", "trace_id");
        assertThat(key.get("trace_id").asText()).isEqualTo("tr-1");
        JsonNode value = JSON.readTree(message.value());
        assertThat(fieldNames(value)).containsExactlyElementsOf(columns(ChronicleTable.TRACES));
        assertThat(value.get("status").asText()).isEqualTo("in_progress");
        assertThat(value.get("created_at").asText()).isEqualTo("2026-11-21T22:26:40Z");
        assertThat(value.get("started_at").asText()).isEqualTo("2026-11-21T22:26:41.5Z");
        assertThat(value.get("completed_at").isNull()).isTrue();
        assertThat(value.get("duration_ms").isNull()).isTrue();
        assertThat(value.get("span_count").asInt()).isEqualTo(3);
        assertThat(value.get("events_dropped").asLong()).isZero();
        assertThat(JSON.readTree(value.get("scoring_breakdown").asText()).get("quality").asInt()).isEqualTo(7);
    }

    @Test
    void anAgentDayIsItsAgentMetricsRowKeyedByTenantAgentAndDate() throws Exception {
        AgentMetricsRow a = new AgentMetricsRow();
        a.tenant = "acme";
        a.agentId = "agent-7";
        a.metricDate = (int) LocalDate.parse("2026-11-21").toEpochDay();
        a.tasksCompleted = 4;
        a.avgDurationMs = 1250.5;
        a.busyMs = 5002;
        a.uptimeMs = 60_000;

        ProducerRecord<byte[], byte[]> message = SerializerContext.serialize(RowJsonSerializer.keyedByIdentifier(
                "agent-metrics", ChronicleTable.AGENT_METRICS, new RowConverters.AgentMetricsToRow()), a);

        assertThat(new String(message.key(), StandardCharsets.UTF_8))
                .isEqualTo("{\"tenant\":\"acme\",\"agent_id\":\"agent-7\",\"metric_date\":\"2026-11-21\"}");
        JsonNode value = JSON.readTree(message.value());
        assertThat(fieldNames(value)).containsExactlyElementsOf(columns(ChronicleTable.AGENT_METRICS));
        assertThat(value.get("avg_duration_ms").asDouble()).isEqualTo(1250.5);
        assertThat(value.get("p95_duration_ms").isNull()).isTrue();
        assertThat(value.get("busy_ms").asLong()).isEqualTo(5002);
    }

    static List<String> columns(TableDefinition table) {
        return table.schema().columns().stream().map(Types.NestedField::name).toList();
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
