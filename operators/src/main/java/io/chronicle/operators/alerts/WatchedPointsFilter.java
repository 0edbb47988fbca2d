package io.chronicle.operators.alerts;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.core.alerts.WatchedMetrics;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.util.function.SerializableFunction;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Keeps only the points of metrics some rule may select, chained to the task that read them: a
 * point no rule watches then costs a set lookup instead of a trip over the network to the alert
 * router. Which metrics are watched comes from a {@link WatchedMetrics} that {@code feed} keeps
 * current (the rules topic, read beside the router's own rules source); while it cannot tell,
 * every point passes, as without this filter.
 *
 * <p>Counts {@code pointsNotWatched}; the gauge {@code watchedMetrics} is the number of metrics
 * watched, -1 while every point passes.
 */
public class WatchedPointsFilter extends RichFilterFunction<MetricPoint> {
    private static final long serialVersionUID = 1L;

    /**
     * How long a metric no rule selects any more stays watched: longer than the router can lag
     * behind this filter in applying the same change of the rules topic.
     */
    public static final Duration GRACE = Duration.ofMinutes(10);
    /** Rule names tracked per rule in force allowed; beyond, every point passes. */
    static final int NAMES_PER_RULE = 10;

    private final List<AlertRule> startRules;
    private final RuleLimits limits;
    private final SerializableFunction<WatchedMetrics, AutoCloseable> feed;

    private transient WatchedMetrics watched;
    private transient AutoCloseable following;
    private transient Counter notWatched;

    /** {@code startRules}: the rules in force before the topic's, as the router has them. */
    public WatchedPointsFilter(List<AlertRule> startRules, RuleLimits limits,
            SerializableFunction<WatchedMetrics, AutoCloseable> feed) {
        this.startRules = List.copyOf(startRules);
        this.limits = limits;
        this.feed = feed;
    }

    @Override
    public void open(OpenContext openContext) {
        watched = new WatchedMetrics(startRules, RuleBook::isReady, GRACE,
                (int) Math.min(Integer.MAX_VALUE, (long) limits.maxRules() * NAMES_PER_RULE));
        notWatched = getRuntimeContext().getMetricGroup().counter("pointsNotWatched");
        getRuntimeContext().getMetricGroup().gauge("watchedMetrics", (Gauge<Integer>) () -> {
            Set<String> metrics = watched.watched();
            return metrics == null ? -1 : metrics.size();
        });
        following = feed.apply(watched);
    }

    @Override
    public boolean filter(MetricPoint point) {
        if (watched.watches(point.metric)) {
            return true;
        }
        notWatched.inc();
        return false;
    }

    @Override
    public void close() throws Exception {
        if (following != null) {
            following.close();
        }
    }
}
