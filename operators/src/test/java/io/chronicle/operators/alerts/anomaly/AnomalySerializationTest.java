package io.chronicle.operators.alerts.anomaly;

import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.api.Test;

/** The per-series state of anomaly models sits in keyed state with Flink's POJO serializer, never Kryo. */
class AnomalySerializationTest {

    @Test
    void stateIsSerializedAsPojoWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(AnomalyState.class);
    }
}
