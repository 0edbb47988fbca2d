package io.chronicle.bench.jmh;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.bench.BenchOptions;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.operators.rollup.CounterRule;
import io.chronicle.workload.Workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Set;

/**
 * An hour of samples of each series of the default workload's first hosts (every metric with its
 * tags), in time order: the values the rollup sketches of the sketch benchmarks hold. Gauges
 * wander within a narrow range, counters climb, so sketches come in realistic sizes.
 */
final class SeriesSamples {

    /** Series of one host: the workload's 20 metrics with their tag combinations. */
    static final int SERIES_PER_HOST = 36;
    /** Hosts whose series the benchmarks of one series at a time cycle through: every metric several times. */
    static final int MIXED_HOSTS = 4;
    static final Duration INTERVAL = BenchOptions.SAMPLE_INTERVAL.defaultValue();
    static final int PER_5M = (int) (Duration.ofMinutes(5).toMillis() / INTERVAL.toMillis());
    static final int WINDOWS_PER_HOUR = 12;
    static final int PER_HOUR = PER_5M * WINDOWS_PER_HOUR;
    /** A latency histogram, the usual subject of a percentile across hosts. */
    static final String LATENCY_METRIC = "http_request_duration_seconds";

    final int series;
    final String[] metrics;
    final boolean[] counters;
    final long[][] tsMicros;
    final double[][] values;

    private SeriesSamples(int series) {
        this.series = series;
        metrics = new String[series];
        counters = new boolean[series];
        tsMicros = new long[series][];
        values = new double[series][];
    }

    /** The series of the first {@code hosts} hosts. */
    static SeriesSamples generate(int hosts) {
        SeriesSamples samples = new SeriesSamples(hosts * SERIES_PER_HOST);
        int series = samples.series;
        Workload workload = new Workload((long) series * PER_HOUR, series, BenchOptions.TENANTS.defaultValue(),
                INTERVAL, BenchOptions.OUT_OF_ORDER_SHARE.defaultValue(), BenchOptions.MAX_DELAY.defaultValue(),
                BenchOptions.SEED.defaultValue());
        int[] filled = new int[series];
        for (int i = 0; i < series; i++) {
            samples.tsMicros[i] = new long[PER_HOUR];
            samples.values[i] = new double[PER_HOUR];
        }
        ObjectMapper mapper = new ObjectMapper();
        workload.generate((s, json) -> {
            JsonNode point = read(mapper, json);
            int n = filled[s]++;
            samples.metrics[s] = point.get("metric").asText();
            samples.tsMicros[s][n] = point.get("timestamp").asLong() * 1_000;
            samples.values[s][n] = point.get("value").asDouble();
        });
        CounterRule counterRule = new CounterRule(Set.of());
        for (int i = 0; i < series; i++) {
            if (filled[i] != PER_HOUR) {
                throw new IllegalStateException("series " + i + " has " + filled[i] + " points, not " + PER_HOUR);
            }
            samples.counters[i] = counterRule.isCounter(samples.metrics[i]);
            samples.sortByTime(i);
        }
        return samples;
    }

    private static JsonNode read(ObjectMapper mapper, byte[] json) {
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Held-back points arrive late; the rollup orders a window's samples by time. */
    private void sortByTime(int series) {
        long[] ts = tsMicros[series];
        double[] vs = values[series];
        Integer[] order = new Integer[ts.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingLong(i -> ts[i]));
        tsMicros[series] = Arrays.stream(order).mapToLong(i -> ts[i]).toArray();
        values[series] = Arrays.stream(order).mapToDouble(i -> vs[i]).toArray();
    }

    /** Samples {@code from} up to {@code to} (exclusive) of series {@code series}. */
    double[] values(int s, int from, int to) {
        return Arrays.copyOfRange(values[s], from, to);
    }

    long[] times(int s, int from, int to) {
        return Arrays.copyOfRange(tsMicros[s], from, to);
    }

    /** The samples' sketch, encoded as a rollup row holds it. */
    static byte[] sketch(double[] values) {
        DDSketch sketch = SketchCodec.newSketch();
        for (double v : values) {
            sketch.accept(v);
        }
        return SketchCodec.encode(sketch);
    }

    static double[] sorted(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted;
    }

    /** Two sorted arrays as one sorted array. */
    static double[] merge(double[] a, double[] b) {
        double[] merged = new double[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length && j < b.length) {
            merged[k++] = a[i] <= b[j] ? a[i++] : b[j++];
        }
        while (i < a.length) {
            merged[k++] = a[i++];
        }
        while (j < b.length) {
            merged[k++] = b[j++];
        }
        return merged;
    }

    /** Many sorted arrays as one, merged pairwise in rounds, so each value moves log2(n) times. */
    static double[] mergeAll(double[][] sorted) {
        double[][] round = sorted;
        while (round.length > 1) {
            double[][] next = new double[(round.length + 1) / 2][];
            for (int i = 0; i < next.length; i++) {
                next[i] = 2 * i + 1 < round.length ? merge(round[2 * i], round[2 * i + 1]) : round[2 * i];
            }
            round = next;
        }
        return round[0];
    }

    /**
     * Fails unless {@code quantile} lies within the sketch's relative accuracy of the exact value
     * at the rank a DDSketch reads, {@code q * (n - 1)}, of the sorted values.
     */
    static void checkQuantile(String what, double quantile, double[] sorted, double q, double accuracy) {
        double exact = sorted[(int) Math.floor(q * (sorted.length - 1))];
        if (Math.abs(quantile - exact) > (accuracy + 1e-9) * Math.abs(exact)) {
            throw new IllegalStateException(what + ": quantile " + q + " is " + quantile + ", the exact value "
                    + exact + ", beyond the relative accuracy " + accuracy);
        }
    }
}
