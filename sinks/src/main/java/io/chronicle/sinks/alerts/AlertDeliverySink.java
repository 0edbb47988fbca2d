package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertReceivers;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Delivers alert notifications to the HTTP receivers of {@code chronicle.alerts.receivers.*}: Alertmanager
 * (API v2) or any webhook taking Alertmanager's webhook payload. Attach it with an explicit uid:
 *
 * <pre>{@code
 * AlertDeliverySink.fromConfig(conf).ifPresent(sink ->
 *         notifications.sinkTo(sink).uid("alert-delivery").name("alert-delivery"));
 * }</pre>
 *
 * <p>Each writer remembers the last state of the alerts it sees, for deduplication and resends,
 * and keeps order per receiver: all notifications of one alert must reach the same subtask in
 * order, as they do when the sink follows the keyed evaluator with the same parallelism, or after
 * a {@code keyBy} on the fingerprint.
 *
 * <p>The pipeline never waits for a receiver and a receiver's failure never fails the job:
 * {@code write} puts the notification in each receiver's bounded queue and returns; each
 * writer's sender thread posts batches with retries and exponential backoff, a token-bucket rate
 * limit and a circuit breaker per receiver.
 *
 * <p>Which notifications are sent: firing and resolved ones. Pending and inactive ones (an alert
 * that ended without firing) are not, as receivers know only firing and resolved. A notification
 * repeating its alert's last state (a replay, an evaluator announcing its state again) is dropped
 * and counted in {@code deduplicated}. Alertmanager receivers also get every firing alert again
 * each {@code resend-interval}, since Alertmanager resolves an alert it has not heard of for its
 * {@code resolve_timeout}.
 *
 * <p>Guarantee: at least once, with stated losses. Checkpoints do not wait for receivers: every
 * alert not yet accepted, queued or under retry, is part of the writer's checkpointed state, and
 * goes out again after a restore. So does an alert accepted between the checkpoint and a failure,
 * and the upstream replay resends what followed the checkpoint. Alertmanager deduplicates by
 * labels, so such repeats are harmless there; webhook receivers may see one twice. An alert is
 * lost, counted in {@code dropped} and logged at WARN with its receiver and fingerprint, when its
 * receiver's queue is full (the oldest goes), when its batch fails {@code max-attempts} times, or
 * when the receiver refuses it: any status but 2xx, 408, 429 and 5xx, which are retried.
 *
 * <p>Metrics, per receiver under {@code receiver=<name>}: {@code delivered}, {@code
 * failedAttempts}, {@code dropped} (counters), {@code circuitOpen} (1 while open or half-open)
 * and {@code queued} (gauges); per writer: {@code deduplicated} and {@code invalid}
 * (notifications without labels or with an unknown state).
 */
public final class AlertDeliverySink implements Sink<AlertNotification>,
        SupportsWriterState<AlertNotification, AlertDeliveryState> {

    private static final long serialVersionUID = 1L;

    private final AlertReceivers receivers;

    public AlertDeliverySink(AlertReceivers receivers) {
        this.receivers = receivers;
    }

    /** The sink of the configured receivers; empty when none is configured. */
    public static Optional<AlertDeliverySink> fromConfig(Configuration conf) {
        AlertReceivers receivers = AlertReceivers.from(conf);
        return receivers.isEmpty() ? Optional.empty() : Optional.of(new AlertDeliverySink(receivers));
    }

    @Override
    public SinkWriter<AlertNotification> createWriter(WriterInitContext context) {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<AlertNotification, AlertDeliveryState> restoreWriter(
            WriterInitContext context, Collection<AlertDeliveryState> recoveredState) {
        return new AlertDeliveryWriter(receivers, context.metricGroup(),
                context.getTaskInfo().getIndexOfThisSubtask(), recoveredState, System::nanoTime);
    }

    @Override
    public SimpleVersionedSerializer<AlertDeliveryState> getWriterStateSerializer() {
        return new AlertDeliveryStateSerializer();
    }
}
