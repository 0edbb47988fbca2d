package io.chronicle.bench;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.IngestJob;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.SnapshotSummary;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Chronicle's ingest job as deployed (RocksDB state, exactly-once checkpoints, Iceberg commits on
 * checkpoints), reading the points and events topics from their start, measured until every point
 * is committed to {@code points_raw}; then, untimed, left to commit every event (and, in full, the
 * tiers' and views' last rows) before it is cancelled. The job never ends by itself, as in
 * production: it reads the rules topic too. With {@code full}, the rollup tiers, the traces and
 * agent_metrics views and the alert rules run in the same job, the all-in-one job; without, they
 * are switched off and the job writes {@code points_raw}, {@code events} and {@code rejected}
 * only. With {@code split}, the same work runs as it is deployed, as four jobs side by side on the
 * same cluster (ingest, rollups, views, alerts), each reading the topics itself, measured until
 * every one of them has checkpointed past the last point and event.
 *
 * <p>Every variant also reports when each of its jobs had committed, with a checkpoint, the
 * offsets at the end of every topic it reads, and the CPU per point until then: the one measure
 * of all the work the variant does, whether in one job or several.
 */
final class ChronicleIngest implements Variant {

    /** What runs: the ingest job alone, the all-in-one job, or the split jobs side by side. */
    enum Mode { POINTS_ONLY, FULL, SPLIT }

    static final String POINTS_ONLY = "chronicle";
    static final String FULL = "chronicle-full";
    static final String SPLIT = "chronicle-split";
    /** The split variant's jobs, each a Flink job of its own with its own slots. */
    static final List<ChronicleJob> SPLIT_JOBS =
            List.of(ChronicleJob.INGEST, ChronicleJob.ROLLUPS, ChronicleJob.VIEWS, ChronicleJob.ALERTS);
    private static final Duration POLL = Duration.ofMillis(200);
    /** The views are read back in full, with their deletes applied, so less often. */
    private static final Duration VIEWS_POLL = Duration.ofSeconds(1);
    private static final Duration DEADLINE = Duration.ofMinutes(30);
    /**
     * The tiers' last rows, the last events and the views' last rows need the checkpoint after the
     * points' last one, or one more.
     */
    private static final int TIER_CHECKPOINTS = 3;
    private static final Duration TIER_MARGIN = Duration.ofSeconds(60);

    private final BenchEnvironment env;
    private final IngestSuite.Input input;
    private final Mode mode;
    /** Whether the tiers, views and alerts run, in one job or in their own. */
    private final boolean full;
    private final Duration checkpointInterval;
    /** Chronicle options this variant sets on its jobs, as its name gives them; see {@link VariantOptions}. */
    private final VariantOptions options;
    private String lastNamespace;

    ChronicleIngest(BenchEnvironment env, IngestSuite.Input input, Mode mode, Duration checkpointInterval,
            VariantOptions options) {
        this.env = env;
        this.input = input;
        this.mode = mode;
        this.full = mode != Mode.POINTS_ONLY;
        this.checkpointInterval = checkpointInterval;
        this.options = options;
    }

    @Override
    public String name() {
        return baseName() + options.suffix();
    }

    private String baseName() {
        switch (mode) {
            case FULL:
                return FULL;
            case SPLIT:
                return SPLIT;
            default:
                return POINTS_ONLY;
        }
    }

    Mode mode() {
        return mode;
    }

    /** The catalog namespace of the latest run, whose tables the storage figures measure. */
    String lastNamespace() {
        return lastNamespace;
    }

    Configuration conf(String namespace) {
        Configuration conf = input.reading(env.chronicleConf(namespace, input.pointsTopic()));
        conf.set(ChronicleOptions.ROLLUP_ENABLED, full);
        conf.set(ChronicleOptions.VIEWS_ENABLED, full);
        conf.set(ChronicleOptions.ALERTS_ENABLED, full);
        if (full) {
            conf.set(ChronicleOptions.ALERTS_RULES_FILE, input.rulesFile().toString());
        }
        conf.addAll(options.conf());
        return conf;
    }

    @Override
    public Report.Run run(int round) throws Exception {
        String namespace = baseName().replace('-', '_') + options.namespaceSuffix() + "_" + round;
        Configuration conf = conf(namespace);
        Map<String, StreamExecutionEnvironment> built = new LinkedHashMap<>();
        for (ChronicleJob job : mode == Mode.SPLIT ? SPLIT_JOBS : List.of(ChronicleJob.ALL)) {
            Configuration jobConf = new Configuration(conf);
            jobConf.set(ChronicleOptions.JOB, job);
            StreamExecutionEnvironment flink = new StreamExecutionEnvironment(
                    env.jobConf(jobConf, mode == Mode.SPLIT ? namespace + "_" + job : namespace));
            IngestJob.fromConfig(jobConf).build(flink);
            built.put(mode == Mode.SPLIT ? "bench-" + namespace + "-" + job : "bench-" + namespace, flink);
        }

        Map<String, Long> counts = new LinkedHashMap<>();
        try (IcebergCounts tables = new IcebergCounts(ChronicleCatalogLoader.from(conf), namespace);
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        env.kafka().bootstrapServers()))) {
            String pointsRaw = ChronicleTable.POINTS_RAW.tableName();
            Map<String, List<TopicPartition>> reads = reads(admin, conf);
            Map<TopicPartition, Long> ends = ends(admin, reads);
            CpuTimeline cpu = new CpuTimeline();
            cpu.sample();
            double cpuBefore = BenchEnvironment.processCpuSeconds();
            // When, the CPU until then (ns), and the JIT compiler's part of it (s).
            long[] caughtUp = new long[2];
            double[] caughtUpJitSeconds = new double[1];
            BenchEnvironment.JobTimes times;
            CheckpointRecord checkpoints;
            HeapSampler.Peaks peaks;
            try (HeapSampler heap = HeapSampler.start()) {
                List<JobClient> jobs = new ArrayList<>();
                for (Map.Entry<String, StreamExecutionEnvironment> flink : built.entrySet()) {
                    jobs.add(flink.getValue().executeAsync(flink.getKey()));
                }
                // The figures of checkpoints and commits are the ingest job's.
                JobClient job = jobs.get(0);
                try {
                    BooleanSupplier caughtUpNow = () -> {
                        if (caughtUp[0] == 0 && committedToTheEnd(admin, reads, ends)) {
                            caughtUp[0] = System.currentTimeMillis();
                            caughtUp[1] = Math.round((BenchEnvironment.processCpuSeconds() - cpuBefore) * 1e9);
                            cpu.sample();
                            caughtUpJitSeconds[0] = cpu.jitSecondsSoFar();
                        }
                        return caughtUp[0] != 0;
                    };
                    await(jobs, () -> {
                        cpu.sample();
                        return tables.rows(pointsRaw) >= input.points()
                                && (mode != Mode.SPLIT || caughtUpNow.getAsBoolean());
                    }, DEADLINE, mode == Mode.SPLIT ? "every point in " + pointsRaw + " and every job caught up"
                            : "every point in " + pointsRaw);
                    double cpuSeconds = BenchEnvironment.processCpuSeconds() - cpuBefore;
                    peaks = heap.stop();
                    AccessExecutionGraph graph = env.graph(job);
                    checkpoints = CheckpointRecord.of(graph);
                    CommitTimeline commits = CommitTimeline.of(tables.table(pointsRaw));
                    long committed = mode == Mode.SPLIT ? caughtUp[0] : commits.committedAt(input.points()).orElseThrow();
                    times = new BenchEnvironment.JobTimes(
                            (committed - graph.getStatusTimestamp(JobStatus.INITIALIZING)) / 1e3,
                            (committed - firstRunning(graph)) / 1e3, cpuSeconds, checkpoints.count(),
                            BenchEnvironment.loadAverage());
                    if (awaitQuietly(jobs, caughtUpNow, settling(), POLL)) {
                        counts.put(IngestSuite.CAUGHT_UP_MS, caughtUp[0] - graph.getStatusTimestamp(JobStatus.INITIALIZING));
                        counts.put(IngestSuite.CAUGHT_UP_CPU_NS, caughtUp[1] / input.points());
                        if (!Double.isNaN(caughtUpJitSeconds[0])) {
                            counts.put(IngestSuite.CAUGHT_UP_JIT_CPU_NS,
                                    Math.round(caughtUpJitSeconds[0] * 1e9 / input.points()));
                        }
                    }
                    // Rows still missing once these waits end show in the counts as a failure of the run.
                    if (full) {
                        awaitQuietly(jobs, () -> input.tierRows().entrySet().stream()
                                        .allMatch(tier -> tables.rows(tier.getKey()) >= tier.getValue()),
                                settling(), POLL);
                    }
                    String events = ChronicleTable.EVENTS.tableName();
                    awaitQuietly(jobs, () -> tables.rows(events) >= input.events(), settling(), POLL);
                    if (full) {
                        Map<String, Long> expected = SwarmViews.expected(input.swarm());
                        awaitQuietly(jobs, () -> IngestSuite.mismatches(readViews(tables), expected).isEmpty(),
                                settling(), VIEWS_POLL);
                    }
                    putEventRates(tables, graph.getStatusTimestamp(JobStatus.INITIALIZING),
                            CheckpointRecord.of(env.graph(job)), counts);
                    commits.readingSpan(checkpoints.triggeredMillis(), input.points()).ifPresent(span -> {
                        counts.put(IngestSuite.SUSTAINED, Math.round(span.recordsPerSecond()));
                        counts.put(IngestSuite.SUSTAINED_CPU_NS, Math.round(
                                cpu.secondsBetween(span.startMillis(), span.endMillis()) * 1e9 / span.records()));
                        double jitSeconds = cpu.jitSecondsBetween(span.startMillis(), span.endMillis());
                        if (!Double.isNaN(jitSeconds)) {
                            counts.put(IngestSuite.SUSTAINED_JIT_CPU_NS, Math.round(jitSeconds * 1e9 / span.records()));
                        }
                    });
                    counts.put(IngestSuite.COMMITS, (long) commits.count());
                    counts.put(IngestSuite.DATA_FILES, commits.dataFiles());
                    counts.put(IngestSuite.MAX_FILES_PER_COMMIT, commits.maxDataFilesPerCommit());
                } finally {
                    for (JobClient each : jobs) {
                        cancel(each);
                    }
                }
            }
            counts.put(IngestSuite.HEAP_MB, peaks.usedBytes() >> 20);
            counts.put(IngestSuite.HEAP_AFTER_GC_MB, peaks.afterGcBytes() >> 20);
            counts.put(IngestSuite.CHECKPOINT_P50_MS, checkpoints.medianDurationMillis());
            counts.put(IngestSuite.CHECKPOINT_MAX_MS, checkpoints.maxDurationMillis());
            counts.put(IngestSuite.CHECKPOINT_STATE_BYTES, checkpoints.maxStateBytes());
            counts.put(IngestSuite.CHECKPOINTED_BYTES, checkpoints.maxCheckpointedBytes());
            putTableCounts(tables, counts);
            lastNamespace = namespace;
            return new Report.Run(name(), round, input.points(), times, counts);
        }
    }

    /** How long the job gets, after the points' last commit, to commit what follows it. */
    private Duration settling() {
        return checkpointInterval.multipliedBy(TIER_CHECKPOINTS).plus(TIER_MARGIN);
    }

    /**
     * The events' rates: all of them over the time from submission until the commit that
     * completed the events table, and the sustained rate as for the points, where there is one.
     */
    private void putEventRates(IcebergCounts tables, long submittedMillis, CheckpointRecord checkpoints,
            Map<String, Long> counts) {
        CommitTimeline commits = CommitTimeline.of(tables.table(ChronicleTable.EVENTS.tableName()));
        commits.committedAt(input.events()).ifPresent(at ->
                counts.put(IngestSuite.EVENTS_PER_S, Math.round(input.events() * 1e3 / (at - submittedMillis))));
        commits.readingSpan(checkpoints.triggeredMillis(), input.events()).ifPresent(span ->
                counts.put(IngestSuite.SUSTAINED_EVENTS, Math.round(span.recordsPerSecond())));
    }

    private static Map<String, Long> readViews(IcebergCounts tables) {
        try {
            return SwarmViews.read(tables);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the run left in its tables, each checked against the input by the suite. */
    private void putTableCounts(IcebergCounts tables, Map<String, Long> counts) throws IOException {
        counts.put(IngestSuite.POINTS_RAW_ROWS, tables.rows(ChronicleTable.POINTS_RAW.tableName()));
        counts.put(IngestSuite.REJECTED, tables.rows(ChronicleTable.REJECTED.tableName()));
        counts.put(IngestSuite.EVENTS_ROWS, tables.rows(ChronicleTable.EVENTS.tableName()));
        if (full) {
            String finest = input.tierRows().keySet().iterator().next();
            counts.put(IngestSuite.samplesOf(finest), tables.sum(finest, "sample_count"));
            for (String tier : input.tierRows().keySet()) {
                counts.put(IngestSuite.rowsOf(tier), tables.rows(tier));
            }
            counts.putAll(SwarmViews.read(tables));
            for (ChronicleTable view : List.of(ChronicleTable.TRACES, ChronicleTable.AGENT_METRICS)) {
                // What a reader of the view merges: every row written and not yet compacted away, and the deletes.
                String table = view.tableName();
                counts.put(IngestSuite.storedRowsOf(table), tables.total(table, SnapshotSummary.TOTAL_RECORDS_PROP));
                counts.put(IngestSuite.storedDeletesOf(table),
                        tables.total(table, SnapshotSummary.TOTAL_EQ_DELETES_PROP)
                                + tables.total(table, SnapshotSummary.TOTAL_POS_DELETES_PROP));
            }
            counts.put(IngestSuite.ALERTS_ROWS, tables.rows(ChronicleTable.ALERTS.tableName()));
        }
    }

    /** When the first task started running, about when the first record was read. */
    private static long firstRunning(AccessExecutionGraph graph) {
        long first = Long.MAX_VALUE;
        for (AccessExecutionVertex task : graph.getAllExecutionVertices()) {
            first = Math.min(first, task.getStateTimestamp(ExecutionState.RUNNING));
        }
        return first;
    }

    /** Polls until {@code done}; fails if a job ends first or the deadline passes. */
    private void await(List<JobClient> jobs, BooleanSupplier done, Duration deadline, String what) throws Exception {
        if (!awaitQuietly(jobs, done, deadline, POLL)) {
            throw new IllegalStateException(name() + ": no " + what + " after " + deadline.toMinutes() + " minutes");
        }
    }

    /** Polls until {@code done} or the deadline; whether it was done. Fails if a job ends first. */
    private boolean awaitQuietly(List<JobClient> jobs, BooleanSupplier done, Duration deadline, Duration poll)
            throws Exception {
        return Polls.until(deadline, poll, () -> {
            if (done.getAsBoolean()) {
                return true;
            }
            for (JobClient job : jobs) {
                JobStatus status = env.graph(job).getState();
                if (status.isGloballyTerminalState()) {
                    throw new IllegalStateException(name() + ": a job ended " + status + "; see the log");
                }
            }
            return false;
        });
    }

    /** The partitions each job's consumer group reads: the topics of points and events. */
    private Map<String, List<TopicPartition>> reads(Admin admin, Configuration conf) throws Exception {
        String points = input.pointsTopic();
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        Map<String, List<String>> topics = new LinkedHashMap<>();
        if (mode == Mode.SPLIT) {
            topics.put(ChronicleJob.INGEST.consumerGroup(conf), List.of(points, events));
            topics.put(ChronicleJob.ROLLUPS.consumerGroup(conf), List.of(points));
            topics.put(ChronicleJob.VIEWS.consumerGroup(conf), List.of(events));
            topics.put(ChronicleJob.ALERTS.consumerGroup(conf), List.of(points));
        } else {
            topics.put(ChronicleJob.ALL.consumerGroup(conf), List.of(points, events));
        }
        Map<String, List<TopicPartition>> reads = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> group : topics.entrySet()) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (TopicDescription topic : admin.describeTopics(group.getValue()).allTopicNames().get().values()) {
                topic.partitions().forEach(p -> partitions.add(new TopicPartition(topic.name(), p.partition())));
            }
            reads.put(group.getKey(), partitions);
        }
        return reads;
    }

    /** The end offset of every partition read, all written before the run. */
    private static Map<TopicPartition, Long> ends(Admin admin, Map<String, List<TopicPartition>> reads)
            throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        reads.values().forEach(partitions -> partitions.forEach(p -> latest.put(p, OffsetSpec.latest())));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((p, info) -> ends.put(p, info.offset()));
        return ends;
    }

    /**
     * Whether every group has committed offsets at the end of every partition it reads: each job
     * commits its offsets when a checkpoint completes, so its job has then checkpointed (and
     * committed its tables) past everything it reads.
     */
    private static boolean committedToTheEnd(Admin admin, Map<String, List<TopicPartition>> reads,
            Map<TopicPartition, Long> ends) {
        try {
            for (Map.Entry<String, List<TopicPartition>> group : reads.entrySet()) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group.getKey()).partitionsToOffsetAndMetadata().get();
                for (TopicPartition p : group.getValue()) {
                    OffsetAndMetadata offset = committed.get(p);
                    if (ends.get(p) > 0 && (offset == null || offset.offset() < ends.get(p))) {
                        return false;
                    }
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Cannot read the consumer groups' offsets", e.getCause());
        }
    }

    /** Cancels the job and waits until it has let go of its task slots, which the next run needs. */
    private static void cancel(JobClient job) throws Exception {
        job.cancel().get(30, TimeUnit.SECONDS);
        Polls.until(Duration.ofSeconds(60), Duration.ofMillis(100),
                () -> job.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState());
    }
}
