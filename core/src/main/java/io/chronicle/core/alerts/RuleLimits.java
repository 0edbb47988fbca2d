package io.chronicle.core.alerts;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.time.Duration;

/**
 * The configurable bounds on rules ({@code chronicle.alerts.rules.*}). The fixed bounds on a
 * rule's fields are in {@link AlertRules}, those on a document's structure in
 * {@link RuleDocuments}.
 *
 * @param maxRules rules in force at once
 * @param maxDocumentBytes the largest rule document read from the rules topic
 * @param maxDuration the longest duration a rule may give
 * @param maxRateSamples points a rate rule keeps per series inside its window
 */
public record RuleLimits(int maxRules, int maxDocumentBytes, Duration maxDuration, int maxRateSamples)
        implements Serializable {

    /**
     * Upper bound of {@code max-duration}: far below where event time (µs) plus a duration could
     * overflow a long, so no sum of a timestamp and a rule's duration ever does.
     */
    static final Duration MAX_MAX_DURATION = Duration.ofDays(3650);
    /** Upper bound of {@code max-document-bytes}: a document is parsed whole, in memory. */
    static final int MAX_MAX_DOCUMENT_BYTES = 1 << 20;

    /** The limits the configuration sets; a value out of range fails naming its option. */
    public static RuleLimits from(Configuration conf) {
        int maxRules = atLeast(conf, ChronicleOptions.ALERTS_RULES_MAX_RULES, 1);
        int maxBytes = atLeast(conf, ChronicleOptions.ALERTS_RULES_MAX_DOCUMENT_BYTES, 1);
        if (maxBytes > MAX_MAX_DOCUMENT_BYTES) {
            throw invalid(ChronicleOptions.ALERTS_RULES_MAX_DOCUMENT_BYTES,
                    "at most " + MAX_MAX_DOCUMENT_BYTES + " bytes, got " + maxBytes);
        }
        Duration maxDuration = conf.get(ChronicleOptions.ALERTS_RULES_MAX_DURATION);
        if (maxDuration.isNegative() || maxDuration.isZero() || maxDuration.compareTo(MAX_MAX_DURATION) > 0) {
            throw invalid(ChronicleOptions.ALERTS_RULES_MAX_DURATION,
                    "must be positive and at most 3650 d, got " + maxDuration);
        }
        // A rate needs two points.
        int maxRateSamples = atLeast(conf, ChronicleOptions.ALERTS_RULES_MAX_RATE_SAMPLES, 2);
        return new RuleLimits(maxRules, maxBytes, maxDuration, maxRateSamples);
    }

    public static RuleLimits defaults() {
        return from(new Configuration());
    }

    private static int atLeast(Configuration conf, ConfigOption<Integer> option, int min) {
        int value = conf.get(option);
        if (value < min) {
            throw invalid(option, "must be at least " + min + ", got " + value);
        }
        return value;
    }

    private static IllegalArgumentException invalid(ConfigOption<?> option, String why) {
        return new IllegalArgumentException("Invalid value for option '" + option.key() + "': " + why);
    }
}
