package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.client.cli.CliFrontend;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job jar submitted as a Flink user submits it, with Flink's own CLI ({@code flink run}),
 * taking every Chronicle option from {@code -D}: the Flink configuration, where a
 * {@code FlinkDeployment}'s {@code flinkConfiguration} lands too. Nothing is passed as a program
 * argument, so rows in the namespace and from the topic named only by {@code -D} prove the options
 * reached the job.
 */
class FlinkRunOptionsITCase extends JobITBase {

    private static final int POINTS = 200;
    private static final Duration DEADLINE = Duration.ofMinutes(2);

    @Test
    void chronicleOptionsGivenWithDashDReachTheJob(
            @InjectClusterClient ClusterClient<?> client) throws Exception {
        String run = "dashd";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.CATALOG_NAMESPACE.key(), "from_dash_d",
                ChronicleOptions.ROLLUP_ENABLED.key(), "false",
                ChronicleOptions.VIEWS_ENABLED.key(), "false",
                ChronicleOptions.ALERTS_ENABLED.key(), "false"));
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_POINTS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        List<String> command = new ArrayList<>(List.of("run", "-d"));
        conf.toMap().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-Dexecution.checkpointing.interval=1 s");
        command.add("-Dexecution.checkpointing.dir=" + tempDir.resolve("checkpoints-" + run).toUri());
        // Flink's S3 filesystem options sit in the same configuration without troubling the job.
        command.add("-Ds3.path-style-access=true");
        command.add(jobJar().toString());
        assertThat(flinkRun(command)).as("flink run's exit status").isZero();

        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            long now = Instant.now().toEpochMilli();
            for (int i = 0; i < POINTS; i++) {
                String point = "{\"metric\":\"cpu_usage\",\"tags\":{\"host\":\"h" + (i % 7) + "\"},\"value\":"
                        + i + ",\"timestamp\":" + (now - i) + "}";
                producer.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_POINTS),
                        point.getBytes(StandardCharsets.UTF_8)));
            }
            producer.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_POINTS),
                    "{not json".getBytes(StandardCharsets.UTF_8)));
        }

        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        try {
            Table points = catalog.loadTable(TableIdentifier.of("from_dash_d", "points_raw"));
            Table rejected = catalog.loadTable(TableIdentifier.of("from_dash_d", "rejected"));
            ItServices.waitUntil("the points in the namespace named by -D", DEADLINE,
                    () -> TableStats.committedRecords(points) >= POINTS
                            && TableStats.committedRecords(rejected) >= 1,
                    () -> "points_raw " + TableStats.committedRecords(points)
                            + ", rejected " + TableStats.committedRecords(rejected));
            assertThat(TableStats.committedRecords(points)).isEqualTo(POINTS);
            assertThat(TableStats.committedRecords(rejected)).isEqualTo(1);
        } finally {
            cancelRunningJobs(client);
        }
    }

    @Test
    void aMisspeltChronicleOptionGivenWithDashDFailsTheSubmissionNamingIt(
            @InjectClusterClient ClusterClient<?> client) throws Exception {
        int before = client.listJobs().get().size();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalErr = System.err;
        int status;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            status = flinkRun(List.of("run", "-d",
                    "-Dchronicle.kafka.bootstrap-server=127.0.0.1:1", jobJar().toString()));
        } finally {
            System.setErr(originalErr);
        }
        assertThat(status).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(
                "chronicle: Unknown option 'chronicle.kafka.bootstrap-server'"
                        + " (did you mean 'chronicle.kafka.bootstrap-servers'?)");
        assertThat(client.listJobs().get()).as("no job was submitted").hasSize(before);
    }

    /** Runs Flink's CLI in this process against the test's MiniCluster. */
    private static int flinkRun(List<String> args) throws Exception {
        Path confDir = Files.createDirectories(tempDir.resolve("flink-conf"));
        Configuration cluster = MINI_CLUSTER.getClientConfiguration();
        Files.writeString(confDir.resolve("config.yaml"), String.join("\n",
                RestOptions.ADDRESS.key() + ": " + cluster.get(RestOptions.ADDRESS),
                RestOptions.PORT.key() + ": " + cluster.get(RestOptions.PORT),
                DeploymentOptions.TARGET.key() + ": remote",
                CoreOptions.CHECK_LEAKED_CLASSLOADER.key() + ": false",
                CoreOptions.CLASSLOADER_RESOLVE_ORDER.key() + ": parent-first",
                ""));
        Configuration flinkConf = org.apache.flink.configuration.GlobalConfiguration
                .loadConfiguration(confDir.toString());
        CliFrontend cli = new CliFrontend(flinkConf,
                CliFrontend.loadCustomCommandLines(flinkConf, confDir.toString()));
        return cli.parseAndRun(args.toArray(new String[0]));
    }

    private static Path jobJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(f -> f.getFileName().toString().endsWith("-job.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no job jar in target/: the ITs run after 'package' builds it"));
        }
    }

    private static void cancelRunningJobs(ClusterClient<?> client) throws Exception {
        Collection<JobStatusMessage> jobs = client.listJobs().get();
        for (JobStatusMessage job : jobs) {
            if (!job.getJobState().isGloballyTerminalState()) {
                client.cancel(job.getJobId()).get();
            }
        }
    }
}
