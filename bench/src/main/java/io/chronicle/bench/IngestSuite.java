package io.chronicle.bench;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.PointFormat;
import io.chronicle.core.RollupPolicy;
import io.chronicle.workload.Swarm;
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
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * How fast Chronicle ingests against the ceiling of this machine and against a peer, over one
 * Kafka topic holding the workload's points and one holding the swarm's lifecycle events: a bare
 * loop that polls and parses every point with no Flink (the limit), the ingest job writing
 * {@code points_raw}, the ingest job with its rollup tiers, views and alerts, and VictoriaMetrics
 * taking the same points; then what a point costs on storage in each table, as written and after
 * a rewrite of the table's data files, beside what it costs VictoriaMetrics. Variants alternate
 * run by run, each job run into tables of its own.
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
    /**
     * The JIT compiler threads' part of the sustained CPU: compiling the code a run of seconds
     * executes, which a job running for months pays once at its start.
     */
    static final String SUSTAINED_JIT_CPU_NS = "sustained_jit_cpu_ns_per_point";
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
    static final String EVENTS_PER_S = "events_per_s";
    static final String SUSTAINED_EVENTS = "sustained_events_per_s";
    static final String ALERTS_ROWS = "alerts_rows";
    /** From submission until every job of the variant had committed offsets at the end of what it reads. */
    static final String CAUGHT_UP_MS = "caught_up_ms";
    /** CPU per point until then: all the variant's work, in one job or several. */
    static final String CAUGHT_UP_CPU_NS = "caught_up_cpu_ns_per_point";
    /** The JIT compiler threads' part of it, as {@link #SUSTAINED_JIT_CPU_NS} is of the sustained CPU. */
    static final String CAUGHT_UP_JIT_CPU_NS = "caught_up_jit_cpu_ns_per_point";

    /**
     * What every variant reads and is checked against: the topics, the records of the points topic
     * ({@code points}: the workload's and one end point per partition), what the swarm's events in
     * the events topic hold, the rows each rollup tier must hold by table, and the alert rules file.
     */
    record Input(String pointsTopic, int partitions, long points, long workloadPoints, Swarm.Summary swarm,
            Map<String, Long> tierRows, Path rulesFile, Map<String, String> readOptions) {

        /** {@code conf} reading the points topic in its format. */
        Configuration reading(Configuration conf) {
            conf.addAll(Configuration.fromMap(readOptions));
            return conf;
        }

        /** The events in the events topic, each with an id of its own. */
        long events() {
            return swarm.events();
        }
    }

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public String description() {
        return "Ingest rate end to end (Kafka to points_raw in Iceberg, exactly-once, swarm events"
                + " beside) against a bare poll-and-parse loop on the same topic and against VictoriaMetrics"
                + " taking the same points, with and without the tiers, views and alerts; bytes per point";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.POINTS, BenchOptions.SERIES, BenchOptions.TENANTS, BenchOptions.SAMPLE_INTERVAL,
                BenchOptions.OUT_OF_ORDER_SHARE, BenchOptions.MAX_DELAY, BenchOptions.SEED, BenchOptions.PARTITIONS,
                BenchOptions.TRACES, BenchOptions.AGENTS, BenchOptions.TRACES_PER_SECOND, BenchOptions.PARALLELISM,
                BenchOptions.CHECKPOINT_INTERVAL, BenchOptions.VM_CONNECTIONS, BenchOptions.VM_BATCH_POINTS,
                BenchOptions.INGEST_FORMAT, BenchOptions.FORMAT_BATCH_POINTS, BenchOptions.RUNS, BenchOptions.WARMUP, BenchOptions.VARIANTS, BenchOptions.WORK_DIR,
                BenchOptions.RESULTS_DIR);
    }

    /** The variants by name: the two baselines, the limit and the peer, and Chronicle's two. */
    private static Map<String, VariantFactory> variants() {
        Map<String, VariantFactory> variants = new LinkedHashMap<>();
        variants.put(IngestLimit.NAME, (env, input, conf, report, options) ->
                new IngestLimit(env, input, conf.get(BenchOptions.PARALLELISM)));
        variants.put(ChronicleIngest.POINTS_ONLY, (env, input, conf, report, options) -> new ChronicleIngest(env, input,
                ChronicleIngest.Mode.POINTS_ONLY, conf.get(BenchOptions.CHECKPOINT_INTERVAL), options));
        variants.put(ChronicleIngest.FULL, (env, input, conf, report, options) -> new ChronicleIngest(env, input,
                ChronicleIngest.Mode.FULL, conf.get(BenchOptions.CHECKPOINT_INTERVAL), options));
        variants.put(ChronicleIngest.SPLIT, (env, input, conf, report, options) -> new ChronicleIngest(env, input,
                ChronicleIngest.Mode.SPLIT, conf.get(BenchOptions.CHECKPOINT_INTERVAL), options));
        variants.put(VictoriaMetricsIngest.NAME, (env, input, conf, report, options) -> new VictoriaMetricsIngest(report, conf));
        return variants;
    }

    @FunctionalInterface
    private interface VariantFactory {
        Variant create(BenchEnvironment env, Input input, Configuration benchConf, Report report, VariantOptions options);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        List<String> named = benchConf.get(BenchOptions.VARIANTS);
        Map<String, VariantFactory> known = variants();
        List<String> bases = new ArrayList<>();
        List<VariantOptions> variantOptions = new ArrayList<>();
        for (int i = 0; i < named.size(); i++) {
            VariantOptions options = VariantOptions.parse(BenchOptions.VARIANTS.key(), named.get(i), i);
            String variant = options.base();
            if (!known.containsKey(variant)) {
                throw new IllegalArgumentException("Invalid value for option '" + BenchOptions.VARIANTS.key()
                        + "': unknown variant '" + variant + "'; known: " + String.join(", ", known.keySet()));
            }
            if (!options.conf().toMap().isEmpty() && !variant.startsWith(ChronicleIngest.POINTS_ONLY)) {
                throw new IllegalArgumentException("Invalid value for option '" + BenchOptions.VARIANTS.key()
                        + "': variant '" + variant + "' takes no Chronicle options");
            }
            bases.add(variant);
            variantOptions.add(options);
        }
        PointFormat format = PointFormat.of(BenchOptions.INGEST_FORMAT.key(), benchConf.get(BenchOptions.INGEST_FORMAT));
        if (format != PointFormat.CHRONICLE_JSON && bases.contains(VictoriaMetricsIngest.NAME)) {
            throw new IllegalArgumentException("Option '" + BenchOptions.INGEST_FORMAT.key() + "' " + format
                    + ": variant " + VictoriaMetricsIngest.NAME + " takes Chronicle's JSON only");
        }
        Map<String, String> readOptions = format == PointFormat.CHRONICLE_JSON ? Map.of()
                : FormatsSuite.readingConf(Map.of(TOPIC, format.code())).toMap();
        Workload workload = Workloads.from(benchConf);
        Swarm swarm = Workloads.swarm(benchConf);
        Configuration defaults = new Configuration();
        Duration lateness = defaults.get(ChronicleOptions.ROLLUP_ALLOWED_LATENESS);
        if (workload.maxDisorder().compareTo(lateness) >= 0) {
            throw new IllegalArgumentException("Options '" + BenchOptions.MAX_DELAY.key() + "' and '"
                    + BenchOptions.SAMPLE_INTERVAL.key() + "' let points fall " + workload.maxDisorder().toSeconds()
                    + " s behind, beyond Chronicle's allowed lateness of " + lateness.toSeconds() + " s");
        }
        Duration grace = defaults.get(ChronicleOptions.TRACES_TERMINAL_GRACE);
        if (swarm.maxDisorder().compareTo(grace) >= 0) {
            throw new IllegalArgumentException("Option '" + BenchOptions.MAX_DELAY.key() + "' lets events fall "
                    + swarm.maxDisorder().toSeconds() + " s behind, beyond Chronicle's "
                    + ChronicleOptions.TRACES_TERMINAL_GRACE.key() + " of " + grace.toSeconds() + " s");
        }
        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), IngestLimit.NAME);
        // Each run's figures and counts are printed as it ends; the suite's table summarizes them.
        report.printRuns = false;
        if (bases.contains(VictoriaMetricsIngest.NAME)) {
            report.machine.put(VictoriaMetricsIngest.NAME, VictoriaMetricsPeer.packageVersion());
        }
        int partitions = benchConf.get(BenchOptions.PARTITIONS);
        long workloadPoints = benchConf.get(BenchOptions.POINTS);
        List<RollupPolicy.Tier> tiers = RollupPolicy.from(defaults).chain();
        Map<String, Long> tierRows = new LinkedHashMap<>();
        tiers.forEach(t -> tierRows.put(t.tableName(), workload.windows(Duration.ofNanos(t.micros() * 1_000))));

        List<Map<String, Object>> storage = new ArrayList<>();
        Swarm.Summary events;
        try (BenchEnvironment env = BenchEnvironment.start(benchConf)) {
            createTopics(env, partitions);
            System.out.printf("Producing %,d points into %d partitions ...%n", workloadPoints, partitions);
            long start = System.nanoTime();
            Formatted formatted = new Formatted(format, benchConf.get(BenchOptions.FORMAT_BATCH_POINTS), partitions);
            Workload.Summary summary = formatted.produce(env, workload);
            long endMillis = workload.eventMillisAfter(workloadPoints) + benchConf.get(BenchOptions.SAMPLE_INTERVAL).toMillis()
                    + tiers.get(tiers.size() - 1).micros() / 1_000 + lateness.toMillis() + Duration.ofMinutes(1).toMillis();
            // One more than a partition's watermark passes over as outliers.
            int endsPerPartition = defaults.get(ChronicleOptions.INGEST_WATERMARK_OUTLIERS) + 1;
            produceEnds(env, formatted, endsPerPartition, endMillis);
            System.out.printf("Producing the swarm's events of %,d traces ...%n", benchConf.get(BenchOptions.TRACES));
            events = produceEvents(env, swarm, defaults.get(ChronicleOptions.TOPIC_EVENTS), partitions);
            report.workload.put("summary", summary);
            report.workload.put("format", format.code());
            report.workload.put("produce_seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
            report.workload.put("end_points", (long) partitions * endsPerPartition);
            report.workload.put("events", events);
            report.workload.put("expected_tier_rows", tierRows);
            Path rules = Path.of(benchConf.get(BenchOptions.WORK_DIR)).toAbsolutePath().resolve(RULES_FILE);
            Files.writeString(rules, RULES);
            report.workload.put("alert_rules", RULES);
            Input input = new Input(TOPIC, partitions, workloadPoints + (long) partitions * endsPerPartition,
                    workloadPoints, events, tierRows, rules, readOptions);

            List<Variant> selected = new ArrayList<>();
            for (int i = 0; i < bases.size(); i++) {
                selected.add(known.get(bases.get(i)).create(env, input, benchConf, report, variantOptions.get(i)));
            }
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
            VictoriaMetricsPeer.Ingest peer = selected.stream()
                    .filter(VictoriaMetricsIngest.class::isInstance).map(v -> ((VictoriaMetricsIngest) v).last())
                    .filter(Objects::nonNull).findFirst().orElse(null);
            for (Variant variant : selected) {
                // The split jobs write the same tables as chronicle-full.
                if (variant instanceof ChronicleIngest chronicle && chronicle.mode() != ChronicleIngest.Mode.SPLIT) {
                    storage.addAll(measureStorage(env, chronicle, input, benchConf, report,
                            peer == null ? Double.NaN : peer.diskBytesPerPoint()));
                }
            }
            // Last, so the table's columns come in the order of Chronicle's rows, which have them all.
            if (peer != null) {
                storage.add(peerStorageRow(VictoriaMetricsIngest.NAME, peer.points(), peer.diskBytes()));
            }
        }
        report.tables.add(new Report.Table("ingest: medians of the measured runs; ÷ limit, ÷ VM: ratios to the"
                + " medians of " + IngestLimit.NAME + " and " + VictoriaMetricsIngest.NAME, summary(report.runs, named)));
        report.tables.add(new Report.Table("storage: data files of each table as written, then after a rewrite"
                + " (compaction) of the table's data files; " + VictoriaMetricsIngest.NAME + ": its data and index once"
                + " stopped",
                storage));
        notes(report);
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
     * Ends each partition with {@code perPartition} points of its own series at {@code eventMillis},
     * past the end of every window of the workload plus the allowed lateness: the partition's
     * watermark moves past them all, so the job writes every tier row of the workload while it
     * reads on, as it would if more traffic followed. The end points' own windows stay open.
     */
    private static void produceEnds(BenchEnvironment env, Formatted formatted, int perPartition, long eventMillis) {
        try (KafkaProducer<byte[], byte[]> producer = env.batchingProducer()) {
            for (int p = 0; p < formatted.partitions; p++) {
                String json = "{\"metric\":\"" + END_METRIC + "\",\"tags\":{\"partition\":\"" + p + "\"},"
                        + "\"value\":0,\"timestamp\":" + eventMillis + "}";
                for (int i = 0; i < perPartition; i++) {
                    for (byte[] record : formatted.records(json.getBytes(StandardCharsets.UTF_8))) {
                        producer.send(new ProducerRecord<>(TOPIC, p, null, record));
                    }
                }
            }
            producer.flush();
        }
    }

    /**
     * The points topic's records in its format: Chronicle's JSON as the workload writes it; any
     * other, the workload's JSON points read back, then each partition's points, in order, encoded
     * as the format's producer sends them ({@link FormatsSuite#encode}).
     */
    private static final class Formatted {
        final PointFormat format;
        final int batch;
        final int partitions;
        private final InfluxLines reader = new InfluxLines();

        Formatted(PointFormat format, int batch, int partitions) {
            this.format = format;
            this.batch = batch;
            this.partitions = partitions;
        }

        Workload.Summary produce(BenchEnvironment env, Workload workload) {
            if (format == PointFormat.CHRONICLE_JSON) {
                return env.produce(workload, TOPIC, partitions);
            }
            List<List<MetricPoint>> byPartition = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                byPartition.add(new ArrayList<>());
            }
            Workload.Summary summary = workload.generate((series, json) ->
                    byPartition.get(series % partitions).add(reader.point(json)));
            try (KafkaProducer<byte[], byte[]> producer = env.batchingProducer()) {
                for (int p = 0; p < partitions; p++) {
                    for (byte[] record : FormatsSuite.encode(format, byPartition.get(p), batch)) {
                        producer.send(new ProducerRecord<>(TOPIC, p, null, record));
                    }
                }
                producer.flush();
            }
            return summary;
        }

        /** One JSON point as the topic's records: itself in Chronicle's JSON. */
        List<byte[]> records(byte[] json) {
            return format == PointFormat.CHRONICLE_JSON ? List.of(json)
                    : FormatsSuite.encode(format, List.of(reader.point(json)), batch);
        }
    }

    /**
     * Fills the events topic that the events table and the traces and agent_metrics views read
     * with the swarm's events, the records of a trace or an agent in one partition, in the order
     * the generator delivers them; returns what they hold.
     */
    private static Swarm.Summary produceEvents(BenchEnvironment env, Swarm swarm, String topic, int partitions) {
        try (KafkaProducer<byte[], byte[]> producer = env.batchingProducer()) {
            Swarm.Summary summary = swarm.generate((key, json) ->
                    producer.send(new ProducerRecord<>(topic, key % partitions, null, json)));
            producer.flush();
            return summary;
        }
    }

    /** What each count of a run must be; counts not named here are figures, not checked. */
    private static Map<String, Long> expected(Input input, List<RollupPolicy.Tier> tiers) {
        Map<String, Long> expected = new LinkedHashMap<>();
        expected.put(PARSED, input.points());
        expected.put(REJECTED, 0L);
        expected.put(POINTS_RAW_ROWS, input.points());
        expected.put(EVENTS_ROWS, input.events());
        expected.putAll(SwarmViews.expected(input.swarm()));
        expected.putAll(input.tierRows().entrySet().stream().collect(LinkedHashMap::new,
                (m, e) -> m.put(rowsOf(e.getKey()), e.getValue()), Map::putAll));
        expected.put(samplesOf(tiers.get(0).tableName()), input.workloadPoints());
        return expected;
    }

    static String rowsOf(String table) {
        return table + "_rows";
    }

    /** Rows in the data files of a view's current snapshot, superseded ones included. */
    static String storedRowsOf(String table) {
        return table + "_stored_rows";
    }

    /** Delete rows (equality and position) in a view's current snapshot, which a reader applies. */
    static String storedDeletesOf(String table) {
        return table + "_stored_deletes";
    }

    static String samplesOf(String table) {
        return table + "_samples";
    }

    /** Records every count of the run that differs from what the input implies. */
    private static void check(Report report, Report.Run run, Map<String, Long> expected) {
        mismatches(run.counts(), expected).forEach(m -> report.failures.add(run.variant() + " round " + run.round()
                + ": " + m));
    }

    /** Each count that differs from its expected value, as "name count, expected value"; counts not expected pass. */
    static List<String> mismatches(Map<String, Long> counts, Map<String, Long> expected) {
        List<String> mismatches = new ArrayList<>();
        counts.forEach((name, count) -> {
            Long want = expected.get(name);
            if (want != null && want.longValue() != count) {
                mismatches.add(name + " " + count + ", expected " + want);
            }
        });
        return mismatches;
    }

    /**
     * Bytes per point of the latest run's {@code points_raw} and rollup tiers: their data files as
     * the job wrote them, then after Iceberg's rewrite of the data files (run on the bench's
     * cluster), which must keep every row; {@code points_raw}'s beside the peer's
     * {@code peerBytesPerPoint} (NaN without the peer).
     */
    private static List<Map<String, Object>> measureStorage(BenchEnvironment env, ChronicleIngest variant,
            Input input, Configuration benchConf, Report report, double peerBytesPerPoint) throws Exception {
        String namespace = variant.lastNamespace();
        List<Map<String, Object>> rows = new ArrayList<>();
        if (namespace == null) {
            return rows;
        }
        Configuration conf = variant.conf(namespace);
        Configuration rewriteConf = env.jobConf(conf, namespace + "_rewrite");
        // Iceberg's rewrite job names its own operators.
        rewriteConf.set(PipelineOptions.AUTO_GENERATE_UIDS, true);
        String pointsRaw = ChronicleTable.POINTS_RAW.tableName();
        List<String> tables = new ArrayList<>(List.of(pointsRaw));
        if (variant.mode() == ChronicleIngest.Mode.FULL) {
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
                boolean raw = name.equals(pointsRaw);
                rows.add(storageRow(namespace + "." + name, raw ? input.points() : input.workloadPoints(), written,
                        compacted, raw ? peerBytesPerPoint : Double.NaN));
            }
        }
        return rows;
    }

    /**
     * One row of the storage table: what the table's files cost per row and per input point, and
     * per point against the peer's {@code peerBytesPerPoint} where the table holds the same points
     * (NaN: no such column).
     */
    static Map<String, Object> storageRow(String table, long points, TableFiles written, TableFiles compacted,
            double peerBytesPerPoint) {
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
        if (!Double.isNaN(peerBytesPerPoint)) {
            row.put("B/point ÷ VM", written.bytesPer(points) / peerBytesPerPoint);
            row.put("B/point compacted ÷ VM", compacted.bytesPer(points) / peerBytesPerPoint);
        }
        return row;
    }

    /** The peer's row of the storage table: its data and index on disk once stopped, per point stored. */
    static Map<String, Object> peerStorageRow(String name, long points, long diskBytes) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("table", name);
        row.put("rows", points);
        row.put("input points", points);
        row.put("bytes", diskBytes);
        row.put("B/row", (double) diskBytes / points);
        row.put("B/point", (double) diskBytes / points);
        return row;
    }

    /** The medians of a baseline's measured runs that other variants' figures are divided by. */
    record Baseline(double rate, double cpuMicrosPerPoint, double cpuWithoutJitMicrosPerPoint) {

        static Baseline of(List<Report.Run> runs) {
            return new Baseline(median(runs, Report.Run::pointsPerSecond), median(runs, Report.Run::cpuMicrosPerPoint),
                    median(runs, IngestSuite::sustainedCpuWithoutJit));
        }
    }

    /** The sustained CPU µs per point less the JIT compiler's part; NaN where either is missing. */
    private static double sustainedCpuWithoutJit(Report.Run run) {
        return (count(run, SUSTAINED_CPU_NS) - count(run, SUSTAINED_JIT_CPU_NS)) / 1_000;
    }

    /**
     * One row per variant, in the order run: medians of its measured runs, and the ratios of its
     * rates and CPU to the limit's ({@code ÷ limit}) and to VictoriaMetrics' ({@code ÷ VM}); a
     * sustained rate or CPU is divided by the baseline's whole-run figure, as a baseline has no
     * checkpoints. Figures a variant does not report, and ratios to a baseline not run, are blank.
     */
    static List<Map<String, Object>> summary(List<Report.Run> runs, List<String> variants) {
        Baseline limit = Baseline.of(measured(runs, IngestLimit.NAME));
        Baseline peer = Baseline.of(measured(runs, VictoriaMetricsIngest.NAME));
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
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("variant", variant);
            row.put("runs", list.size());
            row.put("points/s", rate);
            row.put("÷ limit", rate / limit.rate());
            row.put("÷ VM", rate / peer.rate());
            row.put("sustained points/s", sustained);
            row.put("sustained ÷ limit", sustained / limit.rate());
            row.put("sustained ÷ VM", sustained / peer.rate());
            row.put("events/s", median(list, r -> count(r, EVENTS_PER_S)));
            row.put("sustained events/s", median(list, r -> count(r, SUSTAINED_EVENTS)));
            row.put("CPU s", median(list, r -> r.times().cpuSeconds()));
            row.put("CPU µs/point", cpu);
            row.put("CPU ÷ limit", cpu / limit.cpuMicrosPerPoint());
            row.put("CPU ÷ VM", cpu / peer.cpuMicrosPerPoint());
            row.put("sustained CPU µs/point", sustainedCpu);
            row.put("sustained CPU ÷ limit", sustainedCpu / limit.cpuMicrosPerPoint());
            row.put("sustained CPU ÷ VM", sustainedCpu / peer.cpuMicrosPerPoint());
            double withoutJit = median(list, IngestSuite::sustainedCpuWithoutJit);
            row.put("sustained JIT µs/point", median(list, r -> count(r, SUSTAINED_JIT_CPU_NS) / 1_000));
            row.put("sustained CPU without JIT µs/point", withoutJit);
            row.put("without JIT ÷ limit", withoutJit / limit.cpuWithoutJitMicrosPerPoint());
            row.put("caught up s", median(list, r -> count(r, CAUGHT_UP_MS) / 1_000));
            row.put("caught-up CPU µs/point", median(list, r -> count(r, CAUGHT_UP_CPU_NS) / 1_000));
            row.put("caught-up CPU without JIT µs/point",
                    median(list, r -> (count(r, CAUGHT_UP_CPU_NS) - count(r, CAUGHT_UP_JIT_CPU_NS)) / 1_000));
            row.put("heap MB", median(list, r -> count(r, HEAP_MB)));
            row.put("heap after GC MB", median(list, r -> count(r, HEAP_AFTER_GC_MB)));
            row.put("checkpoints", median(list, r -> r.times().checkpoints()));
            row.put("ckpt p50 ms", median(list, r -> count(r, CHECKPOINT_P50_MS)));
            row.put("ckpt max ms", median(list, r -> count(r, CHECKPOINT_MAX_MS)));
            row.put("ckpt state KB", median(list, r -> count(r, CHECKPOINT_STATE_BYTES) / 1024));
            row.put("ckpt written KB", median(list, r -> count(r, CHECKPOINTED_BYTES) / 1024));
            row.put("commits", median(list, r -> count(r, COMMITS)));
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

    /** Where the variants and the figures are explained; the report itself holds the figures. */
    private static void notes(Report report) {
        report.notes.add("what the variants do and what each figure means: bench/README.md, section Ingest");
    }
}
