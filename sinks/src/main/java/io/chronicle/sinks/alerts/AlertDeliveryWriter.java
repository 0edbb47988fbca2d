package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertReceivers;
import io.chronicle.core.alerts.Fingerprints;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private final AlertDispatcher dispatcher;
    private final Map<String, ReceiverChannel> channels;
    private final Counter deduplicated;
    private final Counter invalid;

    AlertDeliveryWriter(AlertReceivers receivers, MetricGroup metrics, int subtask,
            Collection<AlertDeliveryState> restored, LongSupplier clock) {
        this.receivers = receivers;
        this.dispatcher = new AlertDispatcher(
                receivers, metrics, "chronicle-alert-delivery-" + subtask, clock);
        this.channels = dispatcher.channels();
        this.deduplicated = metrics.counter("deduplicated");
        this.invalid = metrics.counter("invalid");
        restore(restored);
        dispatcher.startResending(receivers);
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
        if (dispatcher.decide(n) == AlertTracker.Decision.DUPLICATE) {
            deduplicated.inc();
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
        return List.of(new AlertDeliveryState(dispatcher.trackedSnapshot(), undelivered));
    }

    @Override
    public void close() {
        dispatcher.close();
    }

    private void restore(Collection<AlertDeliveryState> states) {
        List<AlertNotification> tracked = new ArrayList<>();
        for (AlertDeliveryState state : states) {
            tracked.addAll(state.tracked);
        }
        dispatcher.restoreTracked(tracked);
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
}
