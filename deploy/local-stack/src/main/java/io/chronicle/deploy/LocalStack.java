package io.chronicle.deploy;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.CommandLine;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.deploy.sqlgateway.FlinkSqlGateway;
import io.chronicle.jobs.IngestJob;
import io.chronicle.jobs.JobEnvironment;
import io.chronicle.services.ChildProcess;
import io.chronicle.services.KafkaBroker;
import io.chronicle.services.S3Server;
import io.chronicle.watch.CatchUpCheckpoints;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.RecoveryClaimMode;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Chronicle on one machine, from one command: a Kafka broker, an S3-compatible server, the
 * Iceberg catalog in an embedded SQLite file, the jobs in a Flink MiniCluster with its web UI, the
 * SQL gateway, and sample traffic. All data and job state live in one folder; a new run continues
 * from the last checkpoint of the previous one, whether that run stopped or crashed.
 */
public final class LocalStack implements AutoCloseable {

    private static final String BUCKET = "chronicle";
    private static final long STATUS_EVERY_SECONDS = 15;
    private static final long STOP_TIMEOUT_SECONDS = 20;
    private static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    /** Slots left for the SQL gateway's queries, which run in the same MiniCluster. */
    private static final int QUERY_SLOTS = 3;
    /**
     * After a restore, how long the other jobs wait for ingest to catch up: alone on the machine it
     * reads what arrived while the stack was down several times faster than with every job
     * restoring beside it, and its tables are the record of truth the others are rebuilt from.
     */
    private static final Duration INGEST_CATCH_UP_FIRST = Duration.ofSeconds(30);

    static final String PROGRAM = "deploy/local/run";

    static final String USAGE = String.join("\n",
            "usage: " + PROGRAM + " [--config FILE] [--KEY VALUE]...",
            "",
            "Chronicle on this machine, in the foreground: a Kafka broker, an S3-compatible server, the",
            "Iceberg catalog, Chronicle's jobs (ingest, rollups, views, alerts, and delivery where",
            "alerts have a receiver) in a Flink MiniCluster, the SQL gateway and sample traffic, on",
            "127.0.0.1. The script builds the project first. Ctrl-C stops everything; running it again",
            "continues each job from its last checkpoint.",
            "",
            "The local stack's options:",
            optionsUsage(),
            "",
            "Giving chronicle.kafka.bootstrap-servers, chronicle.s3.endpoint or chronicle.catalog.uri",
            "points the stack at an existing Kafka, S3 store or catalog instead of starting its own;",
            "execution.checkpointing.interval is " + DEFAULT_CHECKPOINT_INTERVAL.toSeconds()
                    + " s unless given.",
            "",
            CommandLine.argumentsConfigurationUsage());

    private static String optionsUsage() {
        HtmlFormatter formatter = new HtmlFormatter();
        StringBuilder out = new StringBuilder();
        for (ConfigOption<?> option : LocalStackOptions.all()) {
            out.append("  --").append(option.key()).append(" (default ").append(option.defaultValue())
                    .append(")\n      ").append(formatter.format(option.description())).append('\n');
        }
        return out.toString().stripTrailing();
    }

    /** What was started, closed in reverse order. */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final Configuration conf;
    private final Path dataDir;
    private MiniCluster flink;
    /** Read by the status line while a stop (the shutdown hook) cancels and clears them. */
    private final Map<ChronicleJob, JobClient> jobs = new ConcurrentSkipListMap<>();
    private SampleTraffic traffic;
    private volatile boolean closing;

    private LocalStack(Configuration conf) {
        this.conf = new Configuration(conf);
        this.dataDir = Path.of(conf.get(LocalStackOptions.DATA_DIR)).toAbsolutePath();
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Checks the command line before starting anything: prints the usage for {@code --help}, one
     * line naming a wrong argument (then the usage) for a bad one. Otherwise starts the stack and
     * reports its status until the process is stopped. Returns the exit status.
     */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        if (CommandLine.wantsHelp(args, 0)) {
            out.println(USAGE);
            return 0;
        }
        Configuration conf;
        try {
            conf = ChronicleConfig.fromArgs(args, LocalStackOptions.all());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            CommandLine.printError(err, PROGRAM, e.getMessage(), USAGE);
            return CommandLine.USAGE_ERROR;
        }
        LocalStack stack = new LocalStack(conf);
        // One ordered shutdown (SIGTERM, Ctrl-C): the job and the traffic stop while the broker
        // and the S3 server still serve, then the services, never all at once.
        ChildProcess.beforeStoppingChildren(stack::close);
        try {
            stack.start();
        } catch (Exception e) {
            err.println("Chronicle local stack failed to start:");
            e.printStackTrace(err);
            err.println("Logs: " + stack.dataDir.resolve("logs"));
            stack.close();
            return 1;
        }
        stack.printBanner(out);
        stack.reportStatusForever(out);
        return 0;
    }

    private void start() throws Exception {
        Files.createDirectories(dataDir.resolve("logs"));
        // The broker, the S3 server and Flink need nothing of each other to start: each comes up
        // (or a previous run's, orphaned by a crash, is taken over) while the others do, so a
        // restart waits for the slowest of them, not for their sum. The services read a copy of
        // the configuration; this thread applies what they return.
        Configuration given = new Configuration(conf);
        ExecutorService services = Executors.newFixedThreadPool(2);
        Future<Optional<KafkaBroker>> kafka = services.submit(() -> startKafka(given));
        Future<Optional<S3Server>> s3 = services.submit(() -> startS3(given));
        services.shutdown();
        Exception failure = null;
        try {
            if (!conf.contains(ChronicleOptions.CATALOG_URI)) {
                Files.createDirectories(dataDir.resolve("catalog"));
                conf.set(ChronicleOptions.CATALOG_URI,
                        "jdbc:sqlite:" + dataDir.resolve("catalog").resolve("chronicle.db"));
                // SQLite serializes writers; wait for the lock rather than fail a commit.
                conf.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.busy_timeout", "30000");
            }
            // Jobs checkpoint into the data folder, and often, so rows show up soon after they arrive.
            if (!conf.contains(CheckpointingOptions.CHECKPOINTS_DIRECTORY)) {
                conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                        dataDir.resolve("checkpoints").toUri().toString());
            }
            if (!conf.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
                conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
            }
            startFlink(ChronicleJob.split(conf).size());
        } catch (Exception e) {
            failure = e;
        }
        // Pushed in start order whatever failed, so close() stops Flink before the services.
        try {
            kafka.get().ifPresent(broker -> {
                started.push(broker);
                conf.set(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS, broker.bootstrapServers());
            });
        } catch (ExecutionException e) {
            failure = firstOf(failure, e);
        }
        try {
            s3.get().ifPresent(server -> {
                started.push(server);
                conf.set(ChronicleOptions.S3_ENDPOINT, server.endpoint().toString());
                conf.set(ChronicleOptions.S3_PATH_STYLE_ACCESS, true);
                conf.set(ChronicleOptions.S3_ACCESS_KEY, server.accessKey());
                conf.set(ChronicleOptions.S3_SECRET_KEY, server.secretKey());
            });
        } catch (ExecutionException e) {
            failure = firstOf(failure, e);
        }
        if (flink != null) {
            // Bounded: a MiniCluster whose tasks hang while cancelling must not hold up the exit.
            started.push(() -> flink.closeAsync().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        }
        if (failure != null) {
            throw failure;
        }
        ChronicleConfig.validated(conf, LocalStackOptions.all());
        startJobs(ChronicleJob.split(conf));
        started.push(WatchChild.start(dataDir.resolve("watch"), conf));
        startSqlGateway();
        startTraffic();
    }

    /** The failure to report: the first one, the later ones suppressed into it. */
    private static Exception firstOf(Exception first, ExecutionException next) {
        Exception cause = next.getCause() instanceof Exception e ? e : next;
        if (first == null) {
            return cause;
        }
        first.addSuppressed(cause);
        return first;
    }

    private Optional<KafkaBroker> startKafka(Configuration given) throws IOException {
        if (given.contains(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS)) {
            return Optional.empty();
        }
        KafkaBroker kafka = KafkaBroker.start(dataDir.resolve("kafka"), given.get(LocalStackOptions.KAFKA_PORT));
        try {
            for (String points : ChronicleConfig.pointTopics(given).keySet()) {
                kafka.createTopic(points, 4, false);
            }
            for (String events : ChronicleConfig.eventTopics(given).keySet()) {
                kafka.createTopic(events, 4, false);
            }
            kafka.createTopic(given.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
            kafka.createTopic(given.get(ChronicleOptions.TOPIC_ALERTS), 1, false);
            kafka.createTopic(given.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
            kafka.createTopic(given.get(ChronicleOptions.TOPIC_RULES), 1, true);
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        return Optional.of(kafka);
    }

    private Optional<S3Server> startS3(Configuration given) throws IOException {
        if (given.contains(ChronicleOptions.S3_ENDPOINT)) {
            return Optional.empty();
        }
        S3Server s3 = S3Server.start(dataDir.resolve("s3"), given.get(LocalStackOptions.S3_PORT));
        s3.createBucket(BUCKET);
        return Optional.of(s3);
    }

    /** Slots for each job at its parallelism, and for the SQL gateway's queries. */
    private void startFlink(int jobCount) throws Exception {
        Configuration flinkConf = JobEnvironment.withDefaults(conf);
        flinkConf.addAll(EmbeddedCluster.configuration());
        flinkConf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        flinkConf.set(RestOptions.ADDRESS, "127.0.0.1");
        flinkConf.set(RestOptions.PORT, conf.get(LocalStackOptions.FLINK_PORT));
        flinkConf.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        flinkConf.setString("metrics.reporter.prom.port",
                Integer.toString(conf.get(LocalStackOptions.FLINK_METRICS_PORT)));
        flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(flinkConf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(jobCount * conf.get(CoreOptions.DEFAULT_PARALLELISM) + QUERY_SLOTS)
                .build());
        flink.start();
    }

    /**
     * Submits each job over REST, as {@code flink run} would, each checkpointing into a folder of
     * its own and restoring from its last checkpoint there. A data folder from before the jobs
     * were split holds the all-in-one job's checkpoints instead: a job with none of its own takes
     * its operators' state from the latest of those, leaving the other jobs' state aside.
     */
    private void startJobs(List<ChronicleJob> split) throws Exception {
        Path checkpoints = Path.of(URI.create(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)));
        Optional<Path> allInOne = latestCheckpoint(checkpoints);
        if (allInOne.isPresent() && split.stream().allMatch(job -> hasCheckpoint(checkpoints.resolve(job.toString())))) {
            // Every job has moved on from them; a job added later must not take their stale state.
            Set<String> jobFolders = new HashSet<>();
            for (ChronicleJob job : ChronicleJob.values()) {
                jobFolders.add(job.toString());
            }
            try (Stream<Path> folders = Files.list(checkpoints)) {
                for (Path folder : folders.filter(f -> !jobFolders.contains(f.getFileName().toString())).toList()) {
                    deleteRecursively(folder);
                }
            }
            System.out.println("Removed the all-in-one job's checkpoints, which every job has moved on from");
            allInOne = Optional.empty();
        }
        // The first job (ingest) is built and submitted alone: it creates the namespace and the
        // shared tables, which concurrent first creations in one catalog would race for. Restored,
        // it catches up first (INGEST_CATCH_UP_FIRST). Then each other job on a thread of its own:
        // building waits on the catalog and Kafka, submitting on Flink, and none waits for another.
        Map<ChronicleJob, Callable<Submitted>> submissions = new LinkedHashMap<>();
        for (ChronicleJob job : split) {
            Configuration jobConf = clientOf(flink);
            jobConf.set(ChronicleOptions.JOB, job);
            Path own = checkpoints.resolve(job.toString());
            jobConf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, own.toUri().toString());
            Optional<Path> latest = latestCheckpoint(own);
            if (latest.isPresent()) {
                jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, latest.get().toString());
                // Flink owns the restored checkpoint and deletes it once a new one subsumes it.
                jobConf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.CLAIM);
                System.out.println("Restoring the " + job + " job from " + latest.get());
            } else if (allInOne.isPresent()) {
                jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, allInOne.get().toString());
                // Every job restores from it, so none may claim it.
                jobConf.set(StateRecoveryOptions.RESTORE_MODE, RecoveryClaimMode.NO_CLAIM);
                jobConf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
                System.out.println("Restoring the " + job + " job from the all-in-one job's " + allInOne.get());
            }
            boolean restored = jobConf.contains(StateRecoveryOptions.SAVEPOINT_PATH);
            submissions.put(job, () -> {
                // What arrived while the job was down, read before it runs again.
                Map<TopicPartition, Long> behind = restored && job.readsKafka()
                        ? CatchUpCheckpoints.targets(jobConf, job.consumerGroup(jobConf)) : Map.of();
                // Not getExecutionEnvironment(): outside `flink run` that makes a local environment
                // of its own, while this one submits to the running MiniCluster.
                StreamExecutionEnvironment env =
                        new StreamExecutionEnvironment(JobEnvironment.withDefaults(jobConf));
                IngestJob built = IngestJob.fromConfig(jobConf);
                built.build(env);
                JobClient client = env.executeAsync(built.jobName());
                return new Submitted(client, catchUp(jobConf, job, client.getJobID(), behind));
            });
        }
        ChronicleJob first = split.get(0);
        Submitted ingest = submissions.remove(first).call();
        jobs.put(first, ingest.client());
        if (submissions.isEmpty()) {
            return;
        }
        if (ingest.catchingUp().isPresent()) {
            ingest.catchingUp().get().join(INGEST_CATCH_UP_FIRST.toMillis());
        }
        ExecutorService submitting = Executors.newFixedThreadPool(submissions.size());
        try {
            Map<ChronicleJob, Future<Submitted>> submitted = new LinkedHashMap<>();
            submissions.forEach((job, submission) -> submitted.put(job, submitting.submit(submission)));
            Exception failure = null;
            for (Map.Entry<ChronicleJob, Future<Submitted>> entry : submitted.entrySet()) {
                try {
                    // Kept even when another failed, so close() cancels every job that runs.
                    jobs.put(entry.getKey(), entry.getValue().get().client());
                } catch (ExecutionException e) {
                    failure = firstOf(failure, e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            submitting.shutdown();
        }
    }

    /** A submitted job and, restored behind its topics, the thread checkpointing it until it caught up. */
    private record Submitted(JobClient client, Optional<Thread> catchingUp) {}

    /** Chronicle's configuration, plus what a client needs to submit jobs to {@code cluster}. */
    /**
     * Checkpoints a restored job until it has caught up with {@code behind}, on a thread of its
     * own; none for nothing to catch up with, or where checkpoints are due every 2 s anyway.
     */
    private Optional<Thread> catchUp(Configuration jobConf, ChronicleJob job, JobID jobId,
            Map<TopicPartition, Long> behind) {
        boolean periodicSooner = jobConf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                .map(interval -> interval.compareTo(CatchUpCheckpoints.MAX_PAUSE) <= 0).orElse(false);
        if (behind.isEmpty() || periodicSooner) {
            return Optional.empty();
        }
        MiniCluster cluster = flink;
        return Optional.of(CatchUpCheckpoints.start(jobConf, "the " + job + " job", job.consumerGroup(jobConf), behind,
                new CatchUpCheckpoints.Checkpointer() {
                    @Override
                    public void checkpoint(Duration deadline) throws Exception {
                        // Completes when the checkpoint does; fails while the tasks still restore.
                        cluster.triggerCheckpoint(jobId).get(deadline.toMillis(), TimeUnit.MILLISECONDS);
                    }

                    @Override
                    public boolean ended() {
                        try {
                            return !cluster.isRunning() || cluster.getJobStatus(jobId)
                                    .get(10, TimeUnit.SECONDS).isGloballyTerminalState();
                        } catch (Exception e) {
                            return true;
                        }
                    }
                }));
    }

    private Configuration clientOf(MiniCluster cluster) throws Exception {
        Configuration client = new Configuration(conf);
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(RestOptions.ADDRESS, "127.0.0.1");
        client.set(RestOptions.PORT, cluster.getRestAddress().get().getPort());
        return client;
    }

    /**
     * The most recent completed checkpoint (one with {@code _metadata}) of a job that checkpoints
     * into {@code dir}, which holds a folder per run of the job and in it one per checkpoint.
     */
    static Optional<Path> latestCheckpoint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(dir, 3)) {
            return files
                    .filter(p -> p.getFileName().toString().equals("_metadata"))
                    .filter(p -> p.getParent().getFileName().toString().startsWith("chk-"))
                    .max(Comparator.comparing(LocalStack::modified))
                    .map(Path::getParent);
        }
    }

    private static boolean hasCheckpoint(Path dir) {
        try {
            return latestCheckpoint(dir).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    private static long modified(Path path) {
        try {
            return Files.getLastModifiedTime(path).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Flink's own SQL gateway as a process of its own, as it runs next to a cluster, submitting
     * queries to this stack's MiniCluster. Those queries' tasks run in this JVM and read the
     * tables with the credentials a cluster would find in its environment; this JVM has them in
     * system properties (AWS SDK default chain, Chronicle's catalog loader), never in a session.
     */
    private void startSqlGateway() throws Exception {
        conf.getOptional(ChronicleOptions.S3_ACCESS_KEY).ifPresent(key -> System.setProperty("aws.accessKeyId", key));
        conf.getOptional(ChronicleOptions.S3_SECRET_KEY).ifPresent(key -> System.setProperty("aws.secretAccessKey", key));
        String jdbcPassword = conf.toMap().get(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.password");
        if (jdbcPassword != null) {
            System.setProperty(ChronicleCatalogLoader.JDBC_PASSWORD_PROPERTY, jdbcPassword);
        }
        started.push(FlinkSqlGateway.start(dataDir.resolve("sql-gateway"), conf,
                conf.get(LocalStackOptions.SQL_GATEWAY_PORT),
                "127.0.0.1:" + flink.getRestAddress().get().getPort()));
    }

    private void startTraffic() {
        int points = conf.get(LocalStackOptions.TRAFFIC_POINTS_PER_SECOND);
        int traces = conf.get(LocalStackOptions.TRAFFIC_TRACES_PER_SECOND);
        if (points == 0 && traces == 0) {
            return;
        }
        traffic = new SampleTraffic(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS),
                conf.get(ChronicleOptions.TOPIC_POINTS), conf.get(ChronicleOptions.TOPIC_EVENTS),
                points, traces, conf.get(LocalStackOptions.TRAFFIC_MALFORMED_SHARE));
        started.push(traffic);
        traffic.start();
    }

    private void printBanner(PrintStream out) {
        int gatewayPort = conf.get(LocalStackOptions.SQL_GATEWAY_PORT);
        out.println(String.join("\n",
                "",
                "Chronicle is running. Data and job state: " + dataDir,
                "  Flink web UI     http://127.0.0.1:" + conf.get(LocalStackOptions.FLINK_PORT),
                "  Jobs             " + jobs.keySet().stream().map(ChronicleJob::jobName).collect(Collectors.joining(", "))
                        + "  (each fails and restarts on its own)",
                "  Metrics          http://127.0.0.1:" + conf.get(LocalStackOptions.FLINK_METRICS_PORT)
                        + "/metrics (Flink's), http://127.0.0.1:" + conf.get(ChronicleOptions.WATCH_PORT)
                        + "/metrics (chronicle-watch)",
                "  SQL gateway      http://127.0.0.1:" + gatewayPort
                        + "  (Flink's SQL gateway: REST API v1, SQL client, jdbc:flink://127.0.0.1:" + gatewayPort + ")",
                "  Kafka            " + conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS)
                        + "  topics " + String.join(", ", ChronicleConfig.pointTopics(conf).keySet()) + ", "
                        + String.join(", ", ChronicleConfig.eventTopics(conf).keySet()) + ", "
                        + conf.get(ChronicleOptions.TOPIC_DEAD_LETTER),
                "  S3               " + conf.get(ChronicleOptions.S3_ENDPOINT)
                        + "  warehouse " + conf.get(ChronicleOptions.CATALOG_WAREHOUSE),
                "  Iceberg catalog  " + conf.get(ChronicleOptions.CATALOG_NAME) + " at "
                        + conf.get(ChronicleOptions.CATALOG_URI),
                "",
                "Query it (rows appear on each checkpoint, every "
                        + conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).toSeconds() + " s):",
                "  ./deploy/local/sql \"SELECT metric, count(*) FROM points_raw GROUP BY metric\"",
                "  ./deploy/local/sql \"SELECT reason_code, count(*) FROM rejected GROUP BY reason_code\"",
                "  ./deploy/local/sql    (an interactive session of Flink's SQL client)",
                "Stop with Ctrl-C; run again to continue where it stopped.",
                ""));
    }

    /** Prints how much has landed in Iceberg, and how fast, until the process is stopped. */
    private void reportStatusForever(PrintStream out) throws InterruptedException {
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        Table points = catalog.loadTable(TableIdentifier.of(namespace, "points_raw"));
        Table events = catalog.loadTable(TableIdentifier.of(namespace, "events"));
        Table rejected = catalog.loadTable(TableIdentifier.of(namespace, "rejected"));
        long lastPoints = TableStats.committedRecords(points);
        long lastNanos = System.nanoTime();
        while (true) {
            TimeUnit.SECONDS.sleep(STATUS_EVERY_SECONDS);
            long nowPoints;
            try {
                nowPoints = TableStats.committedRecords(points);
            } catch (RuntimeException e) {
                if (closing) {
                    return; // the services are stopping under the status line
                }
                throw e;
            }
            long nowNanos = System.nanoTime();
            double rate = (nowPoints - lastPoints) * 1e9 / (nowNanos - lastNanos);
            out.printf("[status] points_raw %,d rows (%,.0f points/s), events %,d, rejected %,d%s; jobs %s%n",
                    nowPoints, rate, TableStats.committedRecords(events), TableStats.committedRecords(rejected),
                    traffic == null ? "" : String.format("; sample traffic sent %,d points, %,d events, %,d malformed",
                            traffic.pointsSent(), traffic.eventsSent(), traffic.malformedSent()),
                    jobStates());
            lastPoints = nowPoints;
            lastNanos = nowNanos;
        }
    }

    /** Each job's state, as Flink has it: a FAILED job has used up its restarts. */
    private String jobStates() {
        List<String> states = new ArrayList<>();
        jobs.forEach((job, client) -> {
            String state;
            try {
                state = client.getJobStatus().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).toString();
            } catch (Exception e) {
                state = "UNKNOWN";
            }
            states.add(job + " " + state);
        });
        return String.join(", ", states);
    }

    @Override
    public synchronized void close() {
        closing = true;
        jobs.forEach((job, client) -> {
            try {
                // The last completed checkpoint is retained; the next run restores from it.
                if (!client.getJobStatus().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    client.cancel().get(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                System.err.println("Could not cancel the " + job + " job cleanly: " + e);
            }
        });
        jobs.clear();
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("Error while stopping: " + e);
            }
        }
    }
}
