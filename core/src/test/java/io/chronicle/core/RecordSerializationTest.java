package io.chronicle.core;

import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** Every record type travels with Flink's own POJO serializer, never Kryo. */
class RecordSerializationTest {

    @ParameterizedTest
    @ValueSource(classes = {RawRecord.class, MetricPoint.class, Event.class, RejectedRecord.class,
            Provenance.class})
    void isSerializedAsPojoWithoutKryo(Class<?> type) {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }

    @Test
    void metricPointRoundTripsThroughItsSerializer() throws Exception {
        MetricPoint point = new MetricPoint();
        point.tenant = "acme";
        point.metric = "cpu";
        point.tags = new TreeMap<>(java.util.Map.of("host", "a", "dc", "x"));
        point.value = 0.25;
        point.timestampMicros = 1_795_300_000_000_000L;
        point.seriesId = -42L;
        point.provenance = new Provenance("chronicle.points", 2, 99L, 1_795_300_000_000_001L);

        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<MetricPoint> serializer =
                TypeInformation.of(MetricPoint.class).createSerializer(config);
        assertThat(serializer).isInstanceOf(PojoSerializer.class);
        DataOutputSerializer out = new DataOutputSerializer(128);
        serializer.serialize(point, out);
        MetricPoint copy = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(copy).isEqualTo(point);
    }
}
