package io.chronicle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RejectReason;
import io.chronicle.services.KafkaBroker;
import io.chronicle.services.S3Server;
import io.chronicle.watch.ChronicleWatch;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileInfo;
import org.apache.iceberg.io.SupportsPrefixOperations;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Measures how long Chronicle takes to recover from a SIGKILL of the JVM running its job, under
 * steady load: for the local stack (the run command's JVM killed and the run command started
 * again), and for standalone clusters of {@code deploy/cluster} (the TaskManager running the
 * points source killed and started again, or the JobManager killed, started again and the job
 * resubmitted from its latest checkpoint; the split jobs in two clusters, ingest's own and the
 * others', as production gives each job a cluster of its own). Each run waits until caught up, kills, restarts what a supervisor would, and
 * measures kill → every job RUNNING (all its tasks) → caught up: every offset of the points topic
 * produced before the kill and until the jobs ran again is committed to {@code points_raw} (or
 * {@code rejected}) exactly once, read from the tables by offsets. Prints each run and the medians.
 */
public final class RecoveryTime {

    static final String PROGRAM = "deploy/recovery";

    static final String USAGE = String.join("\n",
            "usage: " + PROGRAM + " --target local|cluster-taskmanager|cluster-jobmanager [--runs 3]",
            "                       [--points-per-second 2000] [--traces-per-second 5] [--settle-seconds 20]",
            "                       [--data-dir DIR] [--base-port 21300] [--checkpoint-interval SECONDS]",
            "                       [--cluster-jobs split|shared|all] [--catch-up-checkpoints yes|no]",
            "                       [--restart-backoff-reset SECONDS] [--ingest-parallelism 1]",
            "",
            "Measures the time from a SIGKILL of the JVM running the job to the job RUNNING again and to",
            "caught up (every points-topic offset produced before the kill and during the outage in",
            "points_raw or rejected, exactly once), under steady sample load, several runs, and prints",
            "the figures and their medians.",
            "  --target                local: the local stack's JVM, restarted with deploy/local/run;",
            "                          cluster-taskmanager / cluster-jobmanager: that process of the",
            "                          standalone cluster (deploy/cluster), restarted with its start script;",
            "                          a JobManager without HA comes back without the job, which is then",
            "                          resubmitted from its latest retained checkpoint",
            "  --runs                  kills measured (default 3)",
            "  --points-per-second     sample points produced per second (default 2000)",
            "  --traces-per-second     sample traces started per second (default 5)",
            "  --settle-seconds        steady running between catching up and the next kill (default 20)",
            "  --data-dir              folder for everything this run starts (default target/recovery-<target>;",
            "                          emptied first)",
            "  --base-port             first of the ten ports used: Kafka, S3, Flink, SQL gateway, the",
            "                          cluster's REST and RPC ports, the local stack's Flink metrics and",
            "                          watcher ports, the second cluster's REST and RPC ports (default",
            "                          21300: below Linux's ephemeral ports, which a client's connection",
            "                          may hold when a server binds)",
            "  --checkpoint-interval   the job's execution.checkpointing.interval in seconds (default: the",
            "                          job's or the local stack's own default)",
            "  --cluster-jobs          what cluster-taskmanager submits: split (the default: ingest in a",
            "                          cluster of its own, rollups, views, alerts and maintenance in another,",
            "                          as production runs them), shared (the same jobs in one cluster) or",
            "                          all (the all-in-one job); cluster-jobmanager resubmits the all-in-one job",
            "  --catch-up-checkpoints  for the clusters: whether chronicle-watch, watching every cluster as",
            "                          production runs it, checkpoints a restored job until it has caught up",
            "                          (chronicle.watch.catch-up-checkpoints; default yes)",
            "  --restart-backoff-reset for the clusters: the jobs' restart-strategy.exponential-delay.",
            "                          reset-backoff-threshold in seconds (default: Chronicle's 10 minutes);",
            "                          below the time between two kills, each kill meets the first backoff",
            "                          (1 s), as an isolated failure does, rather than a doubled one",
            "  --ingest-parallelism    for the clusters: the parallelism of the job writing points_raw",
            "                          (default 1; with shared or all, of every job of the cluster); above 1",
            "                          the clusters spread a job's slots over their TaskManagers",
            "                          (taskmanager.load-balance.mode SLOTS), so at 2 the TaskManager that",
            "                          survives a kill already runs the job, its classes loaded");

    private static final Duration START_DEADLINE = Duration.ofMinutes(6);
    private static final Duration RECOVERY_DEADLINE = Duration.ofMinutes(5);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Target { LOCAL, CLUSTER_TASKMANAGER, CLUSTER_JOBMANAGER }

    /** Which jobs run in which cluster ({@code --cluster-jobs}). */
    enum Layout {
        /** Ingest in a cluster of its own, the other split jobs in another: as each job's own cluster in production. */
        SPLIT,
        /** The split jobs in one cluster, sharing its TaskManagers. */
        SHARED,
        /** The all-in-one job. */
        ALL
    }

    /**
     * A Flink cluster of the measurement, reached on its REST port: the local stack's, or a
     * standalone one of deploy/cluster with the jobs submitted to it ({@code deploy/cluster/submit --job}),
     * none for the all-in-one job.
     */
    record Cluster(String name, int index, List<String> jobs) {}

    /** A TaskManager of a cluster, by its resource id. */
    record TaskManager(Cluster cluster, String name) {}

    record Options(Target target, int runs, int pointsPerSecond, int tracesPerSecond, int settleSeconds,
            Path dataDir, int basePort, Integer checkpointSeconds, Layout layout, boolean catchUpCheckpoints,
            Integer restartBackoffResetSeconds, int ingestParallelism) {

        int kafkaPort() {
            return basePort;
        }

        int s3Port() {
            return basePort + 1;
        }

        int flinkPort() {
            return basePort + 2;
        }

        int gatewayPort() {
            return basePort + 3;
        }

        /** The REST port of the {@code index}-th cluster (the local stack's Flink for the local target). */
        int restPort(int index) {
            return target == Target.LOCAL ? flinkPort() : index == 0 ? basePort + 4 : basePort + 8;
        }

        int rpcPort(int index) {
            return index == 0 ? basePort + 5 : basePort + 9;
        }

        int flinkMetricsPort() {
            return basePort + 6;
        }

        int watchPort() {
            return basePort + 7;
        }

        static Options parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (int i = 0; i < args.length; i += 2) {
                if (!args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected '--option value' pairs, got '" + args[i] + "'");
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("option '" + args[i] + "' needs a value");
                }
                given.put(args[i].substring(2), args[i + 1]);
            }
            String targetName = given.remove("target");
            if (targetName == null) {
                throw new IllegalArgumentException("option '--target' is required");
            }
            Target target = switch (targetName) {
                case "local" -> Target.LOCAL;
                case "cluster-taskmanager" -> Target.CLUSTER_TASKMANAGER;
                case "cluster-jobmanager" -> Target.CLUSTER_JOBMANAGER;
                default -> throw new IllegalArgumentException(
                        "option '--target' must be local, cluster-taskmanager or cluster-jobmanager, got '"
                                + targetName + "'");
            };
            int runs = positive(given, "runs", 3);
            int points = atLeastZero(given, "points-per-second", 2000);
            int traces = atLeastZero(given, "traces-per-second", 5);
            int settle = atLeastZero(given, "settle-seconds", 20);
            int basePort = positive(given, "base-port", 21300);
            if (basePort > 65535 - 9) {
                throw new IllegalArgumentException("option '--base-port' must leave ten ports below 65536, got " + basePort);
            }
            Integer checkpoint = given.containsKey("checkpoint-interval") ? positive(given, "checkpoint-interval", 0) : null;
            Integer backoffReset = given.containsKey("restart-backoff-reset")
                    ? positive(given, "restart-backoff-reset", 0) : null;
            int ingestParallelism = positive(given, "ingest-parallelism", 1);
            Path dataDir = Path.of(given.getOrDefault("data-dir", "target/recovery-" + targetName)).toAbsolutePath();
            given.remove("data-dir");
            if (points == 0) {
                throw new IllegalArgumentException("option '--points-per-second' must be positive: the points topic is audited");
            }
            String clusterJobs = given.remove("cluster-jobs");
            Layout layout = switch (clusterJobs == null ? (target == Target.CLUSTER_TASKMANAGER ? "split" : "all") : clusterJobs) {
                case "split" -> Layout.SPLIT;
                case "shared" -> Layout.SHARED;
                case "all" -> Layout.ALL;
                default -> throw new IllegalArgumentException(
                        "option '--cluster-jobs' must be split, shared or all, got '" + clusterJobs + "'");
            };
            if (layout != Layout.ALL && target != Target.CLUSTER_TASKMANAGER) {
                throw new IllegalArgumentException("option '--cluster-jobs " + clusterJobs
                        + "' needs '--target cluster-taskmanager'");
            }
            String catchUp = given.getOrDefault("catch-up-checkpoints", "yes");
            given.remove("catch-up-checkpoints");
            if (!catchUp.equals("yes") && !catchUp.equals("no")) {
                throw new IllegalArgumentException("option '--catch-up-checkpoints' must be yes or no, got '" + catchUp + "'");
            }
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("unknown option '--" + given.keySet().iterator().next() + "'");
            }
            return new Options(target, runs, points, traces, settle, dataDir, basePort, checkpoint, layout,
                    catchUp.equals("yes"), backoffReset, ingestParallelism);
        }

        private static int positive(Map<String, String> given, String key, int fallback) {
            int value = atLeastZero(given, key, fallback);
            if (value == 0) {
                throw new IllegalArgumentException("option '--" + key + "' must be positive");
            }
            return value;
        }

        private static int atLeastZero(Map<String, String> given, String key, int fallback) {
            String text = given.remove(key);
            if (text == null) {
                return fallback;
            }
            try {
                int value = Integer.parseInt(text);
                if (value < 0) {
                    throw new NumberFormatException();
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option '--" + key + "' needs a whole number, got '" + text + "'");
            }
        }
    }

    /** One measured kill: seconds from the kill to every job running again, and to caught up. */
    /**
     * One kill, in seconds after it: until the job writing points_raw runs again and points_raw holds
     * every offset produced until then; until every job runs again and points_raw holds every
     * offset produced until then.
     */
    record Run(double pointsRunning, double pointsCaughtUp, double running, double caughtUp, long offsetsAudited) {}

    /** What {@code deploy/cluster/submit --job split} submits: ingest, rollups, views, alerts, maintenance. */
    private static final List<String> SPLIT_JOBS = List.of("ingest", "rollups", "views", "alerts", "maintenance");

    private final Options options;
    private final List<Cluster> clusters;
    private final Path root;
    private final Configuration conf = new Configuration();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** What this measurement started, stopped last first. */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private Process stack;
    private int stackStarts;
    /** The TaskManager the last kill took, and its cluster, which restart() starts again. */
    private String killedTaskManager;
    private Cluster killedCluster;
    /**
     * The jobs the last kill took down, which must have entered RUNNING again since: every job,
     * but for a TaskManager only those with a task on it, while the others run on.
     */
    private Set<String> killedJobs = Set.of();

    private RecoveryTime(Options options, Path root) {
        this.options = options;
        this.clusters = clusters(options);
        this.root = root;
    }

    static List<Cluster> clusters(Options options) {
        if (options.target == Target.LOCAL) {
            return List.of(new Cluster("local", 0, List.of()));
        }
        return switch (options.layout) {
            case SPLIT -> List.of(new Cluster("ingest", 0, List.of("ingest")),
                    new Cluster("derived", 1, SPLIT_JOBS.subList(1, SPLIT_JOBS.size())));
            case SHARED -> List.of(new Cluster("cluster", 0, SPLIT_JOBS));
            case ALL -> List.of(new Cluster("cluster", 0, List.of()));
        };
    }

    /** The jobs the measurement submits: one where a cluster names none (the all-in-one job or the local stack's first). */
    private int jobsSubmitted() {
        return clusters.stream().mapToInt(c -> Math.max(1, c.jobs().size())).sum();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.out.println(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(PROGRAM + ": " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        Path root = Path.of(System.getProperty("chronicle.root", ".")).toAbsolutePath().normalize();
        RecoveryTime measure = new RecoveryTime(options, root);
        int status;
        try {
            List<Run> runs = measure.measure();
            print(options, runs);
            status = 0;
        } finally {
            measure.stopAll();
        }
        System.exit(status);
    }

    private List<Run> measure() throws Exception {
        prepareDataDir();
        if (options.target == Target.LOCAL) {
            startLocalStack();
        } else {
            startServices();
            for (Cluster cluster : clusters) {
                startCluster(cluster);
                submit(cluster, Optional.empty());
            }
            startWatch();
        }
        awaitRunning(0, jobsSubmitted(), START_DEADLINE);
        SampleTraffic load = new SampleTraffic(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS),
                conf.get(ChronicleOptions.TOPIC_POINTS), conf.get(ChronicleOptions.TOPIC_EVENTS),
                options.pointsPerSecond, options.tracesPerSecond, 0.01);
        started.push(load);
        load.start();
        log("load: %,d points/s and %d traces/s", options.pointsPerSecond, options.tracesPerSecond);

        Audit audit = new Audit(conf);
        List<Run> runs = new ArrayList<>();
        for (int i = 1; i <= options.runs; i++) {
            Map<TopicPartition, Long> before = endOffsets();
            await("caught up before kill " + i, START_DEADLINE, () -> audit.caughtUpTo(before));
            TimeUnit.SECONDS.sleep(options.settleSeconds);
            // The local stack submits its jobs one by one: all of them must run again, not the first.
            int jobs = runningJobs();
            long killed = kill();
            long killedNanos = System.nanoTime();
            log("run %d: killed at %tT.%<tL", i, killed);
            restart();
            // points_raw is current again once its job has read what arrived until it ran again:
            // the other jobs (the local stack restores them after ingest has caught up) may still restore.
            awaitPointsJobRunning(killed, RECOVERY_DEADLINE);
            double pointsRunning = secondsSince(killedNanos);
            Map<TopicPartition, Long> producedUntilPointsRunning = endOffsets();
            double[] pointsCaughtUp = {Double.NaN};
            awaitRunning(killed, jobs, RECOVERY_DEADLINE, () -> {
                if (Double.isNaN(pointsCaughtUp[0]) && audit.caughtUpTo(producedUntilPointsRunning)) {
                    pointsCaughtUp[0] = secondsSince(killedNanos);
                }
            });
            double running = secondsSince(killedNanos);
            if (Double.isNaN(pointsCaughtUp[0])) {
                await("caught up after kill " + i, RECOVERY_DEADLINE, () -> audit.caughtUpTo(producedUntilPointsRunning));
                pointsCaughtUp[0] = secondsSince(killedNanos);
            }
            Map<TopicPartition, Long> produced = endOffsets();
            await("caught up after kill " + i, RECOVERY_DEADLINE, () -> audit.caughtUpTo(produced));
            double caughtUp = secondsSince(killedNanos);
            long offsets = produced.values().stream().mapToLong(Long::longValue).sum();
            runs.add(new Run(pointsRunning, pointsCaughtUp[0], running, caughtUp, offsets));
            log("run %d: kill -> points job running %.1f s, -> caught up with it %.1f s; -> all %d jobs running"
                    + " %.1f s, -> caught up with them %.1f s (%,d offsets exactly once)",
                    i, pointsRunning, pointsCaughtUp[0], jobs, running, caughtUp, offsets);
        }
        return runs;
    }

    private static void print(Options options, List<Run> runs) {
        System.out.printf("%nrecovery from SIGKILL, target %s, %,d points/s + %d traces/s, %d runs%n",
                options.target.name().toLowerCase().replace('_', '-'), options.pointsPerSecond,
                options.tracesPerSecond, runs.size());
        System.out.println("caught up: every offset produced before the kill and until that moment in points_raw (or rejected)");
        System.out.println("run  points job running  caught up  all jobs running  caught up  offsets audited");
        for (int i = 0; i < runs.size(); i++) {
            Run run = runs.get(i);
            System.out.printf("%3d  %16.1f s  %7.1f s  %14.1f s  %7.1f s  %,15d%n", i + 1, run.pointsRunning(),
                    run.pointsCaughtUp(), run.running(), run.caughtUp(), run.offsetsAudited());
        }
        System.out.printf("median  %13.1f s  %7.1f s  %14.1f s  %7.1f s%n",
                median(runs.stream().map(Run::pointsRunning).toList()),
                median(runs.stream().map(Run::pointsCaughtUp).toList()),
                median(runs.stream().map(Run::running).toList()), median(runs.stream().map(Run::caughtUp).toList()));
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private void prepareDataDir() throws IOException {
        if (Files.exists(options.dataDir)) {
            try (var files = Files.walk(options.dataDir)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(path -> {
                    try {
                        Files.delete(path);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
            }
        }
        Files.createDirectories(options.dataDir.resolve("logs"));
    }

    // ---- the local stack ----

    private void startLocalStack() throws IOException {
        conf.set(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:" + options.kafkaPort());
        conf.set(ChronicleOptions.S3_ENDPOINT, "http://127.0.0.1:" + options.s3Port());
        conf.set(ChronicleOptions.S3_PATH_STYLE_ACCESS, true);
        conf.set(ChronicleOptions.S3_ACCESS_KEY, S3Server.DEFAULT_ACCESS_KEY);
        conf.set(ChronicleOptions.S3_SECRET_KEY, S3Server.DEFAULT_SECRET_KEY);
        conf.set(ChronicleOptions.CATALOG_URI,
                "jdbc:sqlite:" + options.dataDir.resolve("catalog").resolve("chronicle.db"));
        conf.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.busy_timeout", "30000");
        launchStack();
    }

    /** The run command, as a user (or a supervisor) runs it; its JVM is this process's child. */
    private void launchStack() throws IOException {
        List<String> command = new ArrayList<>(List.of(root.resolve("deploy/local/run").toString(),
                "--chronicle.local.data-dir", options.dataDir.toString(),
                "--chronicle.local.kafka-port", String.valueOf(options.kafkaPort()),
                "--chronicle.local.s3-port", String.valueOf(options.s3Port()),
                "--chronicle.local.flink-port", String.valueOf(options.flinkPort()),
                "--chronicle.local.sql-gateway-port", String.valueOf(options.gatewayPort()),
                "--chronicle.local.flink-metrics-port", String.valueOf(options.flinkMetricsPort()),
                "--chronicle.watch.port", String.valueOf(options.watchPort()),
                "--chronicle.local.traffic.points-per-second", "0",
                "--chronicle.local.traffic.traces-per-second", "0"));
        if (options.checkpointSeconds != null) {
            command.addAll(List.of("--execution.checkpointing.interval", options.checkpointSeconds + " s"));
        }
        stackStarts++;
        stack = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(options.dataDir.resolve("stack-" + stackStarts + ".out").toFile()).start();
    }

    // ---- the standalone cluster ----

    private void startServices() throws IOException {
        KafkaBroker kafka = KafkaBroker.start(options.dataDir.resolve("kafka"), options.kafkaPort());
        started.push(kafka);
        kafka.createTopic(conf.get(ChronicleOptions.TOPIC_POINTS), 4, false);
        kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 4, false);
        kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        kafka.createTopic(conf.get(ChronicleOptions.TOPIC_ALERTS), 1, false);
        kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
        kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES), 1, true);
        S3Server s3 = S3Server.start(options.dataDir.resolve("s3"), options.s3Port());
        started.push(s3);
        s3.createBucket("chronicle");
        Files.createDirectories(options.dataDir.resolve("catalog"));
        conf.set(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS, kafka.bootstrapServers());
        conf.set(ChronicleOptions.S3_ENDPOINT, s3.endpoint().toString());
        conf.set(ChronicleOptions.S3_PATH_STYLE_ACCESS, true);
        conf.set(ChronicleOptions.S3_ACCESS_KEY, s3.accessKey());
        conf.set(ChronicleOptions.S3_SECRET_KEY, s3.secretKey());
        conf.set(ChronicleOptions.CATALOG_URI,
                "jdbc:sqlite:" + options.dataDir.resolve("catalog").resolve("chronicle.db"));
        conf.setString(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.busy_timeout", "30000");
    }

    /**
     * chronicle-watch over every cluster, as production runs it beside them (here in this JVM,
     * apart from the killed ones): with {@code --catch-up-checkpoints yes} it checkpoints each
     * restored job until it has caught up.
     */
    private void startWatch() throws IOException {
        Configuration watchConf = new Configuration(conf);
        watchConf.set(ChronicleOptions.WATCH_FLINK_REST_URL,
                clusters.stream().map(c -> "http://127.0.0.1:" + options.restPort(c.index())).toList());
        watchConf.set(ChronicleOptions.WATCH_JOBS, clusters.stream()
                .flatMap(c -> c.jobs().isEmpty() ? Stream.of(ChronicleJob.ALL) : c.jobs().stream()
                        .map(job -> ChronicleJob.valueOf(job.toUpperCase(Locale.ROOT))))
                .map(ChronicleJob::jobName).toList());
        watchConf.set(ChronicleOptions.WATCH_PORT, options.watchPort());
        watchConf.set(ChronicleOptions.WATCH_CATCH_UP_CHECKPOINTS, options.catchUpCheckpoints);
        started.push(ChronicleWatch.start(watchConf));
        log("chronicle-watch: catch-up checkpoints %s", options.catchUpCheckpoints ? "on" : "off");
    }

    private String checkpointsUri() {
        return "s3://chronicle/recovery/checkpoints";
    }

    private void startCluster(Cluster cluster) throws Exception {
        String s3 = conf.get(ChronicleOptions.S3_ENDPOINT);
        List<String> args = new ArrayList<>(List.of("--rest-port", String.valueOf(options.restPort(cluster.index())),
                "--rpc-port", String.valueOf(options.rpcPort(cluster.index())),
                "-D", "s3.endpoint=" + s3, "-D", "s3.path-style-access=true",
                "-D", "s3.access-key=" + conf.get(ChronicleOptions.S3_ACCESS_KEY),
                "-D", "s3.secret-key=" + conf.get(ChronicleOptions.S3_SECRET_KEY),
                "-D", "execution.checkpointing.dir=" + checkpointsUri()));
        if (options.ingestParallelism > 1) {
            args.addAll(List.of("-D", "taskmanager.load-balance.mode=SLOTS"));
        }
        clusterScript(cluster, "start", args);
        started.push(() -> clusterScript(cluster, "stop", List.of()));
    }

    /**
     * Submits the job jar with every Chronicle option as {@code -D}, as {@code deploy/cluster/check}
     * does: the cluster's jobs, or the all-in-one job ({@code --cluster-jobs}).
     */
    private void submit(Cluster cluster, Optional<String> restore) throws Exception {
        List<String> args = new ArrayList<>();
        for (String job : cluster.jobs()) {
            args.addAll(List.of("--job", job));
        }
        for (var option : List.of(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS, ChronicleOptions.S3_ENDPOINT,
                ChronicleOptions.CATALOG_URI, ChronicleOptions.S3_ACCESS_KEY, ChronicleOptions.S3_SECRET_KEY)) {
            args.addAll(List.of("-D", option.key() + "=" + conf.get(option)));
        }
        args.addAll(List.of("-D", ChronicleOptions.S3_PATH_STYLE_ACCESS.key() + "=true",
                "-D", ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.busy_timeout=30000"));
        if (options.checkpointSeconds != null) {
            args.addAll(List.of("-D", "execution.checkpointing.interval=" + options.checkpointSeconds + " s"));
        }
        if (options.restartBackoffResetSeconds != null) {
            args.addAll(List.of("-D", RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD.key()
                    + "=" + options.restartBackoffResetSeconds + " s"));
        }
        if (cluster.jobs().isEmpty() || cluster.jobs().contains("ingest")) {
            args.addAll(List.of("-D", "parallelism.default=" + options.ingestParallelism));
        }
        restore.ifPresent(path -> args.addAll(List.of("-D", "execution.state-recovery.path=" + path)));
        try (var jars = Files.list(root.resolve("jobs/target"))) {
            args.add(jars.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no job jar in jobs/target: build first"))
                    .toString());
        }
        clusterScript(cluster, "submit", args);
    }

    private void clusterScript(Cluster cluster, String name, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("deploy/cluster").resolve(name).toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(options.dataDir.resolve("cluster-scripts.out").toFile()));
        builder.environment().put("CHRONICLE_CLUSTER_RUN_DIR", clusterRunDir(cluster).toString());
        Process process = builder.start();
        if (!process.waitFor(START_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("deploy/cluster/" + name + " did not finish within " + START_DEADLINE);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("deploy/cluster/" + name + " failed; see "
                    + options.dataDir.resolve("cluster-scripts.out"));
        }
    }

    private Path clusterRunDir(Cluster cluster) {
        return options.dataDir.resolve(cluster.name());
    }

    /** The most recent completed checkpoint on S3: the newest {@code chk-N/_metadata}. */
    private String latestCheckpoint() throws IOException {
        // The tables' own file IO reads the same store, with the same settings.
        Table table = ChronicleCatalogLoader.from(conf).loadCatalog()
                .loadTable(TableIdentifier.of(conf.get(ChronicleOptions.CATALOG_NAMESPACE), "points_raw"));
        try (var io = table.io()) {
            FileInfo newest = null;
            for (FileInfo file : ((SupportsPrefixOperations) io).listPrefix(checkpointsUri())) {
                if (file.location().matches(".*/chk-[0-9]+/_metadata")
                        && (newest == null || file.createdAtMillis() > newest.createdAtMillis())) {
                    newest = file;
                }
            }
            if (newest == null) {
                throw new IllegalStateException("no completed checkpoint under " + checkpointsUri());
            }
            return newest.location().substring(0, newest.location().length() - "/_metadata".length());
        }
    }

    // ---- killing and restarting ----

    /** SIGKILLs the JVM running the job; returns the wall-clock time of the kill. */
    private long kill() throws Exception {
        ProcessHandle victim = switch (options.target) {
            case LOCAL -> stack.toHandle();
            case CLUSTER_TASKMANAGER -> {
                TaskManager points = taskManagerOfJob();
                killedCluster = points.cluster();
                killedTaskManager = points.name();
                yield clusterProcess(killedCluster, killedTaskManager);
            }
            case CLUSTER_JOBMANAGER -> clusterProcess(killedCluster = clusters.get(0), "jobmanager");
        };
        killedJobs = options.target == Target.CLUSTER_TASKMANAGER ? jobsOn(killedCluster, killedTaskManager) : Set.of();
        long now = System.currentTimeMillis();
        victim.destroyForcibly();
        victim.onExit().join();
        return now;
    }

    private ProcessHandle clusterProcess(Cluster cluster, String name) throws IOException {
        long pid = Long.parseLong(Files.readString(clusterRunDir(cluster).resolve(name + ".pid")).trim());
        return ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("the " + name + " is not running"));
    }

    /**
     * The TaskManager running the Kafka source of points of the job writing points_raw: the one
     * whose death stops ingest. deploy/cluster names each TaskManager's resource id after its process.
     */
    private TaskManager taskManagerOfJob() throws Exception {
        for (Cluster cluster : clusters) {
            for (JsonNode job : get(cluster, "/jobs/overview").path("jobs")) {
                if (!job.path("state").asText().equals("RUNNING")) {
                    continue;
                }
                String jobId = job.path("jid").asText();
                if (!writesPointsRaw(cluster, jobId)) {
                    continue;
                }
                for (JsonNode vertex : get(cluster, "/jobs/" + jobId).path("vertices")) {
                    if (vertex.path("name").asText().contains("kafka-points")) {
                        for (JsonNode taskManager : get(cluster, "/jobs/" + jobId + "/vertices/"
                                + vertex.path("id").asText() + "/taskmanagers").path("taskmanagers")) {
                            return new TaskManager(cluster, taskManager.path("taskmanager-id").asText());
                        }
                    }
                }
            }
        }
        throw new IllegalStateException("no running job reads the points topic");
    }

    /** The running jobs of {@code cluster} with a task on {@code taskManager}. */
    private Set<String> jobsOn(Cluster cluster, String taskManager) throws Exception {
        Set<String> jobs = new HashSet<>();
        for (JsonNode job : get(cluster, "/jobs/overview").path("jobs")) {
            String jobId = job.path("jid").asText();
            for (JsonNode vertex : job.path("state").asText().equals("RUNNING")
                    ? get(cluster, "/jobs/" + jobId).path("vertices") : JSON.createArrayNode()) {
                for (JsonNode tm : get(cluster, "/jobs/" + jobId + "/vertices/" + vertex.path("id").asText()
                        + "/taskmanagers").path("taskmanagers")) {
                    if (tm.path("taskmanager-id").asText().equals(taskManager)) {
                        jobs.add(jobId);
                    }
                }
            }
        }
        return jobs;
    }

    /** Restarts what a supervisor restarts: the run command, or the killed cluster process. */
    private void restart() throws Exception {
        switch (options.target) {
            case LOCAL -> launchStack();
            case CLUSTER_TASKMANAGER -> clusterScript(killedCluster, "start", List.of("--restart", killedTaskManager));
            case CLUSTER_JOBMANAGER -> {
                clusterScript(killedCluster, "start", List.of("--restart", "jobmanager"));
                // Without HA the new JobManager knows no job: resubmit it from its latest checkpoint.
                submit(killedCluster, Optional.of(latestCheckpoint()));
            }
        }
    }

    // ---- what is measured ----

    /**
     * Waits until at least {@code jobs} jobs run, every job of the cluster entered RUNNING after
     * {@code since} and all its tasks run.
     */
    private void awaitRunning(long since, int jobs, Duration deadline) throws Exception {
        awaitRunning(since, jobs, deadline, () -> {});
    }

    /** As {@link #awaitRunning(long, int, Duration)}, calling {@code meanwhile} at each poll. */
    private void awaitRunning(long since, int jobs, Duration deadline, Meanwhile meanwhile) throws Exception {
        await(jobs + " jobs running", deadline, () -> {
            meanwhile.poll();
            return allRunning(since, jobs);
        });
    }

    private interface Meanwhile {
        void poll() throws Exception;
    }

    private boolean allRunning(long since, int jobs) throws Exception {
        int running = 0;
        for (Cluster cluster : clusters) {
            for (JsonNode job : get(cluster, "/jobs/overview").path("jobs")) {
                String state = job.path("state").asText();
                if (state.equals("FINISHED") || state.equals("CANCELED") || state.equals("FAILED")) {
                    continue;
                }
                String jobId = job.path("jid").asText();
                boolean killed = killedJobs.isEmpty() || killedJobs.contains(jobId);
                if (!runningSince(cluster, jobId, killed ? since : 0)) {
                    return false;
                }
                running++;
            }
        }
        return running >= jobs;
    }

    /** Waits until the job writing points_raw entered RUNNING after {@code since} and all its tasks run. */
    private void awaitPointsJobRunning(long since, Duration deadline) throws Exception {
        await("the job writing points_raw running", deadline, () -> {
            for (Cluster cluster : clusters) {
                for (JsonNode job : get(cluster, "/jobs/overview").path("jobs")) {
                    String jobId = job.path("jid").asText();
                    if (job.path("state").asText().equals("RUNNING") && writesPointsRaw(cluster, jobId)
                            && runningSince(cluster, jobId, since)) {
                        return true;
                    }
                }
            }
            return false;
        });
    }

    private boolean writesPointsRaw(Cluster cluster, String jobId) throws Exception {
        for (JsonNode vertex : get(cluster, "/jobs/" + jobId).path("vertices")) {
            if (vertex.path("name").asText().contains("iceberg-points_raw")) {
                return true;
            }
        }
        return false;
    }

    private boolean runningSince(Cluster cluster, String jobId, long since) throws Exception {
        JsonNode detail = get(cluster, "/jobs/" + jobId);
        if (!detail.path("state").asText().equals("RUNNING") || detail.path("timestamps").path("RUNNING").asLong() < since) {
            return false;
        }
        for (JsonNode vertex : detail.path("vertices")) {
            if (!vertex.path("status").asText().equals("RUNNING")) {
                return false;
            }
        }
        return true;
    }

    /** The jobs running now. */
    private int runningJobs() throws Exception {
        int running = 0;
        for (Cluster cluster : clusters) {
            for (JsonNode job : get(cluster, "/jobs/overview").path("jobs")) {
                if (job.path("state").asText().equals("RUNNING")) {
                    running++;
                }
            }
        }
        return running;
    }

    private JsonNode get(Cluster cluster, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + options.restPort(cluster.index()) + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(path + ": HTTP " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    private Map<TopicPartition, Long> endOffsets() throws Exception {
        String topic = conf.get(ChronicleOptions.TOPIC_POINTS);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS)))) {
            Map<TopicPartition, OffsetSpec> latest = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .collect(Collectors.toMap(Function.identity(), p -> OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    /**
     * The points topic's offsets committed to {@code points_raw} and (less {@code too_late}, whose
     * records are in {@code points_raw} too) to {@code rejected}, read incrementally: each poll reads
     * only the files appended since the snapshot read before.
     */
    static final class Audit {
        private final Catalog catalog;
        private final String namespace;
        private final String topic;
        private final Map<String, TableOffsets> tables = new TreeMap<>();

        Audit(Configuration conf) {
            this.catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            this.namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
            this.topic = conf.get(ChronicleOptions.TOPIC_POINTS);
            tables.put("points_raw", new TableOffsets());
            tables.put("rejected", new TableOffsets());
        }

        /**
         * True when every offset below {@code ends} is committed; fails when any offset is
         * committed twice.
         */
        boolean caughtUpTo(Map<TopicPartition, Long> ends) throws IOException {
            for (Map.Entry<String, TableOffsets> entry : tables.entrySet()) {
                read(entry.getKey(), entry.getValue());
            }
            boolean complete = true;
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                int partition = end.getKey().partition();
                BitSet raw = tables.get("points_raw").offsets(partition);
                BitSet rejected = tables.get("rejected").offsets(partition);
                if (raw.intersects(rejected)) {
                    throw new IllegalStateException("partition " + partition + ": offsets in both points_raw and rejected");
                }
                BitSet all = (BitSet) raw.clone();
                all.or(rejected);
                complete &= all.nextClearBit(0) >= end.getValue();
            }
            for (Map.Entry<String, TableOffsets> entry : tables.entrySet()) {
                if (entry.getValue().doubled > 0) {
                    throw new IllegalStateException(entry.getKey() + " holds " + entry.getValue().doubled
                            + " offsets of " + topic + " twice");
                }
            }
            return complete;
        }

        private void read(String name, TableOffsets offsets) throws IOException {
            Table table = catalog.loadTable(TableIdentifier.of(namespace, name));
            Snapshot current = table.currentSnapshot();
            if (current == null || (offsets.snapshot != null && offsets.snapshot == current.snapshotId())) {
                return;
            }
            boolean rejected = name.equals("rejected");
            List<String> columns = rejected
                    ? List.of("source_topic", "source_partition", "source_offset", "reason_code")
                    : List.of("source_topic", "source_partition", "source_offset");
            IcebergGenerics.ScanBuilder scan = IcebergGenerics.read(table).select(columns);
            scan = offsets.snapshot == null ? scan.useSnapshot(current.snapshotId())
                    : scan.appendsBetween(offsets.snapshot, current.snapshotId());
            try (CloseableIterable<Record> rows = scan.build()) {
                for (Record row : rows) {
                    if (!topic.equals(row.getField("source_topic"))
                            || (rejected && RejectReason.TOO_LATE.code().equals(row.getField("reason_code")))) {
                        continue;
                    }
                    offsets.add((Integer) row.getField("source_partition"), (Long) row.getField("source_offset"));
                }
            }
            offsets.snapshot = current.snapshotId();
        }
    }

    private static final class TableOffsets {
        private final Map<Integer, BitSet> byPartition = new HashMap<>();
        private Long snapshot;
        private long doubled;

        void add(int partition, long offset) {
            BitSet seen = offsets(partition);
            if (seen.get(Math.toIntExact(offset))) {
                doubled++;
            }
            seen.set(Math.toIntExact(offset));
        }

        BitSet offsets(int partition) {
            return byPartition.computeIfAbsent(partition, p -> new BitSet());
        }
    }

    // ---- helpers ----

    /** Polls {@code condition} until true; a stack that exited or a deadline passed fails the measurement. */
    private void await(String what, Duration deadline, Callable<Boolean> condition) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        Exception last = null;
        while (true) {
            if (stack != null && !stack.isAlive()) {
                throw new IllegalStateException("the local stack exited (" + stack.exitValue() + ") while waiting for "
                        + what + "; see " + options.dataDir.resolve("stack-" + stackStarts + ".out"));
            }
            try {
                if (condition.call()) {
                    return;
                }
            } catch (IllegalStateException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not " + what + " within " + deadline, last);
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[recovery %tT] %s%n", System.currentTimeMillis(), String.format(format, args));
    }

    private void stopAll() {
        if (stack != null && stack.isAlive()) {
            stack.destroy();
            try {
                if (!stack.waitFor(90, TimeUnit.SECONDS)) {
                    stack.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("Error while stopping: " + e);
            }
        }
    }
}
