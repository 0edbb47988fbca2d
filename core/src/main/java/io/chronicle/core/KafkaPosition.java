package io.chronicle.core;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A position in Kafka topics, as {@code chronicle.kafka.starting-offsets} and
 * {@code chronicle.kafka.stopping-offsets} name it: {@code committed}, {@code earliest},
 * {@code latest}, {@code timestamp:<ISO-8601 or epoch ms>} (the first record whose Kafka timestamp
 * is at or after it), or {@code topic:partition:offset,...}.
 */
public sealed interface KafkaPosition {

    /** The consumer group's committed offsets, the earliest where it has none. */
    record Committed() implements KafkaPosition {}

    record Earliest() implements KafkaPosition {}

    record Latest() implements KafkaPosition {}

    /** The first offset of each partition whose record's Kafka timestamp is at or after it. */
    record Timestamp(long epochMillis) implements KafkaPosition {}

    /**
     * Offsets named per partition, topic to partition to offset; the partitions not named follow
     * the fallback of whatever uses the position.
     */
    record Offsets(SortedMap<String, SortedMap<Integer, Long>> byTopic) implements KafkaPosition {
        public Offsets {
            SortedMap<String, SortedMap<Integer, Long>> copy = new TreeMap<>();
            byTopic.forEach((topic, offsets) ->
                    copy.put(topic, Collections.unmodifiableSortedMap(new TreeMap<>(offsets))));
            byTopic = Collections.unmodifiableSortedMap(copy);
        }

        /** The named offsets of one topic (empty when it names none of its partitions). */
        public SortedMap<Integer, Long> of(String topic) {
            return byTopic.getOrDefault(topic, Collections.emptySortedMap());
        }
    }

    /** Every form, for a starting position. */
    List<Class<? extends KafkaPosition>> ANY =
            List.of(Committed.class, Earliest.class, Latest.class, Timestamp.class, Offsets.class);

    /** The forms that name where a bounded read ends. */
    List<Class<? extends KafkaPosition>> ENDS = List.of(Latest.class, Timestamp.class, Offsets.class);

    /**
     * Parses {@code text}; a value that is not one of the forms {@code allowed} lists fails
     * naming {@code option} and those forms. Keywords are case-insensitive (earlier versions
     * wrote COMMITTED).
     */
    static KafkaPosition parse(String option, String text, List<Class<? extends KafkaPosition>> allowed) {
        String trimmed = text == null ? "" : text.trim();
        KafkaPosition position;
        try {
            position = parseAny(option, trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; expected " + grammar(allowed), e);
        }
        if (!allowed.contains(position.getClass())) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': '" + trimmed
                    + "' is not a position this option takes; expected " + grammar(allowed));
        }
        return position;
    }

    private static String grammar(List<Class<? extends KafkaPosition>> allowed) {
        List<String> forms = new ArrayList<>();
        for (Class<? extends KafkaPosition> form : allowed) {
            forms.add(form == Committed.class ? "committed"
                    : form == Earliest.class ? "earliest"
                    : form == Latest.class ? "latest"
                    : form == Timestamp.class ? "timestamp:<ISO-8601 instant or epoch milliseconds>"
                    : "topic:partition:offset,...");
        }
        return String.join(", ", forms.subList(0, forms.size() - 1)) + " or " + forms.get(forms.size() - 1);
    }

    private static KafkaPosition parseAny(String option, String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "committed":
                return new Committed();
            case "earliest":
                return new Earliest();
            case "latest":
                return new Latest();
            default:
                break;
        }
        if (lower.startsWith("timestamp:")) {
            return new Timestamp(epochMillis(option, text, text.substring("timestamp:".length()).trim()));
        }
        if (text.isEmpty()) {
            throw invalid(option, text, "empty");
        }
        SortedMap<String, SortedMap<Integer, Long>> byTopic = new TreeMap<>();
        for (String entry : text.split(",", -1)) {
            String item = entry.trim();
            int last = item.lastIndexOf(':');
            int middle = last < 0 ? -1 : item.lastIndexOf(':', last - 1);
            // Kafka topic names hold no colon, so the last two colons split an entry.
            if (middle <= 0 || item.substring(0, middle).contains(":")) {
                throw invalid(option, text, "'" + item + "' is not topic:partition:offset");
            }
            String topic = item.substring(0, middle);
            int partition = (int) number(option, text, item.substring(middle + 1, last), "partition", Integer.MAX_VALUE);
            long offset = number(option, text, item.substring(last + 1), "offset", Long.MAX_VALUE);
            if (byTopic.computeIfAbsent(topic, t -> new TreeMap<>()).put(partition, offset) != null) {
                throw invalid(option, text, "partition " + topic + ":" + partition + " is named twice");
            }
        }
        return new Offsets(byTopic);
    }

    private static long epochMillis(String option, String text, String value) {
        if (!value.isEmpty() && value.chars().allMatch(Character::isDigit)) {
            return number(option, text, value, "epoch milliseconds", Long.MAX_VALUE);
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeException e) {
            throw invalid(option, text, "'" + value + "' is neither an ISO-8601 instant with an offset"
                    + " (2026-11-01T00:00:00Z) nor epoch milliseconds");
        }
        // Kafka timestamps are milliseconds: a finer instant would silently round one way or the other.
        if (instant.getNano() % 1_000_000 != 0) {
            throw invalid(option, text, "Kafka timestamps are whole milliseconds, '" + value + "' is finer");
        }
        if (instant.isBefore(Instant.EPOCH)) {
            throw invalid(option, text, "'" + value + "' is before 1970");
        }
        return instant.toEpochMilli();
    }

    private static long number(String option, String text, String value, String what, long max) {
        if (value.isEmpty() || !value.chars().allMatch(Character::isDigit)) {
            throw invalid(option, text, "the " + what + " '" + value + "' is not a number from 0");
        }
        try {
            long n = Long.parseLong(value);
            if (n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw invalid(option, text, "the " + what + " '" + value + "' is too large");
        }
    }

    private static IllegalArgumentException invalid(String option, String text, String why) {
        return new IllegalArgumentException(
                "Invalid value for option '" + option + "': '" + text + "' (" + why + ")");
    }
}
