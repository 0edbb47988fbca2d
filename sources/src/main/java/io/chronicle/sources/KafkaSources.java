package io.chronicle.sources;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RawRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.util.Properties;

/** Builds Chronicle's Kafka sources from configuration. */
public final class KafkaSources {

    private KafkaSources() {}

    /** An unbounded source over one topic. */
    public static KafkaSource<RawRecord> forTopic(Configuration conf, String topic) {
        return builder(conf, topic).build();
    }

    private static KafkaSourceBuilder<RawRecord> builder(Configuration conf, String topic) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.putIfAbsent("commit.offsets.on.checkpoint", "true");
        props.putIfAbsent("partition.discovery.interval.ms", "60000");
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setGroupId(conf.get(ChronicleOptions.KAFKA_GROUP_ID))
                .setTopics(topic)
                .setStartingOffsets(startingOffsets(conf))
                .setDeserializer(
                        new RawRecordDeserializer(conf.get(ChronicleOptions.INGEST_TENANT_HEADER)))
                .setProperties(props);
    }

    private static OffsetsInitializer startingOffsets(Configuration conf) {
        switch (conf.get(ChronicleOptions.KAFKA_STARTING_OFFSETS)) {
            case EARLIEST:
                return OffsetsInitializer.earliest();
            case LATEST:
                return OffsetsInitializer.latest();
            case COMMITTED:
            default:
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
    }
}
