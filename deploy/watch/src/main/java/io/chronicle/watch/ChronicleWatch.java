package io.chronicle.watch;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.CommandLine;
import io.chronicle.core.WatchSettings;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertReceivers;
import io.chronicle.sinks.alerts.AlertDispatcher;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * chronicle-watch: watches Chronicle's jobs from a process of its own, so it neither fails nor
 * goes silent with them. Each round (every {@code chronicle.watch.interval}) it reads the jobs
 * from Flink's REST API, the consumer groups' lag from Kafka and the tables' last commits from
 * the catalog, each on a thread of its own with a deadline; evaluates its alerts
 * ({@link WatchEvaluator}); sends their changes to the receivers of
 * {@code chronicle.alerts.receivers.*}; and serves every measure on a Prometheus endpoint. A
 * target that cannot be read is an alert and a metric, never an exit. Besides, it catches up each
 * job that has restored its state ({@link RestoreCatchUp}).
 */
public final class ChronicleWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChronicleWatch.class);
    static final String PROGRAM = "chronicle-watch";

    /** The options this program reads, for its usage. */
    private static final List<ConfigOption<?>> OWN_OPTIONS = ChronicleOptions.all().stream()
            .filter(o -> o.key().startsWith("chronicle.watch.")).toList();

    static final String USAGE = String.join("\n",
            "usage: java -jar chronicle-watch-<version>-runnable.jar [--config FILE] [--KEY VALUE]...",
            "",
            "Watches Chronicle's Flink jobs from outside: each job's status and restarts, its last",
            "checkpoint and watermark (Flink's REST API), the consumer groups' lag (Kafka) and each",
            "table's last Iceberg commit (the catalog). Alerts go to the receivers configured under",
            "chronicle.alerts.receivers.<name>.* (Alertmanager or webhook), and every measure is",
            "served for Prometheus on http://<chronicle.watch.host>:<chronicle.watch.port>/metrics.",
            "Once a job has restored its state, it checkpoints the job until its consumer group",
            "has committed what arrived while it was down (chronicle.watch.catch-up-checkpoints).",
            "Runs until stopped. The same configuration file as the jobs' serves: it also reads",
            "chronicle.kafka.*, chronicle.catalog.* and chronicle.s3.*.",
            "",
            "The watcher's options:",
            optionsUsage(),
            "",
            CommandLine.argumentsConfigurationUsage());

    private static String optionsUsage() {
        HtmlFormatter formatter = new HtmlFormatter();
        StringBuilder out = new StringBuilder();
        for (ConfigOption<?> option : OWN_OPTIONS) {
            out.append("  --").append(option.key()).append(" (default ").append(option.defaultValue())
                    .append(")\n      ").append(formatter.format(option.description())).append('\n');
        }
        return out.toString().stripTrailing();
    }

    /** One target's reader, on a thread of its own so that a hung request holds up nothing else. */
    private static final class Reader<T> {
        final Target target;
        final Callable<T> read;
        final ExecutorService thread;
        Future<T> pending;
        long pendingSinceMillis;

        Reader(Target target, Callable<T> read) {
            this.target = target;
            this.read = read;
            this.thread = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "chronicle-watch-" + target.label());
                t.setDaemon(true);
                return t;
            });
        }
    }

    private final WatchSettings settings;
    private final LongSupplier clock;
    private final WatchEvaluator evaluator;
    private final WatchMetrics metrics;
    private final AlertDispatcher dispatcher;
    private final HTTPServer server;
    private final KafkaLagReader kafka;
    private final TableCommitsReader tables;
    private final Optional<RestoreCatchUp> restores;
    private final Reader<Map<String, Observation.Job>> flinkReader;
    private final Reader<List<Observation.PartitionLag>> kafkaReader;
    private final Reader<Map<String, Long>> catalogReader;
    private final ScheduledExecutorService rounds;
    private final CountDownLatch closed = new CountDownLatch(1);

    private ChronicleWatch(Configuration conf, LongSupplier clock) throws IOException {
        this.settings = WatchSettings.from(conf);
        this.clock = clock;
        this.evaluator = new WatchEvaluator(settings, clock.getAsLong());
        ReceiverMetrics receiverMetrics = new ReceiverMetrics();
        PrometheusRegistry registry = new PrometheusRegistry();
        this.metrics = new WatchMetrics(registry, receiverMetrics);
        this.dispatcher = AlertDispatcher.start(AlertReceivers.from(conf), receiverMetrics,
                "chronicle-watch-alerts", System::nanoTime);
        this.server = HTTPServer.builder().hostname(settings.host).port(settings.port)
                .registry(registry).buildAndStart();
        FlinkRest flink = new FlinkRest(settings.flinkRestUrls, settings.requestTimeout);
        this.restores = settings.catchUpCheckpoints
                ? Optional.of(new RestoreCatchUp(conf, settings, flink, clock.getAsLong())) : Optional.empty();
        this.kafka = new KafkaLagReader(conf, settings.consumerGroups, settings.requestTimeout);
        this.tables = new TableCommitsReader(ChronicleCatalogLoader.from(conf), settings.namespace, settings.tables);
        this.flinkReader = new Reader<>(Target.FLINK, () -> flink.read(settings.jobs));
        this.kafkaReader = new Reader<>(Target.KAFKA, kafka::read);
        this.catalogReader = new Reader<>(Target.CATALOG, tables::read);
        this.rounds = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "chronicle-watch-rounds"));
        rounds.scheduleAtFixedRate(this::round, 0, settings.interval.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Watching jobs {} at {}, consumer groups {}, tables of {} {}; metrics on http://{}:{}/metrics",
                settings.jobs, settings.flinkRestUrls, settings.consumerGroups, settings.namespace,
                settings.tables.isEmpty() ? "(all)" : settings.tables, settings.host, server.getPort());
    }

    /** Starts watching with {@code conf}, validated first. */
    public static ChronicleWatch start(Configuration conf) throws IOException {
        return new ChronicleWatch(ChronicleConfig.validated(conf), System::currentTimeMillis);
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        if (CommandLine.wantsHelp(args, 0)) {
            out.println(USAGE);
            return 0;
        }
        Configuration conf;
        try {
            conf = ChronicleConfig.fromArgs(args);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            CommandLine.printError(err, PROGRAM, e.getMessage(), USAGE);
            return CommandLine.USAGE_ERROR;
        }
        ChronicleWatch watch;
        try {
            watch = start(conf);
        } catch (IOException e) {
            err.println(PROGRAM + ": cannot serve metrics: " + e);
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(watch::close, "chronicle-watch-shutdown"));
        out.println(PROGRAM + ": watching " + String.join(", ", watch.settings.jobs) + "; metrics on http://"
                + watch.settings.host + ":" + watch.port() + "/metrics");
        watch.closed.await();
        return 0;
    }

    /** The port of the metrics endpoint (the one picked when the option is 0). */
    public int port() {
        return server.getPort();
    }

    /** One round; nothing it meets may end the schedule, so everything is caught. */
    private void round() {
        try {
            long start = clock.getAsLong();
            long deadline = System.nanoTime() + settings.requestTimeout.toNanos();
            Map<Target, String> unreachable = new EnumMap<>(Target.class);
            start(flinkReader, start);
            start(kafkaReader, start);
            start(catalogReader, start);
            Map<String, Observation.Job> jobs = collect(flinkReader, deadline, unreachable);
            List<Observation.PartitionLag> lags = collect(kafkaReader, deadline, unreachable);
            Map<String, Long> commits = collect(catalogReader, deadline, unreachable);
            long now = clock.getAsLong();
            WatchEvaluator.Evaluation evaluation =
                    evaluator.evaluate(new Observation(now, jobs, lags, commits, unreachable));
            metrics.update(evaluation.measures(), now);
            for (AlertNotification change : evaluation.changes()) {
                LOG.warn("{} {} {}: {}", change.ruleName, change.state, change.labels,
                        change.annotations.get("summary"));
                dispatcher.dispatch(change);
            }
        } catch (Throwable t) {
            LOG.error("A round of the watcher failed; the next one runs as planned", t);
        }
    }

    /** Starts a read unless the last one is still under way. */
    private static <T> void start(Reader<T> reader, long nowMillis) {
        if (reader.pending == null || reader.pending.isDone()) {
            reader.pending = reader.thread.submit(reader.read);
            reader.pendingSinceMillis = nowMillis;
        }
    }

    /** The read's result, or null with the target named unreachable and why. */
    private <T> T collect(Reader<T> reader, long deadlineNanos, Map<Target, String> unreachable) {
        try {
            T result = reader.pending.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            reader.pending = null;
            return result;
        } catch (TimeoutException e) {
            unreachable.put(reader.target, "no answer for "
                    + (clock.getAsLong() - reader.pendingSinceMillis) / 1000 + " s");
        } catch (ExecutionException e) {
            reader.pending = null;
            unreachable.put(reader.target, describe(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unreachable.put(reader.target, "interrupted");
        }
        return null;
    }

    /** The innermost cause, which names what failed (a refused connection, a missing file). */
    private static String describe(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }

    @Override
    public void close() {
        rounds.shutdownNow();
        restores.ifPresent(RestoreCatchUp::close);
        for (Reader<?> reader : List.of(flinkReader, kafkaReader, catalogReader)) {
            reader.thread.shutdownNow();
        }
        server.close();
        dispatcher.close();
        kafka.close();
        try {
            tables.close();
        } catch (IOException e) {
            LOG.warn("Closing the catalog failed", e);
        }
        closed.countDown();
    }
}
