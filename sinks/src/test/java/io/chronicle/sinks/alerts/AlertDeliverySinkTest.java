package io.chronicle.sinks.alerts;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlertDeliverySinkTest {

    @Test
    void noSinkWithoutReceivers() {
        assertThat(AlertDeliverySink.fromConfig(new Configuration())).isEmpty();
    }

    @Test
    void theSinkOfConfiguredReceiversTravelsToTheTaskManagers() throws Exception {
        Configuration conf = Configuration.fromMap(Map.of(
                "chronicle.alerts.receivers.am.type", "alertmanager",
                "chronicle.alerts.receivers.am.url", "http://alertmanager:9093"));
        AlertDeliverySink sink = AlertDeliverySink.fromConfig(conf).orElseThrow();
        assertThat(InstantiationUtil.clone(sink)).isNotNull();
        assertThat(sink.getWriterStateSerializer().getVersion()).isEqualTo(1);
    }

    @Test
    void aBadReceiverFailsAtConstructionNamingTheOption() {
        Configuration conf = Configuration.fromMap(Map.of(
                "chronicle.alerts.receivers.am.type", "alertmanager",
                "chronicle.alerts.receivers.am.url", "http://alertmanager:9093",
                "chronicle.alerts.receivers.am.rate-limit", "-1"));
        assertThatThrownBy(() -> AlertDeliverySink.fromConfig(conf))
                .hasMessageContaining("'chronicle.alerts.receivers.am.rate-limit'");
    }
}
