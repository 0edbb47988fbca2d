package io.chronicle.deploy;

import org.apache.flink.configuration.ConfigOption;

import java.util.List;

import static org.apache.flink.configuration.ConfigOptions.key;

/**
 * Options of the local stack only. Chronicle's own options apply as well, and Flink's
 * ({@code execution.checkpointing.interval} defaults to 10 s here). Giving
 * {@code chronicle.kafka.bootstrap-servers}, {@code chronicle.s3.endpoint} or {@code chronicle.catalog.uri} points the stack at
 * an existing Kafka, S3 store or catalog instead of starting its own.
 */
public final class LocalStackOptions {

    private LocalStackOptions() {}

    public static final ConfigOption<String> DATA_DIR =
            key("chronicle.local.data-dir")
                    .stringType()
                    .defaultValue(".chronicle")
                    .withDescription(
                            "Folder holding all data and job state between runs: Kafka logs, S3"
                                    + " buckets, the catalog database, checkpoints and logs.");

    public static final ConfigOption<Integer> KAFKA_PORT =
            key("chronicle.local.kafka-port").intType().defaultValue(9092)
                    .withDescription("Port of the local Kafka broker.");

    public static final ConfigOption<Integer> S3_PORT =
            key("chronicle.local.s3-port").intType().defaultValue(9000)
                    .withDescription("Port of the local S3-compatible server.");

    public static final ConfigOption<Integer> FLINK_PORT =
            key("chronicle.local.flink-port").intType().defaultValue(8081)
                    .withDescription("Port of the Flink web UI and REST API.");

    public static final ConfigOption<Integer> SQL_GATEWAY_PORT =
            key("chronicle.local.sql-gateway-port").intType().defaultValue(8083)
                    .withDescription("Port of the SQL gateway's REST endpoint.");

    public static final ConfigOption<Integer> FLINK_METRICS_PORT =
            key("chronicle.local.flink-metrics-port").intType().defaultValue(9249)
                    .withDescription(
                            "Port of Flink's Prometheus metrics reporter (/metrics, on every"
                                    + " interface, as Flink's reporter binds). The watcher's own"
                                    + " endpoint is chronicle.watch.port.");

    public static final ConfigOption<Integer> TRAFFIC_POINTS_PER_SECOND =
            key("chronicle.local.traffic.points-per-second").intType().defaultValue(2000)
                    .withDescription("Sample points produced per second; 0 turns points off.");

    public static final ConfigOption<Integer> TRAFFIC_TRACES_PER_SECOND =
            key("chronicle.local.traffic.traces-per-second").intType().defaultValue(5)
                    .withDescription(
                            "Sample swarm traces started per second (each emits its lifecycle"
                                    + " events); 0 turns events off.");

    public static final ConfigOption<Double> TRAFFIC_MALFORMED_SHARE =
            key("chronicle.local.traffic.malformed-share").doubleType().defaultValue(0.01)
                    .withDescription("Share of sample records that are deliberately malformed.");

    public static List<ConfigOption<?>> all() {
        return List.of(DATA_DIR, KAFKA_PORT, S3_PORT, FLINK_PORT, SQL_GATEWAY_PORT, FLINK_METRICS_PORT,
                TRAFFIC_POINTS_PER_SECOND, TRAFFIC_TRACES_PER_SECOND, TRAFFIC_MALFORMED_SHARE);
    }
}
