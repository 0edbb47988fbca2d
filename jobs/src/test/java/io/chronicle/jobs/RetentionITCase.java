package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.Retention;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention as it runs: the all-in-one job (ingest and rollups) writing, and the retention
 * operator as a job of its own every second, against a real Kafka broker, S3 server and SQLite
 * catalog. Points of two tenants (one keeping raw points 2 days, one the default 7) are written
 * days in the past while event time is held back, so the tiers lag: raw points past their
 * retention stay until the tiers have written their day. Then, with the S3 server stopped, event
 * time moves on; retention fails, is counted, and once S3 is back, what remains of points_raw
 * equals the rows worked out from the cutoffs, and the files of the deleted rows are gone from S3
 * after the snapshots are expired.
 */
class RetentionITCase extends JobITBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rawPointsWaitForLaggingTiersThenGoPerTenantThroughAnS3Outage(@InjectClusterRESTAddress URI rest)
            throws Exception {
        String run = "retention";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.VIEWS_ENABLED.key(), "false",
                ChronicleOptions.ALERTS_ENABLED.key(), "false",
                ChronicleOptions.ROLLUP_ALLOWED_LATENESS.key(), "1 min",
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "1 s",
                ChronicleOptions.RETENTION_INTERVAL.key(), "1 s",
                ChronicleOptions.ROLLUP_PROGRESS_INTERVAL.key(), "2 s",
                "chronicle.rollup.tenants.short.retention.points_raw", "2 d"));
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        for (String topic : List.of(points, conf.get(ChronicleOptions.TOPIC_EVENTS),
                conf.get(ChronicleOptions.TOPIC_DEAD_LETTER))) {
            services.kafka.createTopic(topic, 1, false);
        }
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        Instant old = today.minus(9, ChronoUnit.DAYS);
        Instant held = today.minus(8, ChronoUnit.DAYS);

        // Phase 1: event time stays within `held`'s day, so neither tier has written it.
        List<String> phase1 = new ArrayList<>();
        for (String tenant : List.of("short", "long")) {
            phase1.add(row(tenant, old.plus(6, ChronoUnit.HOURS)));
            for (int h = 1; h <= 12; h++) {
                phase1.add(row(tenant, held.plus(h, ChronoUnit.HOURS)));
            }
        }
        Configuration allConf = new Configuration(conf);
        allConf.set(ChronicleOptions.JOB, ChronicleJob.ALL);
        StreamExecutionEnvironment writerEnv = JobEnvironment.create(jobConf(allConf, run + "-all"));
        writerEnv.setParallelism(1);
        IngestJob all = IngestJob.fromConfig(allConf);
        all.build(writerEnv);
        JobClient writer = writerEnv.executeAsync(all.jobName());
        // Few S3 retries for retention, so a round without S3 fails in seconds rather than minutes.
        Configuration retentionConf = new Configuration(conf);
        retentionConf.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "s3.retry.num-retries", "1");
        JobClient retention = startRetention(retentionConf, run);
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            produce(producer, points, phase1);
            Set<String> afterPhase1 = new TreeSet<>(phase1);
            afterPhase1.removeIf(r -> r.contains(old.plus(6, ChronoUnit.HOURS).toString()));
            ItServices.waitUntil("the old day's raw points to go while the tiers hold the next", Duration.ofMinutes(3),
                    () -> rows(catalog, conf).equals(afterPhase1), () -> rows(catalog, conf).toString());
            long rounds = metric(rest, retention, "retentionRounds");
            ItServices.waitUntil("two more retention rounds", Duration.ofMinutes(1),
                    () -> metric(rest, retention, "retentionRounds") >= rounds + 2);
            assertThat(rows(catalog, conf)).as("raw points past their retention, held by the lagging tiers")
                    .isEqualTo(afterPhase1);
            Set<String> heldFiles = dataFiles(catalog, conf);

            // Phase 2, with S3 stopped: event time moves to the present.
            List<String> phase2 = new ArrayList<>();
            for (String tenant : List.of("short", "long")) {
                phase2.add(row(tenant, today.minus(3, ChronoUnit.DAYS).plus(6, ChronoUnit.HOURS)));
                phase2.add(row(tenant, today.minus(1, ChronoUnit.DAYS).plus(6, ChronoUnit.HOURS)));
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            for (int m = 60; m >= 10; m -= 10) {
                phase2.add(row("long", now.minus(m, ChronoUnit.MINUTES)));
            }
            long failures = metric(rest, retention, "retentionFailures");
            services.s3.stop();
            try {
                produce(producer, points, phase2);
                ItServices.waitUntil("a retention round to fail without S3", Duration.ofMinutes(3),
                        () -> metric(rest, retention, "retentionFailures") > failures);
            } finally {
                services.s3.startAgain();
            }

            // short keeps 2 days, long 7: of the held day, of 3 days ago, nothing of short's.
            Set<String> expected = new TreeSet<>(phase2);
            expected.removeIf(r -> r.startsWith("short ") && r.contains(today.minus(3, ChronoUnit.DAYS).toString().substring(0, 10)));
            ItServices.waitUntil("points_raw to hold exactly the rows within each tenant's retention",
                    Duration.ofMinutes(4), () -> rows(catalog, conf).equals(expected),
                    () -> rows(catalog, conf).toString());
            for (JobClient job : List.of(writer, retention)) {
                assertThat(job.getJobStatus().get(30, TimeUnit.SECONDS)).isEqualTo(JobStatus.RUNNING);
            }

            // Storage freed: once the snapshots that held them, and the retention's own, expire
            // (Iceberg deletes a removed file when the snapshot that removed it expires), the
            // files are gone from S3. The writer commits at least every tenth checkpoint.
            Table raw = points(catalog, conf);
            ItServices.waitUntil("a commit after the retention's", Duration.ofMinutes(1), () -> {
                raw.refresh();
                return !raw.currentSnapshot().summary().containsKey(Retention.SUMMARY_PROPERTY);
            });
            raw.expireSnapshots().expireOlderThan(System.currentTimeMillis()).retainLast(1).commit();
            assertThat(heldFiles).isNotEmpty().allSatisfy(file ->
                    assertThat(raw.io().newInputFile(file).exists()).as(file).isFalse());
            assertThat(rows(catalog, conf)).isEqualTo(expected);
        } finally {
            ((Closeable) catalog).close();
            retention.cancel().get(1, TimeUnit.MINUTES);
            writer.cancel().get(1, TimeUnit.MINUTES);
        }
    }

    /** The test's job settings, restarting with backoff through the S3 server's outage. */
    private static Configuration jobConf(Configuration conf, String run) {
        Configuration jobConf = services.jobConf(conf, run);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofMillis(200));
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(2));
        return jobConf;
    }

    private static JobClient startRetention(Configuration conf, String run) throws Exception {
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf(conf, run + "-retention"));
        env.setParallelism(1);
        RetentionPipeline.attach(env, conf, ChronicleCatalogLoader.from(conf), conf.get(ChronicleOptions.CATALOG_NAMESPACE));
        return env.executeAsync("retention");
    }

    /** A point as {@code "tenant instant"}, which is also how it reads back. */
    private static String row(String tenant, Instant ts) {
        return tenant + " " + ts;
    }

    private static void produce(KafkaProducer<byte[], byte[]> producer, String topic, List<String> rows) throws Exception {
        for (String r : rows) {
            String[] parts = r.split(" ");
            String json = "{\"metric\":\"cpu\",\"tags\":{\"host\":\"a\"},\"value\":1,\"timestamp\":"
                    + Instant.parse(parts[1]).toEpochMilli() + ",\"tenant\":\"" + parts[0] + "\"}";
            producer.send(new ProducerRecord<>(topic, json.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private static Table points(Catalog catalog, Configuration conf) {
        return catalog.loadTable(TableIdentifier.of(conf.get(ChronicleOptions.CATALOG_NAMESPACE), "points_raw"));
    }

    /** points_raw as {@code "tenant ts"}; empty while the table is not there or S3 does not answer. */
    private static Set<String> rows(Catalog catalog, Configuration conf) {
        Set<String> rows = new TreeSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(points(catalog, conf)).build()) {
            for (Record r : records) {
                rows.add(r.getField("tenant") + " " + ((OffsetDateTime) r.getField("ts")).toInstant());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            return Set.of();
        }
        return rows;
    }

    private static Set<String> dataFiles(Catalog catalog, Configuration conf) throws IOException {
        Set<String> files = new TreeSet<>();
        try (CloseableIterable<FileScanTask> tasks = points(catalog, conf).newScan().planFiles()) {
            tasks.forEach(t -> files.add(t.file().location()));
        }
        return files;
    }

    /** The retention operator's metric {@code name}, through the cluster's REST API; 0 until reported. */
    private static long metric(URI rest, JobClient job, String name) {
        try {
            HttpClient http = HttpClient.newHttpClient();
            JsonNode details = get(http, rest, "/jobs/" + job.getJobID());
            for (JsonNode vertex : details.path("vertices")) {
                String base = "/jobs/" + job.getJobID() + "/vertices/" + vertex.path("id").asText() + "/metrics";
                for (JsonNode metric : get(http, rest, base)) {
                    String id = metric.path("id").asText();
                    if (id.endsWith("." + name)) {
                        return get(http, rest, base + "?get=" + id).path(0).path("value").asLong();
                    }
                }
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode get(HttpClient http, URI rest, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(rest.resolve(path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
