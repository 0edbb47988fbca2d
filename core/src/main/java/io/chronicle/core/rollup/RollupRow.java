package io.chronicle.core.rollup;

import java.util.Map;

/** One row of a rollup tier: a series, a window, and the window's aggregate. */
public class RollupRow {
    public String tenant;
    public String metric;
    public Map<String, String> tags;
    public long seriesId;
    public long windowStartMicros;
    public long windowEndMicros;
    public boolean counter;
    public RollupAggregate aggregate;

    public RollupRow() {}

    @Override
    public String toString() {
        return "RollupRow{" + tenant + " " + metric + tags + " [" + windowStartMicros + ", "
                + windowEndMicros + ") n=" + (aggregate == null ? 0 : aggregate.count) + "}";
    }
}
