package io.chronicle.operators.health;

import io.chronicle.core.MetricPoint;
import io.chronicle.operators.normalize.SeriesIds;

import java.util.SortedMap;
import java.util.TreeMap;

/** Builds the health series' points, with the series ids ingest would give them. */
public final class HealthPoints {

    private final SeriesIds ids = new SeriesIds();

    public MetricPoint gauge(String tenant, String metric, SortedMap<String, String> tags, long atMillis, double value) {
        MetricPoint p = new MetricPoint();
        p.tenant = tenant;
        p.metric = metric;
        p.tags = new TreeMap<>(tags);
        p.value = value;
        p.timestampMicros = atMillis * 1_000L;
        p.seriesId = ids.seriesId(tenant, metric, tags);
        return p;
    }

    /** The first multiple of {@code intervalMillis} after {@code nowMillis}. */
    public static long nextTick(long nowMillis, long intervalMillis) {
        return Math.floorDiv(nowMillis, intervalMillis) * intervalMillis + intervalMillis;
    }
}
