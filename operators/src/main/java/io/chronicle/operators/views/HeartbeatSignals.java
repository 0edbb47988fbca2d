package io.chronicle.operators.views;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.Event;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * An {@code agent.heartbeat} as a signal for its agent ({@code agent_id} in the metadata, else the
 * event's source). Each heartbeat reports {@code busy_ms} and {@code uptime_ms} for the interval
 * since the agent's previous one; a missing or negative figure counts as 0. A heartbeat naming no
 * agent at all has nobody to count for and is only kept in {@code events}.
 */
public class HeartbeatSignals implements FlatMapFunction<Event, AgentSignal> {
    private static final long serialVersionUID = 1L;
    public static final String HEARTBEAT = "agent.heartbeat";
    private static final long MICROS_PER_DAY = 86_400_000_000L;

    @Override
    public void flatMap(Event event, Collector<AgentSignal> out) {
        JsonNode metadata = TraceFact.metadata(event.metadata);
        String agent = TraceFact.text(metadata.get("agent_id"));
        if (agent == null) {
            agent = event.source;
        }
        if (agent == null) {
            return;
        }
        int day = (int) Math.floorDiv(event.eventTimeMicros, MICROS_PER_DAY);
        out.collect(AgentSignal.heartbeat(event.tenant, agent, day,
                millis(metadata.get("busy_ms")), millis(metadata.get("uptime_ms"))));
    }

    private static long millis(JsonNode node) {
        return node != null && node.isNumber() && node.asLong() > 0 ? node.asLong() : 0L;
    }
}
