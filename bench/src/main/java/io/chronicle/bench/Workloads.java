package io.chronicle.bench;

import io.chronicle.workload.Swarm;
import io.chronicle.workload.Workload;
import org.apache.flink.configuration.Configuration;

/** The shared workload generators set up from the benchmark options. */
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

    /**
     * The swarm lifecycle events of the options, in the points' tenants, with their seed and their
     * share of records delivered late, up to the same delay.
     */
    static Swarm swarm(Configuration conf) {
        if (conf.get(BenchOptions.AGENTS) < conf.get(BenchOptions.TENANTS)) {
            throw new IllegalArgumentException("Invalid value for option '" + BenchOptions.AGENTS.key()
                    + "': every one of the " + conf.get(BenchOptions.TENANTS) + " tenants (option '"
                    + BenchOptions.TENANTS.key() + "') needs an agent, got " + conf.get(BenchOptions.AGENTS));
        }
        return new Swarm(conf.get(BenchOptions.TRACES), conf.get(BenchOptions.AGENTS),
                conf.get(BenchOptions.TENANTS), conf.get(BenchOptions.TRACES_PER_SECOND),
                conf.get(BenchOptions.OUT_OF_ORDER_SHARE), conf.get(BenchOptions.MAX_DELAY),
                conf.get(BenchOptions.SEED));
    }
}
