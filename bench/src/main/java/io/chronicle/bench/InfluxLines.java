package io.chronicle.bench;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import io.chronicle.jobs.IngestJob;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.workload.Output;
import io.chronicle.workload.Workload;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The workload's points as Influx line protocol, the way VictoriaMetrics takes them: the metric as
 * the measurement, the tenant and the tags as tags (sorted by key), the value as the one field
 * {@code value}, the time in milliseconds (VictoriaMetrics' resolution). Each payload is read by
 * Chronicle's own normalizer, so both systems store the same points: the same tenant default,
 * the same timestamp units, the same dropped empty tags.
 */
public final class InfluxLines {

    /** The one field of every line; VictoriaMetrics started with -influxSkipSingleField drops its name. */
    static final String FIELD = "value";
    static final String TENANT_TAG = "tenant";
    /** The write endpoint's precision argument matching the timestamps written. */
    static final String PRECISION = "ms";

    /** The request bodies, encoded before anything is timed, and what they hold. */
    public record Encoded(List<byte[]> bodies, long points, long bytes, Workload.Summary summary,
            SeriesDigests expected, long firstMillis, long lastMillis) {}

    private final Normalization<MetricPoint> normalization =
            IngestJob.pointNormalization(new Configuration());
    private final long ingestedAtMicros = System.currentTimeMillis() * 1_000;
    private long offset;

    /** Every point of the workload, {@code batchPoints} lines to a request body, in production order. */
    public static Encoded encode(Workload workload, int batchPoints) {
        Batches batches = new Batches(batchPoints);
        Workload.Summary summary = workload.generate(batches);
        return batches.encoded(summary);
    }

    /** The point a JSON payload holds, as Chronicle's ingest job reads it; a rejected payload fails. */
    MetricPoint point(byte[] json) {
        Either<RejectedRecord, MetricPoint> normalized =
                normalization.normalize(new RawRecord("bench", 0, offset++, 0, null, json), ingestedAtMicros);
        if (normalized.isLeft()) {
            RejectedRecord rejected = normalized.left();
            throw new IllegalArgumentException("Chronicle rejects the payload " + new String(json, StandardCharsets.UTF_8)
                    + ": " + rejected.reasonCode + " " + rejected.message);
        }
        return normalized.right();
    }

    /** Collects the lines of the payloads it is given into request bodies. */
    private static final class Batches implements Output {
        private final InfluxLines lines = new InfluxLines();
        private final SeriesDigests expected = new SeriesDigests();
        private final List<byte[]> bodies = new ArrayList<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final int batchPoints;
        private long points;
        private long bytes;
        private long firstMillis = Long.MAX_VALUE;
        private long lastMillis = Long.MIN_VALUE;

        Batches(int batchPoints) {
            this.batchPoints = batchPoints;
        }

        @Override
        public void accept(int series, byte[] json) {
            MetricPoint point = lines.point(json);
            long millis = millis(point);
            expected.add(labels(point), millis, point.value);
            byte[] line = (line(point) + "\n").getBytes(StandardCharsets.UTF_8);
            body.writeBytes(line);
            points++;
            bytes += line.length;
            firstMillis = Math.min(firstMillis, millis);
            lastMillis = Math.max(lastMillis, millis);
            if (points % batchPoints == 0) {
                bodies.add(body.toByteArray());
                body.reset();
            }
        }

        Encoded encoded(Workload.Summary summary) {
            if (body.size() > 0) {
                bodies.add(body.toByteArray());
                body.reset();
            }
            return new Encoded(List.copyOf(bodies), points, bytes, summary, expected, firstMillis, lastMillis);
        }
    }

    /** One line, without its line feed. */
    static String line(MetricPoint point) {
        StringBuilder line = new StringBuilder(160);
        escape(point.metric, false, line);
        tagsOf(point).forEach((key, value) -> {
            line.append(',');
            escape(key, true, line);
            line.append('=');
            escape(value, true, line);
        });
        return line.append(' ').append(FIELD).append('=').append(point.value)
                .append(' ').append(millis(point)).toString();
    }

    /** The series' labels as VictoriaMetrics stores them: the metric under {@code __name__}. */
    static TreeMap<String, String> labels(MetricPoint point) {
        TreeMap<String, String> labels = tagsOf(point);
        labels.put(SeriesDigests.NAME_LABEL, point.metric);
        return labels;
    }

    private static TreeMap<String, String> tagsOf(MetricPoint point) {
        if (point.tags.containsKey(TENANT_TAG)) {
            throw new IllegalArgumentException("a tag named '" + TENANT_TAG + "' would clash with the tenant: " + point);
        }
        TreeMap<String, String> tags = new TreeMap<>(point.tags);
        tags.put(TENANT_TAG, point.tenant);
        return tags;
    }

    private static long millis(MetricPoint point) {
        return Math.floorDiv(point.timestampMicros, 1_000);
    }

    /**
     * Escapes with a backslash what would end the element: a comma or space anywhere, an equals
     * sign in tag keys and values, and the backslash itself. A line feed cannot be escaped at all.
     */
    static void escape(String text, boolean tag, StringBuilder out) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\r') {
                throw new IllegalArgumentException("line protocol cannot carry a line break: '" + text + "'");
            }
            if (c == ',' || c == ' ' || c == '\\' || (tag && c == '=')) {
                out.append('\\');
            }
            out.append(c);
        }
    }
}
