package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.chronicle.jobs.TimedTraffic.PARTITIONS;
import static io.chronicle.jobs.TimedTraffic.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Writes the savepoint of this version that {@link SavepointRestoreITCase} restores into later
 * ones: the ingest job at parallelism 2 stopped with a savepoint once it has read and committed
 * {@link UpgradeTraffic}'s records before the cut. Not part of {@code verify} (its name matches
 * no test pattern); run when a version is released or its topology or state changes
 * (docs/development.md, "Savepoints of earlier versions"):
 *
 * <pre>./mvnw -B verify -pl jobs -Dit.test=SavepointFixtureGenerator -Dtest=none
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dchronicle.savepoint.version=0.1.0</pre>
 */
class SavepointFixtureGenerator extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);

    @Test
    void writeTheSavepointOfThisVersion() throws Exception {
        String version = System.getProperty("chronicle.savepoint.version");
        assertThat(version).as("-Dchronicle.savepoint.version").isNotBlank();
        Path target = Path.of("src/test/resources", UpgradeTraffic.RESOURCES, version).toAbsolutePath();
        String run = UpgradeTraffic.run(version);
        Configuration conf = services.chronicleConf(run, UpgradeTraffic.OPTIONS);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_POINTS), PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        UpgradeTraffic traffic = new UpgradeTraffic();
        assertThat(traffic.tracesOpenAtCut()).isNotEmpty();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            TimedTraffic.send(producer, conf.get(ChronicleOptions.TOPIC_POINTS), traffic.pointsBefore);
            TimedTraffic.sendEvents(producer, conf.get(ChronicleOptions.TOPIC_EVENTS), traffic.eventsBefore);
        }
        Path savepoints = Files.createDirectories(tempDir.resolve("savepoints-" + run));
        JobClient job = UpgradeTraffic.start(services, conf, run, 2, null);
        String savepoint;
        try {
            // Everything read is committed before the savepoint, so the savepoint holds no commit
            // that names files of this run's warehouse.
            ItServices.waitUntil("the records before the cut committed", DEADLINE,
                    () -> count(conf, "SELECT count(*) FROM points_raw") == traffic.pointsBefore.size()
                            && count(conf, "SELECT count(*) FROM events")
                            == UpgradeTraffic.distinct(traffic.eventsBefore)
                            && count(conf, "SELECT count(*) FROM rollup_5m") == 6 * 8);
            savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(2, TimeUnit.MINUTES);
        } catch (Exception | AssertionError e) {
            job.cancel();
            throw e;
        }
        assertThat(count(conf, "SELECT count(*) FROM rollup_1h")).as("the hours open").isZero();
        deleteRecursively(target);
        Path from = Path.of(URI.create(savepoint));
        Files.createDirectories(target);
        Path copied = target.resolve(from.getFileName());
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, copied.resolve(from.relativize(file).toString()));
            }
        }
        System.out.println("wrote " + copied);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(file);
            }
        }
    }
}
