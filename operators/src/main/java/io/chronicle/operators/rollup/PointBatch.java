package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Points of one series from one topic, in the order they arrived: what crosses the rollups'
 * network exchanges, so a series' identity is sent, keyed and looked up in state once per batch
 * rather than once per point. Each point keeps its time, value, partition and offset, so a point
 * the rollups refuse is rejected on its own with where it came from.
 */
public class PointBatch {

    public String tenant;
    public String metric;
    public Map<String, String> tags;
    public long seriesId;
    public String topic;
    public long[] tsMicros;
    public double[] values;
    public int[] partitions;
    public long[] offsets;
    /**
     * Each point's place in its Kafka record; null while every point is its record's first, as
     * in the formats of one point per record, so those batches carry no more than before.
     */
    public int[] indexes;

    public PointBatch() {}

    /** A batch of the one point. */
    public static PointBatch of(MetricPoint point) {
        PointBatch batch = identityOf(point, 1);
        batch.tsMicros[0] = point.timestampMicros;
        batch.values[0] = point.value;
        batch.partitions[0] = point.provenance.partition;
        batch.offsets[0] = point.provenance.offset;
        if (point.provenance.index != 0) {
            batch.indexes = new int[] {point.provenance.index};
        }
        return batch;
    }

    /** An empty batch of the point's series and topic, with room for {@code capacity} points. */
    static PointBatch identityOf(MetricPoint point, int capacity) {
        PointBatch batch = new PointBatch();
        batch.tenant = point.tenant;
        batch.metric = point.metric;
        batch.tags = point.tags;
        batch.seriesId = point.seriesId;
        batch.topic = point.provenance.topic;
        batch.tsMicros = new long[capacity];
        batch.values = new double[capacity];
        batch.partitions = new int[capacity];
        batch.offsets = new long[capacity];
        return batch;
    }

    public int size() {
        return tsMicros.length;
    }

    /** The batch's {@code i}-th point as the normalizer made it, but for when it was read. */
    public MetricPoint point(int i) {
        MetricPoint p = new MetricPoint();
        p.tenant = tenant;
        p.metric = metric;
        p.tags = tags;
        p.seriesId = seriesId;
        p.timestampMicros = tsMicros[i];
        p.value = values[i];
        p.provenance = new Provenance(topic, partitions[i], offsets[i], indexes == null ? 0 : indexes[i], 0L);
        return p;
    }

    /** The latest of the points' times. */
    long maxTsMicros() {
        long max = Long.MIN_VALUE;
        for (long ts : tsMicros) {
            max = Math.max(max, ts);
        }
        return max;
    }

    /** Cuts the arrays to the first {@code n} points, once the batch is complete. */
    void trimTo(int n) {
        if (n != tsMicros.length) {
            tsMicros = Arrays.copyOf(tsMicros, n);
            values = Arrays.copyOf(values, n);
            partitions = Arrays.copyOf(partitions, n);
            offsets = Arrays.copyOf(offsets, n);
            if (indexes != null) {
                indexes = Arrays.copyOf(indexes, n);
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof PointBatch)) return false;
        PointBatch that = (PointBatch) o;
        return seriesId == that.seriesId
                && Objects.equals(tenant, that.tenant)
                && Objects.equals(metric, that.metric)
                && Objects.equals(tags, that.tags)
                && Objects.equals(topic, that.topic)
                && Arrays.equals(tsMicros, that.tsMicros)
                && Arrays.equals(values, that.values)
                && Arrays.equals(partitions, that.partitions)
                && Arrays.equals(offsets, that.offsets)
                && Arrays.equals(indexes, that.indexes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seriesId, tenant, metric, tags, topic, Arrays.hashCode(tsMicros),
                Arrays.hashCode(values), Arrays.hashCode(partitions), Arrays.hashCode(offsets),
                Arrays.hashCode(indexes));
    }

    @Override
    public String toString() {
        return "PointBatch{" + tenant + " " + metric + tags + " series=" + seriesId + " from " + topic
                + ", " + size() + " points}";
    }
}
