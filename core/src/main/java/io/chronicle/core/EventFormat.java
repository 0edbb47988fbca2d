package io.chronicle.core;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The wire formats an events topic may carry ({@code chronicle.topics.event-formats}). */
public enum EventFormat {
    /** Chronicle's own JSON, one event per record. */
    CHRONICLE_JSON("chronicle-json"),
    /** OTLP traces: an {@code ExportTraceServiceRequest}, as the Collector's Kafka exporter writes otlp_proto. */
    OTLP_PROTO_SPANS("otlp-proto-spans"),
    /** The same in OTLP's JSON encoding, the Kafka exporter's otlp_json. */
    OTLP_JSON_SPANS("otlp-json-spans"),
    /** OTLP logs: an {@code ExportLogsServiceRequest} in protobuf. */
    OTLP_PROTO_LOGS("otlp-proto-logs"),
    /** The same in OTLP's JSON encoding. */
    OTLP_JSON_LOGS("otlp-json-logs");

    private final String code;

    EventFormat(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The format named {@code code}; an unknown name fails naming {@code option} and the formats. */
    public static EventFormat of(String option, String code) {
        for (EventFormat format : values()) {
            if (format.code.equals(code)) {
                return format;
            }
        }
        throw new IllegalArgumentException("Invalid value for option '" + option + "': unknown format '"
                + code + "'; the formats are " + Arrays.stream(values()).map(EventFormat::code)
                .collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return code;
    }
}
