package io.chronicle.core.alerts;

import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FingerprintsTest {

    @Test
    void matchesPrometheusLabelSetFingerprint() {
        // FNV-1a 64 of "alertname\xffHighCPU\xffhost\xffweb-1\xff", computed outside Java.
        assertThat(Fingerprints.of(Map.of("host", "web-1", "alertname", "HighCPU")))
                .isEqualTo("5158976e13672c2e");
        assertThat(Fingerprints.of(Map.of())).isEqualTo("cbf29ce484222325");
    }

    @Test
    void dependsOnLabelsNotOnTheirOrder() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("b", "2");
        a.put("a", "1");
        assertThat(Fingerprints.of(a)).isEqualTo(Fingerprints.of(Map.of("a", "1", "b", "2")))
                .isNotEqualTo(Fingerprints.of(Map.of("a", "2", "b", "1")));
    }

    @Test
    void notificationsUseFlinksPojoSerializer() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AlertNotification.class);
    }
}
