package io.chronicle.bench;

import com.google.protobuf.util.JsonFormat;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.PointFormat;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import io.chronicle.operators.normalize.PointDecoders;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.xerial.snappy.Snappy;
import prometheus.Remote;
import prometheus.Types;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;


/**
 * What each wire format costs to read: the workload's points encoded in every format Chronicle
 * reads, each as its producer sends it (Chronicle's JSON a point a record, line protocol a line a
 * record as Telegraf's Kafka output writes it, remote-write and OTLP requests of
 * {@code format-batch-points} points), then decoded on one thread by the decoders the ingest job uses.
 * Everything after decoding is the same for every format, so the ratio to Chronicle's JSON is
 * what a format adds to or saves from the whole pipeline's cost per point.
 */
final class FormatsSuite implements Suite {

    private static final String BASELINE = PointFormat.CHRONICLE_JSON.code();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Override
    public String name() {
        return "formats";
    }

    @Override
    public String description() {
        return "CPU per point and points per second of reading each wire format (Chronicle's JSON, line"
                + " protocol, remote write 1.0 and 2.0, OTLP protobuf and JSON) with the ingest job's"
                + " decoders, on one thread, the same points in each";
    }

    @Override
    public List<ConfigOption<?>> options() {
        return List.of(BenchOptions.POINTS, BenchOptions.SERIES, BenchOptions.TENANTS, BenchOptions.SAMPLE_INTERVAL,
                BenchOptions.OUT_OF_ORDER_SHARE, BenchOptions.MAX_DELAY, BenchOptions.SEED, BenchOptions.FORMAT_BATCH_POINTS,
                BenchOptions.RUNS, BenchOptions.WARMUP, BenchOptions.RESULTS_DIR);
    }

    @Override
    public Report run(Configuration benchConf) throws Exception {
        Report report = new Report(name(), BenchOptions.describe(benchConf, options()), BASELINE);
        System.out.printf("Encoding %,d points in every format ...%n", benchConf.get(BenchOptions.POINTS));
        List<MetricPoint> points = new ArrayList<>();
        InfluxLines reader = new InfluxLines();
        List<byte[]> json = new ArrayList<>();
        Workloads.from(benchConf).generate((key, payload) -> {
            json.add(payload);
            points.add(reader.point(payload));
        });
        int batch = benchConf.get(BenchOptions.FORMAT_BATCH_POINTS);
        Map<PointFormat, List<byte[]>> records = new LinkedHashMap<>();
        for (PointFormat format : PointFormat.values()) {
            records.put(format, format == PointFormat.CHRONICLE_JSON ? json : encode(format, points, batch));
        }
        records.forEach((format, bodies) -> {
            report.workload.put(format.code() + "_records", bodies.size());
            report.workload.put(format.code() + "_bytes_per_point",
                    Math.round(bodies.stream().mapToLong(b -> b.length).sum() * 100.0 / points.size()) / 100.0);
        });

        Map<String, String> formats = new HashMap<>();
        records.keySet().forEach(format -> formats.put(format.code(), format.code()));
        PointDecoders decoders = PointDecoders.from(readingConf(formats));
        Digest expected = Digest.of(points);
        for (int round = benchConf.get(BenchOptions.WARMUP) ? 0 : 1; round <= benchConf.get(BenchOptions.RUNS); round++) {
            for (Map.Entry<PointFormat, List<byte[]>> format : records.entrySet()) {
                Report.Run run = decode(decoders, format.getKey().code(), format.getValue(), round, expected, report);
                report.runs.add(run);
                System.out.printf("%s %s: %,.0f points/s, %.3f CPU µs/point%n", format.getKey().code(),
                        round == 0 ? "warm-up" : "run " + round, run.pointsPerSecond(), run.cpuMicrosPerPoint());
            }
        }
        report.notes.add("one thread decodes every record of a format in turn; what each figure means:"
                + " bench/README.md, section Formats");
        return report;
    }

    /** One round of one format: every record decoded, its points checked against the workload's. */
    private static Report.Run decode(PointDecoders decoders, String topic, List<byte[]> bodies, int round,
            Digest expected, Report report) {
        Digest found = new Digest();
        long[] rejected = {0};
        String[] firstReason = {null};
        Collector<Either<RejectedRecord, MetricPoint>> out = new Collector<>() {
            @Override
            public void collect(Either<RejectedRecord, MetricPoint> item) {
                if (item.isRight()) {
                    found.add(item.right());
                } else if (rejected[0]++ == 0) {
                    firstReason[0] = item.left().reasonCode + ": " + item.left().message;
                }
            }

            @Override
            public void close() {}
        };
        long ingestedAtMicros = System.currentTimeMillis() * 1_000L;
        long cpu = THREADS.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        long offset = 0;
        for (byte[] body : bodies) {
            decoders.decode(new RawRecord(topic, 0, offset++, ingestedAtMicros / 1_000L, null, body),
                    ingestedAtMicros, out);
        }
        double seconds = (System.nanoTime() - wall) / 1e9;
        double cpuSeconds = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e9;
        if (rejected[0] > 0 || !found.equals(expected)) {
            report.failures.add(topic + " round " + round + ": " + rejected[0] + " rejected (the first "
                    + firstReason[0] + "); read " + found + ", the workload holds " + expected);
        }
        return new Report.Run(topic, round, found.points, new BenchEnvironment.JobTimes(seconds, seconds,
                cpuSeconds, 0, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()),
                Map.of("records", (long) bodies.size(), "rejected", rejected[0]));
    }

    /**
     * {@code points} in {@code format} as its producer sends them: line protocol a line a record,
     * as Telegraf's Kafka output writes it, remote-write and OTLP requests of {@code batch} points.
     */
    static List<byte[]> encode(PointFormat format, List<MetricPoint> points, int batch) {
        return switch (format) {
            case CHRONICLE_JSON -> throw new IllegalArgumentException("the workload writes Chronicle's JSON itself");
            case INFLUX_LINE -> each(points, 1, FormatsSuite::lines);
            case PROMETHEUS_REMOTE_WRITE -> each(points, batch, FormatsSuite::remoteWrite);
            case PROMETHEUS_REMOTE_WRITE_V2 -> each(points, batch, FormatsSuite::remoteWriteV2);
            case OTLP_PROTO -> each(points, batch, p -> otlp(p).toByteArray());
            case OTLP_JSON -> each(points, batch, FormatsSuite::otlpJson);
        };
    }

    /** Chronicle's configuration for reading the topics of {@code formats} ({@code topic: format}) as {@link #encode} writes them. */
    static Configuration readingConf(Map<String, String> formats) {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.TOPIC_POINT_FORMATS, formats);
        // InfluxLines writes milliseconds, as VictoriaMetrics takes them.
        conf.set(ChronicleOptions.INFLUX_PRECISION, ChronicleOptions.InfluxPrecision.MS);
        // Requests of many points are larger than the default limit, which a deployment raises for them.
        conf.set(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES, 16 << 20);
        return conf;
    }

    /** The points in records of {@code size} points each, encoded by {@code encode}. */
    private static List<byte[]> each(List<MetricPoint> points, int size, Function<List<MetricPoint>, byte[]> encode) {
        List<byte[]> records = new ArrayList<>();
        for (int from = 0; from < points.size(); from += size) {
            records.add(encode.apply(points.subList(from, Math.min(points.size(), from + size))));
        }
        return records;
    }

    /** Line protocol: the metric the measurement, its one field {@code value}, the tenant a tag. */
    private static byte[] lines(List<MetricPoint> points) {
        StringBuilder out = new StringBuilder();
        for (MetricPoint p : points) {
            out.append(InfluxLines.line(p)).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] remoteWrite(List<MetricPoint> points) {
        Remote.WriteRequest.Builder request = Remote.WriteRequest.newBuilder();
        for (MetricPoint p : points) {
            Types.TimeSeries.Builder series = Types.TimeSeries.newBuilder()
                    .addLabels(Types.Label.newBuilder().setName("__name__").setValue(p.metric))
                    .addLabels(Types.Label.newBuilder().setName("tenant").setValue(p.tenant));
            p.tags.forEach((k, v) -> series.addLabels(Types.Label.newBuilder().setName(k).setValue(v)));
            request.addTimeseries(series.addSamples(Types.Sample.newBuilder()
                    .setValue(p.value).setTimestamp(Math.floorDiv(p.timestampMicros, 1_000L))));
        }
        return snappy(request.build().toByteArray());
    }

    private static byte[] remoteWriteV2(List<MetricPoint> points) {
        io.prometheus.write.v2.Types.Request.Builder request = io.prometheus.write.v2.Types.Request.newBuilder();
        Map<String, Integer> symbols = new HashMap<>();
        Function<String, Integer> ref = s -> symbols.computeIfAbsent(s, k -> {
            request.addSymbols(k);
            return symbols.size();
        });
        ref.apply("");
        for (MetricPoint p : points) {
            io.prometheus.write.v2.Types.TimeSeries.Builder series = io.prometheus.write.v2.Types.TimeSeries.newBuilder()
                    .addLabelsRefs(ref.apply("__name__")).addLabelsRefs(ref.apply(p.metric))
                    .addLabelsRefs(ref.apply("tenant")).addLabelsRefs(ref.apply(p.tenant));
            p.tags.forEach((k, v) -> series.addLabelsRefs(ref.apply(k)).addLabelsRefs(ref.apply(v)));
            request.addTimeseries(series.addSamples(io.prometheus.write.v2.Types.Sample.newBuilder()
                    .setValue(p.value).setTimestamp(Math.floorDiv(p.timestampMicros, 1_000L))));
        }
        return snappy(request.build().toByteArray());
    }

    /** A request of a resource per tenant (its {@code tenant} attribute), a gauge per point. */
    private static ExportMetricsServiceRequest otlp(List<MetricPoint> points) {
        Map<String, ScopeMetrics.Builder> byTenant = new LinkedHashMap<>();
        for (MetricPoint p : points) {
            NumberDataPoint.Builder point = NumberDataPoint.newBuilder().setAsDouble(p.value)
                    .setTimeUnixNano(p.timestampMicros * 1_000L);
            p.tags.forEach((k, v) -> point.addAttributes(attribute(k, v)));
            byTenant.computeIfAbsent(p.tenant, t -> ScopeMetrics.newBuilder())
                    .addMetrics(Metric.newBuilder().setName(p.metric).setGauge(Gauge.newBuilder().addDataPoints(point)));
        }
        ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
        byTenant.forEach((tenant, scope) -> request.addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(Resource.newBuilder().addAttributes(attribute("tenant", tenant)))
                .addScopeMetrics(scope)));
        return request.build();
    }

    private static byte[] otlpJson(List<MetricPoint> points) {
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(otlp(points))
                    .getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static byte[] snappy(byte[] bytes) {
        try {
            return Snappy.compress(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a set of points holds, order aside: how many, and sums over their fields. */
    private static final class Digest {
        long points;
        double valueSum;
        long timeSum;
        long seriesSum;

        static Digest of(List<MetricPoint> points) {
            Digest digest = new Digest();
            points.forEach(digest::add);
            return digest;
        }

        void add(MetricPoint p) {
            points++;
            valueSum += p.value;
            timeSum += p.timestampMicros;
            seriesSum += p.seriesId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Digest d && d.points == points && d.timeSum == timeSum && d.seriesSum == seriesSum
                    && Math.abs(d.valueSum - valueSum) <= 1e-9 * Math.max(1, Math.abs(valueSum));
        }

        @Override
        public int hashCode() {
            return Long.hashCode(points);
        }

        @Override
        public String toString() {
            return points + " points (values " + valueSum + ", times " + timeSum + ", series " + seriesSum + ")";
        }
    }
}
