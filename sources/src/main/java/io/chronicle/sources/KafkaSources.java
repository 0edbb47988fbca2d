package io.chronicle.sources;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RecordNormalizer;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.util.Properties;

/** Builds Chronicle's Kafka sources from configuration. */
public final class KafkaSources {

    private KafkaSources() {}

    /** An unbounded source over one topic, normalizing each record as it is read. */
    public static <T> KafkaSource<Either<RejectedRecord, T>> forTopic(
            Configuration conf, String topic, RecordNormalizer<T> normalizer, Class<T> recordType) {
        return builder(conf, topic, normalizer, recordType).build();
    }

    /** As {@link #forTopic}, but ending at the offsets that are latest when the job starts. */
    public static <T> KafkaSource<Either<RejectedRecord, T>> boundedToLatest(
            Configuration conf, String topic, RecordNormalizer<T> normalizer, Class<T> recordType) {
        return builder(conf, topic, normalizer, recordType)
                .setBounded(OffsetsInitializer.latest())
                .build();
    }

    private static <T> KafkaSourceBuilder<Either<RejectedRecord, T>> builder(
            Configuration conf, String topic, RecordNormalizer<T> normalizer, Class<T> recordType) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.putIfAbsent("commit.offsets.on.checkpoint", "true");
        props.putIfAbsent("partition.discovery.interval.ms", "60000");
        return KafkaSource.<Either<RejectedRecord, T>>builder()
                .setBootstrapServers(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setGroupId(conf.get(ChronicleOptions.KAFKA_GROUP_ID))
                .setTopics(topic)
                .setStartingOffsets(startingOffsets(conf))
                .setDeserializer(deserializer(conf, normalizer, recordType))
                .setProperties(props);
    }

    /** How the sources turn each Kafka record into a canonical record or a rejection. */
    public static <T> NormalizingDeserializer<T> deserializer(
            Configuration conf, RecordNormalizer<T> normalizer, Class<T> recordType) {
        return new NormalizingDeserializer<>(
                conf.get(ChronicleOptions.INGEST_TENANT_HEADER), normalizer, TypeInformation.of(recordType));
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
