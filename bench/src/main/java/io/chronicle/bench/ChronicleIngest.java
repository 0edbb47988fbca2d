package io.chronicle.bench;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.IngestJob;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Chronicle's ingest job as deployed (RocksDB state, exactly-once checkpoints, Iceberg commits on
 * checkpoints), reading the points and events topics from their start, measured until every point
 * is committed to {@code points_raw}; then, untimed, left to commit every event (and, in full, the
 * tiers' and views' last rows) before it is cancelled. The job never ends by itself, as in
 * production: it reads the rules topic too. With {@code full}, the rollup tiers, the traces and
 * agent_metrics views and the alert rules run in the same job, as they do by default; without,
 * they are switched off and the job writes {@code points_raw}, {@code events} and {@code rejected}
 * only.
 */
final class ChronicleIngest implements Variant {

    static final String POINTS_ONLY = "chronicle";
    static final String FULL = "chronicle-full";
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
    private final boolean full;
    private final Duration checkpointInterval;
    private String lastNamespace;

    ChronicleIngest(BenchEnvironment env, IngestSuite.Input input, boolean full, Duration checkpointInterval) {
        this.env = env;
        this.input = input;
        this.full = full;
        this.checkpointInterval = checkpointInterval;
    }

    @Override
    public String name() {
        return full ? FULL : POINTS_ONLY;
    }

    /** The catalog namespace of the latest run, whose tables the storage figures measure. */
    String lastNamespace() {
        return lastNamespace;
    }

    Configuration conf(String namespace) {
        Configuration conf = env.chronicleConf(namespace, input.pointsTopic());
        conf.set(ChronicleOptions.ROLLUP_ENABLED, full);
        conf.set(ChronicleOptions.VIEWS_ENABLED, full);
        conf.set(ChronicleOptions.ALERTS_ENABLED, full);
        if (full) {
            conf.set(ChronicleOptions.ALERTS_RULES_FILE, input.rulesFile().toString());
        }
        return conf;
    }

    @Override
    public Report.Run run(int round) throws Exception {
        String namespace = name().replace('-', '_') + "_" + round;
        Configuration conf = conf(namespace);
        StreamExecutionEnvironment flink = new StreamExecutionEnvironment(env.jobConf(conf, namespace));
        IngestJob.fromConfig(conf).build(flink);

        Map<String, Long> counts = new LinkedHashMap<>();
        try (IcebergCounts tables = new IcebergCounts(ChronicleCatalogLoader.from(conf), namespace)) {
            String pointsRaw = ChronicleTable.POINTS_RAW.tableName();
            CpuTimeline cpu = new CpuTimeline();
            cpu.sample();
            double cpuBefore = BenchEnvironment.processCpuSeconds();
            BenchEnvironment.JobTimes times;
            CheckpointRecord checkpoints;
            HeapSampler.Peaks peaks;
            try (HeapSampler heap = HeapSampler.start()) {
                JobClient job = flink.executeAsync("bench-" + namespace);
                try {
                    await(job, () -> {
                        cpu.sample();
                        return tables.rows(pointsRaw) >= input.points();
                    }, DEADLINE, "every point in " + pointsRaw);
                    double cpuSeconds = BenchEnvironment.processCpuSeconds() - cpuBefore;
                    peaks = heap.stop();
                    AccessExecutionGraph graph = env.graph(job);
                    checkpoints = CheckpointRecord.of(graph);
                    CommitTimeline commits = CommitTimeline.of(tables.table(pointsRaw));
                    long committed = commits.committedAt(input.points()).orElseThrow();
                    times = new BenchEnvironment.JobTimes(
                            (committed - graph.getStatusTimestamp(JobStatus.INITIALIZING)) / 1e3,
                            (committed - firstRunning(graph)) / 1e3, cpuSeconds, checkpoints.count(),
                            BenchEnvironment.loadAverage());
                    // Rows still missing once these waits end show in the counts as a failure of the run.
                    if (full) {
                        awaitQuietly(job, () -> input.tierRows().entrySet().stream()
                                        .allMatch(tier -> tables.rows(tier.getKey()) >= tier.getValue()),
                                settling(), POLL);
                    }
                    String events = ChronicleTable.EVENTS.tableName();
                    awaitQuietly(job, () -> tables.rows(events) >= input.events(), settling(), POLL);
                    if (full) {
                        Map<String, Long> expected = SwarmViews.expected(input.swarm());
                        awaitQuietly(job, () -> IngestSuite.mismatches(readViews(tables), expected).isEmpty(),
                                settling(), VIEWS_POLL);
                    }
                    putEventRates(tables, graph.getStatusTimestamp(JobStatus.INITIALIZING),
                            CheckpointRecord.of(env.graph(job)), counts);
                    commits.readingSpan(checkpoints.triggeredMillis(), input.points()).ifPresent(span -> {
                        counts.put(IngestSuite.SUSTAINED, Math.round(span.recordsPerSecond()));
                        counts.put(IngestSuite.SUSTAINED_CPU_NS, Math.round(
                                cpu.secondsBetween(span.startMillis(), span.endMillis()) * 1e9 / span.records()));
                    });
                    counts.put(IngestSuite.COMMITS, (long) commits.count());
                    counts.put(IngestSuite.DATA_FILES, commits.dataFiles());
                    counts.put(IngestSuite.MAX_FILES_PER_COMMIT, commits.maxDataFilesPerCommit());
                } finally {
                    cancel(job);
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

    /** Polls until {@code done}; fails if the job ends first or the deadline passes. */
    private void await(JobClient job, BooleanSupplier done, Duration deadline, String what) throws Exception {
        if (!awaitQuietly(job, done, deadline, POLL)) {
            throw new IllegalStateException(name() + ": no " + what + " after " + deadline.toMinutes() + " minutes");
        }
    }

    /** Polls until {@code done} or the deadline; whether it was done. Fails if the job ends first. */
    private boolean awaitQuietly(JobClient job, BooleanSupplier done, Duration deadline, Duration poll)
            throws Exception {
        return Polls.until(deadline, poll, () -> {
            if (done.getAsBoolean()) {
                return true;
            }
            JobStatus status = env.graph(job).getState();
            if (status.isGloballyTerminalState()) {
                throw new IllegalStateException(name() + ": the job ended " + status + "; see the log");
            }
            return false;
        });
    }

    /** Cancels the job and waits until it has let go of its task slots, which the next run needs. */
    private static void cancel(JobClient job) throws Exception {
        job.cancel().get(30, TimeUnit.SECONDS);
        Polls.until(Duration.ofSeconds(60), Duration.ofMillis(100),
                () -> job.getJobStatus().get(30, TimeUnit.SECONDS).isGloballyTerminalState());
    }
}
