package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlertDeliveryStateSerializerTest {

    private final AlertDeliveryStateSerializer serializer = new AlertDeliveryStateSerializer();

    @Test
    void roundTripsTrackedAndUndeliveredAlertsAsTheyWere() throws Exception {
        AlertNotification firing = AlertDeliveryWriterTest.alert("Anomaly", "i1", "firing");
        firing.value = Double.NaN;
        AlertNotification resolved = AlertDeliveryWriterTest.alert("Down", "i2", "resolved");
        resolved.value = null;
        resolved.generatorUrl = null;
        AlertDeliveryState state = new AlertDeliveryState(
                List.of(firing, resolved), Map.of("am", List.of(resolved, firing), "hook", List.of()));

        AlertDeliveryState back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(state));

        assertThat(back.tracked).containsExactly(firing, resolved);
        assertThat(back.undelivered).containsOnlyKeys("am", "hook");
        assertThat(back.undelivered.get("am")).containsExactly(resolved, firing);
        assertThat(back.undelivered.get("am").get(1).value).isNaN();
        assertThat(back.undelivered.get("hook")).isEmpty();
    }

    @Test
    void anUnknownVersionIsRefused() {
        assertThatThrownBy(() -> serializer.deserialize(99, new byte[0]))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("99");
    }
}
