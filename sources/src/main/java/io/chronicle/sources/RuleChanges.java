package io.chronicle.sources;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AlertRules;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleDocuments;
import io.chronicle.core.alerts.RuleLimits;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Properties;

/**
 * The rules topic as a stream of {@link RuleChange}s. The topic is compacted and keyed by rule
 * name, so reading it from the start gives every rule in force; a tombstone deletes a rule. A
 * message that is not a valid rule becomes a change carrying the reason, never a failure: the
 * rules topic is open to every rule author, so every byte of it is treated as hostile.
 */
public final class RuleChanges {

    private RuleChanges() {}

    public static KafkaSource<RuleChange> source(Configuration conf) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.putIfAbsent("partition.discovery.interval.ms", "60000");
        return KafkaSource.<RuleChange>builder()
                .setBootstrapServers(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setGroupId(conf.get(ChronicleOptions.KAFKA_GROUP_ID) + "-rules")
                .setTopics(conf.get(ChronicleOptions.TOPIC_RULES))
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new Deserializer(RuleLimits.from(conf)))
                .setProperties(props)
                .build();
    }

    /**
     * Rules carry no event time: the rules source declares itself idle, so the rule side of the
     * evaluation never holds back the points' event time. (A watermark at the end of time would
     * do that too, but would push event time to the end whenever the points go idle.)
     */
    public static WatermarkStrategy<RuleChange> watermarks() {
        return WatermarkStrategy.forGenerator(ctx -> new WatermarkGenerator<>() {
            @Override
            public void onEvent(RuleChange change, long timestamp, WatermarkOutput out) {}

            @Override
            public void onPeriodicEmit(WatermarkOutput out) {
                out.markIdle();
            }
        });
    }

    /**
     * One message of the rules topic: key the rule name, value the rule (YAML or JSON) or null.
     * Never throws: whatever the message holds, it becomes a change, a deletion or a refusal with
     * the reason.
     */
    public static RuleChange read(byte[] key, byte[] value, RuleLimits limits) {
        try {
            return parse(key, value, limits);
        } catch (RuntimeException e) {
            // Only a bug in a parser could get here; the message is refused, not the job failed.
            return RuleChange.invalid(null, "the message could not be read: " + AlertRules.abbreviate(e.toString()));
        }
    }

    private static RuleChange parse(byte[] key, byte[] value, RuleLimits limits) {
        if (key == null) {
            return RuleChange.invalid(null, "a rule message needs the rule name as its key");
        }
        String name = new String(key, StandardCharsets.UTF_8);
        if (!AlertRules.isRuleName(name)) {
            return RuleChange.invalid(null, "the key '" + AlertRules.abbreviate(name) + "' is not a rule name:"
                    + " letters, digits, _ : . - (at most 200), starting with a letter or _");
        }
        if (value == null) {
            return RuleChange.delete(name);
        }
        try {
            AlertRule rule = AlertRules.parseRule(RuleDocuments.decode(value, limits.maxDocumentBytes()), limits);
            if (!rule.name.equals(name)) {
                return RuleChange.invalid(name, "the message's key is '" + name
                        + "' but the rule is named '" + rule.name + "'");
            }
            return RuleChange.upsert(rule);
        } catch (IllegalArgumentException e) {
            return RuleChange.invalid(name, e.getMessage());
        }
    }

    static final class Deserializer implements KafkaRecordDeserializationSchema<RuleChange> {
        private static final long serialVersionUID = 1L;

        private final RuleLimits limits;

        Deserializer(RuleLimits limits) {
            this.limits = limits;
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RuleChange> out) {
            out.collect(read(record.key(), record.value(), limits).at(record.partition(), record.offset()));
        }

        @Override
        public TypeInformation<RuleChange> getProducedType() {
            return TypeInformation.of(RuleChange.class);
        }
    }
}
