package io.chronicle.bench;

import io.chronicle.bench.jmh.Inputs;
import io.chronicle.bench.jmh.MicroBenchmark;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The JMH micro-benchmarks of {@code io.chronicle.bench.jmh}, run through JMH's runner one at a
 * time, each in a fork of its own. Each benchmark class is a group whose {@code baseline...}
 * method every other method of the class is compared with: the report gives each score with its
 * ratio to that baseline's score from the same run. A benchmark checks its inputs and the code's
 * output when it sets up; one that fails, or gives no score, is a failure of the run.
 */
final class JmhSuite implements Suite {

    /** One benchmark's score as JMH measured it, and the machine's load average as it ended. */
    record Measured(String benchmark, String unit, double score, double error, long samples, double loadAverage) {}

    @Override
    public String name() {
        return "jmh";
    }

    @Override
    public String description() {
        return "Micro-benchmarks (JMH): parsing and normalizing points and events, series ids, DDSketch"
                + " inserts, merges and serialization, each against a baseline in the same run";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.BENCHMARKS, BenchOptions.WARMUP_ITERATIONS, BenchOptions.ITERATIONS,
                BenchOptions.ITERATION_TIME, BenchOptions.RESULTS_DIR);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        List<String> available = available();
        List<String> picked = picked(available, Pattern.compile(benchConf.get(BenchOptions.BENCHMARKS)));
        if (picked.isEmpty()) {
            throw new IllegalArgumentException("No micro-benchmark matches '" + benchConf.get(BenchOptions.BENCHMARKS)
                    + "'. Available: " + String.join(", ", available));
        }
        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), null);
        report.workload.putAll(Inputs.describe());
        report.conditions.put("load_average_at_start", round(BenchEnvironment.loadAverage()));
        List<Measured> measured = new ArrayList<>();
        for (int i = 0; i < picked.size(); i++) {
            String benchmark = picked.get(i);
            System.out.printf("%n[%d/%d] %s%n", i + 1, picked.size(), benchmark);
            try {
                measured.add(measured(new Runner(options(benchConf, benchmark)).runSingle()));
            } catch (RunnerException e) {
                report.failures.add(benchmark + ": " + causes(e) + " (the error is in JMH's output above)");
            }
        }
        report.scores.addAll(scores(measured, report.failures));
        report.notes.add("what each benchmark measures and what the figures mean: bench/README.md, section Micro-benchmarks");
        return report;
    }

    private static Options options(Configuration conf, String benchmark) {
        TimeValue iteration = TimeValue.milliseconds(conf.get(BenchOptions.ITERATION_TIME).toMillis());
        return new OptionsBuilder()
                .include("^" + Pattern.quote(benchmark) + "$")
                .warmupIterations(conf.get(BenchOptions.WARMUP_ITERATIONS))
                .warmupTime(iteration)
                .measurementIterations(conf.get(BenchOptions.ITERATIONS))
                .measurementTime(iteration)
                .shouldFailOnError(true)
                .build();
    }

    /** Every benchmark compiled into this classpath, by its full name (package.Class.method). */
    private static List<String> available() {
        Set<BenchmarkListEntry> entries = BenchmarkList.defaultList()
                .getAll(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), List.of());
        return entries.stream().map(BenchmarkListEntry::getUsername).distinct().sorted().toList();
    }

    private static Measured measured(RunResult run) {
        Result<?> primary = run.getPrimaryResult();
        return new Measured(run.getParams().getBenchmark(), primary.getScoreUnit(), primary.getScore(),
                primary.getScoreError(), primary.getSampleCount(), BenchEnvironment.loadAverage());
    }

    /**
     * The benchmarks whose names {@code pattern} finds, with the baseline of each one's group;
     * group by group, each baseline first.
     */
    static List<String> picked(Collection<String> available, Pattern pattern) {
        Set<String> groups = available.stream().filter(b -> pattern.matcher(b).find()).map(JmhSuite::group)
                .collect(Collectors.toSet());
        return available.stream()
                .filter(b -> pattern.matcher(b).find() || (isBaseline(b) && groups.contains(group(b))))
                .sorted(Comparator.comparing(JmhSuite::group).thenComparing(b -> !isBaseline(b))
                        .thenComparing(Comparator.naturalOrder()))
                .toList();
    }

    /**
     * Each result as a score with its ratio to its group's baseline. A group without a baseline
     * result, or with another unit than its baseline's, gets no ratio and a failure.
     */
    static List<Report.Score> scores(List<Measured> results, List<String> failures) {
        Map<String, List<Measured>> byGroup = results.stream()
                .collect(Collectors.groupingBy(m -> group(m.benchmark()), LinkedHashMap::new, Collectors.toList()));
        List<Report.Score> scores = new ArrayList<>();
        byGroup.forEach((group, measured) -> {
            List<Measured> baselines = measured.stream().filter(m -> isBaseline(m.benchmark())).toList();
            Measured baseline = baselines.size() == 1 ? baselines.get(0) : null;
            if (baseline == null) {
                failures.add(simpleName(group) + ": " + baselines.size() + " baseline results, so no ratios");
            }
            for (Measured m : measured) {
                boolean comparable = baseline != null && m.unit().equals(baseline.unit());
                if (baseline != null && !comparable) {
                    failures.add(m.benchmark() + ": measured in " + m.unit() + ", its baseline in " + baseline.unit());
                }
                scores.add(new Report.Score(simpleName(group), method(m.benchmark()), m.unit(), m.score(), m.error(),
                        m.samples(), round(m.loadAverage()), baseline == null ? null : method(baseline.benchmark()),
                        comparable ? m.score() / baseline.score() : Double.NaN));
            }
        });
        return scores;
    }

    /** The benchmark's class: its full name without the method. */
    private static String group(String benchmark) {
        return benchmark.substring(0, benchmark.lastIndexOf('.'));
    }

    private static String method(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static boolean isBaseline(String benchmark) {
        return method(benchmark).startsWith(MicroBenchmark.BASELINE_PREFIX);
    }

    private static String causes(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return String.join(": ", messages);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
