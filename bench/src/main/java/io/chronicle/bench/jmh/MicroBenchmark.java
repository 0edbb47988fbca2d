package io.chronicle.bench.jmh;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The settings every micro-benchmark inherits: average time per operation in nanoseconds, one
 * fork with a fixed heap that compiles in the foreground, and iterations short enough that the
 * whole set finishes in about five minutes on 2 cores. {@code bench/run jmh} passes the same
 * numbers (its options default to these), so a benchmark run from an IDE measures alike.
 *
 * <p>Each subclass is one group: its method named {@code baseline...} is the baseline the others'
 * ratios are computed against, in the same run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = MicroBenchmark.WARMUP_ITERATIONS, time = MicroBenchmark.ITERATION_MILLIS,
        timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = MicroBenchmark.ITERATIONS, time = MicroBenchmark.ITERATION_MILLIS,
        timeUnit = TimeUnit.MILLISECONDS)
// -Xbatch: the benchmark thread waits for each compilation, so warm-up ends with compiled code even
// when other work on 2 shared cores starves a background compiler (one fork once spent its whole
// measurement at 15 times the compiled time).
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g", "-Xbatch"})
public abstract class MicroBenchmark {

    /** On 2 shared cores the DDSketch paths took up to 5 s to reach their compiled speed. */
    public static final int WARMUP_ITERATIONS = 5;
    public static final int ITERATIONS = 5;
    public static final int ITERATION_MILLIS = 1_000;

    /** The prefix that marks a group's baseline method. */
    public static final String BASELINE_PREFIX = "baseline";
}
