package io.chronicle.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chronicle.core.alerts.AlertReceivers;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.core.alerts.RuleLimits;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Loads and validates configuration. Chronicle's options live under {@link ChronicleOptions#PREFIX}
 * and come from the job's Flink configuration ({@code config.yaml}, {@code -D}, a
 * {@code FlinkDeployment}'s {@code flinkConfiguration}), then from one YAML file
 * ({@code --config file.yaml}, nested or flat keys), then from {@code --key value} arguments;
 * later sources win. Validation fails fast with a message naming the option.
 */
public final class ChronicleConfig {

    private ChronicleConfig() {}

    /** Parses {@code [--config file.yaml] [--key value]...}; later values win. */
    public static Configuration fromArgs(String[] args) {
        return fromArgs(args, List.of());
    }

    /** As {@link #fromArgs(String[])}, also accepting and checking a program's own options. */
    public static Configuration fromArgs(String[] args, List<ConfigOption<?>> programOptions) {
        return load(new Configuration(), args, programOptions);
    }

    /**
     * Chronicle's options from {@code flinkConf} (only its keys under {@link ChronicleOptions#PREFIX}
     * are Chronicle's; every other key is Flink's and passes through), overlaid with
     * {@code [--config file.yaml] [--key value]...}, validated.
     */
    public static Configuration load(
            ReadableConfig flinkConf, String[] args, List<ConfigOption<?>> programOptions) {
        Map<String, String> values = new LinkedHashMap<>(flinkConf.toMap());
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new IllegalArgumentException(
                        "Expected '--option value' pairs, got '" + arg + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("Option '" + arg + "' needs a value");
            }
            String key = arg.substring(2);
            String value = args[++i];
            if (key.equals("config")) {
                given.putAll(readYaml(Path.of(value)));
            } else {
                given.put(key, value);
            }
        }
        given.keySet().forEach(key -> refuseRenamed(key, programOptions));
        values.putAll(given);
        return validated(Configuration.fromMap(values), programOptions);
    }

    /**
     * Before options had a namespace of their own, {@code kafka.bootstrap-servers} was what is now
     * {@code chronicle.kafka.bootstrap-servers}. A job given an old name would silently run on the
     * default, so an old name fails, naming the new one. Only arguments and {@code --config} are
     * checked: in a Flink configuration, {@code s3.*} and the like are Flink's own keys.
     */
    private static void refuseRenamed(String key, List<ConfigOption<?>> programOptions) {
        if (key.startsWith(ChronicleOptions.PREFIX)) {
            return;
        }
        String renamed = ChronicleOptions.PREFIX + key;
        if (declaredKeys(programOptions).contains(renamed) || isDynamicKey(renamed)) {
            throw new IllegalArgumentException("Option '" + key + "' is now '" + renamed
                    + "': Chronicle's options live under '" + ChronicleOptions.PREFIX + "'");
        }
    }

    /** Reads a YAML file into flat dotted keys. */
    public static Map<String, String> readYaml(Path file) {
        try {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
            Map<String, String> flat = new LinkedHashMap<>();
            if (root != null && !root.isMissingNode() && !root.isNull()) {
                if (!root.isObject()) {
                    throw new IllegalArgumentException(
                            "Configuration file " + file + " must hold a mapping of options");
                }
                flatten("", root, flat);
            }
            return flat;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read configuration file " + file, e);
        }
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            out.put(prefix, node.toString());
        } else {
            out.put(prefix, node.asText());
        }
    }

    /** The watermark's window is sorted on every emission, so it stays small. */
    static final int MAX_WATERMARK_WINDOW = 10_000;

    /**
     * The scales of OTLP's exponential histograms: at -10 one bucket spans all of a double's range,
     * and 20 is the finest OpenTelemetry's SDKs record.
     */
    static final int MIN_EXPONENTIAL_SCALE = -10;
    static final int MAX_EXPONENTIAL_SCALE = 20;

    /**
     * Checks every Chronicle option parses and that no undeclared key sits under a Chronicle
     * prefix (a misspelt option would otherwise be ignored silently). Returns the configuration.
     */
    public static Configuration validated(Configuration conf) {
        return validated(conf, List.of());
    }

    /** As {@link #validated(Configuration)}, with a program's own options declared too. */
    public static Configuration validated(Configuration conf, List<ConfigOption<?>> programOptions) {
        List<ConfigOption<?>> options = new ArrayList<>(ChronicleOptions.all());
        options.addAll(programOptions);
        Set<String> declared = declaredKeys(programOptions);
        for (String key : conf.keySet()) {
            if (key.startsWith(ChronicleOptions.PREFIX) && !declared.contains(key) && !isDynamicKey(key)) {
                throw new IllegalArgumentException("Unknown option '" + key + "'"
                        + nearest(key, declared).map(k -> " (did you mean '" + k + "'?)").orElse("")
                        + "; every option is listed in docs/configuration.md");
            }
        }
        for (ConfigOption<?> option : options) {
            try {
                conf.get(option);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "Invalid value for option '" + option.key() + "': " + e.getMessage(), e);
            }
        }
        if (!conf.contains(ChronicleOptions.CATALOG_IMPL)) {
            CatalogType.of(conf);
        }
        RollupPolicy.from(conf);
        AlertReceivers.from(conf);
        HealthRules.from(conf);
        RuleLimits.from(conf);
        WatchSettings.from(conf);
        MaintenanceSettings.from(conf);
        requirePositive(conf, ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES);
        requirePositive(conf, ChronicleOptions.INGEST_MAX_TAGS);
        requirePositive(conf, ChronicleOptions.PROMETHEUS_MAX_UNCOMPRESSED_BYTES);
        requirePositive(conf, ChronicleOptions.TRACES_MAX_EVENTS);
        requireNonNegative(conf, ChronicleOptions.VIEWS_UPSERT_BUFFER_ROWS);
        requirePositive(conf, ChronicleOptions.ROLLUP_REORDER_BUFFER);
        requirePositive(conf, ChronicleOptions.ROLLUP_BATCH_MAX_POINTS);
        requirePositive(conf, ChronicleOptions.ROLLUP_MAX_SERIES_SHARDS);
        TenantNames.validate(conf);
        checkPayloadBounds(conf);
        for (ConfigOption<Duration> option : List.of(ChronicleOptions.EVENTS_DEDUP_TTL,
                ChronicleOptions.TRACES_INACTIVITY_TIMEOUT, ChronicleOptions.TRACES_TERMINAL_GRACE,
                ChronicleOptions.TRACES_STATE_TTL, ChronicleOptions.AGENTS_DAY_GRACE,
                ChronicleOptions.ALERTS_STATE_TTL, ChronicleOptions.ALERTS_HEALTH_INTERVAL,
                ChronicleOptions.ALERTS_HEALTH_FOR, ChronicleOptions.RETENTION_INTERVAL)) {
            if (conf.get(option).isNegative() || conf.get(option).isZero()) {
                throw new IllegalArgumentException("Invalid value for option '" + option.key()
                        + "': must be positive, got " + conf.get(option));
            }
        }
        // A bounded run would alert on history, and the rules topic the alerts follow never ends.
        if (conf.get(ChronicleOptions.KAFKA_BOUNDED) && conf.get(ChronicleOptions.ALERTS_ENABLED)) {
            throw new IllegalArgumentException("Invalid value for option '"
                    + ChronicleOptions.KAFKA_BOUNDED.key() + "': a bounded run needs '"
                    + ChronicleOptions.ALERTS_ENABLED.key() + "' false");
        }
        conf.get(ChronicleOptions.JOB).validate(conf);
        pointTopics(conf);
        eventTopics(conf);
        checkKafkaPositions(conf);
        int window = conf.get(ChronicleOptions.INGEST_WATERMARK_WINDOW);
        if (window < 1 || window > MAX_WATERMARK_WINDOW) {
            throw new IllegalArgumentException("Invalid value for option '"
                    + ChronicleOptions.INGEST_WATERMARK_WINDOW.key() + "': must be from 1 to "
                    + MAX_WATERMARK_WINDOW + ", got " + window);
        }
        int scale = conf.get(ChronicleOptions.OTLP_EXPONENTIAL_MAX_SCALE);
        if (scale < MIN_EXPONENTIAL_SCALE || scale > MAX_EXPONENTIAL_SCALE) {
            throw new IllegalArgumentException("Invalid value for option '"
                    + ChronicleOptions.OTLP_EXPONENTIAL_MAX_SCALE.key() + "': must be from "
                    + MIN_EXPONENTIAL_SCALE + " to " + MAX_EXPONENTIAL_SCALE + ", got " + scale);
        }
        int outliers = conf.get(ChronicleOptions.INGEST_WATERMARK_OUTLIERS);
        if (outliers < 0 || outliers >= window) {
            throw new IllegalArgumentException("Invalid value for option '"
                    + ChronicleOptions.INGEST_WATERMARK_OUTLIERS.key() + "': must be from 0 to "
                    + (window - 1) + " (below " + ChronicleOptions.INGEST_WATERMARK_WINDOW.key()
                    + "), got " + outliers);
        }
        try {
            Instant.parse(conf.get(ChronicleOptions.INGEST_MIN_TIMESTAMP));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + ChronicleOptions.INGEST_MIN_TIMESTAMP.key()
                            + "': not an ISO-8601 instant", e);
        }
        if (conf.getOptional(ChronicleOptions.S3_ACCESS_KEY).isPresent()
                != conf.getOptional(ChronicleOptions.S3_SECRET_KEY).isPresent()) {
            throw new IllegalArgumentException(
                    "Options '" + ChronicleOptions.S3_ACCESS_KEY.key() + "' and '"
                            + ChronicleOptions.S3_SECRET_KEY.key() + "' must be given together");
        }
        return conf;
    }

    /**
     * The topics of metric points and the wire format of each: {@code chronicle.topics.points}
     * first (Chronicle's JSON unless {@code chronicle.topics.point-formats} names it), then the
     * others that option names. A format that does not exist, an empty topic name or a topic of
     * events among them fails naming the option.
     */
    public static Map<String, PointFormat> pointTopics(ReadableConfig conf) {
        requireDisjointTopics(conf);
        return topics(conf, ChronicleOptions.TOPIC_POINTS, ChronicleOptions.TOPIC_POINT_FORMATS,
                PointFormat.CHRONICLE_JSON.code(), PointFormat::of);
    }

    /**
     * The topics of events and the wire format of each, as {@link #pointTopics} for points:
     * {@code chronicle.topics.events} first, then those {@code chronicle.topics.event-formats} names.
     */
    public static Map<String, EventFormat> eventTopics(ReadableConfig conf) {
        requireDisjointTopics(conf);
        return topics(conf, ChronicleOptions.TOPIC_EVENTS, ChronicleOptions.TOPIC_EVENT_FORMATS,
                EventFormat.CHRONICLE_JSON.code(), EventFormat::of);
    }

    private static <F> Map<String, F> topics(ReadableConfig conf, ConfigOption<String> mainOption,
            ConfigOption<Map<String, String>> formatsOption, String defaultFormat,
            BiFunction<String, String, F> formatOf) {
        String option = formatsOption.key();
        Map<String, String> named = new TreeMap<>(conf.get(formatsOption));
        String main = conf.get(mainOption);
        Map<String, F> topics = new LinkedHashMap<>();
        topics.put(main, formatOf.apply(option, named.getOrDefault(main, defaultFormat)));
        named.forEach((topic, format) -> {
            if (topic.isBlank()) {
                throw new IllegalArgumentException("Invalid value for option '" + option + "': an empty topic name");
            }
            topics.put(topic, formatOf.apply(option, format));
        });
        return topics;
    }

    /** No topic is read both as points and as events; the option that makes it so is named. */
    private static void requireDisjointTopics(ReadableConfig conf) {
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        Set<String> namedPoints = conf.get(ChronicleOptions.TOPIC_POINT_FORMATS).keySet();
        Set<String> namedEvents = conf.get(ChronicleOptions.TOPIC_EVENT_FORMATS).keySet();
        if (points.equals(events)) {
            throw new IllegalArgumentException("Invalid value for option '" + ChronicleOptions.TOPIC_POINTS.key()
                    + "': '" + points + "' is also the events topic (" + ChronicleOptions.TOPIC_EVENTS.key() + ")");
        }
        for (String topic : namedPoints) {
            if (topic.equals(events) || namedEvents.contains(topic)) {
                throw new IllegalArgumentException("Invalid value for option '"
                        + ChronicleOptions.TOPIC_POINT_FORMATS.key() + "': '" + topic + "' is a topic of events ("
                        + ChronicleOptions.TOPIC_EVENTS.key() + ", " + ChronicleOptions.TOPIC_EVENT_FORMATS.key() + ")");
            }
        }
        if (namedEvents.contains(points)) {
            throw new IllegalArgumentException("Invalid value for option '" + ChronicleOptions.TOPIC_EVENT_FORMATS.key()
                    + "': '" + points + "' is a topic of points (" + ChronicleOptions.TOPIC_POINTS.key() + ")");
        }
    }

    /**
     * The starting and stopping positions parse, name only the topics the job reads, and a
     * stopping position other than the default comes with a bounded run (an unbounded job never
     * stops, so the option would be ignored silently).
     */
    private static void checkKafkaPositions(Configuration conf) {
        Set<String> topics = new HashSet<>(pointTopics(conf).keySet());
        topics.addAll(eventTopics(conf).keySet());
        ConfigOption<String> start = ChronicleOptions.KAFKA_STARTING_OFFSETS;
        ConfigOption<String> stop = ChronicleOptions.KAFKA_STOPPING_OFFSETS;
        requireKnownTopics(start, KafkaPosition.parse(start.key(), conf.get(start), KafkaPosition.ANY), topics);
        KafkaPosition end = KafkaPosition.parse(stop.key(), conf.get(stop), KafkaPosition.ENDS);
        requireKnownTopics(stop, end, topics);
        if (!(end instanceof KafkaPosition.Latest) && !conf.get(ChronicleOptions.KAFKA_BOUNDED)) {
            throw new IllegalArgumentException("Invalid value for option '" + stop.key()
                    + "': only a bounded run stops; set '" + ChronicleOptions.KAFKA_BOUNDED.key() + "' true");
        }
    }

    private static void requireKnownTopics(ConfigOption<String> option, KafkaPosition position, Set<String> topics) {
        if (position instanceof KafkaPosition.Offsets offsets) {
            for (String topic : offsets.byTopic().keySet()) {
                if (!topics.contains(topic)) {
                    throw new IllegalArgumentException("Invalid value for option '" + option.key()
                            + "': topic '" + topic + "' is not one the job reads (" + new TreeSet<>(topics) + ")");
                }
            }
        }
    }

    /**
     * The dead-letter payload is a cut of the table's, and its base64, with room for the other
     * fields, fits in one producer request: a message the producer refuses would fail the job.
     */
    private static void checkPayloadBounds(Configuration conf) {
        ConfigOption<Integer> table = ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES;
        ConfigOption<Integer> deadLetter = ChronicleOptions.DEAD_LETTER_MAX_PAYLOAD_BYTES;
        requireNonNegative(conf, table);
        requireNonNegative(conf, deadLetter);
        if (conf.get(deadLetter) > conf.get(table)) {
            throw new IllegalArgumentException("Invalid value for option '" + deadLetter.key() + "': "
                    + conf.get(deadLetter) + " is more than '" + table.key() + "' (" + conf.get(table)
                    + "): a dead-letter message carries at most what the table keeps");
        }
        int maxRequestSize = KafkaLimits.maxRequestSize(conf);
        long needed = KafkaLimits.base64Length(conf.get(deadLetter)) + KafkaLimits.DEAD_LETTER_FIELDS_BYTES
                + KafkaLimits.RECORD_OVERHEAD_BYTES;
        if (needed > maxRequestSize) {
            throw new IllegalArgumentException("Invalid value for option '" + deadLetter.key() + "': "
                    + conf.get(deadLetter) + " bytes take " + KafkaLimits.base64Length(conf.get(deadLetter))
                    + " in base64, and with " + (KafkaLimits.DEAD_LETTER_FIELDS_BYTES + KafkaLimits.RECORD_OVERHEAD_BYTES)
                    + " for the other fields more than the producer's max.request.size of " + maxRequestSize
                    + " bytes ('" + KafkaLimits.MAX_REQUEST_SIZE_KEY + "'); lower the one or raise the other");
        }
    }

    private static void requireNonNegative(Configuration conf, ConfigOption<Integer> option) {
        if (conf.get(option) < 0) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + option.key() + "': must not be negative, got "
                            + conf.get(option));
        }
    }

    private static void requirePositive(Configuration conf, ConfigOption<Integer> option) {
        if (conf.get(option) <= 0) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + option.key() + "': must be positive, got "
                            + conf.get(option));
        }
    }

    private static Set<String> declaredKeys(List<ConfigOption<?>> programOptions) {
        Set<String> declared = new TreeSet<>();
        ChronicleOptions.all().forEach(option -> declared.add(option.key()));
        programOptions.forEach(option -> declared.add(option.key()));
        return declared;
    }

    /** Keys that name something (a tenant, a receiver, a client property) besides an option. */
    private static boolean isDynamicKey(String key) {
        return key.startsWith(ChronicleOptions.KAFKA_PROPERTIES_PREFIX)
                || key.startsWith(ChronicleOptions.TOPIC_POINT_FORMATS.key() + ".")
                || key.startsWith(ChronicleOptions.TOPIC_EVENT_FORMATS.key() + ".")
                || key.startsWith(ChronicleOptions.CATALOG_PROPERTIES_PREFIX)
                || RollupPolicy.isDynamicKey(key)
                || AlertReceivers.isDynamicKey(key);
    }

    /** The declared key closest to a misspelt one, if it is close enough to be a typo. */
    private static Optional<String> nearest(String key, Set<String> declared) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : declared) {
            int distance = editDistance(key, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 8) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The keys under {@code prefix}, with the prefix removed. */
    public static Map<String, String> withPrefix(Configuration conf, String prefix) {
        Map<String, String> out = new HashMap<>();
        conf.toMap().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
