package io.chronicle.jobs;

import io.chronicle.catalog.CatalogProperties;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.services.KafkaBroker;
import io.chronicle.services.S3Server;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The real services the job tests run against: a Kafka broker and an S3-compatible server as
 * child processes, an Iceberg JDBC catalog on SQLite per test run, and Flink SQL to read back.
 */
final class ItServices implements AutoCloseable {

    private final Path dir;
    final KafkaBroker kafka;
    final S3Server s3;

    private ItServices(Path dir, KafkaBroker kafka, S3Server s3) {
        this.dir = dir;
        this.kafka = kafka;
        this.s3 = s3;
    }

    static ItServices start(Path dir) throws Exception {
        KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"), 0);
        S3Server s3 = S3Server.start(dir.resolve("s3"), 0);
        s3.createBucket("lake");
        return new ItServices(dir, kafka, s3);
    }

    /** Chronicle's configuration for one test run: its own topics, group and catalog. */
    Configuration chronicleConf(String run, Map<String, String> extra) {
        Map<String, String> values = new HashMap<>();
        values.put(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS.key(), kafka.bootstrapServers());
        values.put(ChronicleOptions.KAFKA_GROUP_ID.key(), "it-" + run);
        values.put(ChronicleOptions.TOPIC_POINTS.key(), "points-" + run);
        values.put(ChronicleOptions.TOPIC_EVENTS.key(), "events-" + run);
        values.put(ChronicleOptions.TOPIC_DEAD_LETTER.key(), "dead-letter-" + run);
        values.put(ChronicleOptions.TOPIC_TRACES.key(), "traces-" + run);
        values.put(ChronicleOptions.TOPIC_AGENT_METRICS.key(), "agent-metrics-" + run);
        values.put(ChronicleOptions.CATALOG_TYPE.key(), "jdbc");
        values.put(ChronicleOptions.CATALOG_URI.key(),
                "jdbc:sqlite:" + dir.resolve("catalog-" + run + ".db"));
        values.put("chronicle.catalog.properties.jdbc.busy_timeout", "30000");
        values.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), "s3://lake/" + run);
        values.put(ChronicleOptions.S3_ENDPOINT.key(), s3.endpoint().toString());
        values.put(ChronicleOptions.S3_PATH_STYLE_ACCESS.key(), "true");
        values.put(ChronicleOptions.S3_ACCESS_KEY.key(), s3.accessKey());
        values.put(ChronicleOptions.S3_SECRET_KEY.key(), s3.secretKey());
        // The tests of the writing jobs run without the maintenance job; MaintenanceITCase runs it.
        values.put(ChronicleOptions.MAINTENANCE_ENABLED.key(), "false");
        values.putAll(extra);
        return ChronicleConfig.validated(Configuration.fromMap(values));
    }

    /**
     * The job's configuration: fast checkpoints, restarts allowed, Kryo forbidden. A checkpoint
     * pending 30 s has failed: the tests wait minutes, not the jobs' default three.
     */
    Configuration jobConf(Configuration conf, String run) {
        Configuration jobConf = new Configuration(conf);
        jobConf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(800));
        jobConf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofSeconds(30));
        jobConf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                dir.resolve("checkpoints-" + run).toUri().toString());
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        jobConf.set(PipelineOptions.GENERIC_TYPES, false);
        return jobConf;
    }

    /**
     * A producer as docs/producing.md recommends: acknowledged by all replicas, idempotent, so
     * the retries that ride out a broker restart write each record once. While the broker is
     * down, send() blocks on the topics' metadata; it waits as long as a record may wait for its
     * acknowledgement (Kafka's delivery timeout, two minutes) rather than Kafka's shorter one
     * minute, so a slow restart delays records but never fails them.
     */
    KafkaProducer<byte[], byte[]> producer() {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Runs a batch query through Flink SQL on the run's catalog. */
    static List<Row> query(Configuration conf, String sql) throws Exception {
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        tEnv.executeSql(createCatalogSql(conf));
        tEnv.useCatalog(conf.get(ChronicleOptions.CATALOG_NAME));
        tEnv.useDatabase(conf.get(ChronicleOptions.CATALOG_NAMESPACE));
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = tEnv.executeSql(sql).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    private static String createCatalogSql(Configuration conf) {
        // A JDBC catalog keeps tables under its name: the SQL catalog must be named as the jobs'.
        StringBuilder sql = new StringBuilder(
                "CREATE CATALOG " + conf.get(ChronicleOptions.CATALOG_NAME) + " WITH (");
        boolean first = true;
        for (Map.Entry<String, String> option : CatalogProperties.flinkSqlCatalogOptions(conf).entrySet()) {
            sql.append(first ? "" : ", ").append('\'').append(option.getKey()).append("' = '")
                    .append(option.getValue()).append('\'');
            first = false;
        }
        return sql.append(')').toString();
    }

    static void waitUntil(String what, Duration deadline, BooleanSupplier condition)
            throws InterruptedException {
        waitUntil(what, deadline, condition, () -> "");
    }

    /** Waits for {@code condition}; on timeout, the failure names {@code state} as it was. */
    static void waitUntil(String what, Duration deadline, BooleanSupplier condition,
            Supplier<String> state) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("Timed out waiting for " + what + " " + state.get());
            }
            Thread.sleep(200);
        }
        System.out.printf("waited %.1f s for %s%n", (System.nanoTime() - start) / 1e9, what);
    }

    @Override
    public void close() throws Exception {
        try {
            kafka.close();
        } finally {
            s3.close();
        }
    }
}
