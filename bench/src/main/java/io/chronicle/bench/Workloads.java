package io.chronicle.bench;

import io.chronicle.workload.Workload;
import org.apache.flink.configuration.Configuration;

/** The shared workload generator set up from the benchmark options. */
final class Workloads {

    private Workloads() {}

    static Workload from(Configuration conf) {
        return from(conf, conf.get(BenchOptions.POINTS));
    }

    /** The workload of the options with {@code points} points, whatever they say. */
    static Workload from(Configuration conf, long points) {
        return new Workload(points, conf.get(BenchOptions.SERIES),
                conf.get(BenchOptions.TENANTS), conf.get(BenchOptions.SAMPLE_INTERVAL),
                conf.get(BenchOptions.OUT_OF_ORDER_SHARE), conf.get(BenchOptions.MAX_DELAY),
                conf.get(BenchOptions.SEED));
    }
}
