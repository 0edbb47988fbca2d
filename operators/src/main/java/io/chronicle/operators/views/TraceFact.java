package io.chronicle.operators.views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.Event;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the traces view keeps of one event: its identity, type and time, and the few metadata
 * fields the view shows. Kept per trace so the row can be derived again from all of them.
 */
public class TraceFact {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String eventId;
    public String eventType;
    public long timeMicros;
    public String source;
    public String agentId;
    public String taskTitle;
    public String owner;
    public String error;
    public String scoringBreakdown;

    public TraceFact() {}

    public static TraceFact of(Event event) {
        TraceFact f = new TraceFact();
        f.eventId = event.eventId;
        f.eventType = event.eventType;
        f.timeMicros = event.eventTimeMicros;
        f.source = event.source;
        JsonNode metadata = metadata(event.metadata);
        f.agentId = text(metadata.get("agent_id"));
        f.taskTitle = text(metadata.has("task_title") ? metadata.get("task_title") : metadata.get("title"));
        f.owner = text(metadata.get("owner"));
        f.error = text(metadata.get("error"));
        JsonNode scoring = metadata.get("scoring_breakdown");
        f.scoringBreakdown = scoring == null || scoring.isNull() ? null : scoring.toString();
        return f;
    }

    static JsonNode metadata(String metadata) {
        try {
            // The normalizer guarantees a JSON object.
            return JSON.readTree(metadata == null ? "{}" : metadata);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A string value as is, any other value as its JSON text; null when absent. */
    static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isTextual() ? node.asText() : node.toString();
    }

    @Override
    public String toString() {
        return eventType + "@" + timeMicros + "#" + eventId;
    }
}
