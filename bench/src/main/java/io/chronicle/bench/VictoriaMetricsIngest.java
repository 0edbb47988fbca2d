package io.chronicle.bench;

import org.apache.flink.configuration.Configuration;

import java.nio.file.Path;

/**
 * VictoriaMetrics as a variant of the ingest suite: the same workload points as the Chronicle
 * variants read from Kafka, posted to it as Influx line protocol, each run into a fresh storage
 * and verified by reading every sample back (see {@link VictoriaMetricsSuite#measure}).
 */
final class VictoriaMetricsIngest implements Variant {

    static final String NAME = VictoriaMetricsSuite.VARIANT;

    private final Report report;
    private final Configuration benchConf;
    private final Path dir;
    private VictoriaMetricsPeer.Ingest last;

    VictoriaMetricsIngest(Report report, Configuration benchConf) {
        this.report = report;
        this.benchConf = benchConf;
        this.dir = Path.of(benchConf.get(BenchOptions.WORK_DIR)).toAbsolutePath().resolve(NAME);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The latest run, whose bytes on disk the storage table shows; null before the first. */
    VictoriaMetricsPeer.Ingest last() {
        return last;
    }

    /**
     * Encodes the points as request bodies, untimed, then measures one ingestion of them. The
     * bodies are encoded again each run rather than kept: held between runs, they would sit in
     * the heap the Chronicle variants' figures measure.
     */
    @Override
    public Report.Run run(int round) throws Exception {
        InfluxLines.Encoded input = VictoriaMetricsSuite.encode(benchConf, report);
        last = VictoriaMetricsSuite.measure(report, dir.resolve("run-" + round), input, round,
                benchConf.get(BenchOptions.VM_CONNECTIONS));
        return last.toRun(NAME, round);
    }
}
