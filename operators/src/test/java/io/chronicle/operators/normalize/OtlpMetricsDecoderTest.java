package io.chronicle.operators.normalize;

import com.google.protobuf.util.JsonFormat;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TenantNames;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.operators.normalize.OtlpMetricsDecoder.Encoding;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OtlpMetricsDecoderTest {

    static final long NOW_MICROS = RemoteWriteDecoderTest.NOW_MICROS;
    /** 2023-11-14T22:13:20.123456789Z in nanoseconds, as the SDK stamps data points. */
    static final long T_NANOS = 1_700_000_000_123_456_789L;
    static final long T_MICROS = 1_700_000_000_123_456L;
    static final long KAFKA_TS_MILLIS = RemoteWriteDecoderTest.KAFKA_TS_MILLIS;
    static final int MAX_SCALE = ChronicleOptions.OTLP_EXPONENTIAL_MAX_SCALE.defaultValue();

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    // ---- helpers ----------------------------------------------------------------------------

    static NormalizerSettings settings(Map<String, String> options) {
        return RemoteWriteDecoderTest.settings(options);
    }

    static OtlpMetricsDecoder decoder(Encoding encoding) {
        return new OtlpMetricsDecoder(settings(Map.of()), encoding, OtlpTranslation.DEFAULTS);
    }

    static RawRecord raw(byte[] value, String header) {
        return new RawRecord("otlp", 1, 7L, KAFKA_TS_MILLIS,
                header == null ? null : new byte[][] {header.getBytes(StandardCharsets.UTF_8)}, value);
    }

    static List<Either<RejectedRecord, MetricPoint>> decode(OtlpMetricsDecoder decoder, byte[] value) {
        return decode(decoder, raw(value, null));
    }

    static List<Either<RejectedRecord, MetricPoint>> decode(OtlpMetricsDecoder decoder, RawRecord raw) {
        List<Either<RejectedRecord, MetricPoint>> out = new ArrayList<>();
        decoder.decode(raw, NOW_MICROS, new ListCollector<>(out));
        return out;
    }

    static List<String> show(List<Either<RejectedRecord, MetricPoint>> out) {
        return out.stream().map(OtlpMetricsDecoderTest::show).collect(Collectors.toList());
    }

    static List<String> withoutIndexes(List<Either<RejectedRecord, MetricPoint>> out) {
        return show(out).stream().map(s -> s.substring(s.indexOf(' ') + 1)).toList();
    }

    static String show(Either<RejectedRecord, MetricPoint> item) {
        if (item.isRight()) {
            MetricPoint p = item.right();
            return "#" + p.provenance.index + " " + p.tenant + " " + p.metric + p.tags + " " + p.value
                    + (p.timestampMicros == T_MICROS ? "" : " @" + p.timestampMicros);
        }
        RejectedRecord r = item.left();
        return "#" + r.provenance.index + " " + r.reasonCode + " [" + r.tenant + "]";
    }

    static byte[] encode(ExportMetricsServiceRequest request, Encoding encoding) {
        return OtlpMetricsDecoder.encode(request, encoding);
    }

    static ExportMetricsServiceRequest parse(byte[] payload, Encoding encoding) {
        try {
            if (encoding == Encoding.PROTOBUF) {
                return ExportMetricsServiceRequest.parseFrom(payload);
            }
            ExportMetricsServiceRequest.Builder b = ExportMetricsServiceRequest.newBuilder();
            JsonFormat.parser().merge(new String(payload, StandardCharsets.UTF_8), b);
            return b.build();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    static KeyValue kv(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    static Resource resource(String... attributes) {
        Resource.Builder r = Resource.newBuilder();
        for (int i = 0; i < attributes.length; i += 2) {
            r.addAttributes(kv(attributes[i], attributes[i + 1]));
        }
        return r.build();
    }

    static NumberDataPoint point(double value, String... attributes) {
        NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setAsDouble(value).setTimeUnixNano(T_NANOS);
        for (int i = 0; i < attributes.length; i += 2) {
            p.addAttributes(kv(attributes[i], attributes[i + 1]));
        }
        return p.build();
    }

    static Metric gauge(String name, String unit, NumberDataPoint... points) {
        return Metric.newBuilder().setName(name).setUnit(unit)
                .setGauge(Gauge.newBuilder().addAllDataPoints(Arrays.asList(points))).build();
    }

    static Metric sum(String name, String unit, boolean monotonic, AggregationTemporality temporality,
            NumberDataPoint... points) {
        return Metric.newBuilder().setName(name).setUnit(unit).setSum(Sum.newBuilder().setIsMonotonic(monotonic)
                .setAggregationTemporality(temporality).addAllDataPoints(Arrays.asList(points))).build();
    }

    static ExportMetricsServiceRequest request(Resource resource, Metric... metrics) {
        return ExportMetricsServiceRequest.newBuilder().addResourceMetrics(ResourceMetrics.newBuilder()
                .setResource(resource)
                .addScopeMetrics(ScopeMetrics.newBuilder()
                        .setScope(InstrumentationScope.newBuilder().setName("test").setVersion("1"))
                        .addAllMetrics(Arrays.asList(metrics)))).build();
    }

    static final Resource SERVICE = resource("service.name", "checkout", "service.instance.id", "pod-1");

    // ---- the SDK's own requests -------------------------------------------------------------

    /** A reader the test collects from when it likes, of the temporality it is given. */
    static final class Reader implements MetricReader {
        final AggregationTemporalitySelector temporality;
        CollectionRegistration registration;

        Reader(AggregationTemporalitySelector temporality) {
            this.temporality = temporality;
        }

        @Override
        public void register(CollectionRegistration registration) {
            this.registration = registration;
        }

        @Override
        public io.opentelemetry.sdk.metrics.data.AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return temporality.getAggregationTemporality(type);
        }

        @Override
        public CompletableResultCode forceFlush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    static final class FixedClock implements Clock {
        @Override
        public long now() {
            return T_NANOS;
        }

        @Override
        public long nanoTime() {
            return T_NANOS;
        }
    }

    /** The SDK's export request of a counter, an up-down counter, a gauge and a histogram, in {@code encoding}. */
    static byte[] sdkRequest(AggregationTemporalitySelector temporality, Encoding encoding) throws IOException {
        Reader reader = new Reader(temporality);
        io.opentelemetry.sdk.resources.Resource resource = io.opentelemetry.sdk.resources.Resource.create(
                Attributes.builder()
                        .put("service.name", "checkout")
                        .put("service.namespace", "shop")
                        .put("service.instance.id", "pod-1")
                        .put("tenant", "acme")
                        .put("host.name", "h1")
                        .build());
        try (SdkMeterProvider provider = SdkMeterProvider.builder().setClock(new FixedClock())
                .setResource(resource).registerMetricReader(reader).build()) {
            Meter meter = provider.get("io.chronicle.test");
            meter.counterBuilder("http.server.requests").setUnit("{request}").build()
                    .add(3, Attributes.of(AttributeKey.stringKey("http.method"), "GET"));
            meter.upDownCounterBuilder("queue.size").setUnit("{item}").build()
                    .add(-2, Attributes.of(AttributeKey.stringKey("queue"), "q1"));
            meter.gaugeBuilder("cpu.utilization").setUnit("1").build()
                    .set(0.25, Attributes.of(AttributeKey.longKey("cpu"), 3L));
            var histogram = meter.histogramBuilder("http.server.request.duration").setUnit("s")
                    .setExplicitBucketBoundariesAdvice(List.of(0.005, 0.01, 1.0, 2.5)).build();
            Attributes route = Attributes.of(AttributeKey.stringKey("http.route"), "/cart");
            for (double v : new double[] {0.003, 0.5, 2, 7}) {
                histogram.record(v, route);
            }
            return export(reader, encoding);
        }
    }

    /** The export request of what {@code reader} collects now, its metrics by name, in {@code encoding}. */
    static byte[] export(Reader reader, Encoding encoding) throws IOException {
        List<MetricData> metrics = new ArrayList<>(reader.registration.collectAllMetrics());
        metrics.sort(Comparator.comparing(MetricData::getName));
        MetricsRequestMarshaler marshaler = MetricsRequestMarshaler.create(metrics);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (encoding == Encoding.PROTOBUF) {
            marshaler.writeBinaryTo(out);
        } else {
            marshaler.writeJsonTo(out);
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void decodesTheSdksCumulativeRequestAsPrometheusNamesIt(Encoding encoding) throws IOException {
        byte[] value = sdkRequest(AggregationTemporalitySelector.alwaysCumulative(), encoding);
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(encoding), value);
        String tags = "instance=pod-1, job=shop/checkout";
        assertThat(show(out)).containsExactly(
                "#0 acme cpu_utilization_ratio{cpu=3, " + tags + "} 0.25",
                "#1 acme http_server_request_duration_seconds_bucket{http_route=/cart, " + tags + ", le=0.005} 1.0",
                "#2 acme http_server_request_duration_seconds_bucket{http_route=/cart, " + tags + ", le=0.01} 1.0",
                "#3 acme http_server_request_duration_seconds_bucket{http_route=/cart, " + tags + ", le=1} 2.0",
                "#4 acme http_server_request_duration_seconds_bucket{http_route=/cart, " + tags + ", le=2.5} 3.0",
                "#5 acme http_server_request_duration_seconds_bucket{http_route=/cart, " + tags + ", le=+Inf} 4.0",
                "#6 acme http_server_request_duration_seconds_count{http_route=/cart, " + tags + "} 4.0",
                "#7 acme http_server_request_duration_seconds_sum{http_route=/cart, " + tags + "} 9.503",
                "#8 acme http_server_requests_total{http_method=GET, " + tags + "} 3.0",
                "#9 acme queue_size{" + tags + ", queue=q1} -2.0");
        for (Either<RejectedRecord, MetricPoint> item : out) {
            checkPoint(item.right(), item.right().provenance.index, "");
            assertThat(item.right().timestampMicros).isEqualTo(T_MICROS);
        }
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void deltaSumsAndHistogramsArePointsOfTheirDeltasWithoutTotal(Encoding encoding) throws IOException {
        byte[] value = sdkRequest(AggregationTemporalitySelector.deltaPreferred(), encoding);
        List<String> out = show(decode(
                new OtlpMetricsDecoder(settings(Map.of()), encoding, OtlpTranslation.DEFAULTS), value));
        assertThat(out).contains(
                "#5 acme http_server_request_duration_seconds_bucket{http_route=/cart, instance=pod-1,"
                        + " job=shop/checkout, le=+Inf} 4.0",
                "#8 acme http_server_requests{http_method=GET, instance=pod-1, job=shop/checkout} 3.0",
                // An up-down counter stays cumulative: a gauge.
                "#9 acme queue_size{instance=pod-1, job=shop/checkout, queue=q1} -2.0");
        assertThat(out).hasSize(10).noneMatch(s -> s.contains("_total"));
    }

    @Test
    void withoutSuffixesNamesAreOnlySanitized() throws IOException {
        byte[] value = sdkRequest(AggregationTemporalitySelector.alwaysCumulative(), Encoding.PROTOBUF);
        List<String> out = show(decode(new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withNameSuffixes(false).withPromotedResourceAttributes("host.name")), value));
        assertThat(out).extracting(s -> s.split(" ")[2].replaceAll("\\{.*", "")).containsExactly(
                "cpu_utilization", "http_server_request_duration_bucket", "http_server_request_duration_bucket",
                "http_server_request_duration_bucket", "http_server_request_duration_bucket",
                "http_server_request_duration_bucket", "http_server_request_duration_count",
                "http_server_request_duration_sum", "http_server_requests", "queue_size");
        // The promoted attribute is a tag; the others (tenant aside) are not.
        assertThat(out.get(0)).isEqualTo("#0 acme cpu_utilization{cpu=3, host_name=h1, instance=pod-1, job=shop/checkout} 0.25");
    }

    // ---- hand-built requests ----------------------------------------------------------------

    @Test
    void namesAndLabelsAreTranslatedAsPrometheusDoes() {
        ExportMetricsServiceRequest request = request(SERVICE,
                gauge("9lives.of..the-cat", "", point(1, "2xx", "a", "net.peer/name", "b", "__meta", "c", "empty", "")),
                gauge("mem.used", "MiBy", point(2)),
                gauge("disk.io", "By/s", point(3)),
                gauge("latency_ms", "ms", point(4)),
                gauge("rate", "{packet}/s", point(5)),
                gauge("temp", "Cel", point(6)),
                gauge("weird", "foo.bar", point(7)),
                sum("bytes.sent", "By", true, AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE, point(8)),
                sum("calls_total", "1", true, AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE, point(9)));
        String tags = "instance=pod-1, job=checkout";
        assertThat(show(decode(decoder(Encoding.PROTOBUF), encode(request, Encoding.PROTOBUF)))).containsExactly(
                "#0 default _9lives_of_the_cat{__meta=c, " + tags + ", key_2xx=a, net_peer_name=b} 1.0",
                "#1 default mem_used_mebibytes{" + tags + "} 2.0",
                "#2 default disk_io_bytes_per_second{" + tags + "} 3.0",
                "#3 default latency_ms_milliseconds{" + tags + "} 4.0",
                "#4 default rate_per_second{" + tags + "} 5.0",
                "#5 default temp_celsius{" + tags + "} 6.0",
                "#6 default weird_foo_bar{" + tags + "} 7.0",
                "#7 default bytes_sent_bytes_total{" + tags + "} 8.0",
                "#8 default calls_total{" + tags + "} 9.0");
        assertThat(OtlpMetricsDecoder.formatFloat(0.005)).isEqualTo("0.005");
        assertThat(OtlpMetricsDecoder.formatFloat(1.0)).isEqualTo("1");
        assertThat(OtlpMetricsDecoder.formatFloat(1e22)).isEqualTo("10000000000000000000000");
        assertThat(OtlpMetricsDecoder.formatNumber(1e22)).isEqualTo("1e+22");
        assertThat(OtlpMetricsDecoder.formatNumber(1.5e-7)).isEqualTo("1.5e-7");
        assertThat(OtlpMetricsDecoder.formatNumber(1.5)).isEqualTo("1.5");
    }

    @Test
    void attributeValuesAreTheirTextAndArraysAreRefused() {
        NumberDataPoint p = point(1).toBuilder()
                .addAttributes(kv("ok", AnyValue.newBuilder().setBoolValue(true).build()))
                .addAttributes(kv("n", AnyValue.newBuilder().setIntValue(42).build()))
                .addAttributes(kv("x", AnyValue.newBuilder().setDoubleValue(1.5).build())).build();
        NumberDataPoint bad = point(2).toBuilder().addAttributes(kv("list", AnyValue.newBuilder()
                .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("a"))).build()))
                .build();
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Encoding.PROTOBUF),
                encode(request(SERVICE, gauge("g", "", p, bad)), Encoding.PROTOBUF));
        assertThat(show(out)).containsExactly(
                "#0 default g{instance=pod-1, job=checkout, n=42, ok=true, x=1.5} 1.0",
                "#1 wrong_type [default]");
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void refusedDataPointsAreGroupedByReasonAndTheirPayloadsDecodeBackToThem(Encoding encoding) {
        NumberDataPoint nan = point(Double.NaN, "a", "1");
        NumberDataPoint huge = point(Double.MAX_VALUE, "a", "2");
        NumberDataPoint ended = point(5, "a", "3").toBuilder().setFlags(1).build();
        NumberDataPoint inf = point(Double.POSITIVE_INFINITY, "a", "4");
        NumberDataPoint collision = point(6, "a.b", "x", "a_b", "y");
        NumberDataPoint good = point(7, "a", "5");
        NumberDataPoint old = point(8, "a", "6").toBuilder().setTimeUnixNano(1_000_000L).build();
        Resource resource = resource("service.name", "checkout", "tenant", "acme", "other", "kept in payloads");
        ExportMetricsServiceRequest request = request(resource,
                gauge("g", "", nan, huge, ended, inf, collision, good, old));
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(encoding), encode(request, encoding));
        assertThat(show(out)).containsExactly(
                "#0 acme g{a=5, job=checkout} 7.0",
                "#1 non_finite_value [acme]",
                "#2 value_out_of_range [acme]",
                "#3 invalid_tag [acme]",
                "#4 timestamp_out_of_range [acme]");
        RejectedRecord nonFinite = out.get(1).left();
        assertThat(nonFinite.message).isEqualTo("value NaN is not finite (and 2 more data points of the metric"
                + " with the same reason)");
        ExportMetricsServiceRequest part = parse(nonFinite.payload, encoding);
        assertThat(part).isEqualTo(request(resource, gauge("g", "", nan, ended, inf)));
        assertThat(parse(out.get(2).left().payload, encoding)).isEqualTo(request(resource, gauge("g", "", huge)));
        assertThat(parse(out.get(3).left().payload, encoding)).isEqualTo(request(resource, gauge("g", "", collision)));
        assertThat(out.get(3).left().message).contains("'a_b'");
        // Produced again, each is refused again for the same reason.
        for (int i = 1; i < out.size(); i++) {
            RejectedRecord r = out.get(i).left();
            List<Either<RejectedRecord, MetricPoint>> again = decode(decoder(encoding), r.payload);
            assertThat(again).hasSize(1);
            assertThat(again.get(0).left().reasonCode).isEqualTo(r.reasonCode);
            assertThat(again.get(0).left().message).isEqualTo(r.message);
        }
    }

    @Test
    void noRecordedValueSaysTheSeriesEnded() {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Encoding.PROTOBUF), encode(request(SERVICE,
                gauge("g", "", point(1).toBuilder().setFlags(1).build())), Encoding.PROTOBUF));
        assertThat(show(out)).containsExactly("#0 non_finite_value [default]");
        assertThat(out.get(0).left().message).startsWith("no recorded value: the series ended");
    }

    @Test
    void aTimeOfZeroIsTheKafkaRecordsTimestamp() {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Encoding.PROTOBUF), encode(request(SERVICE,
                gauge("g", "", point(1).toBuilder().setTimeUnixNano(0).build())), Encoding.PROTOBUF));
        assertThat(out.get(0).right().timestampMicros).isEqualTo(KAFKA_TS_MILLIS * 1_000);
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void summariesAreQuantilesCountAndSum(Encoding encoding) {
        Metric summary = Metric.newBuilder().setName("rpc.latency").setUnit("ms").setSummary(Summary.newBuilder()
                .addDataPoints(SummaryDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(10).setSum(42.5)
                        .addAttributes(kv("rpc", "get"))
                        .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5).setValue(3))
                        .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.99).setValue(9))))
                .build();
        assertThat(show(decode(decoder(encoding), encode(request(SERVICE, summary), encoding)))).containsExactly(
                "#0 default rpc_latency_milliseconds{instance=pod-1, job=checkout, quantile=0.5, rpc=get} 3.0",
                "#1 default rpc_latency_milliseconds{instance=pod-1, job=checkout, quantile=0.99, rpc=get} 9.0",
                "#2 default rpc_latency_milliseconds_count{instance=pod-1, job=checkout, rpc=get} 10.0",
                "#3 default rpc_latency_milliseconds_sum{instance=pod-1, job=checkout, rpc=get} 42.5");
    }

    @Test
    void histogramsOfInconsistentBucketsAreRefused() {
        HistogramDataPoint good = HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(3)
                .addExplicitBounds(1).addBucketCounts(1).addBucketCounts(2).build();
        HistogramDataPoint bad = good.toBuilder().addBucketCounts(5).build();
        HistogramDataPoint noBuckets = HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(2).setSum(1)
                .build();
        Metric histogram = Metric.newBuilder().setName("h").setHistogram(Histogram.newBuilder()
                .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE)
                .addDataPoints(good).addDataPoints(bad).addDataPoints(noBuckets)).build();
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Encoding.PROTOBUF),
                encode(request(Resource.getDefaultInstance(), histogram), Encoding.PROTOBUF));
        assertThat(show(out)).containsExactly(
                "#0 default h_bucket{le=1} 1.0",
                "#1 default h_bucket{le=+Inf} 3.0",
                "#2 default h_count{} 3.0",
                "#3 default h_bucket{le=+Inf} 2.0",
                "#4 default h_count{} 2.0",
                "#5 default h_sum{} 1.0",
                "#6 malformed_payload [default]");
        assertThat(out.get(6).left().message).contains("3 bucket counts for 1 explicit bounds");
    }

    // ---- exponential histograms -------------------------------------------------------------

    /** What the SDK records: a zero, and values from 1 to 3, so that it picks a scale above 3 (6, for 160 buckets). */
    static final double[] RECORDED = {0, 1, 1.05, 1.1, 1.5, 2, 2.5, 3};

    /** The SDK's export request of an exponential histogram (160 buckets, scale at most 20) of {@link #RECORDED}. */
    static byte[] sdkExponentialRequest(AggregationTemporalitySelector temporality, Encoding encoding)
            throws IOException {
        Reader reader = new Reader(temporality);
        try (SdkMeterProvider provider = SdkMeterProvider.builder().setClock(new FixedClock())
                .setResource(io.opentelemetry.sdk.resources.Resource.empty())
                .registerView(InstrumentSelector.builder().setType(InstrumentType.HISTOGRAM).build(),
                        View.builder().setAggregation(Aggregation.base2ExponentialBucketHistogram(160, 20)).build())
                .registerMetricReader(reader).build()) {
            var histogram = provider.get("io.chronicle.test").histogramBuilder("rpc.duration").setUnit("s").build();
            for (double v : RECORDED) {
                histogram.record(v, Attributes.of(AttributeKey.stringKey("rpc"), "get"));
            }
            return export(reader, encoding);
        }
    }

    /**
     * The points of a classic histogram of {@code values} (none negative) at {@code scale}, computed from
     * the values alone: a bucket per bound that values fall under, as OTLP buckets them.
     */
    static List<String> classicPoints(String name, String tags, double[] values, int scale) {
        TreeMap<Integer, Long> buckets = new TreeMap<>();
        long zeros = 0;
        double sum = 0;
        for (double v : values) {
            sum += v;
            if (v == 0) {
                zeros++;
            } else {
                buckets.merge(bucketIndex(v, scale), 1L, Long::sum);
            }
        }
        List<String> bounds = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        if (zeros > 0) {
            bounds.add("0");
            counts.add(zeros);
        }
        buckets.forEach((index, count) -> {
            bounds.add(OtlpMetricsDecoder.formatFloat(nearestPower(index + 1, scale)));
            counts.add(count);
        });
        List<String> points = new ArrayList<>();
        long cumulative = 0;
        for (int b = 0; b < bounds.size(); b++) {
            cumulative += counts.get(b);
            points.add(name + "_bucket{le=" + bounds.get(b) + ", " + tags + "} " + (double) cumulative);
        }
        points.add(name + "_bucket{le=+Inf, " + tags + "} " + (double) values.length);
        points.add(name + "_count{" + tags + "} " + (double) values.length);
        points.add(name + "_sum{" + tags + "} " + sum);
        List<String> numbered = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            numbered.add("#" + i + " default " + points.get(i));
        }
        return numbered;
    }

    /** The index of {@code v > 0}'s bucket at {@code scale >= 0}: (base^i, base^(i+1)], so a power of two ends one. */
    static int bucketIndex(double v, int scale) {
        int exponent = Math.getExponent(v);
        if (v == Math.scalb(1.0, exponent)) {
            return (exponent << scale) - 1;
        }
        return (int) Math.ceil(Math.log(v) / Math.log(2) * (1 << scale)) - 1;
    }

    /**
     * The double nearest 2^(k / 2^scale), for scale >= 0, checked exactly: t = 2^(k / 2^scale) lies
     * between the midpoints to its neighbours, m < t exactly when m^(2^scale) < 2^k.
     */
    static double nearestPower(int k, int scale) {
        double d = Math.pow(2, k / (double) (1 << scale));
        while (true) {
            if (belowPower(midpoint(d, Math.nextUp(d)), k, scale)) {
                d = Math.nextUp(d);
            } else if (!belowPower(midpoint(Math.nextDown(d), d), k, scale)) {
                d = Math.nextDown(d);
            } else {
                return d;
            }
        }
    }

    /** Exactly: in doubles, it may round to one of the two. */
    static BigDecimal midpoint(double a, double b) {
        return new BigDecimal(a).add(new BigDecimal(b)).divide(BigDecimal.valueOf(2));
    }

    /** Whether m^(2^scale) < 2^k, in exact decimals. */
    static boolean belowPower(BigDecimal m, int k, int scale) {
        BigDecimal two = BigDecimal.valueOf(2);
        BigDecimal power = k >= 0 ? two.pow(k) : BigDecimal.ONE.divide(two.pow(-k));
        return m.pow(1 << scale).compareTo(power) < 0;
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void exponentialHistogramsOfTheSdkAreClassicHistogramsAtTheMaxScale(Encoding encoding) throws IOException {
        byte[] value = sdkExponentialRequest(AggregationTemporalitySelector.alwaysCumulative(), encoding);
        List<String> out = show(decode(decoder(encoding), value));
        assertThat(out).isEqualTo(classicPoints("rpc_duration_seconds", "rpc=get", RECORDED, 3));
        assertThat(out).startsWith(
                "#0 default rpc_duration_seconds_bucket{le=0, rpc=get} 1.0",
                "#1 default rpc_duration_seconds_bucket{le=1, rpc=get} 2.0",
                "#2 default rpc_duration_seconds_bucket{le=1.0905077326652577, rpc=get} 3.0",
                "#3 default rpc_duration_seconds_bucket{le=1.189207115002721, rpc=get} 4.0",
                "#4 default rpc_duration_seconds_bucket{le=1.5422108254079407, rpc=get} 5.0",
                "#5 default rpc_duration_seconds_bucket{le=2, rpc=get} 6.0");
        assertThat(out).hasSize(11).contains("#10 default rpc_duration_seconds_sum{rpc=get} 12.15");
    }

    @Test
    void theMaxScaleOptionSetsTheBoundsAndAScaleBelowItIsKept() throws IOException {
        byte[] value = sdkExponentialRequest(AggregationTemporalitySelector.alwaysCumulative(), Encoding.PROTOBUF);
        ExponentialHistogramDataPoint recorded = parse(value, Encoding.PROTOBUF).getResourceMetrics(0)
                .getScopeMetrics(0).getMetrics(0).getExponentialHistogram().getDataPoints(0);
        assertThat(recorded.getScale()).as("the SDK's scale, which the default max downscales to 3").isEqualTo(6);
        OtlpMetricsDecoder coarse = new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withMaxExponentialScale(0));
        assertThat(show(decode(coarse, value))).isEqualTo(classicPoints("rpc_duration_seconds", "rpc=get", RECORDED, 0))
                .containsExactly(
                        "#0 default rpc_duration_seconds_bucket{le=0, rpc=get} 1.0",
                        "#1 default rpc_duration_seconds_bucket{le=1, rpc=get} 2.0",
                        "#2 default rpc_duration_seconds_bucket{le=2, rpc=get} 6.0",
                        "#3 default rpc_duration_seconds_bucket{le=4, rpc=get} 8.0",
                        "#4 default rpc_duration_seconds_bucket{le=+Inf, rpc=get} 8.0",
                        "#5 default rpc_duration_seconds_count{rpc=get} 8.0",
                        "#6 default rpc_duration_seconds_sum{rpc=get} 12.15");
        // At most 20, the SDK's scale 6 is kept.
        OtlpMetricsDecoder fine = new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withMaxExponentialScale(20));
        assertThat(show(decode(fine, value))).isEqualTo(classicPoints("rpc_duration_seconds", "rpc=get", RECORDED, 6));
        assertThatThrownBy(() -> new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withMaxExponentialScale(21)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deltaExponentialHistogramsAreTheSameSeriesOfDeltas() throws IOException {
        byte[] value = sdkExponentialRequest(AggregationTemporalitySelector.deltaPreferred(), Encoding.PROTOBUF);
        assertThat(show(decode(decoder(Encoding.PROTOBUF), value)))
                .isEqualTo(classicPoints("rpc_duration_seconds", "rpc=get", RECORDED, 3));
    }

    static ExponentialHistogramDataPoint.Buckets buckets(int offset, long... counts) {
        ExponentialHistogramDataPoint.Buckets.Builder b =
                ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(offset);
        for (long c : counts) {
            b.addBucketCounts(c);
        }
        return b.build();
    }

    /** A data point of {@code scale} of positive buckets from {@code offset}; its count theirs. */
    static ExponentialHistogramDataPoint.Builder exponential(int scale, int offset, long... counts) {
        return ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setScale(scale)
                .setPositive(buckets(offset, counts)).setCount(Arrays.stream(counts).sum());
    }

    static Metric exponentialMetric(ExponentialHistogramDataPoint.Builder... points) {
        ExponentialHistogram.Builder e = ExponentialHistogram.newBuilder()
                .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        for (ExponentialHistogramDataPoint.Builder p : points) {
            e.addDataPoints(p);
        }
        return Metric.newBuilder().setName("e").setExponentialHistogram(e).build();
    }

    static List<Either<RejectedRecord, MetricPoint>> decodeExponential(
            ExponentialHistogramDataPoint.Builder... points) {
        return decode(decoder(Encoding.PROTOBUF),
                encode(request(Resource.getDefaultInstance(), exponentialMetric(points)), Encoding.PROTOBUF));
    }

    @Test
    void aScaleAboveTheMaxIsDownscaledExactlyByMergingBuckets() {
        // Scale 5 to 3: indices 6..10 >> 2 are 1, 1, 2, 2, 2.
        assertThat(show(decodeExponential(exponential(5, 6, 1, 2, 3, 4, 5).setSum(20)))).containsExactly(
                "#0 default e_bucket{le=1.189207115002721} 3.0",
                "#1 default e_bucket{le=1.2968395546510096} 15.0",
                "#2 default e_bucket{le=+Inf} 15.0",
                "#3 default e_count{} 15.0",
                "#4 default e_sum{} 20.0");
        // Scale 4 to 3, negative indices floored: -3..0 >> 1 are -2, -1, -1, 0.
        assertThat(show(decodeExponential(exponential(4, -3, 1, 1, 1, 1)))).containsExactly(
                "#0 default e_bucket{le=0.9170040432046712} 1.0",
                "#1 default e_bucket{le=1} 3.0",
                "#2 default e_bucket{le=1.0905077326652577} 4.0",
                "#3 default e_bucket{le=+Inf} 4.0",
                "#4 default e_count{} 4.0");
    }

    @Test
    void aScaleAtOrBelowTheMaxIsKeptAndEmptyBucketsAreNoPoints() {
        assertThat(show(decodeExponential(exponential(1, 0, 1, 0, 2)))).containsExactly(
                "#0 default e_bucket{le=1.4142135623730951} 1.0",
                "#1 default e_bucket{le=2.8284271247461903} 3.0",
                "#2 default e_bucket{le=+Inf} 3.0",
                "#3 default e_count{} 3.0");
        // A base of 4 at scale -1, of 16 at scale -2; exact powers of two.
        assertThat(show(decodeExponential(exponential(-1, 0, 1, 1)))).containsExactly(
                "#0 default e_bucket{le=4} 1.0",
                "#1 default e_bucket{le=16} 2.0",
                "#2 default e_bucket{le=+Inf} 2.0",
                "#3 default e_count{} 2.0");
        assertThat(show(decodeExponential(exponential(-2, 0, 1, 1, 1).setNegative(buckets(-1, 2)).setCount(5))))
                .containsExactly(
                        "#0 default e_bucket{le=-0.0625} 2.0",
                        "#1 default e_bucket{le=16} 3.0",
                        "#2 default e_bucket{le=256} 4.0",
                        "#3 default e_bucket{le=4096} 5.0",
                        "#4 default e_bucket{le=+Inf} 5.0",
                        "#5 default e_count{} 5.0");
    }

    @Test
    void everyBoundIsTheDoubleNearestItsPowerOfTwo() {
        OtlpMetricsDecoder decoder = new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withMaxExponentialScale(OtlpMetricsDecoder.MAX_SCALE));
        for (int scale = 1; scale <= 8; scale++) {
            // Bounds from 2^(-1 + 2^-scale) to 2^1: every fraction of the scale, above and below 1.
            long[] ones = new long[2 << scale];
            Arrays.fill(ones, 1);
            Metric metric = exponentialMetric(exponential(scale, -(1 << scale), ones));
            List<Either<RejectedRecord, MetricPoint>> out = decode(decoder,
                    encode(request(Resource.getDefaultInstance(), metric), Encoding.PROTOBUF));
            for (int b = 0; b < ones.length; b++) {
                int k = b - (1 << scale) + 1;
                assertThat(out.get(b).right().tags.get("le")).as("2^(%d / 2^%d)", k, scale)
                        .isEqualTo(OtlpMetricsDecoder.formatFloat(nearestPower(k, scale)));
            }
        }
    }

    @Test
    void negativeBucketsComeFromTheMostNegativeThenTheZeroBucket() {
        ExponentialHistogramDataPoint.Builder p = exponential(0, 1, 5).setNegative(buckets(0, 2, 1))
                .setZeroCount(4).setCount(12).setSum(-3.5);
        ExponentialHistogramDataPoint.Builder threshold = exponential(0, 0, 2).setZeroCount(1).setZeroThreshold(0.001)
                .setCount(3).addAttributes(kv("a", "1"));
        assertThat(show(decodeExponential(p, threshold))).containsExactly(
                "#0 default e_bucket{le=-2} 1.0",
                "#1 default e_bucket{le=-1} 3.0",
                "#2 default e_bucket{le=0} 7.0",
                "#3 default e_bucket{le=4} 12.0",
                "#4 default e_bucket{le=+Inf} 12.0",
                "#5 default e_count{} 12.0",
                "#6 default e_sum{} -3.5",
                "#7 default e_bucket{a=1, le=0.001} 1.0",
                "#8 default e_bucket{a=1, le=2} 3.0",
                "#9 default e_bucket{a=1, le=+Inf} 3.0",
                "#10 default e_count{a=1} 3.0");
    }

    /** The message of {@code p}'s refusal, alone in a metric, which must be for malformed_payload. */
    static String malformed(ExponentialHistogramDataPoint.Builder p) {
        List<Either<RejectedRecord, MetricPoint>> out = decodeExponential(p);
        assertThat(show(out)).containsExactly("#0 malformed_payload [default]");
        return out.get(0).left().message;
    }

    @Test
    void malformedExponentialDataPointsAreRefused() {
        assertThat(malformed(exponential(0, 0, 1, 2).setCount(4)))
                .isEqualTo("exponential histogram bucket counts and zero_count add up to 3, not the data point's"
                        + " count 4");
        assertThat(malformed(exponential(0, 0, 1).setZeroCount(1)))
                .contains("add up to 2, not the data point's count 1");
        assertThat(malformed(exponential(21, 0, 1))).isEqualTo("exponential histogram scale 21 is not from -10 to 20");
        assertThat(malformed(exponential(-11, 0, 1))).startsWith("exponential histogram scale -11 ");
        assertThat(malformed(exponential(0, 1023, 1)))
                .isEqualTo("exponential histogram bucket bound 2^(1024 / 2^0) overflows a double");
        assertThat(malformed(exponential(0, 0, 0).setNegative(buckets(1024, 1)).setCount(1)))
                .endsWith("overflows a double");
        assertThat(malformed(exponential(0, -1076, 1))).endsWith("underflows a double");
        // Its exponent 4 * (2^30 + 1) does not fit an int: still an overflow, not a bound of 16.
        assertThat(malformed(exponential(-2, 1 << 30, 1))).endsWith("overflows a double");
        assertThat(malformed(exponential(0, Integer.MAX_VALUE, 1, 1))).startsWith("exponential histogram buckets"
                + " from offset 2147483647, 2 of them, pass the largest index");
        assertThat(malformed(exponential(0, 0, 1).setZeroThreshold(-1))).isEqualTo("exponential histogram"
                + " zero_threshold -1.0 is not a finite number from 0");
        assertThat(malformed(exponential(0, 0, 1).setZeroThreshold(Double.NaN))).contains("zero_threshold NaN");
        assertThat(malformed(exponential(0, 0, 1).setZeroThreshold(Double.POSITIVE_INFINITY).setZeroCount(1)
                .setCount(2))).contains("zero_threshold Infinity");
        // A zero bucket's bound must be below the buckets above it, or two bounds would be one (or out of order).
        assertThat(malformed(exponential(0, 0, 1).setZeroThreshold(2).setZeroCount(1).setCount(2)))
                .isEqualTo("exponential histogram zero_threshold 2.0 is not below the upper bound of its lowest"
                        + " positive bucket");
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void refusedExponentialDataPointsAreGroupedAndTheRestKept(Encoding encoding) {
        ExponentialHistogramDataPoint.Builder good = exponential(0, 0, 1);
        ExponentialHistogramDataPoint.Builder tooFine = exponential(21, 0, 1);
        ExponentialHistogramDataPoint.Builder off = exponential(0, 0, 1).setCount(2);
        ExponentialHistogramDataPoint.Builder le = exponential(0, 0, 1).addAttributes(kv("le", "1"));
        ExponentialHistogramDataPoint.Builder ended = exponential(0, 0, 1).setFlags(1);
        Metric metric = exponentialMetric(tooFine, good, off, le, ended);
        ExportMetricsServiceRequest request = request(SERVICE, metric);
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(encoding), encode(request, encoding));
        assertThat(show(out)).containsExactly(
                "#0 default e_bucket{instance=pod-1, job=checkout, le=2} 1.0",
                "#1 default e_bucket{instance=pod-1, job=checkout, le=+Inf} 1.0",
                "#2 default e_count{instance=pod-1, job=checkout} 1.0",
                "#3 malformed_payload [default]",
                "#4 invalid_tag [default]",
                "#5 non_finite_value [default]");
        assertThat(out.get(3).left().message).endsWith("(and 1 more data point of the metric with the same reason)");
        assertThat(parse(out.get(3).left().payload, encoding))
                .isEqualTo(request(SERVICE, exponentialMetric(tooFine, off)));
        assertThat(parse(out.get(4).left().payload, encoding)).isEqualTo(request(SERVICE, exponentialMetric(le)));
        Metric unspecified = metric.toBuilder().setExponentialHistogram(metric.getExponentialHistogram().toBuilder()
                .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_UNSPECIFIED)).build();
        assertThat(show(decode(decoder(encoding), encode(request(SERVICE, unspecified), encoding))))
                .containsExactly("#0 wrong_type [default]");
    }

    @Test
    void unspecifiedTemporalityAndBadNamesRefuseTheMetricWhole() {
        Metric unspecified = sum("s", "", true, AggregationTemporality.AGGREGATION_TEMPORALITY_UNSPECIFIED,
                point(1), point(2));
        Metric reserved = gauge(HealthRules.METRICS.iterator().next(), "", point(3));
        Metric empty = gauge("", "", point(4));
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Encoding.PROTOBUF),
                encode(request(SERVICE, unspecified, reserved, empty, gauge("ok", "", point(5))), Encoding.PROTOBUF));
        assertThat(show(out)).containsExactly("#0 wrong_type [default]", "#1 reserved_metric_name [default]",
                "#2 invalid_metric_name [default]", "#3 default ok{instance=pod-1, job=checkout} 5.0");
        assertThat(out.get(0).left().message).startsWith("temporality unspecified");
        assertThat(parse(out.get(0).left().payload, Encoding.PROTOBUF)).isEqualTo(request(SERVICE, unspecified));
    }

    @Test
    void promotedResourceAttributesAreTagsAndTheDataPointsWin() {
        Resource resource = resource("service.name", "api", "service.namespace", "shop", "k8s.pod.name", "p1",
                "region", "eu", "host", "ignored");
        ExportMetricsServiceRequest request = request(resource, gauge("g", "", point(1, "region", "us", "job", "mine")));
        OtlpMetricsDecoder decoder = new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withPromotedResourceAttributes("k8s.pod.name", "region", "absent"));
        assertThat(show(decode(decoder, encode(request, Encoding.PROTOBUF)))).containsExactly(
                "#0 default g{job=shop/api, k8s_pod_name=p1, region=us} 1.0");
        // Two promoted attributes of one label refuse the resource's metrics.
        ExportMetricsServiceRequest colliding = request(resource("a.b", "1", "a_b", "2"),
                gauge("g", "", point(1)), gauge("h", "", point(2)));
        OtlpMetricsDecoder both = new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withPromotedResourceAttributes("a.b", "a_b"));
        assertThat(show(decode(both, encode(colliding, Encoding.PROTOBUF)))).containsExactly(
                "#0 invalid_tag [default]", "#1 invalid_tag [default]");
    }

    @Test
    void scopeMetadataIsTaggedOnlyWhenPromoted() throws IOException {
        Reader reader = new Reader(AggregationTemporalitySelector.alwaysCumulative());
        byte[] value;
        try (SdkMeterProvider provider = SdkMeterProvider.builder().setClock(new FixedClock())
                .setResource(io.opentelemetry.sdk.resources.Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), "checkout")))
                .registerMetricReader(reader).build()) {
            provider.meterBuilder("io.chronicle.checkout").setInstrumentationVersion("2.1")
                    .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0").build()
                    .gaugeBuilder("temperature").build().set(21.5, Attributes.of(AttributeKey.stringKey("room"), "a"));
            provider.get("io.chronicle.rooms").gaugeBuilder("humidity").build().set(0.4);
            value = export(reader, Encoding.PROTOBUF);
        }
        // The SDK's marshaler orders scopes as its hash map does.
        assertThat(withoutIndexes(decode(decoder(Encoding.PROTOBUF), value))).containsExactlyInAnyOrder(
                "default temperature{job=checkout, room=a} 21.5",
                "default humidity{job=checkout} 0.4");
        OtlpMetricsDecoder scoped = new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withScopeMetadata(true));
        assertThat(withoutIndexes(decode(scoped, value))).containsExactlyInAnyOrder(
                "default temperature{job=checkout, otel_scope_name=io.chronicle.checkout,"
                        + " otel_scope_schema_url=https://opentelemetry.io/schemas/1.24.0, otel_scope_version=2.1,"
                        + " room=a} 21.5",
                "default humidity{job=checkout, otel_scope_name=io.chronicle.rooms} 0.4");
    }

    @Test
    void theOptionsReachTheDecoderOfEachOtlpTopic() {
        Configuration conf = new Configuration();
        conf.set(ChronicleOptions.TOPIC_POINT_FORMATS, Map.of("otlp", "otlp-proto"));
        conf.set(ChronicleOptions.OTLP_PROMOTE_SCOPE_METADATA, true);
        conf.set(ChronicleOptions.OTLP_NAME_SUFFIXES, false);
        conf.set(ChronicleOptions.OTLP_PROMOTED_RESOURCE_ATTRIBUTES, List.of("region"));
        byte[] value = encode(request(resource("service.name", "api", "region", "eu"),
                sum("requests", "{request}", true, AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE,
                        point(3))), Encoding.PROTOBUF);
        List<Either<RejectedRecord, MetricPoint>> out = new ArrayList<>();
        PointDecoders.from(conf).decode(raw(value, null), NOW_MICROS, new ListCollector<>(out));
        assertThat(show(out)).containsExactly(
                "#0 default requests{job=api, otel_scope_name=test, otel_scope_version=1, region=eu} 3.0");
    }

    @Test
    void scopeAttributesAreTagsThatWinOverTheDataPoints() {
        InstrumentationScope scope = InstrumentationScope.newBuilder().setName("lib").setVersion("")
                .addAttributes(kv("library.language", "java")).addAttributes(kv("name", "not the name"))
                .addAttributes(kv("shard", AnyValue.newBuilder().setIntValue(7).build()))
                .addAttributes(kv("empty", "")).build();
        InstrumentationScope colliding = InstrumentationScope.newBuilder().setName("other")
                .addAttributes(kv("a.b", "1")).addAttributes(kv("a_b", "2")).build();
        InstrumentationScope array = InstrumentationScope.newBuilder().setName("third")
                .addAttributes(kv("list", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setStringValue("x"))).build())).build();
        ExportMetricsServiceRequest request = ExportMetricsServiceRequest.newBuilder()
                .addResourceMetrics(ResourceMetrics.newBuilder().setResource(SERVICE)
                        .addScopeMetrics(ScopeMetrics.newBuilder().setScope(scope).addMetrics(
                                gauge("g", "", point(1, "otel_scope_shard", "mine", "zone", "z1"))))
                        .addScopeMetrics(ScopeMetrics.newBuilder().setScope(colliding).addMetrics(
                                gauge("g", "", point(2))).addMetrics(gauge("h", "", point(3))))
                        .addScopeMetrics(ScopeMetrics.newBuilder().setScope(array).addMetrics(gauge("g", "", point(4))))
                        .addScopeMetrics(ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder()
                                .setName("fine")).addMetrics(gauge("g", "", point(5))))
                        // A scope without a name gives no tags, as in Prometheus.
                        .addScopeMetrics(ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder()
                                .setVersion("3").addAttributes(kv("k", "v"))).addMetrics(gauge("g", "", point(6)))))
                .build();
        OtlpMetricsDecoder scoped = new OtlpMetricsDecoder(settings(Map.of()), Encoding.PROTOBUF,
                OtlpTranslation.DEFAULTS.withScopeMetadata(true));
        List<Either<RejectedRecord, MetricPoint>> out = decode(scoped, encode(request, Encoding.PROTOBUF));
        assertThat(show(out)).containsExactly(
                "#0 default g{instance=pod-1, job=checkout, otel_scope_library_language=java, otel_scope_name=lib,"
                        + " otel_scope_shard=7, zone=z1} 1.0",
                "#1 invalid_tag [default]", "#2 invalid_tag [default]", "#3 wrong_type [default]",
                "#4 default g{instance=pod-1, job=checkout, otel_scope_name=fine} 5.0",
                "#5 default g{instance=pod-1, job=checkout} 6.0");
        assertThat(out.get(1).left().message).contains("scope attributes 'a_b'").contains("otel_scope_a_b");
        // Each refusal holds its own scope and metric, to be produced again.
        assertThat(parse(out.get(3).left().payload, Encoding.PROTOBUF).getResourceMetrics(0).getScopeMetrics(0)
                .getScope()).isEqualTo(array);
    }

    @Test
    void theTenantAttributeNamesTheTenantInPayloadModeOnly() {
        ExportMetricsServiceRequest request = ExportMetricsServiceRequest.newBuilder()
                .addResourceMetrics(request(resource("tenant", "acme"), gauge("g", "", point(1, "tenant", "x")))
                        .getResourceMetrics(0))
                .addResourceMetrics(request(resource("tenant", TenantNames.RESERVED), gauge("g", "", point(2)))
                        .getResourceMetrics(0))
                .addResourceMetrics(request(resource("tenant", "Bad Name"), gauge("g", "", point(3)))
                        .getResourceMetrics(0))
                .build();
        byte[] value = encode(request, Encoding.PROTOBUF);
        List<Either<RejectedRecord, MetricPoint>> payload = decode(decoder(Encoding.PROTOBUF), raw(value, "globex"));
        assertThat(show(payload)).containsExactly("#0 acme g{} 1.0", "#1 reserved_tenant [globex]",
                "#2 invalid_field [globex]");
        OtlpMetricsDecoder header = new OtlpMetricsDecoder(settings(Map.of(
                ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header")), Encoding.PROTOBUF, OtlpTranslation.DEFAULTS.withPromotedResourceAttributes("tenant"));
        assertThat(show(decode(header, raw(value, "globex")))).containsExactly(
                "#0 globex g{} 1.0", "#1 globex g{} 2.0", "#2 globex g{} 3.0");
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void refusesMalformedEmptyAndOversizedRecordsWhole(Encoding encoding) {
        OtlpMetricsDecoder decoder = decoder(encoding);
        byte[] garbage = {(byte) 0xff, 0x01, 0x02};
        assertThat(show(decode(decoder, garbage))).containsExactly("#0 malformed_payload [null]");
        assertThat(decode(decoder, garbage).get(0).left().payload).isSameAs(garbage);
        assertThat(show(decode(decoder, encode(ExportMetricsServiceRequest.getDefaultInstance(), encoding))))
                .containsExactly("#0 empty_payload [null]");
        assertThat(show(decode(decoder, encode(request(SERVICE, gauge("g", "")), encoding))))
                .containsExactly("#0 empty_payload [null]");
        assertThat(show(decode(decoder, new byte[0]))).containsExactly("#0 empty_payload [null]");
        assertThat(show(decode(decoder, new byte[64 * 1024 + 1]))).containsExactly("#0 oversized_payload [null]");
        assertThat(show(decode(decoder, "{\"resourceMetrics\": [".getBytes(StandardCharsets.UTF_8))))
                .containsExactly("#0 malformed_payload [null]");
    }

    @Test
    void isSerializableAndDecodesTheSameAfterwards() throws Exception {
        OtlpMetricsDecoder decoder = new OtlpMetricsDecoder(settings(Map.of()), Encoding.JSON,
                OtlpTranslation.DEFAULTS.withPromotedResourceAttributes("region"));
        byte[] value = encode(request(resource("region", "eu"), gauge("g", "", point(1))), Encoding.JSON);
        decode(decoder, value);
        OtlpMetricsDecoder copy = InstantiationUtil.clone(decoder);
        assertThat(show(decode(copy, value))).containsExactly("#0 default g{region=eu} 1.0");
    }

    // ---- fuzz -------------------------------------------------------------------------------

    @Test
    void survivesMutatedRequestsAndRandomBytes() {
        OtlpMetricsDecoder[] decoders = {
            new OtlpMetricsDecoder(settings(Map.of(ChronicleOptions.INGEST_MAX_TAGS.key(), "3")), Encoding.PROTOBUF,
                    OtlpTranslation.DEFAULTS.withPromotedResourceAttributes("region")),
            new OtlpMetricsDecoder(settings(Map.of(ChronicleOptions.INGEST_MAX_TAGS.key(), "3")), Encoding.JSON,
                    OtlpTranslation.DEFAULTS.withNameSuffixes(false).withPromotedResourceAttributes("region", "re.gion")
                            .withScopeMetadata(true)),
            new OtlpMetricsDecoder(settings(Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header",
                    ChronicleOptions.INGEST_TENANTS.key(), "acme;default;globex")), Encoding.PROTOBUF,
                    OtlpTranslation.DEFAULTS.withScopeMetadata(true)),
            new OtlpMetricsDecoder(settings(Map.of(ChronicleOptions.INGEST_TENANTS.key(), "acme;globex",
                    ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "2000")), Encoding.JSON,
                    OtlpTranslation.DEFAULTS.withPromotedResourceAttributes("tenant")),
        };
        Set<String> codes = Arrays.stream(RejectReason.values()).map(RejectReason::code).collect(Collectors.toSet());
        Map<String, Integer> seen = new TreeMap<>();
        Random random = new Random(0x07E1_2026L);
        int points = 0;
        for (int c = 0; c < 4_000; c++) {
            OtlpMetricsDecoder decoder = decoders[c % decoders.length];
            Encoding encoding = c % 2 == 0 ? Encoding.PROTOBUF : Encoding.JSON;
            byte[] value;
            switch (c / 4 % 8) {
                case 0 -> {
                    value = new byte[random.nextInt(64)];
                    random.nextBytes(value);
                }
                case 1, 2 -> value = mutate(encode(randomRequest(random), encoding), random);
                default -> value = encode(randomRequest(random), encoding);
            }
            String header = switch (random.nextInt(6)) {
                case 0, 1 -> "globex";
                case 2 -> "a/b";
                default -> null;
            };
            RawRecord raw = raw(value, header);
            List<Either<RejectedRecord, MetricPoint>> out;
            try {
                out = decode(decoder, raw);
            } catch (Throwable t) {
                throw new AssertionError("case " + c + " threw", t);
            }
            long partBytes = 0;
            for (int i = 0; i < out.size(); i++) {
                Either<RejectedRecord, MetricPoint> item = out.get(i);
                String context = "case " + c + " item " + i;
                if (item.isRight()) {
                    points++;
                    checkPoint(item.right(), i, context);
                    continue;
                }
                RejectedRecord r = item.left();
                seen.merge(r.reasonCode, 1, Integer::sum);
                assertThat(r.provenance.index).as(context).isEqualTo(i);
                assertThat(codes).as(context).contains(r.reasonCode);
                assertThat(r.reasonCode).as(context + ": " + r.message).isNotEqualTo("unexpected_error");
                assertThat(r.message).as(context).isNotBlank();
                if (r.payload == raw.value) {
                    assertThat(out).as(context).hasSize(1);
                    continue;
                }
                partBytes += r.payload.length;
                // A part is a request of one metric, refused again for the same reason.
                ExportMetricsServiceRequest part = parse(r.payload, encoding);
                assertThat(part.getResourceMetricsCount()).as(context).isEqualTo(1);
                assertThat(part.getResourceMetrics(0).getScopeMetricsCount()).as(context).isEqualTo(1);
                assertThat(part.getResourceMetrics(0).getScopeMetrics(0).getMetricsCount()).as(context).isEqualTo(1);
                List<Either<RejectedRecord, MetricPoint>> again = decode(decoder, raw(r.payload, header));
                assertThat(again).as(context).hasSize(1);
                assertThat(again.get(0).left().reasonCode).as(context).isIn(r.reasonCode, "oversized_payload");
            }
            if (partBytes > 0) {
                assertThat(partBytes).as("case " + c).isLessThanOrEqualTo(2L * value.length + 64 * 1024);
            }
        }
        assertThat(points).as(seen.toString()).isGreaterThan(2_000);
        assertThat(seen).containsKeys("empty_payload", "malformed_payload", "invalid_metric_name", "invalid_tag",
                "too_many_tags", "non_finite_value", "value_out_of_range", "timestamp_out_of_range",
                "wrong_type", "tenant_not_allowed");
    }

    private static final String[] NAMES = {"http.requests", "cpu", "9x", "a-b", "", "é", "up", "x".repeat(300)};
    private static final String[] UNITS = {"", "s", "By", "1", "{req}", "ms/s", "%"};
    private static final String[] KEYS = {"host", "region", "re.gion", "1a", "tenant", "le", "__name__", "a\u0001",
        "job", "x", "y", "z", "w"};

    static ExportMetricsServiceRequest randomRequest(Random random) {
        ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
        for (int r = random.nextInt(3); r >= 0; r--) {
            Resource.Builder resource = Resource.newBuilder();
            if (random.nextBoolean()) {
                resource.addAttributes(kv("service.name", random.nextBoolean() ? "svc" : ""));
            }
            if (random.nextInt(3) == 0) {
                resource.addAttributes(kv("tenant", new String[] {"acme", "globex", "other", "Bad!", TenantNames.RESERVED}
                        [random.nextInt(5)]));
            }
            if (random.nextBoolean()) {
                resource.addAttributes(kv("region", random.nextInt(10) == 0 ? "\u0002" : "eu"));
            }
            if (random.nextInt(4) == 0) {
                resource.addAttributes(kv("re.gion", "x"));
            }
            ScopeMetrics.Builder scope = ScopeMetrics.newBuilder();
            for (int m = random.nextInt(4); m >= 0; m--) {
                scope.addMetrics(randomMetric(random));
            }
            request.addResourceMetrics(ResourceMetrics.newBuilder().setResource(resource).addScopeMetrics(scope));
        }
        return request.build();
    }

    static Metric randomMetric(Random random) {
        Metric.Builder metric = Metric.newBuilder().setName(NAMES[random.nextInt(NAMES.length)])
                .setUnit(UNITS[random.nextInt(UNITS.length)]);
        AggregationTemporality temporality = random.nextInt(10) == 0
                ? AggregationTemporality.AGGREGATION_TEMPORALITY_UNSPECIFIED
                : random.nextBoolean() ? AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
                        : AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
        int n = random.nextInt(4);
        switch (random.nextInt(6)) {
            case 0, 1 -> {
                Gauge.Builder g = Gauge.newBuilder();
                for (int i = 0; i < n; i++) {
                    g.addDataPoints(randomNumber(random));
                }
                metric.setGauge(g);
            }
            case 2 -> {
                Sum.Builder s = Sum.newBuilder().setIsMonotonic(random.nextBoolean()).setAggregationTemporality(temporality);
                for (int i = 0; i < n; i++) {
                    s.addDataPoints(randomNumber(random));
                }
                metric.setSum(s);
            }
            case 3 -> {
                Histogram.Builder h = Histogram.newBuilder().setAggregationTemporality(temporality);
                for (int i = 0; i < n; i++) {
                    HistogramDataPoint.Builder p = HistogramDataPoint.newBuilder().setTimeUnixNano(randomTime(random))
                            .addAllAttributes(randomAttributes(random));
                    int bounds = random.nextInt(4);
                    long count = 0;
                    for (int b = 0; b < bounds; b++) {
                        p.addExplicitBounds(b * 0.5);
                    }
                    for (int b = 0; b <= bounds - (random.nextInt(8) == 0 ? 1 : 0); b++) {
                        long k = random.nextInt(5);
                        p.addBucketCounts(k);
                        count += k;
                    }
                    p.setCount(count);
                    if (random.nextBoolean()) {
                        p.setSum(randomValue(random));
                    }
                    h.addDataPoints(p);
                }
                metric.setHistogram(h);
            }
            case 4 -> {
                Summary.Builder s = Summary.newBuilder();
                for (int i = 0; i < n; i++) {
                    s.addDataPoints(SummaryDataPoint.newBuilder().setTimeUnixNano(randomTime(random))
                            .addAllAttributes(randomAttributes(random)).setCount(3).setSum(randomValue(random))
                            .addQuantileValues(SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5)
                                    .setValue(randomValue(random))));
                }
                metric.setSummary(s);
            }
            default -> {
                ExponentialHistogram.Builder e = ExponentialHistogram.newBuilder().setAggregationTemporality(temporality);
                for (int i = 0; i < n; i++) {
                    e.addDataPoints(randomExponential(random));
                }
                metric.setExponentialHistogram(e);
            }
        }
        return metric.build();
    }

    /** Mostly well-formed, at scales around the max and past the allowed ones, now and then miscounted. */
    static ExponentialHistogramDataPoint randomExponential(Random random) {
        int[] scales = {-11, -10, -2, 0, 3, 5, 20, 21};
        ExponentialHistogramDataPoint.Builder p = ExponentialHistogramDataPoint.newBuilder()
                .setTimeUnixNano(randomTime(random)).addAllAttributes(randomAttributes(random))
                .setScale(scales[random.nextInt(scales.length)]).setZeroCount(random.nextInt(3))
                .setZeroThreshold(random.nextInt(4) == 0 ? 1e-3 : 0);
        long count = p.getZeroCount();
        for (ExponentialHistogramDataPoint.Buckets.Builder side : List.of(p.getPositiveBuilder(),
                p.getNegativeBuilder())) {
            side.setOffset(random.nextInt(12) == 0 ? Integer.MAX_VALUE : random.nextInt(41) - 20);
            for (int b = random.nextInt(5); b > 0; b--) {
                long k = random.nextInt(4);
                side.addBucketCounts(k);
                count += k;
            }
        }
        p.setCount(count + (random.nextInt(10) == 0 ? 1 : 0));
        if (random.nextBoolean()) {
            p.setSum(randomValue(random));
        }
        if (random.nextInt(15) == 0) {
            p.setFlags(1);
        }
        return p.build();
    }

    static NumberDataPoint randomNumber(Random random) {
        NumberDataPoint.Builder p = NumberDataPoint.newBuilder().setTimeUnixNano(randomTime(random))
                .addAllAttributes(randomAttributes(random));
        if (random.nextBoolean()) {
            p.setAsInt(random.nextInt(1000) - 500);
        } else {
            p.setAsDouble(randomValue(random));
        }
        if (random.nextInt(15) == 0) {
            p.setFlags(1);
        }
        return p.build();
    }

    static long randomTime(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 5_000_000L;
            case 2 -> -1L;
            default -> T_NANOS + random.nextInt(1_000_000_000);
        };
    }

    static double randomValue(Random random) {
        return switch (random.nextInt(15)) {
            case 0 -> Double.NaN;
            case 1 -> Double.MAX_VALUE;
            default -> random.nextDouble() * 100;
        };
    }

    static List<KeyValue> randomAttributes(Random random) {
        List<KeyValue> attributes = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            String key = random.nextInt(3) == 0 ? KEYS[random.nextInt(KEYS.length)] : "k" + random.nextInt(3);
            attributes.add(random.nextInt(20) == 0
                    ? kv(key, AnyValue.newBuilder().setArrayValue(ArrayValue.getDefaultInstance()).build())
                    : kv(key, random.nextInt(10) == 0 ? "" : "v" + random.nextInt(3)));
        }
        return attributes;
    }

    private static void checkPoint(MetricPoint p, int index, String context) {
        assertThat(p.provenance.index).as(context).isEqualTo(index);
        assertThat(p.metric).as(context).matches(METRIC_NAME).hasSizeLessThanOrEqualTo(255);
        assertThat(HealthRules.METRICS).as(context).doesNotContain(p.metric);
        assertThat(p.tags).as(context).isInstanceOf(TreeMap.class).doesNotContainKeys("tenant", "__name__")
                .hasSizeLessThanOrEqualTo(64);
        p.tags.forEach((k, v) -> {
            assertThat(k).as(context).matches(LABEL_NAME);
            assertThat(v).as(context).isNotEmpty().hasSizeLessThanOrEqualTo(1024);
            assertThat(Texts.invalidAt(v, true)).as(context).isNegative();
        });
        assertThat(Double.isFinite(p.value) && SketchCodec.holds(p.value)).as(context).isTrue();
        assertThat(TenantNames.isValid(p.tenant)).as(context).isTrue();
        assertThat(p.timestampMicros).as(context).isBetween(946_684_800_000_000L, NOW_MICROS + 120_000_000L);
        assertThat(p.seriesId).as(context)
                .isEqualTo(new SeriesIds().seriesId(p.tenant, p.metric, (TreeMap<String, String>) p.tags));
        assertThat(p.provenance.ingestedAtMicros).as(context).isEqualTo(NOW_MICROS);
    }

    private static byte[] mutate(byte[] bytes, Random random) {
        byte[] value = bytes.clone();
        for (int m = 1 + random.nextInt(3); m > 0 && value.length > 0; m--) {
            int at = random.nextInt(value.length);
            switch (random.nextInt(4)) {
                case 0 -> value[at] = (byte) random.nextInt(256);
                case 1 -> value[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> {
                    byte[] shorter = new byte[value.length - 1];
                    System.arraycopy(value, 0, shorter, 0, at);
                    System.arraycopy(value, at + 1, shorter, at, value.length - at - 1);
                    value = shorter;
                }
                default -> value = Arrays.copyOf(value, at);
            }
        }
        return value;
    }
}
