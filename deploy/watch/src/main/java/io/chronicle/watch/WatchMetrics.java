package io.chronicle.watch;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The watcher's Prometheus metrics. Every value is read, when scraped, from the measures of the
 * last round, published whole, so a scrape never sees half of one round and half of another, and
 * a job, partition or table no longer watched drops out.
 */
final class WatchMetrics {

    private volatile WatchEvaluator.Measures latest;
    private volatile long lastRoundMillis;
    private volatile long rounds;

    WatchMetrics(PrometheusRegistry registry, ReceiverMetrics receivers) {
        gauge(registry, "chronicle_watch_job_running", "1 when the job of that name is running, else 0",
                new String[] {"job"}, (m, cb) -> jobs(m).forEach((job, j) ->
                        cb.accept(j.status() == JobStatus.RUNNING ? 1.0 : 0.0, new String[] {job})));
        gauge(registry, "chronicle_watch_job_status",
                "1 for the job's status: running, restarting, failing, failed, canceled, missing, ...",
                new String[] {"job", "status"}, (m, cb) -> jobs(m).forEach((job, j) ->
                        cb.accept(1.0, new String[] {job, j.status().label()})));
        gauge(registry, "chronicle_watch_job_restarts", "Restarts of the job's current submission",
                new String[] {"job"}, (m, cb) -> jobs(m).forEach((job, j) -> {
                    if (j.restarts() != null) {
                        cb.accept(j.restarts(), new String[] {job});
                    }
                }));
        gauge(registry, "chronicle_watch_job_restarts_in_window",
                "Restarts of the job within chronicle.watch.restart-window",
                new String[] {"job"}, each(WatchEvaluator.Measures::restartsInWindow, v -> v));
        gauge(registry, "chronicle_watch_checkpoint_age_seconds",
                "Seconds since the job's latest completed checkpoint (or its start)",
                new String[] {"job"}, each(WatchEvaluator.Measures::checkpointAgeSeconds, v -> v));
        gauge(registry, "chronicle_watch_watermark_lag_seconds",
                "Seconds the job's lowest task watermark trails the wall clock",
                new String[] {"job"}, each(WatchEvaluator.Measures::watermarkLagSeconds, v -> v));
        gauge(registry, "chronicle_watch_consumer_lag_records",
                "Records between a consumer group's committed offset and a partition's end",
                new String[] {"group", "topic", "partition"}, (m, cb) -> {
                    if (m.partitionLags() != null) {
                        m.partitionLags().forEach(p -> cb.accept(p.lag(),
                                new String[] {p.group(), p.topic(), Integer.toString(p.partition())}));
                    }
                });
        gauge(registry, "chronicle_watch_consumer_lag_topic_records",
                "A consumer group's lag on a topic, summed over its partitions",
                new String[] {"group", "topic"}, (m, cb) -> {
                    if (m.topicLag() != null) {
                        m.topicLag().forEach((group, topics) -> topics.forEach((topic, lag) ->
                                cb.accept(lag, new String[] {group, topic})));
                    }
                });
        gauge(registry, "chronicle_watch_table_commit_age_seconds",
                "Seconds since the table's last Iceberg commit (or the watcher's start)",
                new String[] {"table"}, each(WatchEvaluator.Measures::commitAgeSeconds, v -> v));
        gauge(registry, "chronicle_watch_target_up",
                "1 when the last round could read the target (flink, kafka, catalog), else 0",
                new String[] {"target"}, (m, cb) -> m.targetUp().forEach((target, up) ->
                        cb.accept(up ? 1.0 : 0.0, new String[] {target.label()})));
        gauge(registry, "chronicle_watch_alerts_firing", "The watcher's alerts firing, by alertname",
                new String[] {"alertname"}, each(WatchEvaluator.Measures::firing, v -> v));
        registry.register(GaugeWithCallback.builder().name("chronicle_watch_last_round_timestamp_seconds")
                .help("When the watcher's last round ended, epoch seconds")
                .callback(cb -> {
                    if (latest != null) {
                        cb.call(lastRoundMillis / 1000.0);
                    }
                }).build());
        registry.register(CounterWithCallback.builder().name("chronicle_watch_rounds")
                .help("Rounds of measuring and evaluating done").callback(cb -> cb.call(rounds)).build());
        receiverCounter(registry, receivers, "chronicle_watch_alerts_delivered", "delivered",
                "Alerts a receiver accepted");
        receiverCounter(registry, receivers, "chronicle_watch_alerts_dropped", "dropped",
                "Alerts given up for a receiver (retries exhausted, refused, or its queue full)");
        receiverCounter(registry, receivers, "chronicle_watch_alerts_failed_attempts", "failedAttempts",
                "Requests to a receiver that failed");
        receiverGauge(registry, receivers, "chronicle_watch_alerts_queued", "queued",
                "Alerts waiting for a receiver");
        receiverGauge(registry, receivers, "chronicle_watch_receiver_circuit_open", "circuitOpen",
                "1 while a receiver's circuit breaker is open");
    }

    /** Publishes one round's measures. */
    void update(WatchEvaluator.Measures measures, long nowMillis) {
        lastRoundMillis = nowMillis;
        latest = measures;
        rounds++;
    }

    /** The jobs read this round; none when Flink could not be read. */
    private static Map<String, Observation.Job> jobs(WatchEvaluator.Measures m) {
        return m.jobs() == null ? Map.of() : m.jobs();
    }

    /** Writes one sample per label values: {@code (value, labelValues)}. */
    private interface Samples {
        void each(WatchEvaluator.Measures m, BiConsumer<Number, String[]> sample);
    }

    private void gauge(PrometheusRegistry registry, String name, String help, String[] labels, Samples samples) {
        registry.register(GaugeWithCallback.builder().name(name).help(help).labelNames(labels)
                .callback(cb -> {
                    WatchEvaluator.Measures m = latest;
                    if (m != null) {
                        samples.each(m, (value, values) -> cb.call(value.doubleValue(), values));
                    }
                }).build());
    }

    /** Samples of a map by one label; a map null (its target unreadable) gives none. */
    private static <V> Samples each(Function<WatchEvaluator.Measures, Map<String, V>> map,
            Function<V, Number> value) {
        return (m, sample) -> {
            Map<String, V> values = map.apply(m);
            if (values != null) {
                values.forEach((key, v) -> sample.accept(value.apply(v), new String[] {key}));
            }
        };
    }

    private static void receiverCounter(PrometheusRegistry registry, ReceiverMetrics receivers,
            String name, String metric, String help) {
        registry.register(CounterWithCallback.builder().name(name).help(help).labelNames("receiver")
                .callback(cb -> receivers.counts(metric).forEach((r, v) -> cb.call(v, r))).build());
    }

    private static void receiverGauge(PrometheusRegistry registry, ReceiverMetrics receivers,
            String name, String metric, String help) {
        registry.register(GaugeWithCallback.builder().name(name).help(help).labelNames("receiver")
                .callback(cb -> receivers.gauges(metric).forEach((r, v) -> cb.call(v, r))).build());
    }
}
