package io.chronicle.sources;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaPosition;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** Builds Chronicle's Kafka sources from configuration. */
public final class KafkaSources {

    private KafkaSources() {}

    /** An unbounded source over the topics, decoding each record as it is read. */
    public static <T> KafkaSource<Either<RejectedRecord, T>> forTopics(
            Configuration conf, List<String> topics, RecordDecoder<T> decoder, Class<T> recordType) {
        return builder(conf, topics, decoder, recordType).build();
    }

    /** As {@link #forTopics}, but ending where {@code chronicle.kafka.stopping-offsets} says. */
    public static <T> KafkaSource<Either<RejectedRecord, T>> bounded(
            Configuration conf, List<String> topics, RecordDecoder<T> decoder, Class<T> recordType) {
        KafkaPosition stop = KafkaPosition.parse(ChronicleOptions.KAFKA_STOPPING_OFFSETS.key(),
                conf.get(ChronicleOptions.KAFKA_STOPPING_OFFSETS), KafkaPosition.ENDS);
        return builder(conf, topics, decoder, recordType)
                .setBounded(KafkaPositions.stopping(stop, topics))
                .build();
    }

    /**
     * A bounded source over exactly the offsets {@code [from, to)} of each partition of
     * {@code range} (partition to its two offsets). A start that is no longer in the topic fails
     * the read rather than reading something else.
     */
    public static <T> KafkaSource<Either<RejectedRecord, T>> range(Configuration conf, String topic,
            Map<Integer, long[]> range, RecordDecoder<T> decoder, Class<T> recordType) {
        Map<TopicPartition, Long> starts = new HashMap<>();
        Map<TopicPartition, Long> stops = new HashMap<>();
        range.forEach((partition, fromTo) -> {
            starts.put(new TopicPartition(topic, partition), fromTo[0]);
            stops.put(new TopicPartition(topic, partition), fromTo[1]);
        });
        Properties props = properties(conf);
        // Nothing to commit: the range is given, and the group's offsets are the live job's.
        props.setProperty("commit.offsets.on.checkpoint", "false");
        return base(conf, decoder, recordType, props)
                .setPartitions(new HashSet<>(starts.keySet()))
                .setStartingOffsets(OffsetsInitializer.offsets(starts, OffsetResetStrategy.NONE))
                .setBounded(OffsetsInitializer.offsets(stops))
                .build();
    }

    private static <T> KafkaSourceBuilder<Either<RejectedRecord, T>> builder(
            Configuration conf, List<String> topics, RecordDecoder<T> decoder, Class<T> recordType) {
        return base(conf, decoder, recordType, properties(conf))
                .setTopics(topics)
                .setStartingOffsets(KafkaPositions.starting(KafkaPosition.parse(
                        ChronicleOptions.KAFKA_STARTING_OFFSETS.key(),
                        conf.get(ChronicleOptions.KAFKA_STARTING_OFFSETS), KafkaPosition.ANY), topics));
    }

    private static Properties properties(Configuration conf) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.putIfAbsent("commit.offsets.on.checkpoint", "true");
        props.putIfAbsent("partition.discovery.interval.ms", "60000");
        return props;
    }

    private static <T> KafkaSourceBuilder<Either<RejectedRecord, T>> base(Configuration conf,
            RecordDecoder<T> decoder, Class<T> recordType, Properties props) {
        return KafkaSource.<Either<RejectedRecord, T>>builder()
                .setBootstrapServers(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setGroupId(conf.get(ChronicleOptions.KAFKA_GROUP_ID))
                .setDeserializer(deserializer(conf, decoder, recordType))
                .setProperties(props);
    }

    /** How the sources turn each Kafka record into a canonical record or a rejection. */
    public static <T> NormalizingDeserializer<T> deserializer(
            Configuration conf, RecordDecoder<T> decoder, Class<T> recordType) {
        return new NormalizingDeserializer<>(
                conf.get(ChronicleOptions.INGEST_TENANT_HEADER), decoder, TypeInformation.of(recordType));
    }
}
