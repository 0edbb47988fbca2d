package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.sinks.IcebergSinks;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.sink.SinkUtil;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;
import org.junit.jupiter.api.Test;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded, checkpointed job writing through {@link IcebergSinks#append} that fails once after a
 * checkpoint and, restored from it, reaches the end of its input before any further checkpoint:
 * the rows written since the restore are then committed by the final checkpoint alone, under the
 * committable Iceberg's aggregator emits at the end of its input. Every row must be in the table
 * exactly once when the job has finished, whether the failure comes after the restored
 * checkpoint's commit is in the table or before it (the restored committer then makes it), at
 * parallelism 1 and 2, and with checkpoints every 5 s as a job takes them.
 *
 * <p>With Iceberg's sink as Iceberg builds it, every row written after the restore was lost, in
 * every variant and every run: the aggregator's task has no state, so Flink restarts it without
 * the restored checkpoint id, and its last committable carries checkpoint id 1, which the
 * committer takes for committed already ({@code RestoreSafeIcebergSink} says how and what fixes it).
 *
 * <p>Checkpoints are triggered by the test, never by the clock (the interval is a day), except in
 * {@link #periodicCheckpoints}, so where each one falls is certain: one while the first attempt
 * runs, none in the restored attempt until its input has ended in every subtask, then the final
 * one. A catalog wrapped around the job's catalog sees each of the sink's commits and, in the
 * variants that ask for it, holds the first one back until the failure has happened, which then
 * cancels it.
 */
class BoundedSinkRestoreITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    /** Past the jobs' checkpoint timeout (30 s): a trigger not answered by then is tried again. */
    private static final Duration TRIGGER_ANSWER = Duration.ofSeconds(35);
    /** Records of the job: offsets 0 to ROWS - 1, each a row of points_raw. */
    private static final long ROWS = 20_000;
    /** Records each subtask of the first attempt has passed on before its checkpoint is triggered. */
    private static final long BEFORE_THE_CHECKPOINT = 100;

    // State shared with the job's operators, which run in this JVM (the MiniCluster's).
    private static final List<String> TIMELINE = Collections.synchronizedList(new ArrayList<>());
    private static final AtomicLong FIRST_ATTEMPT_RECORDS = new AtomicLong();
    private static final AtomicLong RESTORED_RECORDS = new AtomicLong();
    private static final AtomicBoolean FAILED = new AtomicBoolean();
    private static final AtomicInteger RESTORED_ENDED = new AtomicInteger();
    private static final AtomicBoolean RESTORED_CHECKPOINT_BEFORE_END = new AtomicBoolean();
    private static final AtomicBoolean HOLD_FIRST_COMMIT = new AtomicBoolean();
    private static final AtomicBoolean COMMIT_HELD = new AtomicBoolean();
    /** The sink's commits that reached the table: their checkpoint id, and whether the failure came first. */
    private static final List<long[]> COMMITS = new CopyOnWriteArrayList<>();
    private static volatile long startNanos;

    @Test
    void parallelismOneFailingAfterTheCommit(@InjectClusterClient ClusterClient<?> cluster) throws Exception {
        run("restore-p1-committed", 1, false, null, cluster);
    }

    @Test
    void parallelismTwoFailingAfterTheCommit(@InjectClusterClient ClusterClient<?> cluster) throws Exception {
        run("restore-p2-committed", 2, false, null, cluster);
    }

    @Test
    void parallelismOneFailingBeforeTheCommit(@InjectClusterClient ClusterClient<?> cluster) throws Exception {
        run("restore-p1-uncommitted", 1, true, null, cluster);
    }

    @Test
    void parallelismTwoFailingBeforeTheCommit(@InjectClusterClient ClusterClient<?> cluster) throws Exception {
        run("restore-p2-uncommitted", 2, true, null, cluster);
    }

    /**
     * As a job runs: checkpoints every 5 s, none triggered by the test. Whether one falls between
     * the restore and the end of the input (rarely: the restored attempt lasts well under a
     * second) is up to the clock; every row must be in the table once either way.
     */
    @Test
    void periodicCheckpoints(@InjectClusterClient ClusterClient<?> cluster) throws Exception {
        run("restore-periodic", 1, false, Duration.ofSeconds(5), cluster);
    }

    /**
     * The job's run: checkpoints every {@code interval}, or, if null, only those the test
     * triggers: the first while the first attempt runs, the next once the restored attempt's
     * input has ended.
     */
    private static void run(String run, int parallelism, boolean failBeforeTheCommit, Duration interval,
            ClusterClient<?> cluster) throws Exception {
        reset(failBeforeTheCommit);
        Configuration conf = services.chronicleConf(run, Map.of());
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        ChronicleCatalogLoader loader = ChronicleCatalogLoader.from(conf);
        TableBootstrap.ensureTables(loader, namespace, ChronicleTable.POINTS_RAW);

        Configuration jobConf = services.jobConf(conf, run);
        // With no interval, no checkpoint but those the test triggers.
        jobConf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, interval == null ? Duration.ofDays(1) : interval);
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(parallelism);
        DataStream<Long> ids = env.fromSequence(0, ROWS - 1).name("ids").uid("ids");
        DataStream<Long> paced = ids.transform("pace", Types.LONG, new Pace(failBeforeTheCommit)).uid("pace");
        IcebergSinks.appendPoints(paced.map(BoundedSinkRestoreITCase::point, TypeInformation.of(MetricPoint.class))
                        .name("points").uid("points"),
                new WatchedCatalogLoader(loader), namespace);
        JobClient job = env.executeAsync("bounded-" + run);
        try {
            if (interval == null) {
                ItServices.waitUntil("the first attempt's records", DEADLINE,
                        () -> FIRST_ATTEMPT_RECORDS.get() >= BEFORE_THE_CHECKPOINT * parallelism);
                checkpoint(cluster, job);
            }
            ItServices.waitUntil("the injected failure", DEADLINE, FAILED::get);
            ItServices.waitUntil("the restored attempt's end of input in every subtask", DEADLINE,
                    () -> RESTORED_ENDED.get() >= parallelism, BoundedSinkRestoreITCase::timeline);
            if (interval == null) {
                // The final checkpoint: the restored attempt has taken none so far. One taken while
                // the finished tasks still end is taken as any other, and the next is their final.
                while (!job.getJobStatus().get().isGloballyTerminalState()) {
                    checkpoint(cluster, job);
                    ItServices.waitUntil("the job ended or half a second passed", DEADLINE,
                            new HalfASecondOr(() -> job.getJobStatus().join().isGloballyTerminalState()));
                }
            }
            job.getJobExecutionResult().get();
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);
        } finally {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }

        Catalog catalog = loader.loadCatalog();
        Table table = catalog.loadTable(TableIdentifier.of(namespace, ChronicleTable.POINTS_RAW.tableName()));
        List<Long> offsets = new ArrayList<>();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(table).select("source_offset").build()) {
            rows.forEach(r -> offsets.add((Long) r.getField("source_offset")));
        } finally {
            if (catalog instanceof Closeable closeable) {
                closeable.close();
            }
        }
        Map<Long, Integer> counts = new TreeMap<>();
        offsets.forEach(o -> counts.merge(o, 1, Integer::sum));
        List<Long> missing = new ArrayList<>();
        for (long i = 0; i < ROWS; i++) {
            if (!counts.containsKey(i)) {
                missing.add(i);
            }
        }
        List<Long> doubled = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();

        System.out.printf("%s: parallelism %d, checkpoints %s, failure %s the commit; first attempt passed %d"
                        + " records, restored attempt %d; a checkpoint between the restore and the end of input: %s%n",
                run, parallelism, interval == null ? "triggered by the test" : "every " + interval,
                failBeforeTheCommit ? "before" : "after", FIRST_ATTEMPT_RECORDS.get(), RESTORED_RECORDS.get(),
                RESTORED_CHECKPOINT_BEFORE_END.get());
        System.out.printf("%s: rows expected %d, found %d (distinct %d), missing %d %s, doubled %d %s%n", run, ROWS,
                offsets.size(), counts.size(), missing.size(), ranges(missing), doubled.size(), ranges(doubled));
        for (Snapshot s : table.snapshots()) {
            Map<String, String> summary = s.summary();
            System.out.printf("%s: snapshot %d (parent %s) %s added-records=%s total-records=%s %s=%s %s=%s %s=%s%n",
                    run, s.snapshotId(), s.parentId(), s.operation(), summary.get("added-records"),
                    summary.get("total-records"), SinkUtil.MAX_COMMITTED_CHECKPOINT_ID,
                    summary.get(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID), SinkUtil.FLINK_JOB_ID,
                    summary.get(SinkUtil.FLINK_JOB_ID), SinkUtil.OPERATOR_ID, summary.get(SinkUtil.OPERATOR_ID));
        }
        System.out.println(timeline());

        if (interval == null) {
            assertThat(RESTORED_CHECKPOINT_BEFORE_END).as("the restored attempt took no checkpoint before the end"
                    + " of its input").isFalse();
        }
        if (failBeforeTheCommit) {
            assertThat(COMMITS).as("commits").isNotEmpty();
            assertThat(COMMITS.get(0)[1]).as("the first commit came after the failure").isEqualTo(1L);
        } else {
            assertThat(COMMITS).as("commits").isNotEmpty();
            assertThat(COMMITS.get(0)[1]).as("the first commit came before the failure").isEqualTo(0L);
        }
        assertThat(missing).as("rows lost (as ranges: %s)", ranges(missing)).isEmpty();
        assertThat(doubled).as("rows written twice (as ranges: %s)", ranges(doubled)).isEmpty();
        assertThat(offsets).hasSize((int) ROWS);
    }

    /**
     * Triggers a checkpoint, again while the job's tasks are not all running or when a trigger
     * goes unanswered past the checkpoint timeout, until one completes.
     */
    private static void checkpoint(ClusterClient<?> cluster, JobClient job) throws Exception {
        ItServices.waitUntil("a checkpoint taken, or the job ended", DEADLINE, () -> {
            try {
                long id = cluster.triggerCheckpoint(job.getJobID(), CheckpointType.CONFIGURED)
                        .get(TRIGGER_ANSWER.toSeconds(), TimeUnit.SECONDS);
                event("test: checkpoint %d completed", id);
                return true;
            } catch (ExecutionException e) {
                event("test: checkpoint not taken: %s", e.getCause());
                return job.getJobStatus().join().isGloballyTerminalState();
            } catch (TimeoutException e) {
                event("test: checkpoint not answered in %s", TRIGGER_ANSWER);
                return job.getJobStatus().join().isGloballyTerminalState();
            } catch (InterruptedException e) {
                throw new IllegalStateException("checkpoint of " + job.getJobID() + " interrupted", e);
            }
        }, BoundedSinkRestoreITCase::timeline);
    }

    /** True once {@code condition} is, or half a second after it was first asked. */
    private static final class HalfASecondOr implements BooleanSupplier {
        private final BooleanSupplier condition;
        private final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);

        HalfASecondOr(BooleanSupplier condition) {
            this.condition = condition;
        }

        @Override
        public boolean getAsBoolean() {
            return condition.getAsBoolean() || System.nanoTime() > end;
        }
    }

    private static void reset(boolean holdFirstCommit) {
        TIMELINE.clear();
        FIRST_ATTEMPT_RECORDS.set(0);
        RESTORED_RECORDS.set(0);
        FAILED.set(false);
        RESTORED_ENDED.set(0);
        RESTORED_CHECKPOINT_BEFORE_END.set(false);
        HOLD_FIRST_COMMIT.set(holdFirstCommit);
        COMMIT_HELD.set(false);
        COMMITS.clear();
        startNanos = System.nanoTime();
    }

    private static void event(String format, Object... args) {
        TIMELINE.add(String.format("%7.3f s  ", (System.nanoTime() - startNanos) / 1e9) + String.format(format, args));
    }

    private static String timeline() {
        synchronized (TIMELINE) {
            return String.join("\n", TIMELINE);
        }
    }

    /** Consecutive values as ranges: "[3..7, 9]". */
    private static String ranges(List<Long> sorted) {
        List<String> ranges = new ArrayList<>();
        for (int i = 0; i < sorted.size(); ) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
                j++;
            }
            ranges.add(i == j ? String.valueOf(sorted.get(i)) : sorted.get(i) + ".." + sorted.get(j));
            i = j + 1;
        }
        return ranges.toString();
    }

    private static MetricPoint point(long i) {
        MetricPoint p = new MetricPoint();
        p.tenant = "t0";
        p.metric = "bounded_restore_it";
        p.tags = Map.of("host", "h" + i % 5);
        p.value = i;
        // One day, so one partition.
        p.timestampMicros = 1_700_000_000_000_000L + i;
        p.seriesId = i % 5;
        p.provenance = new Provenance("points", 0, i, 1_700_000_000_000_000L);
        return p;
    }

    /**
     * Passes records on. In the first attempt, slowly (a millisecond each, so its input would
     * last many seconds; a subtask past most of its share waits), and it fails once: on the first
     * record after the sink's first commit is in the table, or, with {@code failBeforeTheCommit},
     * after that commit has been held back (its checkpoint completed). In the restored attempt, at
     * full speed. Records its attempt's checkpoints and end of input on the timeline.
     */
    private static final class Pace extends AbstractStreamOperator<Long>
            implements OneInputStreamOperator<Long, Long>, BoundedOneInput {

        private final boolean failBeforeTheCommit;
        private transient int attempt;
        private transient int subtask;
        private transient int parallelism;
        private transient long records;
        private transient boolean ended;

        Pace(boolean failBeforeTheCommit) {
            this.failBeforeTheCommit = failBeforeTheCommit;
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
            event("pace[%d] attempt %d starts, restored from checkpoint %s", subtask, attempt,
                    context.getRestoredCheckpointId());
        }

        @Override
        public void processElement(StreamRecord<Long> element) throws Exception {
            records++;
            if (attempt == 0) {
                FIRST_ATTEMPT_RECORDS.incrementAndGet();
                // Never to the end of the input: past most of its share, a subtask waits for the failure.
                boolean waitForTheFailure = records >= ROWS / parallelism * 4 / 5;
                do {
                    boolean due = failBeforeTheCommit ? COMMIT_HELD.get() : !COMMITS.isEmpty();
                    if (due && FAILED.compareAndSet(false, true)) {
                        event("pace[%d] attempt %d fails at record %d (%d records in this subtask)", subtask,
                                attempt, element.getValue(), records);
                        throw new IllegalStateException("Injected failure at record " + element.getValue());
                    }
                    Thread.sleep(1);
                } while (waitForTheFailure);
            } else {
                RESTORED_RECORDS.incrementAndGet();
            }
            output.collect(element);
        }

        @Override
        public void endInput() {
            ended = true;
            event("pace[%d] attempt %d: end of input after %d records", subtask, attempt, records);
            if (attempt > 0) {
                RESTORED_ENDED.incrementAndGet();
            }
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            event("pace[%d] attempt %d: checkpoint %d taken after %d records%s", subtask, attempt,
                    context.getCheckpointId(), records, ended ? ", input ended" : "");
            if (attempt > 0 && !ended) {
                RESTORED_CHECKPOINT_BEFORE_END.set(true);
            }
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            super.notifyCheckpointComplete(checkpointId);
            event("pace[%d] attempt %d: checkpoint %d complete", subtask, attempt, checkpointId);
        }
    }

    /**
     * The job's catalog, whose tables' commits are watched: each commit that reaches the table is
     * recorded; with {@link #HOLD_FIRST_COMMIT}, the first is held until the job has failed and
     * its cancellation interrupts it, and then fails, so nothing of it reaches the table.
     */
    private static final class WatchedCatalogLoader implements CatalogLoader {
        private static final long serialVersionUID = 1L;
        private final CatalogLoader delegate;

        WatchedCatalogLoader(CatalogLoader delegate) {
            this.delegate = delegate;
        }

        @Override
        public Catalog loadCatalog() {
            return new WatchedCatalog(delegate.loadCatalog());
        }

        @Override
        @SuppressWarnings({"checkstyle:NoClone", "checkstyle:SuperClone"})
        public CatalogLoader clone() {
            return new WatchedCatalogLoader(delegate.clone());
        }
    }

    private static final class WatchedCatalog implements Catalog, Closeable {
        private final Catalog delegate;

        WatchedCatalog(Catalog delegate) {
            this.delegate = delegate;
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public List<TableIdentifier> listTables(Namespace namespace) {
            return delegate.listTables(namespace);
        }

        @Override
        public boolean dropTable(TableIdentifier identifier, boolean purge) {
            return delegate.dropTable(identifier, purge);
        }

        @Override
        public void renameTable(TableIdentifier from, TableIdentifier to) {
            delegate.renameTable(from, to);
        }

        @Override
        public Table loadTable(TableIdentifier identifier) {
            BaseTable table = (BaseTable) delegate.loadTable(identifier);
            return new BaseTable(new WatchedOperations(table.operations()), table.name());
        }

        @Override
        public TableBuilder buildTable(TableIdentifier identifier, Schema schema) {
            return delegate.buildTable(identifier, schema);
        }

        @Override
        public void close() throws IOException {
            if (delegate instanceof Closeable closeable) {
                closeable.close();
            }
        }
    }

    private static final class WatchedOperations implements TableOperations {
        private final TableOperations delegate;

        WatchedOperations(TableOperations delegate) {
            this.delegate = delegate;
        }

        @Override
        public TableMetadata current() {
            return delegate.current();
        }

        @Override
        public TableMetadata refresh() {
            return delegate.refresh();
        }

        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
            Snapshot snapshot = metadata.currentSnapshot();
            String checkpoint = snapshot == null ? null : snapshot.summary().get(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID);
            if (checkpoint != null && HOLD_FIRST_COMMIT.get() && COMMIT_HELD.compareAndSet(false, true)) {
                hold(checkpoint);
            }
            delegate.commit(base, metadata);
            if (checkpoint != null) {
                COMMITS.add(new long[] {Long.parseLong(checkpoint), FAILED.get() ? 1 : 0});
                event("sink: commit of checkpoint %s in the table (%s records added)", checkpoint,
                        snapshot.summary().get("added-records"));
            }
        }

        /** Holds the commit until the job has failed and its cancellation interrupts it; then fails it. */
        private static void hold(String checkpoint) {
            event("sink: commit of checkpoint %s held", checkpoint);
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            try {
                while (!FAILED.get() && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                if (FAILED.get()) {
                    // The failure cancels the committer's task, which interrupts this thread.
                    new CountDownLatch(1).await(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                event("sink: held commit of checkpoint %s interrupted, not made", checkpoint);
                throw new IllegalStateException("Commit of checkpoint " + checkpoint + " withheld by the test", e);
            }
            if (FAILED.get()) {
                event("sink: held commit of checkpoint %s not interrupted, not made", checkpoint);
                throw new IllegalStateException("Commit of checkpoint " + checkpoint + " withheld by the test");
            }
            event("sink: held commit of checkpoint %s released: the job did not fail", checkpoint);
        }

        @Override
        public FileIO io() {
            return delegate.io();
        }

        @Override
        public EncryptionManager encryption() {
            return delegate.encryption();
        }

        @Override
        public String metadataFileLocation(String fileName) {
            return delegate.metadataFileLocation(fileName);
        }

        @Override
        public LocationProvider locationProvider() {
            return delegate.locationProvider();
        }

        @Override
        public TableOperations temp(TableMetadata uncommittedMetadata) {
            return delegate.temp(uncommittedMetadata);
        }

        @Override
        public long newSnapshotId() {
            return delegate.newSnapshotId();
        }

        @Override
        public boolean requireStrictCleanup() {
            return delegate.requireStrictCleanup();
        }
    }
}
