package io.chronicle.sinks;

import io.chronicle.catalog.ReopeningCatalog;

import io.chronicle.catalog.TierProgress;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Records how far a rollup tier's table is complete ({@link TierProgress}), at parallelism 1 on
 * the watermarks of the stream the tier's sink writes (the rows themselves are dropped before
 * it). The watermark seen as a checkpoint begins covers every row the sink's writers flushed into
 * that checkpoint; once the table's summary shows this job committed that checkpoint (Iceberg's
 * committer writes the checkpoint id on every commit), the watermark is recorded.
 *
 * <p>The catalog is read and written on a thread of its own, at most every
 * {@code chronicle.rollup.progress-interval}, so a slow catalog never blocks the task it is chained to (the
 * tier's writer) and event time replayed fast (a backfill) does not add a commit per checkpoint.
 * It keeps no Flink state: after a restore it starts afresh and records again at the next
 * committed checkpoint, so a restarted job or a table rolled back never inherits a mark it cannot
 * prove. Failing to reach the catalog is logged and counted ({@code tierProgressFailures}) and
 * tried again later; it never fails the job, and meanwhile raw points are kept.
 */
public final class TierProgressRecorder<T> extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<T, Void> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TierProgressRecorder.class);
    /** Checkpoints remembered while the catalog is unreachable; older ones are superseded anyway. */
    private static final int MAX_PENDING = 1_000;

    private final ReopeningCatalog catalog;
    private final String namespace;
    private final String tableName;
    private final long windowMillis;
    private final long minSpacingMillis;

    private transient long watermark;
    private transient TreeMap<Long, Long> pending;
    private transient long recordedWindows;
    private transient Counter failures;
    private transient ExecutorService recorder;
    private transient Future<?> inFlight;
    private transient long lastAttemptMillis;
    /** Written by the recorder's thread: the checkpoint and watermark last recorded. */
    private transient volatile long recordedCheckpoint;
    private transient volatile long recordedWatermark;

    public TierProgressRecorder(CatalogLoader catalogLoader, String namespace, String tableName, long windowMillis,
            Duration minSpacing) {
        this.catalog = new ReopeningCatalog(catalogLoader);
        this.namespace = namespace;
        this.tableName = tableName;
        this.windowMillis = windowMillis;
        this.minSpacingMillis = minSpacing.toMillis();
    }

    @Override
    public void open() throws Exception {
        super.open();
        watermark = Long.MIN_VALUE;
        pending = new TreeMap<>();
        recordedWindows = Long.MIN_VALUE;
        recordedCheckpoint = Long.MIN_VALUE;
        recordedWatermark = Long.MIN_VALUE;
        lastAttemptMillis = Long.MIN_VALUE;
        failures = getMetricGroup().counter("tierProgressFailures");
        recorder = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "progress-of-" + tableName);
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        // Only watermarks reach this operator.
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        watermark = mark.getTimestamp();
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // Only a watermark past a window boundary not yet recorded is worth a catalog call.
        if (watermark != Long.MIN_VALUE && Math.floorDiv(watermark, windowMillis) > recordedWindows) {
            pending.put(context.getCheckpointId(), watermark);
            while (pending.size() > MAX_PENDING) {
                pending.pollFirstEntry();
            }
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        if (recordedCheckpoint != Long.MIN_VALUE) {
            pending.headMap(recordedCheckpoint, true).clear();
            recordedWindows = Math.max(recordedWindows, Math.floorDiv(recordedWatermark, windowMillis));
        }
        long now = System.currentTimeMillis();
        if (pending.isEmpty() || (inFlight != null && !inFlight.isDone())
                || (lastAttemptMillis != Long.MIN_VALUE && now - lastAttemptMillis < minSpacingMillis)) {
            return;
        }
        lastAttemptMillis = now;
        TreeMap<Long, Long> candidates = new TreeMap<>(pending);
        String jobId = getRuntimeContext().getJobInfo().getJobId().toString();
        inFlight = recorder.submit(() -> record(candidates, jobId));
    }

    /** On the recorder's thread: the latest candidate checkpoint the table shows committed, recorded. */
    private void record(TreeMap<Long, Long> candidates, String jobId) {
        try {
            Table table = catalog.get().loadTable(TableIdentifier.of(namespace, tableName));
            Optional<Snapshot> committed = TierProgress.lastCommitOf(table, jobId);
            if (committed.isEmpty()) {
                return;
            }
            Map.Entry<Long, Long> covered = candidates.floorEntry(TierProgress.checkpointOf(committed.get()));
            if (covered == null) {
                return;
            }
            TierProgress.record(table, new TierProgress.Mark(covered.getValue(), committed.get().snapshotId()));
            recordedWatermark = covered.getValue();
            recordedCheckpoint = covered.getKey();
        } catch (RuntimeException e) {
            failures.inc();
            LOG.warn("Could not record the progress of {}; trying again later", tableName, e);
            catalog.close();
        }
    }



    @Override
    public void close() throws Exception {
        if (recorder != null) {
            recorder.shutdownNow();
            recorder.awaitTermination(10, TimeUnit.SECONDS);
        }
        catalog.close();
        super.close();
    }
}
