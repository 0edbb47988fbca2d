package io.chronicle.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.flink.actions.Actions;
import org.apache.kafka.clients.producer.KafkaProducer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A deployment's long life in compressed time: event time moves forward one simulated day per
 * {@code --day-length} of wall time, for {@code --days} days, into two deployments side by side
 * over the same topics, one with the maintenance job running and one without; retention applied
 * to both at every simulated midnight. After each day: every main table's files per partition,
 * snapshots and bytes in the bucket, and the times of fixed queries in Trino and in Flink SQL,
 * whose answers are checked against the input, across engines and across the two deployments.
 * At the end: what a point of {@code points_raw} costs once compacted, written several other ways,
 * beside VictoriaMetrics on the same kind of points.
 */
final class LifeSuite implements Suite {

    static final String TOPIC = "life-points";
    /** Jobs side by side on the cluster: two all-in-one jobs, the maintenance job, a query. */
    private static final int JOBS = 4;
    private static final Duration COMMIT_DEADLINE = Duration.ofMinutes(10);
    private static final Duration POLL = Duration.ofMillis(200);
    /** The retention of points_raw and of events (their defaults), in days; a day's figures compare days past them. */
    private static final int RAW_DAYS = 7;
    private static final int EVENT_DAYS = 30;
    private static final int TIER_QUERY_DAYS = 30;
    /** The figure the ingest suite measured for VictoriaMetrics on its points (15 s samples), when the peer is not installed. */
    static final String VM_INGEST_FIGURE = "3.16 B/point (ingest suite, 2026-12-01, 5,000 series sampled every 15 s)";
    private static final Path VICTORIA_METRICS = Path.of("/usr/bin/victoria-metrics");
    private static final ObjectMapper DAY_JSON = new ObjectMapper();

    @Override
    public String name() {
        return "life";
    }

    @Override
    public String description() {
        return "A deployment's long life in compressed time (a simulated day per --day-length), with and without"
                + " the maintenance job, retention at each simulated midnight: files per partition, snapshots, bytes"
                + " in S3 and fixed Trino and Flink SQL queries day by day; bytes per point of points_raw, written"
                + " several ways, beside VictoriaMetrics";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.DAYS, BenchOptions.POINTS_PER_DAY, BenchOptions.SERIES, BenchOptions.TENANTS,
                BenchOptions.SEED, BenchOptions.PARTITIONS, BenchOptions.TRACES_PER_DAY, BenchOptions.AGENTS,
                BenchOptions.TRACES_PER_SECOND, BenchOptions.OUT_OF_ORDER_SHARE, BenchOptions.MAX_DELAY,
                BenchOptions.PARALLELISM, BenchOptions.CHECKPOINT_INTERVAL, BenchOptions.DAY_LENGTH,
                BenchOptions.QUERY_RUNS, BenchOptions.QUERY_DAYS, BenchOptions.FLINK_QUERY_RUNS, BenchOptions.VM_CONNECTIONS, BenchOptions.VM_BATCH_POINTS,
                BenchOptions.WORK_DIR, BenchOptions.RESULTS_DIR);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        LifeWorkload workload = new LifeWorkload(benchConf);
        // Fails fast on a swarm the options cannot make (fewer agents than tenants).
        Workloads.swarm(benchConf);
        int days = benchConf.get(BenchOptions.DAYS);
        Duration dayLength = benchConf.get(BenchOptions.DAY_LENGTH);
        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), null);
        report.workload.put("sample_interval_s", LifeWorkload.sampleInterval(benchConf).toSeconds());
        report.workload.put("first_day", LifeWorkload.START.toString());
        report.workload.put("retention", Map.of("points_raw", RAW_DAYS + " d", "events", EVENT_DAYS + " d",
                LifeRun.TIER_RETENTION_TIER, LifeRun.TIER_RETENTION, "1h", "kept", "traces", "90 d"));
        Map<String, List<Map<String, Object>>> perDay = new LinkedHashMap<>();
        try (BenchEnvironment env = BenchEnvironment.start(benchConf, JOBS)) {
            createTopics(env, benchConf.get(BenchOptions.PARTITIONS));
            try (BenchTrino trino = BenchTrino.start(env);
                    LifeRun on = new LifeRun(env, "on", true, TOPIC, dayLength);
                    LifeRun off = new LifeRun(env, "off", false, TOPIC, dayLength)) {
                List<LifeRun> runs = List.of(on, off);
                for (LifeRun run : runs) {
                    run.start();
                    perDay.put(run.name, new ArrayList<>());
                }
                LifeQueries queries = new LifeQueries(trino, env, on.conf, benchConf.get(BenchOptions.PARALLELISM),
                        benchConf.get(BenchOptions.QUERY_RUNS), benchConf.get(BenchOptions.FLINK_QUERY_RUNS));
                String eventsTopic = on.conf.get(ChronicleOptions.TOPIC_EVENTS);
                long first = System.nanoTime();
                try (KafkaProducer<byte[], byte[]> producer = env.batchingProducer()) {
                    for (int day = 1; day <= days; day++) {
                        long due = first + dayLength.toNanos() * (day - 1);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            // The schedule of the simulated days, not a wait on a condition.
                            Thread.sleep(wait / 1_000_000);
                        }
                        try {
                            List<Integer> queryDays = benchConf.get(BenchOptions.QUERY_DAYS);
                            liveDay(report, runs, queryDays.isEmpty() || queryDays.contains(day) ? queries : null,
                                    workload, producer, eventsTopic, day, perDay);
                        } catch (Exception e) {
                            // The days measured so far still make a report, marked failed.
                            e.printStackTrace();
                            report.failures.add("day " + day + ": " + e);
                            break;
                        }
                    }
                }
                report.workload.put("points", workload.pointsProduced());
                report.workload.put("events", workload.eventsProduced());
                report.workload.put("wall_seconds", Math.round((System.nanoTime() - first) / 1e9));
                for (LifeRun run : runs) {
                    report.tables.add(new Report.Table("maintenance " + run.name + " (namespace " + run.namespace
                            + "), after each simulated day", perDay.get(run.name)));
                }
                report.tables.add(new Report.Table("curves: each figure on the first day past its table's retention"
                        + " (W) and on the last day, and the last day off ÷ on", LifeCurves.of(perDay.get(on.name),
                        perDay.get(off.name))));
            }
            // The jobs are stopped: the last rewrite and the variants have the tables to themselves.
            report.tables.add(new Report.Table("bytes per point of points_raw (the last " + RAW_DAYS
                    + " days' points)", storage(env, benchConf, report, workload)));
        }
        report.notes.add("how the simulation differs from production and what each figure means: bench/README.md,"
                + " section Long life");
        return report;
    }

    /**
     * One simulated day: its points and events produced, committed by both runs, retention at its
     * midnight, then each run's figures and, unless {@code queries} is null, its queries; a row for
     * each run.
     */
    private static void liveDay(Report report, List<LifeRun> runs, LifeQueries queries, LifeWorkload workload,
            KafkaProducer<byte[], byte[]> producer, String eventsTopic, int day,
            Map<String, List<Map<String, Object>>> perDay) throws Exception {
        long started = System.nanoTime();
        workload.producePoints(producer, TOPIC, day);
        workload.produceEvents(producer, eventsTopic, day);
        long produced = System.nanoTime();
        Map<LifeRun, Double> committed = awaitCommitted(runs, workload, day, produced);
        Instant now = LifeWorkload.dayStart(day + 1);
        for (LifeRun run : runs) {
            Map<String, Optional<Instant>> cutoffs = run.applyRetention(now);
            checkRetained(report, run, workload, day, cutoffs.get(ChronicleTable.POINTS_RAW.tableName()));
        }
        Map<LifeQueries.Query, LifeQueries.Answer> answers = new EnumMap<>(LifeQueries.Query.class);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (LifeRun run : runs) {
            Map<String, Object> row = measureDay(report, run, queries, workload, day, answers);
            row.put("commit s", committed.get(run));
            rows.add(row);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double load = BenchEnvironment.loadAverage();
        for (int i = 0; i < runs.size(); i++) {
            rows.get(i).put("day s", seconds);
            rows.get(i).put("load", load);
            perDay.get(runs.get(i).name).add(rows.get(i));
        }
        System.out.printf("Day %d: %,d points and %,d events; committed after %s s; %.1f s in all; load %.1f%n",
                day, workload.pointsProduced(), workload.eventsProduced(), committed.values(), seconds, load);
        // Each day's figures as they come, so a run cut short still leaves them in its output.
        for (int i = 0; i < runs.size(); i++) {
            System.out.println("figures " + runs.get(i).name + " " + DAY_JSON.writeValueAsString(rows.get(i)));
        }
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
     * Waits until each run has committed every point and event produced so far that retention
     * left; returns the seconds from {@code producedNanos} until each was seen so.
     */
    private static Map<LifeRun, Double> awaitCommitted(List<LifeRun> runs, LifeWorkload workload, int day,
            long producedNanos) throws Exception {
        String raw = ChronicleTable.POINTS_RAW.tableName();
        String events = ChronicleTable.EVENTS.tableName();
        Map<LifeRun, Double> seconds = new LinkedHashMap<>();
        boolean done = Polls.until(COMMIT_DEADLINE, POLL, () -> {
            for (LifeRun run : runs) {
                run.checkRunning();
                if (!seconds.containsKey(run)
                        && run.rows(raw) >= workload.pointsProduced() - run.retained(raw)
                        && run.rows(events) >= workload.eventsProduced() - run.retained(events)) {
                    seconds.put(run, (System.nanoTime() - producedNanos) / 1e9);
                }
            }
            return seconds.size() == runs.size();
        });
        if (!done) {
            throw new IllegalStateException("day " + day + " not committed after " + COMMIT_DEADLINE.toMinutes()
                    + " minutes; committed: " + seconds.keySet().stream().map(r -> r.namespace).toList());
        }
        return seconds;
    }

    /**
     * Checks what retention left against the input: the points from the cutoff retention applied
     * (7 days back, or held back further while a tier has not committed them), and which cutoff
     * that was; the events of the last 30 days; each row once.
     */
    private static void checkRetained(Report report, LifeRun run, LifeWorkload workload, int day,
            Optional<Instant> rawCutoff) {
        int nominal = day + 1 - RAW_DAYS;
        int applied = rawCutoff.map(c -> LifeWorkload.dayOf(c.toEpochMilli())).orElse(Integer.MIN_VALUE);
        if (applied != nominal && day >= RAW_DAYS) {
            System.out.printf("%s day %d: points_raw kept from day %d, its tiers not yet committed past it%n",
                    run.namespace, day, applied);
        }
        if (applied > nominal) {
            report.failures.add(run.namespace + " day " + day + ": points_raw cut before day " + applied
                    + ", past its retention's day " + nominal);
        }
        check(report, run, day, "points_raw rows", run.rows(ChronicleTable.POINTS_RAW.tableName()),
                workload.pointsFrom(applied));
        check(report, run, day, "events rows", run.rows(ChronicleTable.EVENTS.tableName()),
                workload.eventsFrom(day + 1 - EVENT_DAYS));
    }

    private static void check(Report report, LifeRun run, int day, String what, Object actual, Object expected) {
        if (!actual.equals(expected)) {
            report.failures.add(run.namespace + " day " + day + ": " + what + " " + actual + ", expected " + expected);
        }
    }

    /**
     * One row of the day's figures for the run: its tables' shapes and its queries' medians, each
     * query's answer checked against the reference, across engines, and against the answer of the
     * run measured before it that day ({@code answers}, which it fills when it is the first); no
     * queries when {@code queries} is null, their figures blank.
     */
    private static Map<String, Object> measureDay(Report report, LifeRun run, LifeQueries queries,
            LifeWorkload workload, int day, Map<LifeQueries.Query, LifeQueries.Answer> answers) throws Exception {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("day", day);
        Map<String, TableShape> shapes = run.shapes();
        long bytes = 0;
        for (Map.Entry<String, TableShape> shape : shapes.entrySet()) {
            String t = shape.getKey();
            TableShape s = shape.getValue();
            row.put(t + " files/part", s.dataFilesMean());
            row.put(t + " max", s.dataFilesMax());
            row.put(t + " deletes/part", s.deleteFilesMean());
            row.put(t + " del max", s.deleteFilesMax());
            row.put(t + " del files", s.referencedDeleteFiles());
            row.put(t + " snapshots", s.snapshots());
            row.put(t + " MB", s.bytes() / 1e6);
            bytes += s.bytes();
        }
        row.put("MB", bytes / 1e6);
        Instant tierEnd = LifeWorkload.dayStart(day);
        String traceId = workload.firstTraceId();
        for (LifeQueries.Query query : LifeQueries.Query.values()) {
            if (queries == null) {
                row.put("trino " + label(query) + " ms", Double.NaN);
                row.put("flink " + label(query) + " ms", Double.NaN);
                continue;
            }
            LifeQueries.Timed trino = queries.trino(query, run.namespace, tierEnd, traceId);
            LifeQueries.Timed flink = queries.flink(query, run.namespace, tierEnd, traceId);
            row.put("trino " + label(query) + " ms", trino.medianMillis());
            row.put("flink " + label(query) + " ms", flink.medianMillis());
            if (!trino.answer().agrees(flink.answer())) {
                report.failures.add(run.namespace + " day " + day + ": " + query + " Trino " + trino.answer()
                        + ", Flink SQL " + flink.answer());
            }
            LifeQueries.Answer expected = expected(query, workload, day);
            if (!expected.exact().equals(trino.answer().exact().subList(0, expected.exact().size()))) {
                report.failures.add(run.namespace + " day " + day + ": " + query + " answered " + trino.answer()
                        + ", expected " + expected);
            }
            // The deployments' answers must be the same: maintenance changes no row.
            LifeQueries.Answer first = answers.putIfAbsent(query, trino.answer());
            if (first != null && !first.agrees(trino.answer())) {
                report.failures.add("day " + day + ": " + query + " answered " + first + " with maintenance, "
                        + trino.answer() + " without");
            }
        }
        return row;
    }

    static String label(LifeQueries.Query query) {
        return switch (query) {
            case RAW -> "raw scan";
            case TIER -> "1h 30 d";
            case TRACE -> "trace";
        };
    }

    /**
     * What each query must find (its exact part, up to what the input fixes): every point retention
     * keeps; the samples of the 1h tier's 30 days before the day; the one trace.
     */
    static LifeQueries.Answer expected(LifeQueries.Query query, LifeWorkload workload, int day) {
        return switch (query) {
            case RAW -> new LifeQueries.Answer(List.of(workload.pointsFrom(day + 1 - RAW_DAYS)), new double[0]);
            case TIER -> {
                long samples = workload.pointsBetween(day - TIER_QUERY_DAYS, day);
                yield new LifeQueries.Answer(List.of(samples == 0 ? 0L : (long) workload.series(), samples),
                        new double[0]);
            }
            case TRACE -> new LifeQueries.Answer(List.of(1L), new double[0]);
        };
    }

    /**
     * points_raw's bytes per point: without maintenance as the job wrote it; with maintenance,
     * after one more rewrite of every file; then the same rows written as each variant; beside
     * VictoriaMetrics on the last days' points when it is installed, else the ingest suite's figure.
     */
    private static List<Map<String, Object>> storage(BenchEnvironment env, Configuration benchConf, Report report,
            LifeWorkload workload) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        double vm = Double.NaN;
        if (Files.isExecutable(VICTORIA_METRICS)) {
            System.out.println("VictoriaMetrics on the last days' points ...");
            VictoriaMetricsPeer.Ingest peer = VictoriaMetricsPeer.measure(
                    Path.of(benchConf.get(BenchOptions.WORK_DIR)).toAbsolutePath().resolve("victoria-metrics"),
                    InfluxLines.encode(workload.lastDays(RAW_DAYS), benchConf.get(BenchOptions.VM_BATCH_POINTS)),
                    benchConf.get(BenchOptions.VM_CONNECTIONS));
            vm = peer.diskBytesPerPoint();
            report.machine.put(VictoriaMetricsIngest.NAME, VictoriaMetricsPeer.packageVersion());
        } else {
            report.notes.add("VictoriaMetrics is not installed (bench/run life installs it); its figure: " + VM_INGEST_FIGURE);
        }
        try (LifeRun on = new LifeRun(env, "on", true, TOPIC, benchConf.get(BenchOptions.DAY_LENGTH));
                LifeRun off = new LifeRun(env, "off", false, TOPIC, benchConf.get(BenchOptions.DAY_LENGTH))) {
            String raw = ChronicleTable.POINTS_RAW.tableName();
            rows.add(storageRow("maintenance off: as the job wrote it", TableFiles.of(off.table(raw)), 0, vm));
            Table table = on.table(raw);
            rows.add(storageRow("maintenance on: as compacted", TableFiles.of(table), 0, vm));
            Configuration rewriteConf = env.jobConf(on.conf, on.namespace + "_rewrite");
            // Iceberg's rewrite job names its own operators.
            rewriteConf.set(PipelineOptions.AUTO_GENERATE_UIDS, true);
            System.out.println("Rewriting " + on.namespace + "." + raw + " ...");
            Actions.forTable(new StreamExecutionEnvironment(rewriteConf), table).rewriteDataFiles().execute();
            TableFiles compacted = TableFiles.of(table);
            rows.add(storageRow("maintenance on, every file rewritten once more", compacted, 0, vm));
            System.out.println("Writing the variants ...");
            for (StorageVariants.Figures f : StorageVariants.measure(on.catalog(), table, "life_storage")) {
                rows.add(storageRow(f.variant(), new TableFiles(f.files(), f.bytes(), f.rows()), f.seriesTableBytes(), vm));
                if (f.rows() != compacted.rows()) {
                    report.failures.add("variant " + f.variant() + ": " + f.rows() + " rows, points_raw "
                            + compacted.rows());
                }
            }
        }
        return rows;
    }

    private static Map<String, Object> storageRow(String variant, TableFiles files, long extraBytes, double vm) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("points_raw written", variant);
        row.put("files", files.files());
        row.put("rows", files.rows());
        row.put("bytes", files.bytes() + extraBytes);
        double perPoint = files.rows() == 0 ? Double.NaN : (double) (files.bytes() + extraBytes) / files.rows();
        row.put("B/point", perPoint);
        if (!Double.isNaN(vm)) {
            row.put("VM B/point", vm);
            row.put("÷ VM", perPoint / vm);
        }
        return row;
    }
}
