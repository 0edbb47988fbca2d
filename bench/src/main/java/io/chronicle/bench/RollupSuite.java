package io.chronicle.bench;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.workload.Workload;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Chronicle's rollup pipeline against the same rollup in Flink SQL, on one machine, over one
 * Kafka topic holding the workload, with the same parallelism, state backend and checkpoints.
 * Variants alternate run by run, so drift in the machine's load hits both alike.
 */
final class RollupSuite implements Suite {

    static final String TOPIC = "bench-points";
    static final String ROWS_5M = "rollup_5m_rows";
    static final String SAMPLES_5M = "rollup_5m_samples";
    static final String ROWS_1H = "rollup_1h_rows";
    static final String REJECTED = "rejected_rows";

    @Override
    public String name() {
        return "rollups";
    }

    @Override
    public String description() {
        return "Chronicle's rollup tiers (5m and 1h into Iceberg) against a Flink SQL 5m window"
                + " aggregation into Iceberg, over the same Kafka input";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.POINTS, BenchOptions.SERIES, BenchOptions.TENANTS, BenchOptions.SAMPLE_INTERVAL,
                BenchOptions.OUT_OF_ORDER_SHARE, BenchOptions.MAX_DELAY, BenchOptions.SEED, BenchOptions.PARTITIONS,
                BenchOptions.PARALLELISM, BenchOptions.CHECKPOINT_INTERVAL, BenchOptions.RUNS, BenchOptions.WARMUP,
                BenchOptions.WORK_DIR, BenchOptions.RESULTS_DIR);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        Workload workload = Workloads.from(benchConf);
        Duration lateness = new Configuration().get(ChronicleOptions.ROLLUP_ALLOWED_LATENESS);
        if (workload.maxDisorder().compareTo(lateness) >= 0) {
            throw new IllegalArgumentException("Options '" + BenchOptions.MAX_DELAY.key() + "' and '"
                    + BenchOptions.SAMPLE_INTERVAL.key() + "' let points fall " + workload.maxDisorder().toSeconds()
                    + " s behind, beyond Chronicle's allowed lateness of " + lateness.toSeconds() + " s");
        }
        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), "flink-sql");
        long points = benchConf.get(BenchOptions.POINTS);
        int partitions = benchConf.get(BenchOptions.PARTITIONS);
        try (BenchEnvironment env = BenchEnvironment.start(benchConf)) {
            env.kafka().createTopic(TOPIC, partitions, false);
            System.out.printf("Producing %,d points into %d partitions ...%n", points, partitions);
            long start = System.nanoTime();
            Workload.Summary summary = env.produce(workload, TOPIC, partitions);
            double produceSeconds = (System.nanoTime() - start) / 1e9;
            report.workload.put("summary", summary);
            report.workload.put("produce_seconds", Math.round(produceSeconds * 10) / 10.0);
            long expected5m = workload.windows(Duration.ofMinutes(5));
            long expected1h = workload.windows(Duration.ofHours(1));
            report.workload.put("expected_rollup_5m_rows", expected5m);
            report.workload.put("expected_rollup_1h_rows", expected1h);

            List<Variant> variants = List.of(
                    new ChronicleRollups(env, TOPIC, points),
                    new SqlRollups(env, TOPIC, points, workload.maxDisorder()));
            for (int round = benchConf.get(BenchOptions.WARMUP) ? 0 : 1; round <= benchConf.get(BenchOptions.RUNS); round++) {
                for (Variant variant : variants) {
                    Report.Run run = variant.run(round);
                    System.out.printf("%s %s: %.1f s, %,.0f points/s, %.1f CPU µs/point %s%n", variant.name(),
                            run.warmup() ? "warm-up" : "run " + round, run.times().seconds(), run.pointsPerSecond(),
                            run.cpuMicrosPerPoint(), run.counts());
                    report.runs.add(run);
                    check(report, run, Map.of(ROWS_5M, expected5m, SAMPLES_5M, points, ROWS_1H, expected1h, REJECTED, 0L));
                }
            }
        }
        report.notes.add("what the variants do and what each figure means: bench/README.md, section Rollups");
        return report;
    }

    /** Records every count of the run that differs from what the workload implies. */
    private static void check(Report report, Report.Run run, Map<String, Long> expected) {
        run.counts().forEach((name, count) -> {
            Long want = expected.get(name);
            if (want != null && want.longValue() != count) {
                report.failures.add(run.variant() + " round " + run.round() + ": " + name + " " + count
                        + ", expected " + want);
            }
        });
    }
}
