package io.chronicle.sinks.alerts;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AlertPayloadsTest {

    @Test
    void groupKeysQuoteLabelValuesAsAlertmanagerDoes() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("job", "api");
        labels.put("alertname", "Say \"hi\"\\now");
        assertThat(AlertPayloads.labelSet(labels)).isEqualTo("{alertname=\"Say \\\"hi\\\"\\\\now\", job=\"api\"}");
        assertThat(AlertPayloads.labelSet(Map.of())).isEqualTo("{}");
    }
}
