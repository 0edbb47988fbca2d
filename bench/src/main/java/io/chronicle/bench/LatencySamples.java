package io.chronicle.bench;

import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Latencies of one kind of sample, matched by key: each sample is registered with its send time
 * when it is sent, and its latency runs to the first receipt of the same key. A key received again
 * (an at-least-once repeat) counts as a repeat, a key never sent is ignored, and only samples sent
 * as measured (not warm-up) enter the statistics. Times are {@link System#nanoTime()} readings of
 * one process; sender and receiver run on different threads.
 */
final class LatencySamples {

    private record Sent(long nanos, boolean measured) {}

    /** In the order sent, so the samples can be read as a time series. */
    private final Map<String, Sent> sent = new LinkedHashMap<>();
    private final Map<String, Long> latencies = new HashMap<>();
    private long repeats;

    synchronized void sent(String key, long nanos, boolean measured) {
        if (sent.putIfAbsent(key, new Sent(nanos, measured)) != null) {
            throw new IllegalArgumentException("sample '" + key + "' was sent before");
        }
    }

    /** Records the receipt of {@code key}; true if it is the first of a sample that was sent. */
    synchronized boolean received(String key, long nanos) {
        Sent s = sent.get(key);
        if (s == null) {
            return false;
        }
        if (latencies.containsKey(key)) {
            repeats += s.measured ? 1 : 0;
            return false;
        }
        latencies.put(key, nanos - s.nanos);
        return true;
    }

    /**
     * Whether the last {@code n} samples sent at least {@code withinNanos} before {@code now} all
     * came back within {@code withinNanos}, so whatever answers them keeps up; false while fewer
     * have been sent.
     */
    synchronized boolean keepingUp(int n, long withinNanos, long now) {
        List<String> due = sent.entrySet().stream().filter(e -> now - e.getValue().nanos >= withinNanos)
                .map(Map.Entry::getKey).toList();
        return due.size() >= n && due.subList(due.size() - n, due.size()).stream().allMatch(key -> {
            Long latency = latencies.get(key);
            return latency != null && latency <= withinNanos;
        });
    }

    /** Measured samples sent and not received yet. */
    synchronized long missing() {
        return sent.entrySet().stream().filter(e -> e.getValue().measured && !latencies.containsKey(e.getKey())).count();
    }

    /**
     * The measured samples' statistics in milliseconds, NaN where there is no sample, and their
     * latencies in the order sent (null for one not received).
     */
    synchronized Report.Latency summary(String name) {
        List<Double> inSendOrder = new ArrayList<>();
        sent.forEach((key, s) -> {
            if (s.measured) {
                Long nanos = latencies.get(key);
                inSendOrder.add(nanos == null ? null : hundredths(nanos / 1e6));
            }
        });
        double[] sorted = inSendOrder.stream().filter(Objects::nonNull).mapToDouble(Double::doubleValue).sorted()
                .toArray();
        double mean = Arrays.stream(sorted).average().orElse(Double.NaN);
        // Over every measured sample sent, so one that never came back counts as late.
        double withinSecond = inSendOrder.isEmpty() ? Double.NaN
                : (double) Arrays.stream(sorted).filter(ms -> ms <= 1_000).count() / inSendOrder.size();
        return new Report.Latency(name, sorted.length, percentile(sorted, 0), percentile(sorted, 50),
                percentile(sorted, 90), percentile(sorted, 99), percentile(sorted, 100),
                Double.isNaN(mean) ? mean : hundredths(mean), withinSecond, missing(), repeats, inSendOrder);
    }

    /** Milliseconds to the hundredth, finer than the timings are worth. */
    private static double hundredths(double millis) {
        return Math.round(millis * 100) / 100.0;
    }

    /**
     * The nearest-rank percentile of ascending {@code sorted}: the smallest value that at least
     * {@code p} % of the values do not exceed, so always one of the values; 0 gives the least.
     */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        // p times n first: exact for whole percents, where p / 100 * n can land just above a rank.
        int rank = (int) Math.ceil(p * sorted.length / 100);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }
}
