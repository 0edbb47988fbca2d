package io.chronicle.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * This process's CPU time, and its JIT compiler's part of it, sampled against the wall clock
 * during a run, to tell how much CPU a span within the run took.
 */
final class CpuTimeline {

    private record Sample(long millis, double cpuSeconds, double jitSeconds) {}

    private final List<Sample> samples = new ArrayList<>();
    private final JitCpu jit = new JitCpu();

    /** Records the process's CPU time, and its JIT compiler threads', now. */
    void sample() {
        add(System.currentTimeMillis(), BenchEnvironment.processCpuSeconds(), jit.seconds());
    }

    /** Records a sample; samples come in time order. */
    void add(long millis, double cpuSeconds, double jitSeconds) {
        samples.add(new Sample(millis, cpuSeconds, jitSeconds));
    }

    /**
     * The CPU seconds used between two instants, each read between the samples around it as if
     * CPU time grew evenly between them; NaN if an instant lies outside the samples.
     */
    double secondsBetween(long fromMillis, long toMillis) {
        return at(toMillis, Sample::cpuSeconds) - at(fromMillis, Sample::cpuSeconds);
    }

    /** As {@link #secondsBetween}, the JIT compiler threads' part; NaN where it was not measured. */
    double jitSecondsBetween(long fromMillis, long toMillis) {
        return at(toMillis, Sample::jitSeconds) - at(fromMillis, Sample::jitSeconds);
    }

    /** The JIT compiler threads' CPU seconds from the first sample to the last; NaN where not measured. */
    double jitSecondsSoFar() {
        return samples.size() < 2 ? 0 : samples.get(samples.size() - 1).jitSeconds() - samples.get(0).jitSeconds();
    }

    private double at(long millis, ToDoubleFunction<Sample> seconds) {
        for (int i = 1; i < samples.size(); i++) {
            Sample before = samples.get(i - 1);
            Sample after = samples.get(i);
            if (before.millis() <= millis && millis <= after.millis()) {
                if (after.millis() == before.millis()) {
                    return seconds.applyAsDouble(after);
                }
                double share = (double) (millis - before.millis()) / (after.millis() - before.millis());
                double from = seconds.applyAsDouble(before);
                return from + share * (seconds.applyAsDouble(after) - from);
            }
        }
        return Double.NaN;
    }
}
