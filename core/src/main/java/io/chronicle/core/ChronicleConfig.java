package io.chronicle.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.chronicle.core.alerts.AlertReceivers;
import io.chronicle.core.alerts.HealthRules;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Loads and validates configuration: one YAML file (nested or flat keys) plus {@code --key value}
 * overrides from the command line. Validation fails fast with a message naming the option.
 */
public final class ChronicleConfig {

    private ChronicleConfig() {}

    /** Parses {@code [--config file.yaml] [--key value]...}; later values win. */
    public static Configuration fromArgs(String[] args) {
        return fromArgs(args, List.of());
    }

    /** As {@link #fromArgs(String[])}, also accepting and checking a program's own options. */
    public static Configuration fromArgs(String[] args, List<ConfigOption<?>> programOptions) {
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "Expected '--option value' pairs, got '" + arg + "'");
            }
            String key = arg.substring(2);
            String value = args[++i];
            if (key.equals("config")) {
                values.putAll(readYaml(Path.of(value)));
            } else {
                values.put(key, value);
            }
        }
        return validated(Configuration.fromMap(values), programOptions);
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
        Set<String> declared =
                options.stream().map(ConfigOption::key).collect(Collectors.toCollection(TreeSet::new));
        for (String key : conf.keySet()) {
            boolean owned = ChronicleOptions.OWNED_PREFIXES.stream().anyMatch(key::startsWith);
            boolean passthrough =
                    key.startsWith(ChronicleOptions.KAFKA_PROPERTIES_PREFIX)
                            || key.startsWith(ChronicleOptions.CATALOG_PROPERTIES_PREFIX);
            boolean dynamic = RollupPolicy.isDynamicKey(key) || AlertReceivers.isDynamicKey(key);
            if (owned && !passthrough && !declared.contains(key) && !dynamic) {
                throw new IllegalArgumentException(
                        "Unknown option '" + key + "'. Known options: " + String.join(", ", declared));
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
        RollupPolicy.from(conf);
        AlertReceivers.from(conf);
        HealthRules.from(conf);
        requirePositive(conf, ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES);
        requirePositive(conf, ChronicleOptions.INGEST_MAX_TAGS);
        for (ConfigOption<Duration> option : List.of(ChronicleOptions.EVENTS_DEDUP_TTL,
                ChronicleOptions.TRACES_INACTIVITY_TIMEOUT, ChronicleOptions.TRACES_TERMINAL_GRACE,
                ChronicleOptions.TRACES_STATE_TTL, ChronicleOptions.AGENTS_DAY_GRACE,
                ChronicleOptions.ALERTS_STATE_TTL, ChronicleOptions.ALERTS_HEALTH_INTERVAL,
                ChronicleOptions.ALERTS_HEALTH_FOR)) {
            if (conf.get(option).isNegative() || conf.get(option).isZero()) {
                throw new IllegalArgumentException("Invalid value for option '" + option.key()
                        + "': must be positive, got " + conf.get(option));
            }
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
                    "Options 's3.access-key' and 's3.secret-key' must be given together");
        }
        return conf;
    }

    private static void requirePositive(Configuration conf, ConfigOption<Integer> option) {
        if (conf.get(option) <= 0) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + option.key() + "': must be positive, got "
                            + conf.get(option));
        }
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
