package io.chronicle.bench;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.jobs.JobEnvironment;
import io.chronicle.services.ChildProcess;
import io.chronicle.services.KafkaBroker;
import io.chronicle.services.S3Server;
import com.sun.management.OperatingSystemMXBean;
import io.chronicle.workload.Workload;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.SubtaskStateStats;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The machine a benchmark runs on, set up the way the integration tests do it: a real Kafka
 * broker and S3-compatible server as child processes, an Iceberg JDBC catalog on SQLite, and a
 * Flink MiniCluster with one task slot per unit of parallelism, to which jobs are submitted over
 * REST as {@code flink run} would.
 */
public final class BenchEnvironment implements AutoCloseable {

    static final String BUCKET = "bench";
    private static final long STOP_TIMEOUT_SECONDS = 30;
    private static final OperatingSystemMXBean PROCESS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private final Path dir;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private KafkaBroker kafka;
    private S3Server s3;
    private MiniCluster flink;
    private final int parallelism;
    private final Configuration benchConf;

    private final int jobs;

    private BenchEnvironment(Path dir, Configuration benchConf, int jobs) {
        this.dir = dir;
        this.jobs = jobs;
        this.benchConf = benchConf;
        this.parallelism = benchConf.get(BenchOptions.PARALLELISM);
    }

    /** Starts everything in a freshly emptied work folder, with slots for the variants' jobs. */
    public static BenchEnvironment start(Configuration benchConf) throws Exception {
        // The split jobs run side by side, each with a slot per unit of parallelism and as much
        // managed memory per slot as the one job of the other variants.
        return start(benchConf, benchConf.get(BenchOptions.VARIANTS).contains(ChronicleIngest.SPLIT)
                ? ChronicleIngest.SPLIT_JOBS.size() : 1);
    }

    /**
     * Starts everything in a freshly emptied work folder, for {@code jobs} jobs side by side, each
     * with a slot per unit of parallelism and as much managed memory as one job alone.
     */
    public static BenchEnvironment start(Configuration benchConf, int jobs) throws Exception {
        Path dir = Path.of(benchConf.get(BenchOptions.WORK_DIR)).toAbsolutePath();
        // Services left running by a benchmark killed outright name their pid files in the folder.
        ChildProcess.stopOrphan("kafka", dir.resolve("kafka").resolve("kafka.log"));
        ChildProcess.stopOrphan("s3proxy", dir.resolve("s3").resolve("s3proxy.log"));
        deleteRecursively(dir);
        BenchEnvironment env = new BenchEnvironment(dir, benchConf, jobs);
        try {
            env.kafka = env.register(KafkaBroker.start(dir.resolve("kafka"), 0, benchConf.get(BenchOptions.PARTITIONS)));
            env.s3 = env.register(S3Server.start(dir.resolve("s3"), 0));
            env.s3.createBucket(BUCKET);
            env.startFlink();
        } catch (Exception e) {
            env.close();
            throw e;
        }
        return env;
    }

    private <T extends AutoCloseable> T register(T service) {
        started.push(service);
        return service;
    }

    private void startFlink() throws Exception {
        Configuration flinkConf = EmbeddedCluster.configuration();
        flinkConf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flinkConf.set(RestOptions.ADDRESS, "127.0.0.1");
        flinkConf.set(RestOptions.PORT, 0);
        // Enough to keep every checkpoint of a measured span for its figures (Flink keeps 10).
        flinkConf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 1_000);
        flinkConf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE,
                flinkConf.get(TaskManagerOptions.MANAGED_MEMORY_SIZE).multiply(jobs));
        flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(flinkConf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(parallelism * jobs)
                .build());
        flink.start();
        // Bounded: a MiniCluster whose tasks hang while cancelling must not hold up the exit.
        started.push(() -> flink.closeAsync().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    public KafkaBroker kafka() {
        return kafka;
    }

    public S3Server s3() {
        return s3;
    }

    /** The work folder: the catalog's database, the services' data, the checkpoints. */
    public Path dir() {
        return dir;
    }

    /** Stops {@code service} with everything else, before what was started earlier. */
    public <T extends AutoCloseable> T stopsWith(T service) {
        return register(service);
    }

    /** The cluster's REST port, for clients that submit to it as {@code flink run} does. */
    public int restPort() throws Exception {
        return flink.getRestAddress().get().getPort();
    }

    /**
     * Chronicle's configuration for one run: its own consumer group and catalog namespace, the
     * topic read from its start, the shared catalog and S3 server.
     */
    public Configuration chronicleConf(String run, String pointsTopic) {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(ChronicleOptions.KAFKA_GROUP_ID, "bench-" + run);
        conf.set(ChronicleOptions.KAFKA_STARTING_OFFSETS, "earliest");
        conf.set(ChronicleOptions.TOPIC_POINTS, pointsTopic);
        conf.set(ChronicleOptions.CATALOG_TYPE, "jdbc");
        conf.set(ChronicleOptions.CATALOG_URI, "jdbc:sqlite:" + dir.resolve("catalog.db"));
        // SQLite serializes writers; wait for the lock rather than fail a commit.
        conf.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.busy_timeout", "30000");
        conf.set(ChronicleOptions.CATALOG_WAREHOUSE, "s3://" + BUCKET + "/warehouse");
        conf.set(ChronicleOptions.CATALOG_NAMESPACE, run);
        conf.set(ChronicleOptions.S3_ENDPOINT, s3.endpoint().toString());
        conf.set(ChronicleOptions.S3_PATH_STYLE_ACCESS, true);
        conf.set(ChronicleOptions.S3_ACCESS_KEY, s3.accessKey());
        conf.set(ChronicleOptions.S3_SECRET_KEY, s3.secretKey());
        return ChronicleConfig.validated(conf);
    }

    /**
     * What every job of a run is submitted with: Chronicle's job environment (RocksDB state,
     * incremental exactly-once checkpoints) with the benchmark's parallelism and checkpoint
     * interval, and the address of the cluster.
     */
    public Configuration jobConf(Configuration chronicleConf, String run) throws Exception {
        Configuration conf = new Configuration(chronicleConf);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, benchConf.get(BenchOptions.CHECKPOINT_INTERVAL));
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").resolve(run).toUri().toString());
        conf.set(DeploymentOptions.TARGET, "remote");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, flink.getRestAddress().get().getPort());
        return JobEnvironment.withDefaults(conf);
    }

    /** A producer that batches as a busy agent does: 20 ms linger, large batches. */
    public KafkaProducer<byte[], byte[]> batchingProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 256L * 1024 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A producer that sends each record as soon as it is given one (Kafka's default lingers 5 ms). */
    public KafkaProducer<byte[], byte[]> immediateProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 0),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A consumer outside any group, for topics it is assigned. */
    public KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Produces the workload into {@code topic}, each series into one partition; returns its summary. */
    public Workload.Summary produce(Workload workload, String topic, int partitions) {
        try (KafkaProducer<byte[], byte[]> producer = batchingProducer()) {
            Workload.Summary summary = workload.generate((series, json) ->
                    producer.send(new ProducerRecord<>(topic, series % partitions, null, json)));
            producer.flush();
            return summary;
        }
    }

    /**
     * Submits a job, waits for it to finish and measures it: its duration from the cluster's own
     * record of its states, and the CPU time this process (cluster and client) spent meanwhile.
     */
    public JobTimes runJob(Callable<JobClient> submit) throws Exception {
        long cpuBefore = PROCESS.getProcessCpuTime();
        JobClient job = submit.call();
        job.getJobExecutionResult().get();
        double cpuSeconds = (PROCESS.getProcessCpuTime() - cpuBefore) / 1e9;
        ArchivedExecutionGraph graph = flink.getArchivedExecutionGraph(job.getJobID()).get();
        if (graph.getState() != JobStatus.FINISHED) {
            throw new IllegalStateException("job " + graph.getJobName() + " ended " + graph.getState());
        }
        long submitted = graph.getStatusTimestamp(JobStatus.INITIALIZING);
        long finished = graph.getStatusTimestamp(JobStatus.FINISHED);
        long firstRunning = Long.MAX_VALUE;
        for (AccessExecutionVertex task : graph.getAllExecutionVertices()) {
            firstRunning = Math.min(firstRunning, task.getStateTimestamp(ExecutionState.RUNNING));
        }
        return new JobTimes((finished - submitted) / 1e3, (finished - firstRunning) / 1e3, cpuSeconds,
                graph.getCheckpointStatsSnapshot().getCounts().getNumberOfCompletedCheckpoints(),
                PROCESS.getSystemLoadAverage());
    }

    /**
     * Submits a job that runs until cancelled and waits until every one of its tasks runs, so
     * what is measured next does not include its start.
     */
    public JobClient startJob(Callable<JobClient> submit) throws Exception {
        JobClient job = submit.call();
        boolean running = Polls.until(Duration.ofMinutes(3), Duration.ofMillis(200), () -> {
            AccessExecutionGraph graph = flink.getExecutionGraph(job.getJobID()).get();
            if (graph.getState().isGloballyTerminalState()) {
                throw new IllegalStateException("job " + graph.getJobName() + " ended " + graph.getState()
                        + " while starting; see the log");
            }
            boolean all = graph.getState() == JobStatus.RUNNING;
            for (AccessExecutionVertex task : graph.getAllExecutionVertices()) {
                all &= task.getExecutionState() == ExecutionState.RUNNING;
            }
            return all;
        });
        if (!running) {
            throw new IllegalStateException("job " + job.getJobID() + " not running after 3 minutes");
        }
        return job;
    }

    /** The cluster's record of a job: its states and tasks, its checkpoints. */
    public AccessExecutionGraph graph(JobClient job) throws Exception {
        return flink.getExecutionGraph(job.getJobID()).get();
    }

    public JobStatus state(JobClient job) throws Exception {
        return flink.getExecutionGraph(job.getJobID()).get().getState();
    }

    /**
     * The checkpoints a job completed after checkpoint {@code afterId}: how many, the median and
     * longest from trigger to completion, and the longest barrier alignment of any task.
     */
    public CheckpointFigures checkpointsAfter(JobClient job, long afterId) throws Exception {
        List<CompletedCheckpointStats> done = new ArrayList<>();
        for (AbstractCheckpointStats c : flink.getExecutionGraph(job.getJobID()).get()
                .getCheckpointStatsSnapshot().getHistory().getCheckpoints()) {
            if (c.getCheckpointId() > afterId && c instanceof CompletedCheckpointStats completed) {
                done.add(completed);
            }
        }
        long[] durations = done.stream().mapToLong(AbstractCheckpointStats::getEndToEndDuration).sorted().toArray();
        long maxAlignment = done.stream().flatMap(c -> c.getAllTaskStateStats().stream())
                .flatMap(t -> Arrays.stream(t.getSubtaskStats())).filter(Objects::nonNull)
                .mapToLong(SubtaskStateStats::getAlignmentDuration).max().orElse(0);
        return new CheckpointFigures(durations.length,
                durations.length == 0 ? 0 : durations[(durations.length - 1) / 2],
                durations.length == 0 ? 0 : durations[durations.length - 1], maxAlignment);
    }

    public record CheckpointFigures(int completed, long medianMillis, long maxMillis, long maxAlignmentMillis) {}

    /** The id of the latest checkpoint the job completed, 0 before the first. */
    public long latestCheckpoint(JobClient job) throws Exception {
        CompletedCheckpointStats latest = flink.getExecutionGraph(job.getJobID()).get()
                .getCheckpointStatsSnapshot().getHistory().getLatestCompletedCheckpoint();
        return latest == null ? 0 : latest.getCheckpointId();
    }

    /** CPU time this process (Flink cluster and the benchmark's clients) has used, in seconds. */
    public static double processCpuSeconds() {
        return PROCESS.getProcessCpuTime() / 1e9;
    }

    /** The machine's load average over the last minute. */
    public static double loadAverage() {
        return PROCESS.getSystemLoadAverage();
    }

    /**
     * A finished job's duration from its submission to the cluster, and from its first task
     * running (about when the first record is read); the CPU time it took; the checkpoints it
     * completed; and the machine's load average as it ended, which tells how noisy the run was.
     */
    public record JobTimes(double seconds, double runningSeconds, double cpuSeconds, long checkpoints,
            double loadAverage) {}

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("Error while stopping: " + e);
            }
        }
    }
}
