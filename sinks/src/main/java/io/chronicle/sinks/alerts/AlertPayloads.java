package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.sinks.JsonBytes;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The two request bodies: Alertmanager's API v2 list of postable alerts, and Alertmanager's
 * webhook payload (version 4). Times are RFC 3339 in UTC; maps are written in key order so a
 * payload's bytes depend only on its alerts.
 */
final class AlertPayloads {

    /** Go's zero time, which Alertmanager's webhook gives as endsAt of a firing alert. */
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    static final String ALERTNAME = "alertname";
    private static final String WEBHOOK_VERSION = "4";

    private AlertPayloads() {}

    static boolean isResolved(AlertNotification n) {
        return AlertNotification.RESOLVED.equals(n.state);
    }

    /** When a resolved alert ended: its own end, or the change that resolved it. */
    static long endsAtMicros(AlertNotification n) {
        return n.endsAtMicros != null ? n.endsAtMicros : n.changedAtMicros;
    }

    /** {@code POST /api/v2/alerts}: endsAt is left out while firing, as Alertmanager expects. */
    static byte[] alertmanager(List<AlertNotification> alerts) {
        return JsonBytes.of(g -> {
            g.writeStartArray();
            for (AlertNotification n : alerts) {
                g.writeStartObject();
                JsonBytes.writeStringMap(g, "labels", n.labels);
                JsonBytes.writeStringMap(g, "annotations", n.annotations);
                g.writeStringField("startsAt", JsonBytes.rfc3339(n.startsAtMicros));
                if (isResolved(n)) {
                    g.writeStringField("endsAt", JsonBytes.rfc3339(endsAtMicros(n)));
                }
                if (n.generatorUrl != null) {
                    g.writeStringField("generatorURL", n.generatorUrl);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
        });
    }

    /**
     * One webhook notification for alerts sharing an {@code alertname}, shaped as Alertmanager
     * sends it for a route grouping by {@code alertname}.
     */
    static byte[] webhook(String receiver, String externalUrl, List<AlertNotification> alerts) {
        String alertname = alerts.get(0).labels.get(ALERTNAME);
        Map<String, String> groupLabels =
                alertname == null ? Map.of() : Map.of(ALERTNAME, alertname);
        boolean firing = alerts.stream().anyMatch(n -> !isResolved(n));
        return JsonBytes.of(g -> {
            g.writeStartObject();
            g.writeStringField("version", WEBHOOK_VERSION);
            g.writeStringField("groupKey", "{}:" + labelSet(groupLabels));
            g.writeNumberField("truncatedAlerts", 0);
            g.writeStringField("status", firing ? AlertNotification.FIRING : AlertNotification.RESOLVED);
            g.writeStringField("receiver", receiver);
            JsonBytes.writeStringMap(g, "groupLabels", groupLabels);
            JsonBytes.writeStringMap(g, "commonLabels", common(alerts, true));
            JsonBytes.writeStringMap(g, "commonAnnotations", common(alerts, false));
            g.writeStringField("externalURL", externalUrl);
            g.writeArrayFieldStart("alerts");
            for (AlertNotification n : alerts) {
                g.writeStartObject();
                g.writeStringField("status",
                        isResolved(n) ? AlertNotification.RESOLVED : AlertNotification.FIRING);
                JsonBytes.writeStringMap(g, "labels", n.labels);
                JsonBytes.writeStringMap(g, "annotations", n.annotations);
                g.writeStringField("startsAt", JsonBytes.rfc3339(n.startsAtMicros));
                g.writeStringField("endsAt", isResolved(n) ? JsonBytes.rfc3339(endsAtMicros(n)) : ZERO_TIME);
                g.writeStringField("generatorURL", n.generatorUrl == null ? "" : n.generatorUrl);
                g.writeStringField("fingerprint", n.fingerprint);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** The pairs every alert has, of its labels or of its annotations. */
    private static Map<String, String> common(List<AlertNotification> alerts, boolean labels) {
        Map<String, String> common = null;
        for (AlertNotification n : alerts) {
            Map<String, String> own = labels ? n.labels : n.annotations;
            if (common == null) {
                common = new HashMap<>(own == null ? Map.of() : own);
            } else {
                common.entrySet().removeIf(e -> own == null || !own.containsKey(e.getKey())
                        || !Objects.equals(e.getValue(), own.get(e.getKey())));
            }
        }
        return common == null ? Map.of() : common;
    }

    /** A label set as Alertmanager prints it in group keys: {@code {name="value", ...}}. */
    static String labelSet(Map<String, String> labels) {
        StringBuilder out = new StringBuilder("{");
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            if (out.length() > 1) {
                out.append(", ");
            }
            out.append(e.getKey()).append("=\"");
            for (char c : e.getValue().toCharArray()) {
                switch (c) {
                    case '"': out.append("\\\""); break;
                    case '\\': out.append("\\\\"); break;
                    case '\n': out.append("\\n"); break;
                    default: out.append(c);
                }
            }
            out.append('"');
        }
        return out.append('}').toString();
    }

}
