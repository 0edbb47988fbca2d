package io.chronicle.core.alerts;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The metrics some rule in force may select, as read from the rules topic beside the alert
 * router: what lets a point no rule watches stay in the task that read it. Always a superset of
 * what the router watches, or "every metric" when that cannot be known.
 *
 * <p>Per rule name, the router holds the last change it accepted since the name's last deletion,
 * else the rule given at start. A change is refused when it is invalid or cannot be evaluated
 * ({@code ready}), and then the router keeps what it had; it is also refused when too many rules
 * are in force, but only for a new name, when the router has nothing for it anyway. So this class
 * follows the same changes and gives each name the metric of its last ready change. A name whose
 * only messages on the topic are refused ones (its earlier versions compacted away) hides what
 * the router holds for it, which may be restored from a checkpoint: while there is such a name,
 * every metric is watched. So is every metric before the topic has been read to its end, and
 * once more names are tracked than {@code maxNames}, until the next read from the start.
 *
 * <p>A metric a change takes away stays watched for {@code grace}: the router applies the same
 * change later than this reader may. The reverse lag cannot be closed from here: a new rule
 * sees the points read after this reader has its change, normally within a poll of the router.
 *
 * <p>Changes come from one thread (the rules topic's reader); {@link #watches} is called from
 * any, and sees the set published after the last change.
 */
public final class WatchedMetrics {

    private final Map<String, String> startRules = new HashMap<>();
    private final Predicate<AlertRule> ready;
    private final long graceMillis;
    private final int maxNames;

    /** Names the topic decided in this read: the metric of the last ready change, null if deleted. */
    private final Map<String, String> decided = new HashMap<>();
    /** Names the topic gave only refused changes in this read: the router's rule is unknown. */
    private final Set<String> undecided = new HashSet<>();
    /** Metrics no longer selected, watched until the time given. */
    private final Map<String, Long> retiring = new HashMap<>();
    private boolean caughtUp;
    private boolean overflowed;
    /** After an overflow, every metric until then: what was dropped meanwhile never retired. */
    private long openUntilMillis;

    /** The metrics watched; null for every metric. */
    private volatile Set<String> watched;

    public WatchedMetrics(Iterable<AlertRule> startRules, Predicate<AlertRule> ready, Duration grace, int maxNames) {
        startRules.forEach(r -> this.startRules.put(r.name, r.metric));
        this.ready = ready;
        this.graceMillis = grace.toMillis();
        this.maxNames = maxNames;
    }

    /** Whether a point of {@code metric} may be selected by a rule in force. */
    public boolean watches(String metric) {
        Set<String> metrics = watched;
        return metrics == null || metrics.contains(metric);
    }

    /** The metrics watched; null when every metric is. */
    public Set<String> watched() {
        return watched;
    }

    /** Whether more names came than are tracked, so every metric is watched until a new read. */
    public boolean overflowed() {
        return overflowed;
    }

    /**
     * The topic is read again from its start: every metric is watched until it is read to its
     * end, and what was selected before retires.
     */
    public void restart(long nowMillis) {
        if (overflowed) {
            openUntilMillis = nowMillis + graceMillis;
        }
        retireAll(live(), nowMillis);
        decided.clear();
        undecided.clear();
        caughtUp = false;
        overflowed = false;
        watched = null;
    }

    /** The topic has been read to the end it had when reading started. */
    public void caughtUp(long nowMillis) {
        caughtUp = true;
        publish(nowMillis);
    }

    /** Applies one message of the rules topic, read as the router reads it. */
    public void apply(RuleChange change, long nowMillis) {
        String name = change.name;
        if (name == null || overflowed) {
            return;
        }
        boolean decisive = change.isDelete() || (change.error == null && ready.test(change.rule));
        if (!decisive) {
            if (!decided.containsKey(name)) {
                undecided.add(name);
            }
        } else {
            String before = metricOf(name);
            String after = change.isDelete() ? null : change.rule.metric;
            decided.put(name, after);
            undecided.remove(name);
            if (before != null && !before.equals(after)) {
                retiring.put(before, nowMillis + graceMillis);
            }
        }
        if (decided.size() + undecided.size() > maxNames) {
            // Every metric until the next read from the start: the tracking itself is bounded.
            overflowed = true;
            decided.clear();
            undecided.clear();
        }
        if (caughtUp) {
            publish(nowMillis);
        }
    }

    /** Ends the grace of the metrics whose grace has passed. */
    public void expire(long nowMillis) {
        boolean reopened = openUntilMillis != 0 && openUntilMillis <= nowMillis;
        if (reopened) {
            openUntilMillis = 0;
        }
        if (retiring.values().removeIf(until -> until <= nowMillis) || reopened) {
            publish(nowMillis);
        }
    }

    private String metricOf(String name) {
        return decided.containsKey(name) ? decided.get(name) : startRules.get(name);
    }

    private Set<String> live() {
        Set<String> metrics = new HashSet<>(decided.values());
        startRules.forEach((name, metric) -> {
            if (!decided.containsKey(name)) {
                metrics.add(metric);
            }
        });
        metrics.remove(null);
        return metrics;
    }

    private void retireAll(Set<String> metrics, long nowMillis) {
        metrics.forEach(m -> retiring.put(m, nowMillis + graceMillis));
    }

    private void publish(long nowMillis) {
        if (!caughtUp || overflowed || !undecided.isEmpty() || openUntilMillis > nowMillis) {
            watched = null;
            return;
        }
        Set<String> metrics = live();
        metrics.addAll(retiring.keySet());
        watched = Set.copyOf(metrics);
    }
}
