package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RollupPolicy;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gathers each series' points into a {@link PointBatch} before the rollups' network exchanges,
 * as Flink SQL's local window aggregation gathers rows before its shuffle: the limit of active
 * series and the window operator then send, key and look up a series once per batch, not once
 * per point. It keeps no state: whatever it holds goes out before each checkpoint barrier.
 *
 * <p>A series' points leave in the order they came, before any watermark that would make their
 * window due: a batch is held only while the watermark is below the write time of its earliest
 * window (its end plus the tenant's allowed lateness), so the window operator decides each point
 * against the same watermark as it would have unbatched. A point whose window is due already
 * leaves at once, with the points of its series before it. Everything goes when {@code maxPoints}
 * are held, which bounds the memory the operator takes, and before the task turns idle.
 *
 * <p>A batch keeps its first point's strings and tags map, which nothing changes after the
 * normalizer made them, a new point per record: safe with object reuse.
 *
 * <p>Points of one series are held for at most a window plus its lateness of event time, so a
 * series whose points stop for longer than the series TTL less that time may count as quiet to
 * the limit of active series while its next points are held.
 */
public class SeriesBundler extends AbstractStreamOperator<PointBatch>
        implements OneInputStreamOperator<MetricPoint, PointBatch> {

    private static final long serialVersionUID = 1L;

    private final long windowMicros;
    private final RollupPolicy policy;
    private final int maxPoints;

    /** Batches being filled, in the order their first points came: series are admitted in it. */
    private transient Map<Long, Open> open;
    private transient int heldPoints;
    /** The earliest write time (ms) of any batch held; Long.MAX_VALUE while none. */
    private transient long earliestDueMillis;
    private transient long watermark;
    private transient Counter batchesOut;

    public SeriesBundler(long windowMicros, RollupPolicy policy, int maxPoints) {
        if (maxPoints < 1) {
            throw new IllegalArgumentException("maxPoints must be at least 1, got " + maxPoints);
        }
        this.windowMicros = windowMicros;
        this.policy = policy;
        this.maxPoints = maxPoints;
    }

    /** A batch being filled, and when the earliest of its windows is due. */
    private static final class Open {
        final PointBatch batch;
        int size;
        long dueMillis;

        Open(PointBatch batch, long dueMillis) {
            this.batch = batch;
            this.dueMillis = dueMillis;
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        open = new LinkedHashMap<>();
        earliestDueMillis = Long.MAX_VALUE;
        watermark = Long.MIN_VALUE;
        batchesOut = getMetricGroup().counter("rollupBatchesOut");
        getMetricGroup().gauge("rollupPointsHeld", () -> heldPoints);
    }

    @Override
    public void processElement(StreamRecord<MetricPoint> element) {
        MetricPoint point = element.getValue();
        long windowStart = Math.floorDiv(point.timestampMicros, windowMicros) * windowMicros;
        long dueMillis = WindowTimes.writeTimerMillis(windowStart + windowMicros,
                policy.forTenant(point.tenant).allowedLatenessMicros());
        Open series = open.get(point.seriesId);
        if (series != null && !series.batch.topic.equals(point.provenance.topic)) {
            emit(open.remove(point.seriesId));
            series = null;
        }
        if (series == null) {
            series = new Open(PointBatch.identityOf(point, 4), dueMillis);
            open.put(point.seriesId, series);
        }
        append(series, point);
        heldPoints++;
        if (dueMillis <= watermark) {
            emit(open.remove(point.seriesId));
            return;
        }
        series.dueMillis = Math.min(series.dueMillis, dueMillis);
        earliestDueMillis = Math.min(earliestDueMillis, series.dueMillis);
        if (heldPoints >= maxPoints) {
            emitAll();
        }
    }

    private static void append(Open series, MetricPoint point) {
        PointBatch b = series.batch;
        int n = series.size;
        if (n == b.size()) {
            b.tsMicros = Arrays.copyOf(b.tsMicros, 2 * n);
            b.values = Arrays.copyOf(b.values, 2 * n);
            b.partitions = Arrays.copyOf(b.partitions, 2 * n);
            b.offsets = Arrays.copyOf(b.offsets, 2 * n);
            if (b.indexes != null) {
                b.indexes = Arrays.copyOf(b.indexes, 2 * n);
            }
        }
        b.tsMicros[n] = point.timestampMicros;
        b.values[n] = point.value;
        b.partitions[n] = point.provenance.partition;
        b.offsets[n] = point.provenance.offset;
        if (point.provenance.index != 0 && b.indexes == null) {
            b.indexes = new int[b.size()];
        }
        if (b.indexes != null) {
            b.indexes[n] = point.provenance.index;
        }
        series.size = n + 1;
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        watermark = Math.max(watermark, mark.getTimestamp());
        if (earliestDueMillis <= watermark) {
            emitDue();
        }
        super.processWatermark(mark);
    }

    /**
     * Everything goes before the task says it is idle: the operators after it then follow the
     * other tasks' watermarks alone, which could make a held window due before its points came.
     */
    @Override
    public void processWatermarkStatus(WatermarkStatus status) throws Exception {
        if (status.isIdle()) {
            emitAll();
        }
        super.processWatermarkStatus(status);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        emitAll();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        emitAll();
        super.finish();
    }

    /** Sends the batches whose earliest window the watermark has made due. */
    private void emitDue() {
        long earliest = Long.MAX_VALUE;
        Iterator<Open> it = open.values().iterator();
        while (it.hasNext()) {
            Open series = it.next();
            if (series.dueMillis <= watermark) {
                it.remove();
                emit(series);
            } else {
                earliest = Math.min(earliest, series.dueMillis);
            }
        }
        earliestDueMillis = earliest;
    }

    private void emitAll() {
        for (Open series : open.values()) {
            emit(series);
        }
        open.clear();
        earliestDueMillis = Long.MAX_VALUE;
    }

    private void emit(Open series) {
        series.batch.trimTo(series.size);
        heldPoints -= series.size;
        batchesOut.inc();
        output.collect(new StreamRecord<>(series.batch, Math.floorDiv(series.batch.tsMicros[0], 1_000L)));
    }
}
