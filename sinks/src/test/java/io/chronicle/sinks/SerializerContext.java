package io.chronicle.sinks;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Opens a Kafka record serializer as a sink writer would, keeping the metrics it registers. */
final class SerializerContext implements SerializationSchema.InitializationContext {

    final InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();

    static <T> SerializerContext open(KafkaRecordSerializationSchema<T> serializer) throws Exception {
        SerializerContext context = new SerializerContext();
        serializer.open(context, null);
        return context;
    }

    static <T> ProducerRecord<byte[], byte[]> serialize(KafkaRecordSerializationSchema<T> serializer, T record)
            throws Exception {
        open(serializer);
        return serializer.serialize(record, null, 1L);
    }

    long count(String counter) {
        Counter c = (Counter) metrics.get(counter);
        return c == null ? 0 : c.getCount();
    }

    @Override
    public MetricGroup getMetricGroup() {
        return metrics;
    }

    @Override
    public UserCodeClassLoader getUserCodeClassLoader() {
        return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
    }
}
