package io.chronicle.operators.rollup;

import java.io.Serializable;
import java.util.Set;

/**
 * Which metrics are counters: those configuration names, and by Prometheus' naming convention
 * every metric ending in {@code _total}.
 */
public final class CounterRule implements Serializable {

    private static final long serialVersionUID = 1L;

    private final Set<String> configured;

    public CounterRule(Set<String> configured) {
        this.configured = Set.copyOf(configured);
    }

    public boolean isCounter(String metric) {
        return metric.endsWith("_total") || configured.contains(metric);
    }
}
