package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.TimedTraffic.Point;
import io.chronicle.jobs.TimedTraffic.Timed;
import io.chronicle.jobs.TimedTraffic.Trace;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.configuration.StateRecoveryOptions;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;

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

    final List<Point> points;
    final List<Point> pointsBefore;
    final List<Point> pointsAfter;
    final List<Trace> traces;
    final List<Timed> eventsBefore;
    final List<Timed> eventsAfter;

    UpgradeTraffic() {
        Random random = new Random(2026);
        points = TimedTraffic.points(T0 * 1_000, (T0 + 70 * 60_000L) * 1_000, random);
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

    /** Starts the ingest job at {@code parallelism}, from {@code savepoint} unless null. */
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
