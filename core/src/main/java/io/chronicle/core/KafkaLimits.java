package io.chronicle.core;

import org.apache.flink.configuration.Configuration;

/**
 * How large a message Chronicle's Kafka producers may send. A producer refuses a larger one
 * asynchronously, which fails the job, and the restored job meets the same record again; so the
 * sinks keep every message under this bound, and the configuration check makes sure the
 * dead-letter payload fits in it.
 */
public final class KafkaLimits {

    /** The producer property bounding one message, given as {@code chronicle.kafka.properties.max.request.size}. */
    public static final String MAX_REQUEST_SIZE_KEY =
            ChronicleOptions.KAFKA_PROPERTIES_PREFIX + "max.request.size";

    /** Kafka's default {@code max.request.size}. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    /**
     * What a record adds to its key and value in the producer's size check, rounded up: a batch
     * header of 61 bytes, a record header of at most 21, two length varints of at most 5 each and
     * the header count.
     */
    public static final int RECORD_OVERHEAD_BYTES = 128;

    /**
     * Room a dead-letter message's fields other than the payload are given by the configuration
     * check: reason, tenant, coordinates and times take a few hundred bytes; longer ones are cut
     * when the message is written.
     */
    public static final int DEAD_LETTER_FIELDS_BYTES = 4 * 1024;

    private KafkaLimits() {}

    /** The producers' {@code max.request.size}: the configured one, else Kafka's default. */
    public static int maxRequestSize(Configuration conf) {
        String value = conf.toMap().get(MAX_REQUEST_SIZE_KEY);
        if (value == null) {
            return DEFAULT_MAX_REQUEST_SIZE;
        }
        try {
            int size = Integer.parseInt(value.trim());
            if (size > RECORD_OVERHEAD_BYTES) {
                return size;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("Invalid value for option '" + MAX_REQUEST_SIZE_KEY
                + "': must be a number of bytes above " + RECORD_OVERHEAD_BYTES + ", got '" + value + "'");
    }

    /** The most bytes of key plus value one message of these producers may hold. */
    public static int maxMessageBytes(Configuration conf) {
        return maxRequestSize(conf) - RECORD_OVERHEAD_BYTES;
    }

    /** The length of {@code bytes} bytes in padded base64, as flink-json writes binary columns. */
    public static long base64Length(long bytes) {
        return (bytes + 2) / 3 * 4;
    }
}
