package io.chronicle.watch;

import io.chronicle.core.WatchSettings;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.Fingerprints;
import io.chronicle.core.alerts.HealthRules;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns each round's {@link Observation} into measures and alert changes, with Prometheus' alert
 * lifecycle: a condition that starts to hold makes its alert pending, one that has held for
 * {@code chronicle.watch.for} fires it, and one that stops holding resolves it. A target that
 * could not be read leaves its alerts as they were (neither fired nor resolved on no evidence)
 * and fires {@link #WATCH_BLIND} instead. Not thread-safe: one round at a time.
 */
public final class WatchEvaluator {

    public static final String JOB_NOT_RUNNING = "ChronicleJobNotRunning";
    public static final String JOB_RESTARTING = "ChronicleJobRestarting";
    public static final String CHECKPOINTS_STALE = "ChronicleCheckpointsStale";
    public static final String WATERMARK_LAGGING = "ChronicleWatermarkLagging";
    public static final String CONSUMER_LAG = "ChronicleConsumerLag";
    public static final String TABLE_COMMIT_STALE = "ChronicleTableCommitStale";
    public static final String WATCH_BLIND = "ChronicleWatchBlind";

    /** The label telling the watcher's alerts from the jobs' own health alerts. */
    public static final String SOURCE_LABEL = "source";
    public static final String SOURCE = "chronicle-watch";

    /** Which target each alert's condition is read from. */
    private static final Map<String, Target> TARGET_OF = Map.of(
            JOB_NOT_RUNNING, Target.FLINK,
            JOB_RESTARTING, Target.FLINK,
            CHECKPOINTS_STALE, Target.FLINK,
            WATERMARK_LAGGING, Target.FLINK,
            CONSUMER_LAG, Target.KAFKA,
            TABLE_COMMIT_STALE, Target.CATALOG);

    /** A condition that holds this round, with what the alert says about it. */
    private record Holding(Map<String, String> labels, double value, String summary) {}

    /** An alert that is pending or firing. */
    private static final class Active {
        final Map<String, String> labels;
        final long pendingSinceMillis;
        long firedAtMillis;
        boolean firing;
        Map<String, String> annotations;
        double value;

        Active(Map<String, String> labels, long pendingSinceMillis) {
            this.labels = labels;
            this.pendingSinceMillis = pendingSinceMillis;
        }
    }

    /** Restarts seen for one job name: the job id and count last read, and recent increases. */
    private static final class Restarts {
        String jobId;
        long count;
        final Deque<long[]> increases = new ArrayDeque<>();
    }

    private final WatchSettings settings;
    private final long watchStartMillis;
    /** By fingerprint, in the order they became active. */
    private final Map<String, Active> active = new LinkedHashMap<>();
    private final Map<String, Restarts> restarts = new HashMap<>();

    public WatchEvaluator(WatchSettings settings, long watchStartMillis) {
        this.settings = settings;
        this.watchStartMillis = watchStartMillis;
    }

    /** One round's result: the measures, and the changes of alerts to tell receivers. */
    public record Evaluation(Measures measures, List<AlertNotification> changes) {}

    /**
     * The watcher's measures of one round; a part whose target could not be read is null.
     *
     * @param restartsInWindow by job name, restarts within chronicle.watch.restart-window
     * @param checkpointAgeSeconds by job name, for jobs that are not terminal
     * @param watermarkLagSeconds by job name, for running jobs with a watermark
     * @param topicLag by group, then topic: records behind, summed over partitions
     * @param commitAgeSeconds by table
     * @param firing the alerts firing after this round, by alertname
     */
    public record Measures(Map<String, Observation.Job> jobs, Map<String, Long> restartsInWindow,
            Map<String, Double> checkpointAgeSeconds, Map<String, Double> watermarkLagSeconds,
            List<Observation.PartitionLag> partitionLags, Map<String, Map<String, Long>> topicLag,
            Map<String, Double> commitAgeSeconds, Map<Target, Boolean> targetUp,
            Map<String, Integer> firing) {}

    public Evaluation evaluate(Observation o) {
        long now = o.nowMillis();
        Map<String, List<Holding>> holding = new HashMap<>();
        Map<String, Long> restartsInWindow = null;
        Map<String, Double> checkpointAges = null;
        Map<String, Double> watermarkLags = null;
        if (o.jobs() != null) {
            restartsInWindow = new TreeMap<>();
            checkpointAges = new TreeMap<>();
            watermarkLags = new TreeMap<>();
            for (String name : settings.jobs) {
                Observation.Job job = o.jobs().getOrDefault(name, Observation.Job.missing(name));
                Map<String, String> labels = labels(JOB_NOT_RUNNING, "critical", "job", name);
                if (job.status() != JobStatus.RUNNING) {
                    add(holding, new Holding(labels, 1.0, "Job " + name + " is " + job.status().label()
                            + (job.status() == JobStatus.MISSING ? " (no job of that name in the cluster)" : "")));
                }
                long recent = restartsInWindow(name, job, now);
                restartsInWindow.put(name, recent);
                if (recent > settings.maxRestarts) {
                    add(holding, new Holding(labels(JOB_RESTARTING, "critical", "job", name), recent,
                            "Job " + name + " restarted " + recent + " times within "
                                    + human(settings.restartWindow) + " (more than " + settings.maxRestarts + ")"));
                }
                if (!job.status().isTerminal()) {
                    long since = Math.max(job.startMillis(),
                            job.lastCheckpointMillis() == null ? Long.MIN_VALUE : job.lastCheckpointMillis());
                    double age = Math.max(0L, now - since) / 1000.0;
                    checkpointAges.put(name, age);
                    if (age > settings.maxCheckpointAge.toMillis() / 1000.0) {
                        add(holding, new Holding(labels(CHECKPOINTS_STALE, "critical", "job", name), age,
                                "Job " + name + " has completed no checkpoint for " + seconds(age)
                                        + " (more than " + human(settings.maxCheckpointAge) + ")"));
                    }
                }
                if (job.status() == JobStatus.RUNNING && job.lowestWatermarkMillis() != null) {
                    double lag = (now - job.lowestWatermarkMillis()) / 1000.0;
                    watermarkLags.put(name, lag);
                    if (lag > settings.maxWatermarkLag.toMillis() / 1000.0) {
                        add(holding, new Holding(labels(WATERMARK_LAGGING, "warning", "job", name), lag,
                                "Job " + name + "'s lowest watermark trails the wall clock by "
                                        + seconds(lag) + " (more than " + human(settings.maxWatermarkLag) + ")"));
                    }
                }
            }
        }
        Map<String, Map<String, Long>> topicLag = null;
        if (o.lags() != null) {
            topicLag = new TreeMap<>();
            for (Observation.PartitionLag p : o.lags()) {
                topicLag.computeIfAbsent(p.group(), g -> new TreeMap<>()).merge(p.topic(), p.lag(), Long::sum);
            }
            topicLag.forEach((group, topics) -> topics.forEach((topic, lag) -> {
                if (lag > settings.maxConsumerLag) {
                    add(holding, new Holding(labels(CONSUMER_LAG, "warning", "group", group, "topic", topic), lag,
                            "Consumer group " + group + " is " + lag + " records behind on " + topic
                                    + " (more than " + settings.maxConsumerLag + ")"));
                }
            }));
        }
        Map<String, Double> commitAges = null;
        if (o.lastCommits() != null) {
            commitAges = new TreeMap<>();
            for (Map.Entry<String, Long> e : o.lastCommits().entrySet()) {
                long since = Math.max(watchStartMillis, e.getValue() == null ? Long.MIN_VALUE : e.getValue());
                double age = Math.max(0L, now - since) / 1000.0;
                commitAges.put(e.getKey(), age);
                if (age > settings.maxCommitAge.toMillis() / 1000.0) {
                    add(holding, new Holding(labels(TABLE_COMMIT_STALE, "warning", "table", e.getKey()), age,
                            "Table " + settings.namespace + "." + e.getKey() + " has had no commit for "
                                    + seconds(age) + " (more than " + human(settings.maxCommitAge) + ")"));
                }
            }
        }
        Map<Target, Boolean> targetUp = new TreeMap<>();
        for (Target target : Target.values()) {
            String why = o.unreachable().get(target);
            targetUp.put(target, why == null);
            if (why != null) {
                add(holding, new Holding(labels(WATCH_BLIND, "critical", "target", target.label()), 1.0,
                        "The watcher cannot read " + target.label() + ": " + why));
            }
        }
        List<AlertNotification> changes = transition(o, holding);
        Map<String, Integer> firing = new TreeMap<>();
        active.values().stream().filter(a -> a.firing)
                .forEach(a -> firing.merge(a.labels.get("alertname"), 1, Integer::sum));
        return new Evaluation(new Measures(o.jobs(), restartsInWindow, checkpointAges, watermarkLags,
                o.lags(), topicLag, commitAges, targetUp, firing), changes);
    }

    /** Moves every alert along its lifecycle; returns the changes to fire or resolve. */
    private List<AlertNotification> transition(Observation o, Map<String, List<Holding>> holding) {
        long now = o.nowMillis();
        List<AlertNotification> changes = new ArrayList<>();
        Map<String, Holding> holdingByFingerprint = new LinkedHashMap<>();
        holding.values().forEach(list -> list.forEach(h -> holdingByFingerprint.put(Fingerprints.of(h.labels), h)));
        for (Iterator<Map.Entry<String, Active>> it = active.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Active> e = it.next();
            if (holdingByFingerprint.containsKey(e.getKey()) || !evaluated(o, e.getValue().labels)) {
                continue;
            }
            Active a = e.getValue();
            if (a.firing) {
                changes.add(notification(e.getKey(), a, AlertNotification.RESOLVED, now));
            }
            it.remove();
        }
        for (Map.Entry<String, Holding> e : holdingByFingerprint.entrySet()) {
            Holding h = e.getValue();
            Active a = active.computeIfAbsent(e.getKey(), f -> new Active(h.labels, now));
            a.value = h.value;
            a.annotations = Map.of("summary", h.summary);
            if (!a.firing && now - a.pendingSinceMillis >= settings.forDuration.toMillis()) {
                a.firing = true;
                a.firedAtMillis = now;
                changes.add(notification(e.getKey(), a, AlertNotification.FIRING, now));
            }
        }
        return changes;
    }

    /** Whether this round read the target an alert's condition comes from. */
    private static boolean evaluated(Observation o, Map<String, String> labels) {
        Target target = TARGET_OF.get(labels.get("alertname"));
        return target == null || !o.unreachable().containsKey(target);
    }

    /**
     * Restarts of {@code name} within the window. A job id's restart count only grows; a new job
     * id (a new submission) starts its own count.
     */
    private long restartsInWindow(String name, Observation.Job job, long now) {
        Restarts r = restarts.computeIfAbsent(name, n -> new Restarts());
        if (job.jobId() != null && job.restarts() != null) {
            long increase = job.jobId().equals(r.jobId) ? job.restarts() - r.count : job.restarts();
            if (increase > 0) {
                r.increases.addLast(new long[] {now, increase});
            }
            r.jobId = job.jobId();
            r.count = job.restarts();
        }
        long from = now - settings.restartWindow.toMillis();
        while (!r.increases.isEmpty() && r.increases.peekFirst()[0] <= from) {
            r.increases.removeFirst();
        }
        return r.increases.stream().mapToLong(i -> i[1]).sum();
    }

    private static AlertNotification notification(String fingerprint, Active a, String state, long now) {
        AlertNotification n = new AlertNotification();
        n.fingerprint = fingerprint;
        n.state = state;
        n.tenant = HealthRules.SYSTEM_TENANT;
        n.ruleName = a.labels.get("alertname");
        n.labels = new TreeMap<>(a.labels);
        n.annotations = new TreeMap<>(a.annotations);
        n.startsAtMicros = a.firedAtMillis * 1000L;
        n.endsAtMicros = AlertNotification.RESOLVED.equals(state) ? now * 1000L : null;
        n.changedAtMicros = now * 1000L;
        n.value = a.value;
        return n;
    }

    private static Map<String, String> labels(String alertname, String severity, String... pairs) {
        Map<String, String> labels = new TreeMap<>();
        labels.put("alertname", alertname);
        labels.put("severity", severity);
        labels.put("tenant", HealthRules.SYSTEM_TENANT);
        labels.put(SOURCE_LABEL, SOURCE);
        for (int i = 0; i < pairs.length; i += 2) {
            labels.put(pairs[i], pairs[i + 1]);
        }
        return labels;
    }

    private static void add(Map<String, List<Holding>> holding, Holding h) {
        holding.computeIfAbsent(h.labels.get("alertname"), k -> new ArrayList<>()).add(h);
    }

    private static String seconds(double s) {
        return String.format(java.util.Locale.ROOT, "%.0f s", s);
    }

    private static String human(Duration d) {
        return d.toSeconds() + " s";
    }
}
