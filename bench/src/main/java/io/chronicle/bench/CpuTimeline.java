package io.chronicle.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * This process's CPU time sampled against the wall clock during a run, to tell how much CPU a
 * span within the run took.
 */
final class CpuTimeline {

    private record Sample(long millis, double cpuSeconds) {}

    private final List<Sample> samples = new ArrayList<>();

    /** Records the process's CPU time now. */
    void sample() {
        add(System.currentTimeMillis(), BenchEnvironment.processCpuSeconds());
    }

    /** Records a sample; samples come in time order. */
    void add(long millis, double cpuSeconds) {
        samples.add(new Sample(millis, cpuSeconds));
    }

    /**
     * The CPU seconds used between two instants, each read between the samples around it as if
     * CPU time grew evenly between them; NaN if an instant lies outside the samples.
     */
    double secondsBetween(long fromMillis, long toMillis) {
        return at(toMillis) - at(fromMillis);
    }

    private double at(long millis) {
        for (int i = 1; i < samples.size(); i++) {
            Sample before = samples.get(i - 1);
            Sample after = samples.get(i);
            if (before.millis() <= millis && millis <= after.millis()) {
                if (after.millis() == before.millis()) {
                    return after.cpuSeconds();
                }
                double share = (double) (millis - before.millis()) / (after.millis() - before.millis());
                return before.cpuSeconds() + share * (after.cpuSeconds() - before.cpuSeconds());
            }
        }
        return Double.NaN;
    }
}
