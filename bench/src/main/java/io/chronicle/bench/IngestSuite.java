package io.chronicle.bench;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.workload.Workload;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.flink.actions.Actions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * How fast Chronicle ingests against the ceiling of this machine, over one Kafka topic holding
 * the workload: a bare loop that polls and parses every record with no Flink (the limit), the
 * ingest job writing {@code points_raw}, and the ingest job with its rollup tiers, views and
 * alerts; then what a point costs on storage in each table, as written and after a rewrite of the
 * table's data files. Variants alternate run by run, each job run into tables of its own.
 */
final class IngestSuite implements Suite {

    static final String TOPIC = "bench-points";
    /** A metric of its own for the point that ends each partition; see {@link #produceEnds}. */
    static final String END_METRIC = "bench_end_of_input";
    static final String RULES_FILE = "ingest-rules.yaml";
    /** Two threshold rules over the workload's metrics for chronicle-full: one with a for, one without. */
    private static final String RULES = """
            rules:
              - name: BenchHighCpu
                selector: 'cpu_usage_percent{env="prod"}'
                threshold: {above: 60}
                for: 1m
              - name: BenchQueueDepth
                selector: 'queue_depth'
                threshold: {above: 80}
                for: 0s
            """;

    // Per-run figures and counts, in the JSON under each run's counts.
    static final String PARSED = "parsed";
    static final String SUSTAINED = "sustained_points_per_s";
    static final String SUSTAINED_CPU_NS = "sustained_cpu_ns_per_point";
    static final String HEAP_MB = "peak_heap_mb";
    static final String HEAP_AFTER_GC_MB = "peak_heap_after_gc_mb";
    static final String CHECKPOINT_P50_MS = "checkpoint_p50_ms";
    static final String CHECKPOINT_MAX_MS = "checkpoint_max_ms";
    static final String CHECKPOINT_STATE_BYTES = "checkpoint_state_bytes";
    static final String CHECKPOINTED_BYTES = "checkpointed_bytes";
    static final String COMMITS = "points_raw_commits";
    static final String DATA_FILES = "points_raw_data_files";
    static final String MAX_FILES_PER_COMMIT = "max_files_per_commit";
    static final String POINTS_RAW_ROWS = "points_raw_rows";
    static final String REJECTED = "rejected";
    static final String EVENTS_ROWS = "events_rows";
    static final String TRACES_ROWS = "traces_rows";
    static final String ALERTS_ROWS = "alerts_rows";

    /**
     * What every variant reads and is checked against: the topics, the records of the points topic
     * ({@code points}: the workload's and one end point per partition), the events produced, the
     * rows each rollup tier must hold by table, and the alert rules file.
     */
    record Input(String pointsTopic, int partitions, long points, long workloadPoints, long events,
            Map<String, Long> tierRows, Path rulesFile) {}

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public String description() {
        return "Ingest rate end to end (Kafka to points_raw in Iceberg, exactly-once) against a bare"
                + " poll-and-parse loop on the same topic, with and without the tiers, views and alerts;"
                + " bytes per point as written and after compaction";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.POINTS, BenchOptions.SERIES, BenchOptions.TENANTS, BenchOptions.SAMPLE_INTERVAL,
                BenchOptions.OUT_OF_ORDER_SHARE, BenchOptions.MAX_DELAY, BenchOptions.SEED, BenchOptions.PARTITIONS,
                BenchOptions.PARALLELISM, BenchOptions.CHECKPOINT_INTERVAL, BenchOptions.RUNS, BenchOptions.WARMUP,
                BenchOptions.VARIANTS, BenchOptions.WORK_DIR, BenchOptions.RESULTS_DIR);
    }

    /** The variants by name: a peer (another system on the same input) is one more entry. */
    private static Map<String, VariantFactory> variants() {
        Map<String, VariantFactory> variants = new LinkedHashMap<>();
        variants.put(IngestLimit.NAME, (env, input, conf) -> new IngestLimit(env, input, conf.get(BenchOptions.PARALLELISM)));
        variants.put(ChronicleIngest.POINTS_ONLY, (env, input, conf) ->
                new ChronicleIngest(env, input, false, conf.get(BenchOptions.CHECKPOINT_INTERVAL)));
        variants.put(ChronicleIngest.FULL, (env, input, conf) ->
                new ChronicleIngest(env, input, true, conf.get(BenchOptions.CHECKPOINT_INTERVAL)));
        return variants;
    }

    @FunctionalInterface
    private interface VariantFactory {
        Variant create(BenchEnvironment env, Input input, Configuration benchConf);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        List<String> names = benchConf.get(BenchOptions.VARIANTS);
        Map<String, VariantFactory> known = variants();
        for (String variant : names) {
            if (!known.containsKey(variant)) {
                throw new IllegalArgumentException("Invalid value for option '" + BenchOptions.VARIANTS.key()
                        + "': unknown variant '" + variant + "'; known: " + String.join(", ", known.keySet()));
            }
        }
        Workload workload = Workloads.from(benchConf);
        Configuration defaults = new Configuration();
        Duration lateness = defaults.get(ChronicleOptions.ROLLUP_ALLOWED_LATENESS);
        if (workload.maxDisorder().compareTo(lateness) >= 0) {
            throw new IllegalArgumentException("Options '" + BenchOptions.MAX_DELAY.key() + "' and '"
                    + BenchOptions.SAMPLE_INTERVAL.key() + "' let points fall " + workload.maxDisorder().toSeconds()
                    + " s behind, beyond Chronicle's allowed lateness of " + lateness.toSeconds() + " s");
        }
        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), IngestLimit.NAME);
        int partitions = benchConf.get(BenchOptions.PARTITIONS);
        long workloadPoints = benchConf.get(BenchOptions.POINTS);
        List<RollupPolicy.Tier> tiers = RollupPolicy.from(defaults).chain();
        Map<String, Long> tierRows = new LinkedHashMap<>();
        tiers.forEach(t -> tierRows.put(t.tableName(), workload.windows(Duration.ofNanos(t.micros() * 1_000))));

        Map<String, Map<String, Object>> storage = new LinkedHashMap<>();
        long events;
        try (BenchEnvironment env = BenchEnvironment.start(benchConf)) {
            createTopics(env, partitions);
            System.out.printf("Producing %,d points into %d partitions ...%n", workloadPoints, partitions);
            long start = System.nanoTime();
            Workload.Summary summary = env.produce(workload, TOPIC, partitions);
            long endMillis = workload.eventMillisAfter(workloadPoints) + benchConf.get(BenchOptions.SAMPLE_INTERVAL).toMillis()
                    + tiers.get(tiers.size() - 1).micros() / 1_000 + lateness.toMillis() + Duration.ofMinutes(1).toMillis();
            produceEnds(env, partitions, endMillis);
            events = produceEvents(env, defaults.get(ChronicleOptions.TOPIC_EVENTS), partitions);
            report.workload.put("summary", summary);
            report.workload.put("produce_seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
            report.workload.put("end_points", partitions);
            report.workload.put("events", events);
            report.workload.put("expected_tier_rows", tierRows);
            Path rules = Path.of(benchConf.get(BenchOptions.WORK_DIR)).toAbsolutePath().resolve(RULES_FILE);
            Files.writeString(rules, RULES);
            report.workload.put("alert_rules", RULES);
            Input input = new Input(TOPIC, partitions, workloadPoints + partitions, workloadPoints, events, tierRows, rules);

            List<Variant> selected = new ArrayList<>();
            names.forEach(n -> selected.add(known.get(n).create(env, input, benchConf)));
            for (int round = benchConf.get(BenchOptions.WARMUP) ? 0 : 1; round <= benchConf.get(BenchOptions.RUNS); round++) {
                for (Variant variant : selected) {
                    Report.Run run = variant.run(round);
                    System.out.printf("%s %s: %.1f s, %,.0f points/s, %.1f CPU µs/point %s%n", variant.name(),
                            run.warmup() ? "warm-up" : "run " + round, run.times().seconds(), run.pointsPerSecond(),
                            run.cpuMicrosPerPoint(), run.counts());
                    report.runs.add(run);
                    check(report, run, expected(input, tiers));
                }
            }
            for (Variant variant : selected) {
                if (variant instanceof ChronicleIngest chronicle) {
                    storage.putAll(measureStorage(env, chronicle, input, benchConf, report));
                }
            }
        }
        report.tables.add(new Report.Table("ingest: medians of the measured runs, ratios to " + IngestLimit.NAME,
                summary(report.runs, names)));
        report.tables.add(new Report.Table("storage: data files of each table as written, then after a rewrite"
                + " (compaction) of the table's data files", new ArrayList<>(storage.values())));
        notes(report, events);
        return report;
    }


    private static void createTopics(BenchEnvironment env, int partitions) {
        Configuration defaults = new Configuration();
        env.kafka().createTopic(TOPIC, partitions, false);
        env.kafka().createTopic(defaults.get(ChronicleOptions.TOPIC_EVENTS), partitions, false);
        env.kafka().createTopic(defaults.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        env.kafka().createTopic(defaults.get(ChronicleOptions.TOPIC_RULES), 1, true);
        env.kafka().createTopic(defaults.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
        env.kafka().createTopic(defaults.get(ChronicleOptions.TOPIC_ALERTS), 1, false);
    }

    /**
     * Ends each partition with one point of its own series at {@code eventMillis}, past the end of
     * every window of the workload plus the allowed lateness: the partition's watermark moves past
     * them all, so the job writes every tier row of the workload while it reads on, as it would if
     * more traffic followed. The end points' own windows stay open.
     */
    private static void produceEnds(BenchEnvironment env, int partitions, long eventMillis) {
        try (KafkaProducer<byte[], byte[]> producer = env.batchingProducer()) {
            for (int p = 0; p < partitions; p++) {
                String json = "{\"metric\":\"" + END_METRIC + "\",\"tags\":{\"partition\":\"" + p + "\"},"
                        + "\"value\":0,\"timestamp\":" + eventMillis + "}";
                producer.send(new ProducerRecord<>(TOPIC, p, null, json.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }

    /**
     * Fills the events topic that the traces and agent_metrics views read; returns how many
     * events it holds. The seeded workload has no swarm lifecycle events yet, so the topic stays
     * empty and the views run idle beside the points.
     */
    private static long produceEvents(BenchEnvironment env, String topic, int partitions) {
        return 0;
    }

    /** What each count of a run must be; counts not named here are figures, not checked. */
    private static Map<String, Long> expected(Input input, List<RollupPolicy.Tier> tiers) {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put(PARSED, input.points());
        expected.put(REJECTED, 0L);
        expected.put(POINTS_RAW_ROWS, input.points());
        expected.put(EVENTS_ROWS, input.events());
        expected.putAll(input.tierRows().entrySet().stream().collect(LinkedHashMap::new,
                (m, e) -> m.put(rowsOf(e.getKey()), e.getValue()), Map::putAll));
        expected.put(samplesOf(tiers.get(0).tableName()), input.workloadPoints());
        return expected;
    }

    static String rowsOf(String table) {
        return table + "_rows";
    }

    static String samplesOf(String table) {
        return table + "_samples";
    }

    /** Records every count of the run that differs from what the input implies. */
    private static void check(Report report, Report.Run run, Map<String, Long> expected) {
        run.counts().forEach((name, count) -> {
            Long want = expected.get(name);
            if (want != null && want.longValue() != count) {
                report.failures.add(run.variant() + " round " + run.round() + ": " + name + " " + count
                        + ", expected " + want);
            }
        });
    }

    /**
     * Bytes per point of the latest run's {@code points_raw} and rollup tiers: their data files as
     * the job wrote them, then after Iceberg's rewrite of the data files (run on the bench's
     * cluster), which must keep every row.
     */
    private static Map<String, Map<String, Object>> measureStorage(BenchEnvironment env, ChronicleIngest variant,
            Input input, Configuration benchConf, Report report) throws Exception {
        String namespace = variant.lastNamespace();
        Map<String, Map<String, Object>> rows = new LinkedHashMap<>();
        if (namespace == null) {
            return rows;
        }
        Configuration conf = variant.conf(namespace);
        Configuration rewriteConf = env.jobConf(conf, namespace + "_rewrite");
        // Iceberg's rewrite job names its own operators.
        rewriteConf.set(PipelineOptions.AUTO_GENERATE_UIDS, true);
        List<String> tables = new ArrayList<>(List.of(ChronicleTable.POINTS_RAW.tableName()));
        if (ChronicleIngest.FULL.equals(variant.name())) {
            tables.addAll(input.tierRows().keySet());
        }
        try (IcebergCounts counts = new IcebergCounts(ChronicleCatalogLoader.from(conf), namespace)) {
            for (String name : tables) {
                Table table = counts.table(name);
                TableFiles written = TableFiles.of(table);
                System.out.printf("Rewriting %s.%s (%d data files) ...%n", namespace, name, written.files());
                Actions.forTable(new StreamExecutionEnvironment(rewriteConf), table).rewriteDataFiles().execute();
                TableFiles compacted = TableFiles.of(table);
                if (compacted.rows() != written.rows()) {
                    report.failures.add(namespace + "." + name + ": " + compacted.rows() + " rows after the rewrite, "
                            + written.rows() + " before");
                }
                long points = name.equals(ChronicleTable.POINTS_RAW.tableName()) ? input.points() : input.workloadPoints();
                rows.put(namespace + "." + name, storageRow(namespace + "." + name, points, written, compacted));
            }
        }
        return rows;
    }

    /** One row of the storage table: what the table's files cost per row and per input point. */
    static Map<String, Object> storageRow(String table, long points, TableFiles written, TableFiles compacted) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("table", table);
        row.put("rows", written.rows());
        row.put("input points", points);
        row.put("files", written.files());
        row.put("bytes", written.bytes());
        row.put("B/row", written.bytesPerRow());
        row.put("B/point", written.bytesPer(points));
        row.put("files compacted", compacted.files());
        row.put("bytes compacted", compacted.bytes());
        row.put("B/row compacted", compacted.bytesPerRow());
        row.put("B/point compacted", compacted.bytesPer(points));
        row.put("compacted/written", written.bytes() == 0 ? Double.NaN : (double) compacted.bytes() / written.bytes());
        return row;
    }

    /**
     * One row per variant, in the order run: medians of its measured runs, and the ratios of its
     * rates and CPU to the limit's. Figures a variant does not report are left blank.
     */
    static List<Map<String, Object>> summary(List<Report.Run> runs, List<String> variants) {
        List<Report.Run> limit = measured(runs, IngestLimit.NAME);
        double limitRate = median(limit, Report.Run::pointsPerSecond);
        double limitCpu = median(limit, Report.Run::cpuMicrosPerPoint);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String variant : variants) {
            List<Report.Run> list = measured(runs, variant);
            if (list.isEmpty()) {
                continue;
            }
            double rate = median(list, Report.Run::pointsPerSecond);
            double sustained = median(list, r -> count(r, SUSTAINED));
            double cpu = median(list, Report.Run::cpuMicrosPerPoint);
            double sustainedCpu = median(list, r -> count(r, SUSTAINED_CPU_NS) / 1_000);
            double commits = median(list, r -> count(r, COMMITS));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("variant", variant);
            row.put("runs", list.size());
            row.put("points/s", rate);
            row.put("ratio", rate / limitRate);
            row.put("sustained points/s", sustained);
            row.put("sustained ratio", sustained / limitRate);
            row.put("CPU s", median(list, r -> r.times().cpuSeconds()));
            row.put("CPU µs/point", cpu);
            row.put("CPU ratio", cpu / limitCpu);
            row.put("sustained CPU µs/point", sustainedCpu);
            row.put("sustained CPU ratio", sustainedCpu / limitCpu);
            row.put("heap MB", median(list, r -> count(r, HEAP_MB)));
            row.put("heap after GC MB", median(list, r -> count(r, HEAP_AFTER_GC_MB)));
            row.put("checkpoints", median(list, r -> r.times().checkpoints()));
            row.put("ckpt p50 ms", median(list, r -> count(r, CHECKPOINT_P50_MS)));
            row.put("ckpt max ms", median(list, r -> count(r, CHECKPOINT_MAX_MS)));
            row.put("ckpt state KB", median(list, r -> count(r, CHECKPOINT_STATE_BYTES) / 1024));
            row.put("ckpt written KB", median(list, r -> count(r, CHECKPOINTED_BYTES) / 1024));
            row.put("commits", commits);
            row.put("files/commit", median(list, r -> count(r, DATA_FILES) / count(r, COMMITS)));
            rows.add(row);
        }
        return rows;
    }

    private static List<Report.Run> measured(List<Report.Run> runs, String variant) {
        return runs.stream().filter(r -> !r.warmup() && r.variant().equals(variant)).toList();
    }

    /** A count of the run as a double; NaN where the run has none. */
    private static double count(Report.Run run, String name) {
        Long value = run.counts().get(name);
        return value == null ? Double.NaN : value;
    }

    /** The median, or NaN where any run lacks the figure or there are none. */
    private static double median(List<Report.Run> runs, ToDoubleFunction<Report.Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        int n = sorted.length;
        if (n == 0 || Arrays.stream(sorted).anyMatch(Double::isNaN)) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void notes(Report report, long events) {
        report.notes.add("limit: " + "as many threads as the parallelism, each with its own Kafka consumer on its"
                + " share of the partitions (the job's consumer settings), turning every record into a point with"
                + " the job source's NormalizingDeserializer; no Flink, no output");
        report.notes.add("chronicle: the ingest job as deployed (RocksDB, exactly-once checkpoints at the"
                + " checkpoint interval, Iceberg commits on checkpoints) with rollups, views and alerts off:"
                + " points_raw, events and rejected, and the dead-letter topic; chronicle-full: the same job with"
                + " the rollup tiers, the traces and agent_metrics views and two threshold rules from a file");
        report.notes.add("points/s: the points over the time from job submission until the commit that completed"
                + " points_raw (for limit: the loop); sustained: the rate between the first and last checkpoint"
                + " taken while the topic was part read, from the rows each committed and when each was"
                + " triggered, so start-up and the wait for the last commit fall outside (blank with fewer than"
                + " two such checkpoints: raise --points or lower --checkpoint-interval)");
        report.notes.add("CPU: this process (Flink cluster, the loop, the benchmark's polling) until points_raw was"
                + " complete, not the Kafka broker or the S3 server; sustained CPU: the same over the sustained span"
                + " only, without the job's start; its ratio's inverse is the rate ratio to expect where both are"
                + " bound by the same cores; heap: this process's peak heap in use (sampled), and its peak left"
                + " after a collection");
        report.notes.add("ckpt: duration from trigger to completion; state: the whole state a checkpoint refers"
                + " to, written: the part it wrote (incremental); files/commit: data files each Iceberg commit"
                + " to points_raw added");
        report.notes.add("each partition ends with one point of " + END_METRIC + " past every window of the"
                + " workload, so the tiers write all their rows; the point counts include them");
        if (events == 0) {
            report.notes.add("no events: the seeded workload has no swarm lifecycle events yet, so the views run"
                    + " idle in chronicle-full");
        }
    }
}
