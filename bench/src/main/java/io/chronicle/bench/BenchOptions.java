package io.chronicle.bench;

import io.chronicle.bench.jmh.MicroBenchmark;
import io.chronicle.core.PointFormat;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

import static org.apache.flink.configuration.ConfigOptions.key;

/**
 * Options of the benchmarks, given as {@code --key value} after the suite's name; a suite takes
 * those it reads. Every suite reads the workload options, so the suites of one machine run over
 * the same input.
 */
public final class BenchOptions {

    private BenchOptions() {}

    // ---- workload ------------------------------------------------------------------------

    public static final ConfigOption<Long> POINTS =
            key("points").longType().defaultValue(1_000_000L)
                    .withDescription("Metric points produced into the input topic. The default keeps"
                            + " the rollups suite under about 10 minutes on 2 cores.");

    public static final ConfigOption<Integer> SERIES =
            key("series").intType().defaultValue(5_000)
                    .withDescription("Distinct series the points spread over (20 metrics with their"
                            + " tags, on as many hosts as it takes).");

    public static final ConfigOption<Integer> TENANTS =
            key("tenants").intType().defaultValue(4)
                    .withDescription("Tenants the hosts are spread over.");

    public static final ConfigOption<Duration> SAMPLE_INTERVAL =
            key("sample-interval").durationType().defaultValue(Duration.ofSeconds(15))
                    .withDescription("Event time between two samples of one series.");

    public static final ConfigOption<Double> OUT_OF_ORDER_SHARE =
            key("out-of-order-share").doubleType().defaultValue(0.01)
                    .withDescription("Share of points produced later than their turn.");

    public static final ConfigOption<Duration> MAX_DELAY =
            key("max-delay").durationType().defaultValue(Duration.ofSeconds(60))
                    .withDescription("How far (in event time) an out-of-order point falls behind.");

    public static final ConfigOption<Long> SEED =
            key("seed").longType().defaultValue(42L)
                    .withDescription("Seed of the workload: the same seed gives the same records.");

    public static final ConfigOption<Integer> PARTITIONS =
            key("partitions").intType().defaultValue(4)
                    .withDescription("Partitions of the input topic; each series stays in one.");

    // ---- swarm events --------------------------------------------------------------------

    public static final ConfigOption<Long> TRACES =
            key("traces").longType().defaultValue(5_000L)
                    .withDescription("Traced tasks of the swarm lifecycle events produced into the events"
                            + " topic beside the points (ingest suite): each created, assigned, started and"
                            + " completed, failed or timed out, with the agents' heartbeats. The events take"
                            + " the points' tenants, seed and out-of-order settings.");

    public static final ConfigOption<Integer> AGENTS =
            key("agents").intType().defaultValue(200)
                    .withDescription("Agents of the swarm, spread over the tenants; each sends a heartbeat"
                            + " every 5 s of event time while the swarm works.");

    public static final ConfigOption<Double> TRACES_PER_SECOND =
            key("traces-per-second").doubleType().defaultValue(20.0)
                    .withDescription("Tasks created per second of event time: with the traces, how long"
                            + " the swarm works and so how many heartbeats it sends.");

    // ---- jobs ----------------------------------------------------------------------------

    public static final ConfigOption<Integer> PARALLELISM =
            key("parallelism").intType().defaultValue(2)
                    .withDescription("Parallelism of every job (and task slots of the cluster).");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            key("checkpoint-interval").durationType().defaultValue(Duration.ofSeconds(5))
                    .withDescription("Checkpoint interval of every job. A bounded job ends with one"
                            + " more checkpoint, triggered on this schedule, so it adds up to one"
                            + " interval to each run.");

    public static final ConfigOption<Integer> RUNS =
            key("runs").intType().defaultValue(2)
                    .withDescription("Measured runs of each variant, alternating between variants.");

    public static final ConfigOption<Boolean> WARMUP =
            key("warmup").booleanType().defaultValue(true)
                    .withDescription("Run each variant once, unmeasured, before the measured runs.");

    // ---- alerts --------------------------------------------------------------------------

    public static final ConfigOption<Integer> RATE =
            key("rate").intType().defaultValue(5_000)
                    .withDescription("Points per second of background load produced while the alerts"
                            + " suite measures, drawn from the seeded workload.");

    public static final ConfigOption<Integer> TRIGGERS =
            key("triggers").intType().defaultValue(600)
                    .withDescription("Measured alerts: each fires once and resolves once.");

    public static final ConfigOption<Integer> WARMUP_TRIGGERS =
            key("warmup-triggers").intType().defaultValue(150)
                    .withDescription("Alerts fired and resolved, unmeasured, before the measured ones;"
                            + " at least this many, then on until 10 in a row fire within a second (at"
                            + " most as many more as are measured), as the job takes a minute or more on"
                            + " 2 shared cores to work off its start.");

    public static final ConfigOption<Duration> TRIGGER_INTERVAL =
            key("trigger-interval").durationType().defaultValue(Duration.ofMillis(200))
                    .withDescription("Wall time between two alerts' triggering points; each alert's"
                            + " resolving point follows half an interval after its trigger.");

    public static final ConfigOption<Integer> PROBES =
            key("probes").intType().defaultValue(50)
                    .withDescription("Probe series the alerts take turns on, spread over the partitions.");

    public static final ConfigOption<Boolean> ROLLUPS_AND_VIEWS =
            key("rollups-and-views").booleanType().defaultValue(false)
                    .withDescription("Run the ingest job's rollup tiers and views beside its alerts.");

    public static final ConfigOption<Boolean> SPLIT_JOBS =
            key("split-jobs").booleanType().defaultValue(false)
                    .withDescription("Run the alerts suite's work as production deploys it: the split jobs"
                            + " (ingest, alerts, and with --rollups-and-views the rollups and views), each a"
                            + " Flink job of its own in the same cluster, reading the topics itself, instead"
                            + " of the all-in-one job.");

    public static final ConfigOption<Duration> BUFFER_TIMEOUT =
            key("buffer-timeout").durationType().defaultValue(ExecutionOptions.BUFFER_TIMEOUT.defaultValue())
                    .withDescription("Longest a record waits in a network buffer that is not full before"
                            + " Flink sends it on (execution.buffer-timeout.interval; 0 sends every record"
                            + " at once). The default is Flink's, which Chronicle's jobs run with.");

    // ---- VictoriaMetrics, the peer ------------------------------------------------------

    public static final ConfigOption<Integer> VM_CONNECTIONS =
            key("vm-connections").intType().defaultValue(4)
                    .withDescription("Connections posting line protocol to VictoriaMetrics at once.");

    public static final ConfigOption<Integer> VM_BATCH_POINTS =
            key("vm-batch-points").intType().defaultValue(10_000)
                    .withDescription("Points per request posted to VictoriaMetrics (about 120 bytes each).");

    public static final ConfigOption<Integer> FORMAT_BATCH_POINTS =
            key("format-batch-points").intType().defaultValue(500)
                    .withDescription("Points per remote-write and OTLP request of the formats suite and of the"
                            + " ingest suite's format (Prometheus sends up to 2,000 samples a request; the"
                            + " Collector's batch processor 8,192 by default).");

    // ---- ingest --------------------------------------------------------------------------

    public static final ConfigOption<String> INGEST_FORMAT =
            key("format").stringType().defaultValue(PointFormat.CHRONICLE_JSON.code())
                    .withDescription("The wire format of the ingest suite's points topic, as"
                            + " chronicle.topics.point-formats names them: the workload's points in it as its"
                            + " producer sends them (a line a record, remote-write and OTLP requests of"
                            + " format-batch-points points), read by the limit loop and the jobs with the ingest"
                            + " job's decoders. VictoriaMetrics takes Chronicle's JSON only.");

    public static final ConfigOption<List<String>> VARIANTS =
            key("variants").stringType().asList()
                    .defaultValues("limit", "chronicle", "chronicle-full", "victoria-metrics")
                    .withDescription("Variants of the ingest suite to run, in this order, separated by ';':"
                            + " limit (a bare loop: Kafka consumers and the source's parsing, no Flink),"
                            + " chronicle (the ingest job writing points_raw), chronicle-full (with the"
                            + " rollup tiers, views and alerts as well, all in one job), chronicle-split"
                            + " (the same work as the split jobs, ingest, rollups, views and alerts, side by"
                            + " side; not run unless named), victoria-metrics (the peer: the same points as"
                            + " line protocol). Ratios are to limit and to victoria-metrics. A Chronicle"
                            + " variant may name Chronicle options of its own in braces, to run beside the"
                            + " same variant without them: chronicle-full{chronicle.alerts.filter-unwatched-points=false}"
                            + " (several separated by ',').");

    // ---- long life ------------------------------------------------------------------------

    public static final ConfigOption<Integer> DAYS =
            key("days").intType().defaultValue(35)
                    .withDescription("Simulated days of the life suite: past the 7-day retention of"
                            + " points_raw, the 14-day one of the 5m tier and the 30-day one of events, so"
                            + " each curve has days to show it stays flat.");

    public static final ConfigOption<Long> POINTS_PER_DAY =
            key("points-per-day").longType().defaultValue(100_000L)
                    .withDescription("Metric points of each simulated day (life suite), spread evenly over"
                            + " the series and the day: the sample interval is a day times the series"
                            + " divided by this.");

    public static final ConfigOption<Long> TRACES_PER_DAY =
            key("traces-per-day").longType().defaultValue(1_000L)
                    .withDescription("Traced tasks of each simulated day (life suite), created at noon"
                            + " at --traces-per-second, with the agents' heartbeats while they run.");

    public static final ConfigOption<Duration> DAY_LENGTH =
            key("day-length").durationType().defaultValue(Duration.ofSeconds(30))
                    .withDescription("Wall time of one simulated day (life suite): a day's work (its"
                            + " points and events, retention, the measurements) starts a day-length"
                            + " after the previous one did, or at once when that took longer. The"
                            + " maintenance job's time settings are this day's fractions.");

    public static final ConfigOption<Integer> QUERY_RUNS =
            key("query-runs").intType().defaultValue(3)
                    .withDescription("Runs of each fixed query in Trino after each simulated day (life"
                            + " suite); the median is reported.");

    public static final ConfigOption<List<Integer>> QUERY_DAYS =
            key("query-days").intType().asList().defaultValues()
                    .withDescription("Simulated days after which the life suite runs its queries, separated by"
                            + " ';' (for example 1;7;8;14;15;30;31;35 on a busy machine, where each query"
                            + " takes seconds); none named runs them after every day. The tables are"
                            + " measured after every day either way.");

    public static final ConfigOption<Integer> FLINK_QUERY_RUNS =
            key("flink-query-runs").intType().defaultValue(1)
                    .withDescription("Runs of each fixed query in Flink SQL after each simulated day (life"
                            + " suite), each a batch job on the cluster; the median is reported.");

    // ---- micro-benchmarks (jmh) ---------------------------------------------------------

    public static final ConfigOption<String> BENCHMARKS =
            key("benchmarks").stringType().defaultValue(".*")
                    .withDescription("Regular expression that picks the micro-benchmarks to run, found"
                            + " anywhere in their names (io.chronicle.bench.jmh.Class.method); the baseline"
                            + " of each picked benchmark's class runs too.");

    public static final ConfigOption<Integer> WARMUP_ITERATIONS =
            key("warmup-iterations").intType().defaultValue(MicroBenchmark.WARMUP_ITERATIONS)
                    .withDescription("Unmeasured iterations of each micro-benchmark before its measured ones.");

    public static final ConfigOption<Integer> ITERATIONS =
            key("iterations").intType().defaultValue(MicroBenchmark.ITERATIONS)
                    .withDescription("Measured iterations of each micro-benchmark.");

    public static final ConfigOption<Duration> ITERATION_TIME =
            key("iteration-time").durationType().defaultValue(Duration.ofMillis(MicroBenchmark.ITERATION_MILLIS))
                    .withDescription("How long each micro-benchmark iteration runs.");

    // ---- files ---------------------------------------------------------------------------

    public static final ConfigOption<String> WORK_DIR =
            key("work-dir").stringType().defaultValue("bench/target/work")
                    .withDescription("Scratch folder (Kafka log, S3 buckets, catalog, checkpoints);"
                            + " emptied at the start of each run.");

    public static final ConfigOption<String> RESULTS_DIR =
            key("results-dir").stringType().defaultValue("bench/results")
                    .withDescription("Where each run's results are written as JSON.");

    public static List<ConfigOption<?>> all() {
        return List.of(POINTS, SERIES, TENANTS, SAMPLE_INTERVAL, OUT_OF_ORDER_SHARE, MAX_DELAY, SEED,
                PARTITIONS, TRACES, AGENTS, TRACES_PER_SECOND, PARALLELISM, CHECKPOINT_INTERVAL, RUNS, WARMUP,
                RATE, TRIGGERS, WARMUP_TRIGGERS, TRIGGER_INTERVAL, PROBES, ROLLUPS_AND_VIEWS, SPLIT_JOBS,
                BUFFER_TIMEOUT, VM_CONNECTIONS, VM_BATCH_POINTS, FORMAT_BATCH_POINTS, INGEST_FORMAT, VARIANTS, DAYS, POINTS_PER_DAY, TRACES_PER_DAY, DAY_LENGTH,
                QUERY_RUNS, QUERY_DAYS, FLINK_QUERY_RUNS, BENCHMARKS, WARMUP_ITERATIONS, ITERATIONS, ITERATION_TIME,
                WORK_DIR, RESULTS_DIR);
    }

    /**
     * Parses {@code --key value} pairs; a key outside {@code options} (those the suite reads) or a
     * bad value fails naming it.
     */
    public static Configuration parse(List<String> args, List<ConfigOption<?>> options) {
        Set<String> known = options.stream().map(ConfigOption::key).collect(Collectors.toCollection(TreeSet::new));
        Configuration conf = new Configuration();
        for (int i = 0; i < args.size(); i += 2) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || i + 1 >= args.size()) {
                throw new IllegalArgumentException("Expected '--option value' pairs, got '" + arg + "'");
            }
            String name = arg.substring(2);
            if (!known.contains(name)) {
                throw new IllegalArgumentException(
                        "Unknown option '" + name + "'. Known options: " + String.join(", ", known));
            }
            conf.setString(name, args.get(i + 1));
        }
        for (ConfigOption<?> option : all()) {
            try {
                conf.get(option);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "Invalid value for option '" + option.key() + "': " + e.getMessage(), e);
            }
        }
        requireAtLeast(conf, POINTS, 1);
        requireAtLeast(conf, SERIES, 1);
        requireAtLeast(conf, TENANTS, 1);
        requireAtLeast(conf, PARTITIONS, 1);
        requireAtLeast(conf, TRACES, 1);
        requireAtLeast(conf, AGENTS, 1);
        double tracesPerSecond = conf.get(TRACES_PER_SECOND);
        if (!(tracesPerSecond > 0) || Double.isInfinite(tracesPerSecond)) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + TRACES_PER_SECOND.key() + "': must be positive and finite");
        }
        requireAtLeast(conf, PARALLELISM, 1);
        requireAtLeast(conf, RUNS, 1);
        requireAtLeast(conf, RATE, 1);
        requireAtLeast(conf, TRIGGERS, 1);
        requireAtLeast(conf, WARMUP_TRIGGERS, 0);
        requireAtLeast(conf, PROBES, 1);
        requireAtLeast(conf, VM_CONNECTIONS, 1);
        requireAtLeast(conf, VM_BATCH_POINTS, 1);
        requireAtLeast(conf, FORMAT_BATCH_POINTS, 1);
        PointFormat.of(INGEST_FORMAT.key(), conf.get(INGEST_FORMAT));
        requireAtLeast(conf, DAYS, 1);
        requireAtLeast(conf, POINTS_PER_DAY, 1);
        requireAtLeast(conf, TRACES_PER_DAY, 1);
        requireAtLeast(conf, QUERY_RUNS, 1);
        requireAtLeast(conf, FLINK_QUERY_RUNS, 1);
        if (conf.get(QUERY_DAYS).stream().anyMatch(day -> day < 1)) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + QUERY_DAYS.key() + "': days count from 1, got " + conf.get(QUERY_DAYS));
        }
        if (conf.get(DAY_LENGTH).toSeconds() < 1) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + DAY_LENGTH.key() + "': at least 1 s");
        }
        requireAtLeast(conf, WARMUP_ITERATIONS, 0);
        requireAtLeast(conf, ITERATIONS, 1);
        double share = conf.get(OUT_OF_ORDER_SHARE);
        if (share < 0 || share > 1) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + OUT_OF_ORDER_SHARE.key() + "': must lie in [0, 1]");
        }
        if (conf.get(SAMPLE_INTERVAL).toMillis() < 1) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + SAMPLE_INTERVAL.key() + "': at least 1 ms");
        }
        if (conf.get(TRIGGER_INTERVAL).toMillis() < 2) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + TRIGGER_INTERVAL.key() + "': at least 2 ms");
        }
        if (conf.get(ITERATION_TIME).toMillis() < 1) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + ITERATION_TIME.key() + "': at least 1 ms");
        }
        try {
            Pattern.compile(conf.get(BENCHMARKS));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    "Invalid value for option '" + BENCHMARKS.key() + "': " + e.getMessage(), e);
        }
        return conf;
    }

    /** The given options and their values, for the results of a suite that reads them. */
    public static Map<String, String> describe(Configuration conf, List<ConfigOption<?>> options) {
        Map<String, String> values = new LinkedHashMap<>();
        options.forEach(option -> values.put(option.key(), format(conf.get(option))));
        return values;
    }

    /** A value as it would be given on the command line. */
    static String format(Object value) {
        if (value instanceof Duration) {
            long millis = ((Duration) value).toMillis();
            return millis % 1_000 == 0 ? millis / 1_000 + " s" : millis + " ms";
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(";"));
        }
        return String.valueOf(value);
    }

    private static <T extends Number> void requireAtLeast(Configuration conf, ConfigOption<T> option, long min) {
        if (conf.get(option).longValue() < min) {
            throw new IllegalArgumentException("Invalid value for option '" + option.key()
                    + "': must be at least " + min + ", got " + conf.get(option));
        }
    }
}
