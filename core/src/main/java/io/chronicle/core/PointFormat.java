package io.chronicle.core;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The wire formats a points topic may carry ({@code chronicle.topics.point-formats}). */
public enum PointFormat {
    /** Chronicle's own JSON, one point per record. */
    CHRONICLE_JSON("chronicle-json"),
    /** InfluxDB line protocol as Telegraf's Kafka output writes it: lines of several fields. */
    INFLUX_LINE("influx-line"),
    /** Prometheus remote write 1.0: a snappy-compressed {@code prometheus.WriteRequest}. */
    PROMETHEUS_REMOTE_WRITE("prometheus-remote-write"),
    /** Prometheus remote write 2.0: a snappy-compressed {@code io.prometheus.write.v2.Request}. */
    PROMETHEUS_REMOTE_WRITE_V2("prometheus-remote-write-v2"),
    /** OTLP metrics: an {@code ExportMetricsServiceRequest}, as the Collector's Kafka exporter writes otlp_proto. */
    OTLP_PROTO("otlp-proto"),
    /** The same in OTLP's JSON encoding, the Kafka exporter's otlp_json. */
    OTLP_JSON("otlp-json");

    private final String code;

    PointFormat(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The format named {@code code}; an unknown name fails naming {@code option} and the formats. */
    public static PointFormat of(String option, String code) {
        for (PointFormat format : values()) {
            if (format.code.equals(code)) {
                return format;
            }
        }
        throw new IllegalArgumentException("Invalid value for option '" + option + "': unknown format '"
                + code + "'; the formats are " + Arrays.stream(values()).map(PointFormat::code)
                .collect(Collectors.joining(", ")));
    }

    @Override
    public String toString() {
        return code;
    }
}
