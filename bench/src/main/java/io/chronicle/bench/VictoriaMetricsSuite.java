package io.chronicle.bench;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.nio.file.Path;
import java.util.List;

/**
 * VictoriaMetrics alone ingesting the workload over its Influx line-protocol endpoint, each run
 * into a fresh storage: the peer figures the ingest suite sets Chronicle's against, measured on
 * their own. Runs {@link #measure} as the ingest suite does.
 */
final class VictoriaMetricsSuite implements Suite {

    static final String VARIANT = "victoria-metrics";

    @Override
    public String name() {
        return "vm";
    }

    @Override
    public String description() {
        return "VictoriaMetrics (Debian's package, on 127.0.0.1) ingesting the workload as Influx line"
                + " protocol, each run into a fresh storage; every sample read back";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.POINTS, BenchOptions.SERIES, BenchOptions.TENANTS, BenchOptions.SAMPLE_INTERVAL,
                BenchOptions.OUT_OF_ORDER_SHARE, BenchOptions.MAX_DELAY, BenchOptions.SEED,
                BenchOptions.VM_CONNECTIONS, BenchOptions.VM_BATCH_POINTS, BenchOptions.RUNS, BenchOptions.WARMUP,
                BenchOptions.WORK_DIR, BenchOptions.RESULTS_DIR);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), VARIANT);
        report.machine.put(VARIANT, VictoriaMetricsPeer.packageVersion());
        System.out.printf("Encoding %,d points as line protocol ...%n", benchConf.get(BenchOptions.POINTS));
        InfluxLines.Encoded input = encode(benchConf, report);
        report.workload.put("summary", input.summary());
        Path dir = Path.of(benchConf.get(BenchOptions.WORK_DIR)).toAbsolutePath().resolve(VARIANT);
        for (int round = benchConf.get(BenchOptions.WARMUP) ? 0 : 1; round <= benchConf.get(BenchOptions.RUNS); round++) {
            VictoriaMetricsPeer.Ingest ingest = measure(report, dir.resolve("run-" + round), input, round,
                    benchConf.get(BenchOptions.VM_CONNECTIONS));
            report.runs.add(ingest.toRun(VARIANT, round));
        }
        report.notes.add("what each figure means: bench/README.md, section VictoriaMetrics alone");
        return report;
    }

    /**
     * The workload of the options as request bodies, before anything is timed; writes what they
     * hold into the report's workload.
     */
    static InfluxLines.Encoded encode(Configuration benchConf, Report report) {
        InfluxLines.Encoded input = InfluxLines.encode(Workloads.from(benchConf), benchConf.get(BenchOptions.VM_BATCH_POINTS));
        report.workload.put("line_protocol_bytes", input.bytes());
        report.workload.put("line_protocol_requests", input.bodies().size());
        return input;
    }

    /**
     * One run of VictoriaMetrics in a fresh storage in {@code dir}, returned for the caller to add
     * as a run of {@link #VARIANT}; what verification found goes into the report's failures, its
     * bytes on disk per point into the report's conditions.
     */
    static VictoriaMetricsPeer.Ingest measure(Report report, Path dir, InfluxLines.Encoded input, int round,
            int connections) throws Exception {
        VictoriaMetricsPeer.Ingest ingest = VictoriaMetricsPeer.measure(dir, input, connections);
        String label = round == 0 ? "warm-up" : "run " + round;
        System.out.printf("%s %s: %.2f s, %,.0f points/s, CPU %.2f s (client %.2f s), peak RSS %d MB,"
                        + " %.2f bytes/point on disk, load %.1f%n", VARIANT, label, ingest.seconds(),
                ingest.pointsPerSecond(), ingest.vmCpuSeconds(), ingest.clientCpuSeconds(),
                ingest.peakRssBytes() >> 20, ingest.diskBytesPerPoint(), ingest.loadAverage());
        if (round > 0) {
            report.conditions.put(VARIANT + "_disk_bytes_per_point_run_" + round,
                    Math.round(ingest.diskBytesPerPoint() * 100) / 100.0);
        }
        ingest.failures().forEach(f -> report.failures.add(VARIANT + " " + label + ": " + f));
        return ingest;
    }
}
