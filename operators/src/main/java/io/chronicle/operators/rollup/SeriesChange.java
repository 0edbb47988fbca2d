package io.chronicle.operators.rollup;

/** A series became active (its first point since it was last quiet) or went quiet: +1 or -1. */
public class SeriesChange {
    public String tenant;
    public String metric;
    public int delta;

    public SeriesChange() {}

    public SeriesChange(String tenant, String metric, int delta) {
        this.tenant = tenant;
        this.metric = metric;
        this.delta = delta;
    }

    @Override
    public String toString() {
        return tenant + "/" + metric + (delta > 0 ? " +" : " ") + delta;
    }
}
