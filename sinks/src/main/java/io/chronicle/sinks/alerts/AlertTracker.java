package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last state of each alert a writer has seen, by fingerprint: it drops a notification that
 * repeats the state before it (a replay after a restore, or an evaluator announcing its state
 * again), keeps pending and inactive (never fired) alerts from receivers, which know only firing
 * and resolved ones, and lists the firing alerts to resend. Both maps are bounded, the least
 * recently changed entry going first.
 */
final class AlertTracker {

    private static final Logger LOG = LoggerFactory.getLogger(AlertTracker.class);
    static final int MAX_ACTIVE = 10_000;
    static final int MAX_ENDED = 10_000;

    /** What becomes of a notification. */
    enum Decision {
        DELIVER,
        /** The alert's last state was this one already. */
        DUPLICATE,
        /** Pending, or inactive (ended without firing): receivers never hear of it. */
        QUIET
    }

    /** Pending and firing alerts, least recently changed first. */
    private final LinkedHashMap<String, AlertNotification> active = new LinkedHashMap<>();
    /** Resolved and inactive alerts. */
    private final LinkedHashMap<String, AlertNotification> ended = new LinkedHashMap<>();

    synchronized Decision observe(AlertNotification n) {
        AlertNotification last = active.containsKey(n.fingerprint)
                ? active.get(n.fingerprint) : ended.get(n.fingerprint);
        if (last != null && last.state.equals(n.state)) {
            return Decision.DUPLICATE;
        }
        remember(n);
        return AlertNotification.FIRING.equals(n.state) || AlertNotification.RESOLVED.equals(n.state)
                ? Decision.DELIVER : Decision.QUIET;
    }

    /** The alerts firing now, least recently changed first. */
    synchronized List<AlertNotification> firing() {
        List<AlertNotification> out = new ArrayList<>();
        for (AlertNotification n : active.values()) {
            if (AlertNotification.FIRING.equals(n.state)) {
                out.add(n);
            }
        }
        return out;
    }

    synchronized List<AlertNotification> snapshot() {
        List<AlertNotification> out = new ArrayList<>(ended.values());
        out.addAll(active.values());
        return out;
    }

    /** Takes back snapshots, of one writer or of several after a rescale: the latest change wins. */
    synchronized void restore(Collection<AlertNotification> alerts) {
        List<AlertNotification> ordered = new ArrayList<>(alerts);
        ordered.sort(Comparator.comparingLong(n -> n.changedAtMicros));
        ordered.forEach(this::remember);
    }

    private void remember(AlertNotification n) {
        active.remove(n.fingerprint);
        ended.remove(n.fingerprint);
        if (AlertNotification.FIRING.equals(n.state) || AlertNotification.PENDING.equals(n.state)) {
            active.put(n.fingerprint, n);
            AlertNotification evicted = evictOldest(active, MAX_ACTIVE);
            if (evicted != null && AlertNotification.FIRING.equals(evicted.state)) {
                LOG.warn("More than {} active alerts in one writer: alert {} {} is no longer resent",
                        MAX_ACTIVE, evicted.fingerprint, evicted.labels);
            }
        } else {
            ended.put(n.fingerprint, n);
            evictOldest(ended, MAX_ENDED);
        }
    }

    private static AlertNotification evictOldest(Map<String, AlertNotification> map, int max) {
        if (map.size() <= max) {
            return null;
        }
        Iterator<AlertNotification> oldest = map.values().iterator();
        AlertNotification evicted = oldest.next();
        oldest.remove();
        return evicted;
    }
}
