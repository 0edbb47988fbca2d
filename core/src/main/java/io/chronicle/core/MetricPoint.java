package io.chronicle.core;

import java.util.Map;
import java.util.Objects;

/** A normalized metric point: one value of one series at one instant. */
public class MetricPoint {
    public String tenant;
    /** Prometheus-style metric name. */
    public String metric;
    public Map<String, String> tags;
    /** Always finite. */
    public double value;
    /** Event time, epoch microseconds. */
    public long timestampMicros;
    /** Stable 64-bit hash of tenant, metric and sorted tags. */
    public long seriesId;
    public Provenance provenance;

    public MetricPoint() {}

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof MetricPoint)) return false;
        MetricPoint that = (MetricPoint) o;
        return Double.compare(value, that.value) == 0
                && timestampMicros == that.timestampMicros
                && seriesId == that.seriesId
                && Objects.equals(tenant, that.tenant)
                && Objects.equals(metric, that.metric)
                && Objects.equals(tags, that.tags)
                && Objects.equals(provenance, that.provenance);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tenant, metric, tags, value, timestampMicros, seriesId, provenance);
    }

    @Override
    public String toString() {
        return "MetricPoint{" + tenant + " " + metric + tags + "=" + value + " @" + timestampMicros
                + " series=" + seriesId + " from " + provenance + "}";
    }
}
