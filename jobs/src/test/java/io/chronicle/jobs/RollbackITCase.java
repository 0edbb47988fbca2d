package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.flink.sink.SinkUtil;
import java.nio.file.Path;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaPosition;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rollback procedure of docs/operations.md against the real services. The ingest job commits
 * points (and malformed records) to {@code points_raw} (and {@code rejected}) only when the test
 * triggers a checkpoint, and every checkpoint commits a snapshot, empty or not, so each commit is
 * known. {@code points_raw} is rolled back with {@code TableAdmin rollback} while the job runs,
 * records go on arriving, and the replay the command printed is run: every point is then in
 * {@code points_raw} once and every malformed record in {@code rejected} once. Then the job's last
 * checkpoint holds rows that a rollback removes, and the job is restored from that checkpoint:
 * Iceberg's committer would commit those rows again (or fail on their deleted manifests) had the
 * rollback not kept it at that checkpoint. Bad targets are refused first, the table unchanged.
 */
class RollbackITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final int PARTITIONS = 2;
    private static final int POINTS_PER_BATCH = 30;

    /** Every record produced, "partition/offset" to whether it is a point (else malformed). */
    private final Map<String, Boolean> produced = new TreeMap<>();

    @Test
    void rollingBackThenRunningThePrintedReplayLeavesEveryRecordOnceWithTheJobRunningOrRestored(
            @InjectClusterClient ClusterClient<?> cluster) throws Exception {
        String run = "rollback";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.ALERTS_ENABLED.key(), "false",
                ChronicleOptions.VIEWS_ENABLED.key(), "false"));
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        services.kafka.createTopic(points, PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        commitEveryCheckpoint(conf);

        produce(points, 0);
        JobClient job = start(conf, run, null);
        try {
            commitEveryRecord(conf, cluster, job, "the first batch");
            long first = currentSnapshot(conf).snapshotId();
            List<String> firstBatch = List.copyOf(produced.keySet());
            produce(points, 1);
            List<String> secondBatch = since(firstBatch);
            commitEveryRecord(conf, cluster, job, "the second batch");

            refusalsChangeNothing(conf, first);

            // With the job running: roll back, more records arrive, run the printed replay.
            List<String> replay = rollBack(conf, first);
            assertThat(keys(conf, "points_raw")).as("points_raw as at the first batch")
                    .containsExactlyElementsOf(points(firstBatch));
            produce(points, 2);
            commitEveryRecordBut(conf, cluster, job, secondBatch);
            replay(conf, replay);
            assertEveryRecordOnce(conf, "every batch after the replay");

            // The job's last checkpoint commits rows; the table is rolled back to before them and
            // the job restored from that checkpoint, as after a failure.
            long beforeLast = currentSnapshot(conf).snapshotId();
            List<String> beforeLastBatch = List.copyOf(produced.keySet());
            // Points only, so the checkpoint that completes the batch is the one that commits them.
            produce(points, 3, false);
            List<String> fourthBatch = since(beforeLastBatch);
            long lastCheckpoint = commitEveryRecord(conf, cluster, job, "the fourth batch");
            Snapshot last = currentSnapshot(conf);
            assertThat(last.summary()).as("the last checkpoint's commit")
                    .containsEntry(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID, Long.toString(lastCheckpoint));
            assertThat(Long.parseLong(last.summary().getOrDefault("added-records", "0")))
                    .as("rows in the last checkpoint's commit").isPositive();
            replay = rollBack(conf, beforeLast);
            assertThat(keys(conf, "points_raw")).containsExactlyElementsOf(points(beforeLastBatch));
            job.cancel().get();
            Path checkpoint = tempDir.resolve("checkpoints-" + run).resolve(job.getJobID().toString())
                    .resolve("chk-" + lastCheckpoint);
            assertThat(checkpoint).as("the job's last checkpoint, retained").isDirectory();
            job = start(conf, run, checkpoint.toUri().toString());
            produce(points, 4);
            commitEveryRecordBut(conf, cluster, job, fourthBatch);
            replay(conf, replay);
            assertEveryRecordOnce(conf, "every batch after the restore and the replay");
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        } finally {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
    }

    /**
     * Creates the tables as the job would, each checkpoint committing a snapshot even when empty:
     * then a checkpoint's commit is seen, whether or not it holds rows.
     */
    private static void commitEveryCheckpoint(Configuration conf) throws Exception {
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        try {
            TableBootstrap.ensureTables(catalog, conf.get(ChronicleOptions.CATALOG_NAMESPACE),
                    ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED).values()
                    .forEach(t -> t.updateProperties().set("flink.max-continuous-empty-commits", "1").commit());
        } finally {
            ((Closeable) catalog).close();
        }
    }

    /**
     * Triggers checkpoints, each waited for until points_raw records its commit, until both tables
     * hold every record produced; returns the last checkpoint, whose commit holds the last rows.
     */
    private long commitEveryRecord(Configuration conf, ClusterClient<?> cluster, JobClient job, String what)
            throws Exception {
        long[] checkpoint = {-1};
        ItServices.waitUntil(what, DEADLINE, () -> {
            checkpoint[0] = checkpoint(conf, cluster, job);
            return checkpoint[0] >= 0 && counts(conf) == points(produced.keySet()).size() + malformed().size();
        });
        assertEveryRecordOnce(conf, what);
        return checkpoint[0];
    }

    /** As {@link #commitEveryRecord}, but for the points a rollback removed, not written again yet. */
    private void commitEveryRecordBut(Configuration conf, ClusterClient<?> cluster, JobClient job,
            List<String> removed) throws Exception {
        List<String> expected = new ArrayList<>(points(produced.keySet()));
        expected.removeAll(removed);
        ItServices.waitUntil("every record but the removed ones", DEADLINE, () -> {
            return checkpoint(conf, cluster, job) >= 0 && TimedTraffic.count(conf, "SELECT count(*) FROM rejected") == malformed().size()
                    && TimedTraffic.count(conf, "SELECT count(*) FROM points_raw") == expected.size();
        });
        assertThat(keys(conf, "points_raw")).containsExactlyElementsOf(expected);
    }

    /** The records produced since {@code before} was taken. */
    private List<String> since(List<String> before) {
        List<String> keys = new ArrayList<>(produced.keySet());
        keys.removeAll(before);
        return keys;
    }

    /**
     * Triggers a checkpoint of {@code job} and waits until points_raw records its commit; -1 if
     * the job cannot take one yet (its tasks are still starting).
     */
    private static long checkpoint(Configuration conf, ClusterClient<?> cluster, JobClient job) {
        long id;
        try {
            id = cluster.triggerCheckpoint(job.getJobID(), CheckpointType.DEFAULT).get();
        } catch (Exception e) {
            return -1;
        }
        try {
            ItServices.waitUntil("checkpoint " + id + " committed", DEADLINE, () -> {
                try {
                    return Long.parseLong(currentSnapshot(conf).summary()
                            .getOrDefault(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID, "-1")) >= id;
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return id;
    }

    private long counts(Configuration conf) {
        return TimedTraffic.count(conf, "SELECT count(*) FROM points_raw")
                + TimedTraffic.count(conf, "SELECT count(*) FROM rejected");
    }

    /** A bad id, times with no snapshot, an unknown and an unsupported table: refused, nothing changed. */
    private void refusalsChangeNothing(Configuration conf, long first) throws Exception {
        long current = currentSnapshot(conf).snapshotId();
        Map<List<String>, String> refusals = new HashMap<>();
        refusals.put(List.of("--table", "points_raw", "--to-snapshot", "42"), "has no snapshot 42");
        refusals.put(List.of("--table", "points_raw", "--to-time", "2000-01-01T00:00:00Z"),
                "has no snapshot committed at or before 2000-01-01T00:00:00Z");
        refusals.put(List.of("--table", "points_raw", "--to-time", "2999-01-01T00:00:00Z"), "that is in the future");
        refusals.put(List.of("--table", "points_raw", "--to-snapshot", Long.toString(current)), "nothing to roll back");
        refusals.put(List.of("--table", "rollup_7m", "--to-snapshot", Long.toString(first)),
                "Table chronicle.rollup_7m does not exist");
        refusals.put(List.of("--table", "traces", "--to-snapshot", Long.toString(first)),
                "rolling back 'traces' is not supported");
        refusals.put(List.of("--table", "points_raw", "--to-snapshot", "x"), "is not a snapshot id");
        for (Map.Entry<List<String>, String> refusal : refusals.entrySet()) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = TableAdmin.run(arguments(conf, refusal.getKey()), new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8), Clock.systemUTC());
            assertThat(exit).as("%s", refusal.getKey()).isNotZero();
            assertThat(err.toString(StandardCharsets.UTF_8)).as("%s", refusal.getKey()).contains(refusal.getValue());
        }
        assertThat(currentSnapshot(conf).snapshotId()).isEqualTo(current);
    }

    /** Runs {@code TableAdmin rollback} to {@code snapshot}; returns the replay's arguments it printed. */
    private static List<String> rollBack(Configuration conf, long snapshot) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = TableAdmin.run(arguments(conf, List.of("--table", "points_raw", "--to-snapshot", Long.toString(snapshot))),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.systemUTC());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("%s%s", printed, err).isZero();
        String line = printed.lines().filter(l -> l.startsWith("  ReplayJob ")).findFirst().orElseThrow();
        return Arrays.asList(line.substring("  ReplayJob ".length()).split(" "));
    }

    private static String[] arguments(Configuration conf, List<String> own) {
        List<String> args = new ArrayList<>(List.of("rollback"));
        args.addAll(own);
        conf.toMap().forEach((key, value) -> {
            args.add("--" + key);
            args.add(value);
        });
        return args.toArray(new String[0]);
    }

    private static void replay(Configuration conf, List<String> args) throws Exception {
        assertThat(args).hasSize(4).element(0).isEqualTo("--from");
        Configuration jobConf = new Configuration(conf);
        jobConf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = ReplayJob.batch(StreamExecutionEnvironment.getExecutionEnvironment(jobConf), conf);
        env.setParallelism(1);
        ReplayJob.run(env, conf, ReplayJob.resolve(conf,
                KafkaPosition.parse("--from", args.get(1), ReplayJob.FROM_FORMS),
                KafkaPosition.parse("--to", args.get(3), KafkaPosition.ENDS)));
    }

    /** The ingest job, checkpointing only when told and keeping its checkpoints; from {@code checkpoint} if given. */
    private static JobClient start(Configuration conf, String run, String checkpoint) throws Exception {
        Configuration jobConf = new Configuration(conf);
        jobConf.set(ChronicleOptions.JOB, ChronicleJob.INGEST);
        Configuration flinkConf = services.jobConf(jobConf, run);
        // Flink takes its first periodic checkpoint at a random time up to an interval after the
        // start: with an hour, a test saw one within seconds; a year keeps it out.
        flinkConf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofDays(365));
        flinkConf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        if (checkpoint != null) {
            flinkConf.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpoint);
        }
        StreamExecutionEnvironment env = JobEnvironment.create(flinkConf);
        env.setParallelism(1);
        IngestJob job = IngestJob.fromConfig(jobConf);
        job.build(env);
        return env.executeAsync(job.jobName());
    }

    /** points_raw holds every point produced once, rejected every malformed record once. */
    private void assertEveryRecordOnce(Configuration conf, String what) throws Exception {
        ItServices.waitUntil(what, DEADLINE, () -> counts(conf) == produced.size());
        assertThat(keys(conf, "points_raw")).as(what).containsExactlyElementsOf(points(produced.keySet()));
        assertThat(keys(conf, "rejected")).as(what).containsExactlyElementsOf(malformed());
    }

    private List<String> malformed() {
        return produced.keySet().stream().filter(k -> !produced.get(k)).sorted().toList();
    }

    private List<String> points(java.util.Collection<String> keys) {
        return keys.stream().filter(produced::get).sorted().toList();
    }

    /** Every row's "partition/offset", sorted, duplicates kept. */
    private static List<String> keys(Configuration conf, String table) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Row row : ItServices.query(conf, "SELECT source_partition, source_offset FROM " + table)) {
            keys.add(row.getField(0) + "/" + row.getField(1));
        }
        return keys.stream().sorted().toList();
    }

    private static Snapshot currentSnapshot(Configuration conf) throws Exception {
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        try {
            Table table = catalog.loadTable(TableIdentifier.of(conf.get(ChronicleOptions.CATALOG_NAMESPACE), "points_raw"));
            return table.currentSnapshot();
        } finally {
            ((Closeable) catalog).close();
        }
    }

    /** A batch: points of two series on each partition, and one malformed record each unless told. */
    private void produce(String topic, int batch) throws Exception {
        produce(topic, batch, true);
    }

    private void produce(String topic, int batch, boolean malformed) throws Exception {
        long base = Instant.now().atZone(ZoneOffset.UTC).toLocalDate().atStartOfDay(ZoneOffset.UTC)
                .toInstant().toEpochMilli();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            Map<Future<RecordMetadata>, Boolean> sent = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < POINTS_PER_BATCH; i++) {
                    String json = String.format("{\"tenant\":\"acme\",\"metric\":\"load\",\"tags\":{\"host\":\"h%d\"},"
                            + "\"value\":%d,\"timestamp\":%d}", i % 2, batch * 1000 + i, base + batch * 60_000L + i);
                    sent.put(producer.send(new ProducerRecord<>(topic, p, null, json.getBytes(StandardCharsets.UTF_8))), true);
                }
                if (malformed) {
                    sent.put(producer.send(new ProducerRecord<>(topic, p, null,
                            "{\"metric\":".getBytes(StandardCharsets.UTF_8))), false);
                }
            }
            for (Map.Entry<Future<RecordMetadata>, Boolean> s : sent.entrySet()) {
                RecordMetadata m = s.getKey().get();
                produced.put(m.partition() + "/" + m.offset(), s.getValue());
            }
        }
    }
}
