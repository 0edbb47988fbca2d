package io.chronicle.sinks.alerts;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chronicle.core.alerts.AlertNotification;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The writer state as JSON: readable in a savepoint, and tolerant of fields added to
 * {@link AlertNotification} later (unknown ones are skipped, missing ones left unset).
 */
final class AlertDeliveryStateSerializer implements SimpleVersionedSerializer<AlertDeliveryState> {

    private static final int VERSION = 1;
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final TypeReference<List<AlertNotification>> LIST = new TypeReference<>() {};
    private static final TypeReference<Map<String, List<AlertNotification>>> BY_RECEIVER =
            new TypeReference<>() {};

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(AlertDeliveryState state) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.set("tracked", JSON.valueToTree(state.tracked));
        root.set("undelivered", JSON.valueToTree(state.undelivered));
        return JSON.writeValueAsBytes(root);
    }

    @Override
    public AlertDeliveryState deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("Unknown alert delivery state version " + version);
        }
        JsonNode root = JSON.readTree(serialized);
        return new AlertDeliveryState(
                JSON.convertValue(root.get("tracked"), LIST),
                JSON.convertValue(root.get("undelivered"), BY_RECEIVER));
    }
}
