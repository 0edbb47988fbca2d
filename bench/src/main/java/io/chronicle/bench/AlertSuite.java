package io.chronicle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.IngestJob;
import io.chronicle.workload.Workload;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * How long an alert takes from the point that causes it to its message on the alerts topic, with
 * the ingest job running as deployed (RocksDB state, exactly-once checkpoints) under a steady
 * background load. A threshold rule with {@code for: 0s} watches the probe series, whose points
 * take turns firing and resolving their alerts; each change is timed from just before its point
 * is produced until a consumer in this process reads it.
 */
final class AlertSuite implements Suite {

    private static final String RUN = "alerts";
    private static final String TOPIC = "bench-points";
    /** Load beyond the triggers' span, so it lasts while the last alerts come back. */
    private static final long LOAD_MARGIN_SECONDS = 60;
    private static final Duration DRAIN = Duration.ofSeconds(30);
    /** The job keeps up once this many alerts in a row fired within Chronicle's promise of a second. */
    private static final int KEEPING_UP_ALERTS = 10;
    private static final Duration KEEPING_UP_WITHIN = Duration.ofSeconds(1);
    private static final Duration RULE_DEADLINE = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String name() {
        return "alerts";
    }

    @Override
    public String description() {
        return "Alert latency: a point crossing a threshold, produced into Kafka, until its firing"
                + " alert is read from the alerts topic, under steady background load";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.RATE, BenchOptions.TRIGGERS, BenchOptions.WARMUP_TRIGGERS,
                BenchOptions.TRIGGER_INTERVAL, BenchOptions.PROBES, BenchOptions.ROLLUPS_AND_VIEWS,
                BenchOptions.SPLIT_JOBS, BenchOptions.BUFFER_TIMEOUT,
                BenchOptions.SERIES, BenchOptions.TENANTS, BenchOptions.SAMPLE_INTERVAL,
                BenchOptions.OUT_OF_ORDER_SHARE, BenchOptions.MAX_DELAY, BenchOptions.SEED, BenchOptions.PARTITIONS,
                BenchOptions.PARALLELISM, BenchOptions.CHECKPOINT_INTERVAL, BenchOptions.WORK_DIR,
                BenchOptions.RESULTS_DIR);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        int rate = benchConf.get(BenchOptions.RATE);
        int partitions = benchConf.get(BenchOptions.PARTITIONS);
        boolean rollupsAndViews = benchConf.get(BenchOptions.ROLLUPS_AND_VIEWS);
        List<ChronicleJob> jobs = jobs(benchConf);
        long loadPoints = (long) rate * (maxSteps(benchConf) * stepNanos(benchConf) / 1_000_000_000L + LOAD_MARGIN_SECONDS);
        Workload workload = Workloads.from(benchConf, loadPoints);

        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), null);
        report.workload.put("rule", Probes.rule());
        report.workload.put("probe_series", benchConf.get(BenchOptions.PROBES));
        report.workload.put("background_series", benchConf.get(BenchOptions.SERIES));
        report.workload.put("background_points_per_second_asked", rate);
        report.workload.put("rollups_and_views", rollupsAndViews);
        report.workload.put("jobs", jobs.stream().map(ChronicleJob::jobName).toList());

        try (BenchEnvironment env = BenchEnvironment.start(benchConf, jobs.size())) {
            Configuration conf = env.chronicleConf(RUN, TOPIC);
            conf.set(ChronicleOptions.ROLLUP_ENABLED, rollupsAndViews);
            conf.set(ChronicleOptions.VIEWS_ENABLED, rollupsAndViews);
            env.kafka().createTopic(TOPIC, partitions, false);
            env.kafka().createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), partitions, false);
            env.kafka().createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
            env.kafka().createTopic(conf.get(ChronicleOptions.TOPIC_RULES), 1, true);
            env.kafka().createTopic(conf.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
            env.kafka().createTopic(conf.get(ChronicleOptions.TOPIC_ALERTS), 1, false);

            // The latency's figures of checkpoints and state are the job evaluating the rules.
            JobClient job = null;
            List<JobClient> started = new ArrayList<>();
            try (KafkaProducer<byte[], byte[]> probes = env.immediateProducer()) {
                for (ChronicleJob chronicleJob : jobs) {
                    System.out.println("Starting " + chronicleJob.jobName() + " ...");
                    Configuration jobConf = env.jobConf(withJob(conf, chronicleJob), RUN + "_" + chronicleJob);
                    jobConf.set(ExecutionOptions.BUFFER_TIMEOUT, benchConf.get(BenchOptions.BUFFER_TIMEOUT));
                    StreamExecutionEnvironment flink = new StreamExecutionEnvironment(jobConf);
                    IngestJob.fromConfig(jobConf).build(flink);
                    JobClient client = env.startJob(() -> flink.executeAsync(IngestJob.jobName(jobConf)));
                    started.add(client);
                    if (chronicleJob == ChronicleJob.ALL || chronicleJob == ChronicleJob.ALERTS) {
                        job = client;
                    }
                }
                probes.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_RULES),
                        Probes.RULE.getBytes(StandardCharsets.UTF_8),
                        Probes.rule().getBytes(StandardCharsets.UTF_8))).get();
                awaitAccepted(env, conf.get(ChronicleOptions.TOPIC_RULES_STATUS));
                System.out.println("Rule " + Probes.RULE + " accepted.");
                measure(env, job, started, probes, conf.get(ChronicleOptions.TOPIC_ALERTS), workload, benchConf, report);
            } finally {
                for (JobClient client : started) {
                    client.cancel().get(30, TimeUnit.SECONDS);
                }
            }
        }
        report.notes.add("what each figure means and what sets the latency: bench/README.md, section Alerts");
        if (Boolean.FALSE.equals(report.conditions.get("kept_up_before_measuring"))) {
            report.notes.add("the job did not keep up by the end of the warm-up: the figures include its backlog");
        }
        return report;
    }

    /** The all-in-one job, or the split jobs that do the same work ({@code --split-jobs}). */
    private static List<ChronicleJob> jobs(Configuration benchConf) {
        if (!benchConf.get(BenchOptions.SPLIT_JOBS)) {
            return List.of(ChronicleJob.ALL);
        }
        return benchConf.get(BenchOptions.ROLLUPS_AND_VIEWS)
                ? List.of(ChronicleJob.INGEST, ChronicleJob.ALERTS, ChronicleJob.ROLLUPS, ChronicleJob.VIEWS)
                : List.of(ChronicleJob.INGEST, ChronicleJob.ALERTS);
    }

    private static Configuration withJob(Configuration conf, ChronicleJob job) {
        Configuration withJob = new Configuration(conf);
        withJob.set(ChronicleOptions.JOB, job);
        return withJob;
    }

    /** At most: two steps per alert (the point that fires it, then the one that resolves it). */
    private static long maxSteps(Configuration benchConf) {
        return 2L * (benchConf.get(BenchOptions.WARMUP_TRIGGERS) + 2L * benchConf.get(BenchOptions.TRIGGERS));
    }

    private static long stepNanos(Configuration benchConf) {
        return benchConf.get(BenchOptions.TRIGGER_INTERVAL).toNanos() / 2;
    }

    /** Waits for the rules-status topic's answer to the probe rule; a rejection fails with its reason. */
    private static void awaitAccepted(BenchEnvironment env, String statusTopic) throws Exception {
        try (KafkaConsumer<byte[], byte[]> consumer = env.consumer()) {
            TopicPartition partition = new TopicPartition(statusTopic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + RULE_DEADLINE.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    JsonNode status = JSON.readTree(r.value());
                    if (Probes.RULE.equals(status.path("rule").asText())) {
                        if (!"accepted".equals(status.path("status").asText())) {
                            throw new IllegalStateException("rule " + Probes.RULE + " " + status);
                        }
                        return;
                    }
                }
            }
            throw new IllegalStateException("no answer to rule " + Probes.RULE + " on " + statusTopic
                    + " within " + RULE_DEADLINE.toMinutes() + " minutes");
        }
    }

    /**
     * Fires and resolves the warm-up's alerts, then the measured ones, with the background load
     * running throughout; records the latencies and the conditions they were measured under. The
     * warm-up goes on past its minimum until the job keeps up, for at most as many alerts again
     * as are measured.
     */
    private void measure(BenchEnvironment env, JobClient job, List<JobClient> jobs, KafkaProducer<byte[], byte[]> producer,
            String alertsTopic, Workload workload, Configuration benchConf, Report report) throws Exception {
        int minWarmup = benchConf.get(BenchOptions.WARMUP_TRIGGERS);
        int triggers = benchConf.get(BenchOptions.TRIGGERS);
        int partitions = benchConf.get(BenchOptions.PARTITIONS);
        long stepNanos = stepNanos(benchConf);
        LatencySamples firing = new LatencySamples();
        LatencySamples resolved = new LatencySamples();
        Probes probes = new Probes(benchConf.get(BenchOptions.PROBES), partitions);
        try (AlertListener listener = new AlertListener(env.consumer(), alertsTopic,
                Map.of(Probes.FIRING, firing, Probes.RESOLVED, resolved));
             BackgroundLoad load = BackgroundLoad.start(env, workload, TOPIC, partitions,
                     benchConf.get(BenchOptions.RATE))) {
            System.out.printf("Warming up: at least %d alerts, until the job keeps up ...%n", minWarmup);
            long start = System.nanoTime();
            long measuredFrom = 0;
            long ackedFrom = 0;
            double cpuFrom = 0;
            long checkpointsAfter = 0;
            long measuredStep = -1;
            for (long step = 0; measuredStep < 0 || step < measuredStep + 2L * triggers; step++) {
                if (measuredStep < 0 && step % 2 == 0 && warmedUp(firing, step / 2, minWarmup, triggers)) {
                    measuredStep = step;
                    report.conditions.put("warmup_alerts", step / 2);
                    report.conditions.put("kept_up_before_measuring", step / 2 < minWarmup + triggers);
                    System.out.printf("Measuring: %d alerts ...%n", triggers);
                    measuredFrom = System.nanoTime();
                    ackedFrom = load.acked();
                    cpuFrom = BenchEnvironment.processCpuSeconds();
                    checkpointsAfter = env.latestCheckpoint(job);
                }
                long wait = start + step * stepNanos - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                Probes.Point point = probes.point(step, load.eventMillis());
                (point.status().equals(Probes.FIRING) ? firing : resolved)
                        .sent(point.key(), System.nanoTime(), measuredStep >= 0);
                producer.send(new ProducerRecord<>(TOPIC, point.partition(), null, point.json()));
            }
            double seconds = (System.nanoTime() - measuredFrom) / 1e9;
            report.conditions.put("measured_seconds", Math.round(seconds * 10) / 10.0);
            report.conditions.put("background_points_per_second", Math.round((load.acked() - ackedFrom) / seconds));
            report.conditions.put("process_cpu_cores",
                    Math.round((BenchEnvironment.processCpuSeconds() - cpuFrom) / seconds * 100) / 100.0);
            BenchEnvironment.CheckpointFigures checkpoints = env.checkpointsAfter(job, checkpointsAfter);
            report.conditions.put("checkpoints", checkpoints.completed());
            report.conditions.put("checkpoint_ms_median", checkpoints.medianMillis());
            report.conditions.put("checkpoint_ms_max", checkpoints.maxMillis());
            report.conditions.put("checkpoint_alignment_ms_max", checkpoints.maxAlignmentMillis());

            Polls.until(DRAIN, Duration.ofMillis(100), () -> firing.missing() == 0 && resolved.missing() == 0
                    || listener.failure() != null);
            report.conditions.put("load_average", Math.round(BenchEnvironment.loadAverage() * 10) / 10.0);
            Map<String, JobStatus> states = new LinkedHashMap<>();
            for (JobClient client : jobs) {
                states.put(env.graph(client).getJobName(), env.state(client));
            }
            report.conditions.put("job_state", states.size() == 1 ? states.values().iterator().next() : states);
            report.latencies.add(firing.summary(Probes.FIRING));
            report.latencies.add(resolved.summary(Probes.RESOLVED));

            if (listener.failure() != null) {
                report.failures.add("reading the alerts topic failed: " + listener.failure());
            }
            for (Report.Latency l : report.latencies) {
                if (l.missing() > 0) {
                    report.failures.add(l.missing() + " " + l.sample() + " changes not on the alerts topic "
                            + DRAIN.toSeconds() + " s after the last point");
                }
            }
            states.forEach((name, state) -> {
                if (state != JobStatus.RUNNING) {
                    report.failures.add("job " + name + " was " + state + " at the end; see the log");
                }
            });
            if (load.failed() > 0) {
                report.failures.add(load.failed() + " background points not produced: " + load.firstFailure());
            }
            if (load.exhausted()) {
                report.failures.add("the background load ran out before the last alert");
            }
        }
    }

    /**
     * Whether the warm-up is over after {@code alerts} alerts: past its minimum, the job keeps up
     * (the last alerts that had a second to fire all did within it), or it has run as long as the
     * measurement will, which then starts regardless.
     */
    private static boolean warmedUp(LatencySamples firing, long alerts, int minWarmup, int triggers) {
        return alerts >= minWarmup && (alerts >= minWarmup + triggers
                || firing.keepingUp(KEEPING_UP_ALERTS, KEEPING_UP_WITHIN.toNanos(), System.nanoTime()));
    }
}
