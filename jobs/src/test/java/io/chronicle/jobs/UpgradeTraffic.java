package io.chronicle.jobs;

import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.TimedTraffic.Point;
import io.chronicle.jobs.TimedTraffic.Timed;
import io.chronicle.jobs.TimedTraffic.Trace;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.configuration.StateRecoveryOptions;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static io.chronicle.jobs.TimedTraffic.PARTITIONS;

/**
 * The traffic of the checked-in savepoints, at fixed times, split at {@link #CUT}: what the job
 * had read when its savepoint was taken ({@code before}), and what a restored job reads after it.
 * Before the cut the 5-minute windows from {@code T0 + 30 min} and the hour are open, traces are
 * half way, and event ids are remembered; after it come the rest of the points and traces, events
 * delivered again, and points far later that close every window.
 */
final class UpgradeTraffic {

    /** Where the savepoints are, one folder per version, under the test resources. */
    static final String RESOURCES = "savepoints";

    /** The run of a version's savepoint: its topics are {@code points-savepoint-<version>} and so on. */
    static String run(String version) {
        return "savepoint-" + version.replaceAll("[^A-Za-z0-9]", "-");
    }
    static final long T0 = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    static final long CUT = T0 + 40 * 60_000L;
    static final int TRACES = 24;
    static final int FLUSH = ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue() + 1;

    /**
     * The options the savepoints were taken with and are restored with: processing-time TTLs long
     * enough that state checked in months ago has not expired when a test restores it.
     */
    static final Map<String, String> OPTIONS = Map.of(
            ChronicleOptions.ALERTS_ENABLED.key(), "false",
            ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "5 s",
            ChronicleOptions.EVENTS_DEDUP_TTL.key(), "36500 d",
            ChronicleOptions.TRACES_STATE_TTL.key(), "36500 d");

    /** The alerting rule of the savepoints of the split jobs. */
    static final String RULE = "Hot";
    static final String RULES_YAML = String.join("\n",
            "rules:",
            "  - name: " + RULE,
            "    tenant: alerting",
            "    selector: cpu_usage",
            "    threshold: {above: 90}",
            "    for: 5m",
            "");
    /** The alert receiver's name, under which the delivery job keeps what it has not delivered. */
    static final String RECEIVER = "ops";

    /**
     * The options of the savepoints of the split jobs: {@link #OPTIONS} with alerting on (the
     * health rules off: they follow wall-clock time) and a receiver that gives up on nothing.
     */
    static Map<String, String> alertingOptions(String run, Path rulesFile, String receiverUrl) {
        Map<String, String> options = new HashMap<>(OPTIONS);
        options.remove(ChronicleOptions.ALERTS_ENABLED.key());
        // Each job reads both partitions in one reader: under load one can wait seconds behind
        // the other, and must not be taken for idle (its points would be too late), while
        // every partition holds points up to the cut and after it, so none is ever idle.
        options.put(ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "10 min");
        options.put(ChronicleOptions.ALERTS_HEALTH_ENABLED.key(), "false");
        options.put(ChronicleOptions.ALERTS_STATE_TTL.key(), "36500 d");
        options.put(ChronicleOptions.ALERTS_RULES_FILE.key(), rulesFile.toString());
        options.put(ChronicleOptions.TOPIC_RULES.key(), "rules-" + run);
        options.put(ChronicleOptions.TOPIC_RULES_STATUS.key(), "rules-status-" + run);
        options.put(ChronicleOptions.TOPIC_ALERTS.key(), "alerts-" + run);
        options.put("chronicle.alerts.receivers." + RECEIVER + ".type", "webhook");
        options.put("chronicle.alerts.receivers." + RECEIVER + ".url", receiverUrl);
        options.put("chronicle.alerts.receivers." + RECEIVER + ".timeout", "1 s");
        options.put("chronicle.alerts.receivers." + RECEIVER + ".max-attempts", "1000000");
        options.put(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_INITIAL.key(), "100 ms");
        options.put(ChronicleOptions.ALERTS_DELIVERY_BACKOFF_MAX.key(), "1 s");
        return options;
    }

    /**
     * The changes of rule {@value #RULE} a receiver gets after the restore, as
     * {@link AlertReceiver} keys them: {@code a} firing (undelivered at the savepoint) and
     * resolved, {@code b} firing and resolved; each fires 5 minutes after it went above 90.
     */
    static Set<String> alertChangesAfterCut() {
        String aFired = Instant.ofEpochMilli(T0 + 15 * 60_000L).toString();
        String bFired = Instant.ofEpochMilli(T0 + 43 * 60_000L).toString();
        return Set.of("a firing " + aFired, "a resolved " + aFired, "b firing " + bFired, "b resolved " + bFired);
    }

    final List<Point> points;
    final List<Point> pointsBefore;
    final List<Point> pointsAfter;
    final List<Trace> traces;
    final List<Timed> eventsBefore;
    final List<Timed> eventsAfter;

    /** The traffic of the single job's savepoints, without alerting. */
    UpgradeTraffic() {
        this(false);
    }

    UpgradeTraffic(boolean alerting) {
        Random random = new Random(2026);
        List<Point> all = new ArrayList<>(TimedTraffic.points(T0 * 1_000, (T0 + 70 * 60_000L) * 1_000, random));
        if (alerting) {
            for (int minute = 10; minute < 70; minute++) {
                long tsMicros = (T0 + minute * 60_000L) * 1_000;
                all.add(new Point("alerting", "a", tsMicros, minute < 55 ? 95 : 10));
                if (minute >= 38) {
                    all.add(new Point("alerting", "b", tsMicros, minute < 60 ? 95 : 10));
                }
            }
            all.sort(Comparator.comparingLong(Point::tsMicros));
        }
        points = List.copyOf(all);
        traces = TimedTraffic.traces("trace-", T0, TRACES, random);
        List<Timed> events = new ArrayList<>(TimedTraffic.events(traces));
        int unique = events.size();
        for (int i = 0; i < unique; i += 4) {
            Timed e = events.get(i);
            events.add(new Timed(e.atMillis() + 300_000, e.partition(), e.json()));
        }
        events.sort(Comparator.comparingLong(Timed::atMillis));
        pointsBefore = points.stream().filter(p -> p.tsMicros() / 1_000 < CUT).toList();
        List<Point> after = new ArrayList<>(points.stream().filter(p -> p.tsMicros() / 1_000 >= CUT).toList());
        long flushMicros = (T0 + 3 * 3_600_000L) * 1_000;
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < FLUSH; i++) {
                after.add(flushPoint(p, flushMicros + i));
            }
        }
        pointsAfter = after;
        eventsBefore = events.stream().filter(e -> e.atMillis() < CUT).toList();
        eventsAfter = events.stream().filter(e -> e.atMillis() >= CUT).toList();
    }

    /** Distinct events (by their JSON, which holds the event id) among {@code events}. */
    static long distinct(List<Timed> events) {
        return events.stream().map(Timed::json).distinct().count();
    }

    /** The events after the cut whose id the job had not seen before it. */
    List<String> newEventsAfter() {
        List<String> seen = eventsBefore.stream().map(Timed::json).toList();
        return eventsAfter.stream().map(Timed::json).filter(j -> !seen.contains(j)).distinct().toList();
    }

    /** The traces with an event after the cut: the rows a restored job writes. */
    List<Trace> tracesAfter() {
        return traces.stream().filter(t -> t.finished() >= CUT).toList();
    }

    /** The traces open at the cut: created before it, finished after. */
    List<Trace> tracesOpenAtCut() {
        return traces.stream().filter(t -> t.created() < CUT && t.finished() >= CUT).toList();
    }

    private static Point flushPoint(int partition, long tsMicros) {
        for (int h = 0; ; h++) {
            Point p = new Point("flush", "p" + h, tsMicros, 0);
            if (p.partition() == partition) {
                return p;
            }
        }
    }

    /** The split jobs, in the order they are started and stopped. */
    static final List<ChronicleJob> SPLIT_JOBS = List.of(ChronicleJob.INGEST, ChronicleJob.ROLLUPS,
            ChronicleJob.VIEWS, ChronicleJob.ALERTS, ChronicleJob.DELIVERY);

    /** The topics of a run; the alerts topic has one partition, so its offsets are one sequence. */
    static void createTopics(ItServices services, Configuration conf) throws Exception {
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_POINTS), PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), PARTITIONS, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        if (conf.get(ChronicleOptions.ALERTS_ENABLED)) {
            services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES), 1, true);
            services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
            services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_ALERTS), 1, false);
        }
    }

    /**
     * Starts each split job at its parallelism, each from its savepoint in {@code savepoints}
     * where there is one; cancels those started if one fails to start.
     */
    static Map<ChronicleJob, JobClient> startSplit(ItServices services, Configuration conf, String run,
            Map<ChronicleJob, Integer> parallelism, Map<ChronicleJob, String> savepoints) throws Exception {
        Map<ChronicleJob, JobClient> started = new LinkedHashMap<>();
        try {
            for (ChronicleJob job : SPLIT_JOBS) {
                Configuration jobConf = new Configuration(conf);
                jobConf.set(ChronicleOptions.JOB, job);
                started.put(job, start(services, jobConf, run + "-" + job, parallelism.get(job), savepoints.get(job)));
            }
        } catch (Exception | AssertionError e) {
            for (JobClient client : started.values()) {
                client.cancel();
            }
            throw e;
        }
        return started;
    }

    /** Starts the job {@code conf} names at {@code parallelism}, from {@code savepoint} unless null. */
    static JobClient start(ItServices services, Configuration conf, String run, int parallelism, String savepoint)
            throws Exception {
        Configuration jobConf = services.jobConf(conf, run);
        if (savepoint != null) {
            jobConf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(parallelism);
        IngestJob.fromConfig(conf).build(env);
        return env.executeAsync(IngestJob.jobName(conf));
    }
}
