package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertReceivers;
import io.chronicle.core.alerts.AlertReceivers.Receiver;
import io.chronicle.core.alerts.Fingerprints;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Hands each alert notification to every receiver's queue and returns; delivery happens on the
 * writer's own threads. See {@link AlertDeliverySink} for the guarantees.
 */
final class AlertDeliveryWriter implements StatefulSinkWriter<AlertNotification, AlertDeliveryState> {

    private static final Logger LOG = LoggerFactory.getLogger(AlertDeliveryWriter.class);
    private static final Set<String> STATES = Set.of(AlertNotification.PENDING,
            AlertNotification.FIRING, AlertNotification.RESOLVED, AlertNotification.INACTIVE);

    private final AlertReceivers receivers;
    private final AlertTracker tracker = new AlertTracker();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService httpExecutor;
    private final Map<String, ReceiverChannel> channels = new LinkedHashMap<>();
    private final Counter deduplicated;
    private final Counter invalid;

    AlertDeliveryWriter(AlertReceivers receivers, MetricGroup metrics, int subtask,
            Collection<AlertDeliveryState> restored, LongSupplier clock) {
        this.receivers = receivers;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                daemon("chronicle-alert-delivery-" + subtask));
        this.httpExecutor = Executors.newCachedThreadPool(daemon("chronicle-alert-http-" + subtask));
        Duration connectTimeout = receivers.receivers().stream().map(r -> r.delivery.timeout)
                .max(Duration::compareTo).orElse(Duration.ofSeconds(10));
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(httpExecutor)
                .build();
        this.deduplicated = metrics.counter("deduplicated");
        this.invalid = metrics.counter("invalid");
        for (Receiver receiver : receivers.receivers()) {
            channels.put(receiver.name, new ReceiverChannel(receiver, receivers.externalUrl(),
                    tracker, client, scheduler, clock, metrics.addGroup("receiver", receiver.name)));
        }
        restore(restored);
        for (Receiver receiver : receivers.receivers()) {
            long every = receiver.delivery.resendInterval.toNanos();
            if (every > 0) {
                ReceiverChannel channel = channels.get(receiver.name);
                scheduler.scheduleWithFixedDelay(
                        channel::requestResend, every, every, TimeUnit.NANOSECONDS);
            }
        }
    }

    @Override
    public void write(AlertNotification notification, Context context) {
        AlertNotification n = checked(notification);
        if (n == null) {
            invalid.inc();
            LOG.warn("Alert notification without labels or with an unknown state is not sent: {}",
                    notification);
            return;
        }
        switch (tracker.observe(n)) {
            case DELIVER:
                channels.values().forEach(c -> c.offer(n));
                break;
            case DUPLICATE:
                deduplicated.inc();
                break;
            case QUIET:
                break;
        }
    }

    /**
     * Before a checkpoint nothing is awaited: the undelivered alerts go into the checkpoint. At
     * the end of a bounded input, waits up to the flush timeout for them to be delivered.
     */
    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        if (!endOfInput) {
            return;
        }
        long deadline = System.nanoTime() + receivers.flushTimeout().toNanos();
        for (ReceiverChannel channel : channels.values()) {
            if (!channel.awaitDelivered(deadline)) {
                LOG.warn("Alert receiver '{}' still has {} undelivered alert(s) at the end of the"
                                + " input after {}", channel.name(), channel.undeliveredCount(),
                        receivers.flushTimeout());
            }
        }
    }

    @Override
    public List<AlertDeliveryState> snapshotState(long checkpointId) {
        Map<String, List<AlertNotification>> undelivered = new HashMap<>();
        channels.forEach((name, channel) -> {
            List<AlertNotification> left = channel.undelivered();
            if (!left.isEmpty()) {
                undelivered.put(name, left);
            }
        });
        return List.of(new AlertDeliveryState(tracker.snapshot(), undelivered));
    }

    @Override
    public void close() {
        channels.values().forEach(ReceiverChannel::close);
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
    }

    private void restore(Collection<AlertDeliveryState> states) {
        List<AlertNotification> tracked = new ArrayList<>();
        for (AlertDeliveryState state : states) {
            tracked.addAll(state.tracked);
        }
        tracker.restore(tracked);
        for (AlertDeliveryState state : states) {
            state.undelivered.forEach((name, alerts) -> {
                ReceiverChannel channel = channels.get(name);
                if (channel == null) {
                    LOG.warn("Alert receiver '{}' is no longer configured: {} alert(s) restored for"
                            + " it are not sent", name, alerts.size());
                } else {
                    alerts.forEach(channel::offer);
                }
            });
        }
    }

    /**
     * A copy the writer may keep (the caller may reuse its object), with the fingerprint computed
     * when missing; null when the notification cannot be sent.
     */
    private static AlertNotification checked(AlertNotification in) {
        if (in == null || in.labels == null || in.labels.isEmpty() || !STATES.contains(in.state)
                || in.labels.entrySet().stream().anyMatch(e -> e.getKey() == null || e.getValue() == null)) {
            return null;
        }
        AlertNotification n = new AlertNotification();
        n.fingerprint = in.fingerprint != null ? in.fingerprint : Fingerprints.of(in.labels);
        n.state = in.state;
        n.tenant = in.tenant;
        n.ruleName = in.ruleName;
        n.seriesId = in.seriesId;
        n.labels = new HashMap<>(in.labels);
        n.annotations = in.annotations == null ? new HashMap<>() : new HashMap<>(in.annotations);
        n.startsAtMicros = in.startsAtMicros;
        n.endsAtMicros = in.endsAtMicros;
        n.changedAtMicros = in.changedAtMicros;
        n.value = in.value;
        n.generatorUrl = in.generatorUrl;
        return n;
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
