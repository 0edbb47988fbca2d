package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.TraceRow;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.RowConverters;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.ManifestFile;
import org.apache.iceberg.ManifestFiles;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.sink.SinkUtil;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.util.SnapshotUtil;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The maintenance job beside a job writing as Chronicle's jobs write (the same Iceberg sinks:
 * upserts with equality deletes into {@code traces}, appends into {@code points_raw}, one commit
 * per checkpoint), against a real S3-compatible server and a SQLite catalog: compaction applies
 * the deletes while the writer commits, snapshots end bounded as configured, an orphan file older
 * than the minimum age is deleted while every file of a live snapshot stays, and every table
 * reads exactly the rows written; then the same with S3 stopped while maintenance runs; and a
 * writer stopped with a savepoint while snapshots expire, then restored from it, with nothing
 * committed twice.
 */
class MaintenanceITCase extends JobITBase {

    /**
     * Rows written beside the compactions and beside the S3 outage: the i-th is point i and version
     * i of trace i mod {@link #TRACES}.
     */
    private static final long ROWS = 1_600;
    private static final long ROWS_THROUGH_THE_OUTAGE = 1_600;
    private static final long ROWS_ACROSS_THE_UPGRADE = 800;
    private static final int TRACES = 40;
    // Slow enough that the writer still commits once a compaction has run, on a loaded machine too.
    private static final int ROWS_PER_SECOND = 40;
    private static final int RETAIN_LAST = 4;
    private static final Duration DEADLINE = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void compactsExpiresAndRemovesOrphansWhileTheWriterCommits(@InjectClusterRESTAddress URI rest) throws Exception {
        Configuration conf = conf("maint", Duration.ofSeconds(1));
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        JobClient writer = startWriter(conf, "maint", ROWS, Optional.empty());
        Table traces = table(catalog, ChronicleTable.TRACES);
        Table points = table(catalog, ChronicleTable.POINTS_RAW);
        ItServices.waitUntil("the writer's first commits", DEADLINE, () -> snapshots(refreshed(traces)) >= 5);
        Map<String, String> before = refreshed(traces).currentSnapshot().summary();
        int pointSnapshotsBefore = snapshots(refreshed(points));
        int traceSnapshotsBefore = snapshots(traces);

        JobClient maintenance = startMaintenance(conf, "maint");
        try {
            ItServices.waitUntil("a commit of the writer after a compaction of traces", DEADLINE,
                    () -> writerCommittedAfterACompaction(refreshed(traces)));
            writer.getJobExecutionResult().get();
            assertThat(exceptions(rest, writer)).as("the writer's failures").isEmpty();

            // Expired down to the last few, but never the finished writer's last commit nor anything
            // after it, which a restore of the writer would look for.
            ItServices.waitUntil("traces compacted with no delete left to apply and snapshots expired",
                    DEADLINE, () -> noDeletesToApply(refreshed(traces)) && expiredUpToTheWritersLastCommit(traces)
                            && expiredUpToTheWritersLastCommit(refreshed(points)),
                    () -> "traces " + snapshots(traces) + " snapshots, " + traces.currentSnapshot().summary()
                            + "; points_raw " + snapshots(points) + " snapshots");
            Map<String, String> after = traces.currentSnapshot().summary();
            System.out.printf("traces before: %d snapshots, %s data files, %s delete files (%s equality);"
                            + " after: %d snapshots, %s data files, %s delete files; points_raw %d -> %d snapshots"
                            + " (%s data files)%n",
                    traceSnapshotsBefore, before.get("total-data-files"), before.get("total-delete-files"),
                    before.get("total-equality-deletes"), snapshots(traces), after.get("total-data-files"),
                    after.get("total-delete-files"), pointSnapshotsBefore, snapshots(points),
                    points.currentSnapshot().summary().get("total-data-files"));
            assertThat(Long.parseLong(after.get("total-data-files")))
                    .isLessThan(Long.parseLong(before.get("total-data-files")));

            // Every file on S3 is now older than the minimum age; only the planted one is an orphan.
            String orphan = plantOrphan(traces);
            ageEveryFile(traces);
            ageEveryFile(points);
            ItServices.waitUntil("the orphan file deleted", DEADLINE, () -> !traces.io().newInputFile(orphan).exists());
            assertThat(writer.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
            assertThat(maintenance.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            cancelAll(maintenance);
            assertEveryLiveFileExists(refreshed(traces));
            assertEveryLiveFileExists(refreshed(points));
            assertExactRows(traces, points, ROWS);
        } finally {
            cancelAll(writer, maintenance);
        }
    }

    @Test
    void maintenanceRidesOutAnS3OutageWithTheTablesExact(@InjectClusterRESTAddress URI rest) throws Exception {
        // Snapshots older than a second expire, but not the writer's last commit while the outage
        // keeps it down: restored, Iceberg's Flink sink looks for it, and would commit its last
        // checkpoint again without it (operations.md, "Snapshot expiry and writers that are down").
        Configuration conf = conf("maint-s3", Duration.ofSeconds(1));
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        JobClient writer = startWriter(conf, "maint-s3", ROWS_THROUGH_THE_OUTAGE, Optional.empty());
        Table traces = table(catalog, ChronicleTable.TRACES);
        Table points = table(catalog, ChronicleTable.POINTS_RAW);
        JobClient maintenance = startMaintenance(conf, "maint-s3");
        try {
            ItServices.waitUntil("the maintenance job running", DEADLINE, () -> allTasksRunning(rest, maintenance));
            long failedBefore = taskCount(rest, maintenance, "failedTasks");
            long writerRestartsBefore = restarts(rest, writer);
            services.s3.stop();
            try {
                // S3 stays down until the outage has met both jobs, however soon maintenance fails on it.
                ItServices.waitUntil("maintenance tasks failing and the writer restarting on the outage", DEADLINE,
                        () -> taskCount(rest, maintenance, "failedTasks") > failedBefore
                                && restarts(rest, writer) > writerRestartsBefore);
            } finally {
                services.s3.startAgain();
            }
            long compactionsBefore = replaceSnapshots(refreshed(traces));
            long succeededBefore = taskCount(rest, maintenance, "succeededTasks");
            writer.getJobExecutionResult().get();
            ItServices.waitUntil("a compaction after the outage, with no delete left to apply", DEADLINE,
                    () -> maintenance.getJobStatus().join() == JobStatus.RUNNING
                            && replaceSnapshots(refreshed(traces)) > compactionsBefore
                            && noDeletesToApply(traces)
                            && taskCount(rest, maintenance, "succeededTasks") > succeededBefore);
            System.out.printf("after the S3 outage: maintenance tasks failed %d, succeeded %d; maintenance"
                            + " restarts %d, writer restarts %d%n", taskCount(rest, maintenance, "failedTasks"),
                    taskCount(rest, maintenance, "succeededTasks"), restarts(rest, maintenance), restarts(rest, writer));
            cancelAll(maintenance);
            assertEveryLiveFileExists(refreshed(traces));
            assertEveryLiveFileExists(refreshed(points));
            assertExactRows(traces, points, ROWS_THROUGH_THE_OUTAGE);
        } finally {
            cancelAll(writer, maintenance);
        }
    }

    @Test
    void aWriterRestoredFromItsSavepointAfterExpiryCommitsNothingTwice() throws Exception {
        // An upgrade: the writer stopped with a savepoint while others commit and snapshots older
        // than a second expire; started again from it, Iceberg's Flink sink looks for the
        // savepoint's commit, and commits the savepoint's files once more if it is gone.
        Configuration conf = conf("maint-upgrade", Duration.ofSeconds(1));
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        JobClient writer = startWriter(conf, "maint-upgrade", ROWS_ACROSS_THE_UPGRADE, Optional.empty());
        Table traces = table(catalog, ChronicleTable.TRACES);
        Table points = table(catalog, ChronicleTable.POINTS_RAW);
        JobClient maintenance = null;
        JobClient resumed = null;
        try {
            ItServices.waitUntil("the writer's first commits", DEADLINE,
                    () -> snapshots(refreshed(points)) >= 3 && snapshots(refreshed(traces)) >= 3);
            String savepoint = writer.stopWithSavepoint(false, tempDir.resolve("savepoints").toUri().toString(),
                    SavepointFormatType.CANONICAL).get();
            // Commits of others (another writer, retention), more than expiry keeps by count.
            for (int i = 0; i <= RETAIN_LAST; i++) {
                refreshed(points).newAppend().commit();
                refreshed(traces).newAppend().commit();
            }
            long firstOfPoints = oldestSnapshot(refreshed(points));
            long firstOfTraces = oldestSnapshot(refreshed(traces));
            maintenance = startMaintenance(conf, "maint-upgrade");
            ItServices.waitUntil("an expiry of both tables", DEADLINE,
                    () -> refreshed(points).snapshot(firstOfPoints) == null && refreshed(traces).snapshot(firstOfTraces) == null);
            assertThat(expiredUpToTheWritersLastCommit(points)).isTrue();
            assertThat(expiredUpToTheWritersLastCommit(traces)).isTrue();

            // Restored, the sink looks for the savepoint's commit at once; the rows after it only
            // have to be written, at no pace.
            resumed = startWriter(conf, "maint-upgrade", ROWS_ACROSS_THE_UPGRADE, Optional.of(savepoint),
                    RateLimiterStrategy.noOp());
            resumed.getJobExecutionResult().get();
            cancelAll(maintenance);
            assertEveryLiveFileExists(refreshed(traces));
            assertEveryLiveFileExists(refreshed(points));
            assertExactRows(traces, points, ROWS_ACROSS_THE_UPGRADE);
        } finally {
            cancelAll(writer);
            if (maintenance != null) {
                cancelAll(maintenance);
            }
            if (resumed != null) {
                cancelAll(resumed);
            }
        }
    }

    private static Configuration conf(String run, Duration snapshotsMaxAge) {
        return services.chronicleConf(run, Map.ofEntries(
                Map.entry(ChronicleOptions.MAINTENANCE_ENABLED.key(), "true"),
                Map.entry(ChronicleOptions.ROLLUP_ENABLED.key(), "false"),
                Map.entry(ChronicleOptions.ALERTS_ENABLED.key(), "false"),
                Map.entry(ChronicleOptions.MAINTENANCE_CHECK_INTERVAL.key(), "1 s"),
                Map.entry(ChronicleOptions.MAINTENANCE_COMPACTION_INTERVAL.key(), "5 s"),
                Map.entry(ChronicleOptions.MAINTENANCE_COMPACTION_DATA_FILES.key(), "10"),
                Map.entry(ChronicleOptions.MAINTENANCE_COMPACTION_DELETE_FILES.key(), "5"),
                Map.entry(ChronicleOptions.MAINTENANCE_SNAPSHOTS_MAX_AGE.key(), snapshotsMaxAge.toSeconds() + " s"),
                Map.entry(ChronicleOptions.MAINTENANCE_SNAPSHOTS_RETAIN_LAST.key(), String.valueOf(RETAIN_LAST)),
                Map.entry(ChronicleOptions.MAINTENANCE_SNAPSHOTS_INTERVAL.key(), "3 s"),
                Map.entry(ChronicleOptions.MAINTENANCE_ORPHANS_INTERVAL.key(), "3 s"),
                // The job's retention keeps these rows, whose times lie in 2023: this test counts maintenance's snapshots.
                Map.entry(ChronicleOptions.RETENTION_TRACES.key(), "36500 d"),
                Map.entry(ChronicleOptions.RETENTION_POINTS_RAW.key(), "36500 d")));
    }

    /** Restarts enough to ride out an outage, as production's restart strategy does. */
    private static Configuration jobConf(Configuration conf, String run) {
        Configuration jobConf = services.jobConf(conf, run);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 100);
        jobConf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        return jobConf;
    }

    /**
     * Writes {@code rows} rows at {@link #ROWS_PER_SECOND} through Chronicle's Iceberg sinks:
     * traces upserted (two tenants, so two partitions), points appended; from {@code savepoint} if given.
     */
    private static JobClient startWriter(Configuration conf, String run, long rows, Optional<String> savepoint)
            throws Exception {
        return startWriter(conf, run, rows, savepoint, RateLimiterStrategy.perSecond(ROWS_PER_SECOND));
    }

    /** {@link #startWriter(Configuration, String, long, Optional)} at {@code pace}. */
    private static JobClient startWriter(Configuration conf, String run, long rows, Optional<String> savepoint,
            RateLimiterStrategy pace) throws Exception {
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        ChronicleCatalogLoader loader = ChronicleCatalogLoader.from(conf);
        TableBootstrap.ensureTables(loader, namespace, ChronicleTable.TRACES, ChronicleTable.POINTS_RAW);
        Configuration jobConf = jobConf(conf, run + "-writer");
        savepoint.ifPresent(path -> jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, path));
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(1);
        DataStream<Long> ids = env.fromSource(new DataGeneratorSource<>(i -> i, rows, pace, Types.LONG),
                WatermarkStrategy.noWatermarks(), "ids").uid("ids");
        IcebergSinks.write(ids.map(MaintenanceITCase::trace, TypeInformation.of(TraceRow.class))
                        .name("trace-rows").uid("trace-rows"),
                new RowConverters.TraceToRow(), ChronicleTable.TRACES, loader, namespace,
                ChronicleOptions.VIEWS_UPSERT_BUFFER_ROWS.defaultValue());
        IcebergSinks.appendPoints(ids.map(MaintenanceITCase::point, TypeInformation.of(MetricPoint.class))
                        .name("points").uid("points"),
                loader, namespace);
        return env.executeAsync("writer-" + run);
    }

    /** The maintenance job as production builds it. Iceberg's maintenance records use Kryo. */
    private static JobClient startMaintenance(Configuration conf, String run) throws Exception {
        Configuration chronicle = new Configuration(conf);
        chronicle.set(ChronicleOptions.JOB, ChronicleJob.MAINTENANCE);
        Configuration jobConf = jobConf(chronicle, run + "-maintenance");
        jobConf.set(PipelineOptions.GENERIC_TYPES, true);
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(1);
        IngestJob job = IngestJob.fromConfig(chronicle);
        job.build(env);
        return env.executeAsync(job.jobName());
    }

    private static TraceRow trace(long i) {
        long key = i % TRACES;
        TraceRow row = new TraceRow();
        row.tenant = "t" + key % 2;
        row.traceId = "trace-" + key;
        row.status = "in_progress";
        row.spanCount = (int) i;
        row.lastEventTimeMicros = 1_700_000_000_000_000L + i;
        return row;
    }

    private static MetricPoint point(long i) {
        MetricPoint p = new MetricPoint();
        p.tenant = "t0";
        p.metric = "maintenance_it";
        p.tags = Map.of("host", "h" + i % 5);
        p.value = i;
        p.timestampMicros = 1_700_000_000_000_000L + i * 1_000_000L;
        p.seriesId = i % 5;
        p.provenance = new Provenance("points", 0, i, 1_700_000_000_000_000L);
        return p;
    }

    /** Exactly the rows written: one per trace, its last version; every point once. */
    private static void assertExactRows(Table traces, Table points, long written) throws IOException {
        Map<String, List<Integer>> versions = new TreeMap<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(refreshed(traces)).build()) {
            for (Record r : rows) {
                versions.computeIfAbsent(r.getField("tenant") + "/" + r.getField("trace_id"), k -> new ArrayList<>())
                        .add((Integer) r.getField("span_count"));
            }
        }
        Map<String, List<Integer>> expected = new TreeMap<>();
        for (long i = written - TRACES; i < written; i++) {
            TraceRow last = trace(i);
            expected.put(last.tenant + "/" + last.traceId, List.of(last.spanCount));
        }
        assertThat(versions).isEqualTo(expected);

        List<Long> offsets = new ArrayList<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(refreshed(points)).select("source_offset").build()) {
            rows.forEach(r -> offsets.add((Long) r.getField("source_offset")));
        }
        offsets.sort(null);
        assertThat(offsets).isEqualTo(LongStream.range(0, written).boxed().toList());
    }

    /** Every file the table's snapshots reference is on S3: metadata, manifest lists, manifests, data, deletes. */
    private static void assertEveryLiveFileExists(Table table) throws IOException {
        Set<String> live = new HashSet<>();
        live.add(((org.apache.iceberg.HasTableOperations) table).operations().current().metadataFileLocation());
        for (Snapshot snapshot : table.snapshots()) {
            live.add(snapshot.manifestListLocation());
            for (ManifestFile manifest : snapshot.allManifests(table.io())) {
                live.add(manifest.path());
                if (manifest.content() == org.apache.iceberg.ManifestContent.DATA) {
                    try (CloseableIterable<org.apache.iceberg.DataFile> files = ManifestFiles.read(manifest, table.io())) {
                        files.forEach(f -> live.add(f.location()));
                    }
                } else {
                    try (CloseableIterable<org.apache.iceberg.DeleteFile> files =
                            ManifestFiles.readDeleteManifest(manifest, table.io(), table.specs())) {
                        files.forEach(f -> live.add(f.location()));
                    }
                }
            }
        }
        List<String> missing = live.stream().filter(path -> !table.io().newInputFile(path).exists()).toList();
        assertThat(missing).as("live files of " + table.name() + " missing on S3").isEmpty();
    }

    private static boolean noDeletesToApply(Table table) {
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            return StreamSupport.stream(tasks.spliterator(), false).allMatch(task -> task.deletes().isEmpty());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String plantOrphan(Table table) throws IOException {
        String location = table.location() + "/data/tenant=t0/orphan-" + System.nanoTime() + ".parquet";
        OutputFile file = table.io().newOutputFile(location);
        try (PositionOutputStream out = file.create()) {
            out.write("not referenced by any snapshot".getBytes(StandardCharsets.UTF_8));
        }
        return location;
    }

    /** Sets every object under the table's location four days back, past the default minimum age of three. */
    private static void ageEveryFile(Table table) throws IOException {
        URI location = URI.create(table.location());
        Path dir = services.s3.bucketsDir().resolve(location.getHost()).resolve(location.getPath().substring(1));
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofDays(4)));
        // Maintenance still runs: snapshot expiry may delete a file the walk listed, so a walk that
        // meets one starts again (ageing is idempotent).
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    try {
                        Files.setLastModifiedTime(file, old);
                    } catch (NoSuchFileException expiredMeanwhile) {
                        // gone: nothing to age
                    }
                }
                return;
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException) || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** Whether a snapshot of the writer (an upsert, "overwrite") follows one of maintenance ("replace"). */
    private static boolean writerCommittedAfterACompaction(Table table) {
        List<Snapshot> snapshots = StreamSupport.stream(table.snapshots().spliterator(), false).toList();
        return snapshots.stream().filter(s -> "replace".equals(s.operation())).anyMatch(compaction ->
                snapshots.stream().anyMatch(s -> "overwrite".equals(s.operation())
                        && s.sequenceNumber() > compaction.sequenceNumber()));
    }

    /**
     * Whether the snapshots are those from the writer's last commit on, or the last
     * {@link #RETAIN_LAST} if more: the writer's restore still finds its commit walking back.
     */
    private static boolean expiredUpToTheWritersLastCommit(Table table) {
        int fromTheWritersLastCommit = 0;
        for (Snapshot s : SnapshotUtil.currentAncestors(table)) {
            fromTheWritersLastCommit++;
            if (s.summary().containsKey(SinkUtil.FLINK_JOB_ID)) {
                return snapshots(table) <= Math.max(RETAIN_LAST, fromTheWritersLastCommit);
            }
        }
        throw new AssertionError("the writer's last commit of " + table.name() + " was expired");
    }

    private static long oldestSnapshot(Table table) {
        return StreamSupport.stream(table.snapshots().spliterator(), false)
                .min(Comparator.comparingLong(Snapshot::timestampMillis)).orElseThrow().snapshotId();
    }

    private static long replaceSnapshots(Table table) {
        return StreamSupport.stream(table.snapshots().spliterator(), false)
                .filter(s -> "replace".equals(s.operation())).count();
    }

    private static int snapshots(Table table) {
        int count = 0;
        for (Snapshot ignored : table.snapshots()) {
            count++;
        }
        return count;
    }

    private static Table refreshed(Table table) {
        table.refresh();
        return table;
    }

    private static Table table(Catalog catalog, ChronicleTable table) {
        return catalog.loadTable(TableIdentifier.of("chronicle", table.tableName()));
    }

    /**
     * Cancels each job not yet ended and waits for it to end: a running maintenance job may expire
     * a snapshot, and delete its files, between a reader's refresh and its reading them.
     */
    private static void cancelAll(JobClient... jobs) throws Exception {
        for (JobClient job : jobs) {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
            ItServices.waitUntil("job " + job.getJobID() + " ended", DEADLINE,
                    () -> job.getJobStatus().join().isGloballyTerminalState());
        }
    }

    private static List<String> exceptions(URI rest, JobClient job) throws Exception {
        List<String> failures = new ArrayList<>();
        for (JsonNode entry : get(rest, "/jobs/" + job.getJobID() + "/exceptions").path("exceptionHistory")
                .path("entries")) {
            failures.add(entry.path("stacktrace").asText().lines().findFirst().orElse(""));
        }
        return failures;
    }

    private static boolean allTasksRunning(URI rest, JobClient job) {
        JsonNode details = get(rest, "/jobs/" + job.getJobID());
        if (!details.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode vertex : details.path("vertices")) {
            if (!vertex.path("status").asText().equals("RUNNING")) {
                return false;
            }
        }
        return true;
    }

    /** The sum of Iceberg's maintenance task counter {@code name} (succeededTasks, failedTasks) over the job. */
    private static long taskCount(URI rest, JobClient job, String name) {
        long sum = 0;
        for (JsonNode vertex : get(rest, "/jobs/" + job.getJobID()).path("vertices")) {
            String path = "/jobs/" + job.getJobID() + "/vertices/" + vertex.path("id").asText() + "/metrics";
            List<String> ids = new ArrayList<>();
            for (JsonNode metric : get(rest, path)) {
                if (metric.path("id").asText().endsWith("." + name)) {
                    ids.add(URLEncoder.encode(metric.path("id").asText(), StandardCharsets.UTF_8));
                }
            }
            if (!ids.isEmpty()) {
                for (JsonNode metric : get(rest, path + "?get=" + String.join(",", ids))) {
                    sum += metric.path("value").asLong();
                }
            }
        }
        return sum;
    }

    private static long restarts(URI rest, JobClient job) {
        long restarts = 0;
        for (JsonNode metric : get(rest, "/jobs/" + job.getJobID() + "/metrics?get=numRestarts")) {
            restarts += metric.path("value").asLong();
        }
        return restarts;
    }

    private static JsonNode get(URI rest, String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
