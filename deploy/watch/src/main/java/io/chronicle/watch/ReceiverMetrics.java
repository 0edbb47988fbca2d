package io.chronicle.watch;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The metric group the alert delivery reports into, outside Flink: it keeps each receiver's
 * counters and gauges (its group {@code receiver <name>}) for the watcher's Prometheus endpoint.
 */
final class ReceiverMetrics extends UnregisteredMetricsGroup {

    /** By receiver, then metric name. */
    private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Gauge<?>>> gauges = new ConcurrentHashMap<>();

    @Override
    public MetricGroup addGroup(String key, String value) {
        return "receiver".equals(key) ? new Receiver(value) : this;
    }

    /** The value of counter {@code name} by receiver. */
    Map<String, Long> counts(String name) {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((receiver, byName) -> {
            Counter c = byName.get(name);
            if (c != null) {
                out.put(receiver, c.getCount());
            }
        });
        return out;
    }

    /** The numeric value of gauge {@code name} by receiver. */
    Map<String, Double> gauges(String name) {
        Map<String, Double> out = new TreeMap<>();
        gauges.forEach((receiver, byName) -> {
            Gauge<?> g = byName.get(name);
            if (g != null && g.getValue() instanceof Number n) {
                out.put(receiver, n.doubleValue());
            }
        });
        return out;
    }

    private final class Receiver extends UnregisteredMetricsGroup {
        private final String name;

        Receiver(String name) {
            this.name = name;
        }

        @Override
        public Counter counter(String metric) {
            return counter(metric, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String metric, C counter) {
            counters.computeIfAbsent(name, r -> new ConcurrentHashMap<>()).put(metric, counter);
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String metric, G gauge) {
            gauges.computeIfAbsent(name, r -> new ConcurrentHashMap<>()).put(metric, gauge);
            return gauge;
        }
    }
}
