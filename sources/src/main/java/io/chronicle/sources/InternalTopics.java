package io.chronicle.sources;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.HealthRules;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The topics through which one of Chronicle's jobs hands records to another, read by the job
 * after it: the dead-letter topic (each refused record's tenant, for the alerts job's dead-letter
 * rate), the health topic (health series another job measured) and the alerts topic (for the
 * delivery job). A job started without a checkpoint reads from its group's committed offsets, or
 * else from what was written since it was submitted: these are live signals, and their history
 * would only replay old alerts and old rates, but the jobs of a deployment start together, and an
 * alert written while the delivery job was still starting is delivered. A message that cannot be read is skipped and counted in {@code invalidMessages}:
 * nothing on these topics can fail a job.
 */
public final class InternalTopics {

    /** Messages of an internal topic skipped because they could not be read. */
    public static final String INVALID_MESSAGES = "invalidMessages";

    private InternalTopics() {}

    /**
     * The tenant of each dead-letter message, as it is written: uncommitted transactions are read
     * too, so the rate follows the rejections as they happen rather than in one burst per
     * checkpoint of the job that refused them. A transaction aborted by a restart is read and
     * later written again, so a failure can count a rejection twice for one interval.
     */
    public static KafkaSource<String> deadLetterTenants(Configuration conf) {
        Properties isolation = new Properties();
        isolation.put("isolation.level", "read_uncommitted");
        return source(conf, conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), new DeadLetterTenants(), isolation);
    }

    /** The health series of the health topic, as {@code HealthTopic} writes them. */
    public static KafkaSource<MetricPoint> healthSeries(Configuration conf) {
        return source(conf, conf.get(ChronicleOptions.TOPIC_HEALTH), new HealthSeries(), new Properties());
    }

    /** The alert state changes of the alerts topic, as the alerts job writes them. */
    public static KafkaSource<AlertNotification> alerts(Configuration conf) {
        return source(conf, conf.get(ChronicleOptions.TOPIC_ALERTS), new Alerts(), new Properties());
    }

    private static <T> KafkaSource<T> source(Configuration conf, String topic, Skipping<T> deserializer,
            Properties defaults) {
        Properties props = new Properties();
        props.putAll(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.putIfAbsent("commit.offsets.on.checkpoint", "true");
        props.putIfAbsent("partition.discovery.interval.ms", "60000");
        defaults.forEach(props::putIfAbsent);
        return KafkaSource.<T>builder()
                .setBootstrapServers(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setGroupId(conf.get(ChronicleOptions.KAFKA_GROUP_ID))
                .setTopics(topic)
                .setStartingOffsets(KafkaPositions.committedOrSince(System.currentTimeMillis()))
                .setDeserializer(deserializer)
                .setProperties(props)
                .build();
    }

    /** Reads one message's value; null or an exception skips it, counted. */
    public abstract static class Skipping<T> implements KafkaRecordDeserializationSchema<T> {
        private static final long serialVersionUID = 1L;

        private final Class<T> type;
        private transient Counter invalid;

        Skipping(Class<T> type) {
            this.type = type;
        }

        @Override
        public void open(DeserializationSchema.InitializationContext context) {
            invalid = context.getMetricGroup().counter(INVALID_MESSAGES);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<T> out) {
            T value;
            try {
                value = record.value() == null ? null : read(record.value());
            } catch (IOException | RuntimeException e) {
                value = null;
            }
            if (value == null) {
                invalid.inc();
            } else {
                out.collect(value);
            }
        }

        /** The message's record; null if it is not one. */
        public abstract T read(byte[] value) throws IOException;

        @Override
        public TypeInformation<T> getProducedType() {
            return TypeInformation.of(type);
        }
    }

    /**
     * The top-level {@code tenant} of a dead-letter message (its {@code rejected} row as JSON),
     * {@link HealthRules#UNKNOWN_TENANT} where the record was refused before its tenant was known.
     * Streamed, so the payload (up to the dead-letter bound) is skipped over, never built.
     */
    public static final class DeadLetterTenants extends Skipping<String> {
        private static final long serialVersionUID = 1L;
        private static final JsonFactory JSON = new JsonFactory();

        public DeadLetterTenants() {
            super(String.class);
        }

        @Override
        public String read(byte[] value) throws IOException {
            try (JsonParser parser = JSON.createParser(value)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                String tenant = null;
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String field = parser.currentName();
                    JsonToken token = parser.nextToken();
                    if (field.equals("tenant") && token == JsonToken.VALUE_STRING) {
                        tenant = parser.getText();
                    } else {
                        parser.skipChildren();
                    }
                }
                return tenant == null || tenant.isEmpty() ? HealthRules.UNKNOWN_TENANT : tenant;
            }
        }
    }

    /** {@code {"tenant", "metric", "tags", "value", "seriesId", "timestamp"}}: one health point. */
    public static final class HealthSeries extends Skipping<MetricPoint> {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = new ObjectMapper();

        public HealthSeries() {
            super(MetricPoint.class);
        }

        @Override
        public MetricPoint read(byte[] value) throws IOException {
            JsonNode json = JSON.readTree(value);
            MetricPoint point = new MetricPoint();
            point.tenant = text(json, "tenant");
            point.metric = text(json, "metric");
            point.tags = strings(json.get("tags"));
            JsonNode number = json.get("value");
            JsonNode seriesId = json.get("seriesId");
            Long timestamp = micros(json, "timestamp");
            if (point.tenant == null || point.metric == null || point.tags == null || number == null
                    || !number.isNumber() || seriesId == null || !seriesId.canConvertToLong() || timestamp == null
                    || !HealthRules.METRICS.contains(point.metric)) {
                return null;
            }
            point.value = number.doubleValue();
            point.seriesId = seriesId.longValue();
            point.timestampMicros = timestamp;
            return point;
        }
    }

    /** A message of the alerts topic: Alertmanager's alert fields plus Chronicle's. */
    public static final class Alerts extends Skipping<AlertNotification> {
        private static final long serialVersionUID = 1L;
        private static final ObjectMapper JSON = new ObjectMapper();

        public Alerts() {
            super(AlertNotification.class);
        }

        @Override
        public AlertNotification read(byte[] value) throws IOException {
            JsonNode json = JSON.readTree(value);
            AlertNotification a = new AlertNotification();
            a.fingerprint = text(json, "fingerprint");
            a.state = text(json, "status");
            a.labels = strings(json.get("labels"));
            a.annotations = strings(json.get("annotations"));
            Long startsAt = micros(json, "startsAt");
            Long changedAt = micros(json, "changedAt");
            if (a.fingerprint == null || a.state == null || a.labels == null || a.annotations == null
                    || startsAt == null || changedAt == null) {
                return null;
            }
            a.startsAtMicros = startsAt;
            a.changedAtMicros = changedAt;
            a.endsAtMicros = micros(json, "endsAt");
            a.generatorUrl = text(json, "generatorURL");
            a.ruleName = text(json, "rule");
            a.tenant = text(json, "tenant");
            JsonNode seriesId = json.get("seriesId");
            a.seriesId = seriesId != null && seriesId.canConvertToLong() ? seriesId.longValue() : 0L;
            JsonNode number = json.get("value");
            a.value = number != null && number.isNumber() ? number.doubleValue() : null;
            return a;
        }
    }

    private static String text(JsonNode json, String field) {
        JsonNode node = json.get(field);
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    /** An object of strings; null if it is missing or holds anything else. */
    private static Map<String, String> strings(JsonNode node) {
        if (node == null || !node.isObject()) {
            return null;
        }
        Map<String, String> map = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                return null;
            }
            map.put(e.getKey(), e.getValue().textValue());
        }
        return map;
    }

    /** An RFC 3339 instant as epoch microseconds; null if missing or not one. */
    private static Long micros(JsonNode json, String field) {
        String text = text(json, field);
        if (text == null) {
            return null;
        }
        Instant instant = Instant.parse(text);
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }
}
