package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;

import java.util.List;
import java.util.Map;

/**
 * What one writer checkpoints: the last state of each alert it has seen (for deduplication and
 * resends) and, per receiver, the alerts that receiver has not accepted yet, in sending order.
 */
public final class AlertDeliveryState {

    public final List<AlertNotification> tracked;
    public final Map<String, List<AlertNotification>> undelivered;

    public AlertDeliveryState(
            List<AlertNotification> tracked, Map<String, List<AlertNotification>> undelivered) {
        this.tracked = tracked;
        this.undelivered = undelivered;
    }
}
