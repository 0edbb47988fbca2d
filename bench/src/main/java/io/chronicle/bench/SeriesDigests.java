package io.chronicle.bench;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Per series, named by its labels, how many samples it has and a hash of their times and values
 * that does not depend on their order: enough to tell whether a store gave back exactly the
 * samples it was given, without keeping them.
 */
final class SeriesDigests {

    static final String NAME_LABEL = "__name__";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Samples and the sum of their hashes; sums commute, so arrival order does not matter. */
    private record Digest(long samples, long hashSum) {

        Digest plus(Digest other) {
            return new Digest(samples + other.samples, hashSum + other.hashSum);
        }
    }

    /** One line of VictoriaMetrics' {@code /api/v1/export}: a series and some of its samples. */
    private record ExportLine(Map<String, String> metric, double[] values, long[] timestamps) {}

    private final Map<String, Digest> bySeries = new HashMap<>();

    void add(SortedMap<String, String> labels, long millis, double value) {
        bySeries.merge(key(labels), new Digest(1, hash(millis, value)), Digest::plus);
    }

    int series() {
        return bySeries.size();
    }

    long samples() {
        return bySeries.values().stream().mapToLong(Digest::samples).sum();
    }

    /** The series whose samples differ between the two (missing from one counts), sorted. */
    List<String> differing(SeriesDigests other) {
        TreeSet<String> keys = new TreeSet<>(bySeries.keySet());
        keys.addAll(other.bySeries.keySet());
        List<String> differing = new ArrayList<>();
        for (String key : keys) {
            if (!Objects.equals(bySeries.get(key), other.bySeries.get(key))) {
                differing.add(key);
            }
        }
        return differing;
    }

    /** Digests of what {@code /api/v1/export} streams: JSON lines, one series' samples each. */
    static SeriesDigests fromExport(InputStream export) throws IOException {
        SeriesDigests digests = new SeriesDigests();
        try (MappingIterator<ExportLine> lines = JSON.readerFor(ExportLine.class).readValues(export)) {
            while (lines.hasNext()) {
                ExportLine line = lines.next();
                if (line.values.length != line.timestamps.length) {
                    throw new IOException("an export line with " + line.values.length + " values and "
                            + line.timestamps.length + " timestamps: " + line.metric);
                }
                TreeMap<String, String> labels = new TreeMap<>(line.metric);
                for (int i = 0; i < line.values.length; i++) {
                    digests.add(labels, line.timestamps[i], line.values[i]);
                }
            }
        }
        return digests;
    }

    /** The series as PromQL writes it: {@code name{key="value",...}}, labels sorted. */
    private static String key(SortedMap<String, String> labels) {
        return labels.getOrDefault(NAME_LABEL, "") + labels.entrySet().stream()
                .filter(label -> !label.getKey().equals(NAME_LABEL))
                .map(label -> label.getKey() + "=\"" + label.getValue() + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }

    /** A well-mixed hash of one sample (SplitMix64's finalizer); 0 and -0 are one value. */
    private static long hash(long millis, double value) {
        long z = millis * 0x9E3779B97F4A7C15L ^ (value == 0 ? 0 : Double.doubleToLongBits(value));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
