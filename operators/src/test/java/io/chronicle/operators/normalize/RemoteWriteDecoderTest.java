package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.ChronicleOptions.TenantSource;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TenantNames;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.operators.normalize.RemoteWriteDecoder.Version;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xerial.snappy.Snappy;
import prometheus.Remote;
import prometheus.Types;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class RemoteWriteDecoderTest {

    /** 2023-11-14T22:14:20Z, the "now" of these tests: a minute after {@link #T}. */
    static final long NOW_MICROS = 1_700_000_060_000_000L;
    static final long NOW_MS = NOW_MICROS / 1_000;
    /** 2023-11-14T22:13:20Z in milliseconds, as Prometheus stamps samples. */
    static final long T = 1_700_000_000_000L;
    static final long T_MICROS = T * 1_000;
    static final long KAFKA_TS_MILLIS = 1_700_000_030_000L;
    static final int MAX_UNCOMPRESSED = 8 * 1024 * 1024;
    /** Prometheus' staleness marker, a NaN of its own. */
    static final double STALE = Double.longBitsToDouble(0x7ff0000000000002L);

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> PART_REASONS = Set.of("non_finite_value", "value_out_of_range",
            "timestamp_out_of_range", "invalid_timestamp", "unsupported_type");

    // ---- helpers ----------------------------------------------------------------------------

    static NormalizerSettings settings(Map<String, String> options) {
        return NormalizerSettings.from(ChronicleConfig.validated(Configuration.fromMap(options)));
    }

    static RemoteWriteDecoder decoder(Map<String, String> options, Version version) {
        return new RemoteWriteDecoder(settings(options), version, MAX_UNCOMPRESSED);
    }

    static RawRecord raw(byte[] value) {
        return raw(value, null);
    }

    static RawRecord raw(byte[] value, String tenantHeader) {
        return new RawRecord("prometheus", 3, 99L, KAFKA_TS_MILLIS,
                tenantHeader == null ? null : new byte[][] {tenantHeader.getBytes(StandardCharsets.UTF_8)}, value);
    }

    static List<Either<RejectedRecord, MetricPoint>> decode(RemoteWriteDecoder decoder, RawRecord raw) {
        List<Either<RejectedRecord, MetricPoint>> out = new ArrayList<>();
        decoder.decode(raw, NOW_MICROS, new ListCollector<>(out));
        return out;
    }

    /** Each output in one line: "#index tenant metric{tags} value @micros" or "#index reason [tenant]". */
    static List<String> show(List<Either<RejectedRecord, MetricPoint>> out) {
        return out.stream().map(RemoteWriteDecoderTest::show).collect(Collectors.toList());
    }

    static String show(Either<RejectedRecord, MetricPoint> item) {
        if (item.isRight()) {
            MetricPoint p = item.right();
            return "#" + p.provenance.index + " " + p.tenant + " " + p.metric + p.tags + " " + p.value
                    + " @" + p.timestampMicros;
        }
        RejectedRecord r = item.left();
        return "#" + r.provenance.index + " " + r.reasonCode + " [" + r.tenant + "]";
    }

    private static RejectedRecord onlyRejection(List<Either<RejectedRecord, MetricPoint>> out) {
        assertThat(out).hasSize(1);
        assertThat(out.get(0).isLeft()).isTrue();
        return out.get(0).left();
    }

    static byte[] snappy(byte[] body) {
        try {
            return Snappy.compress(body);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] unsnappy(byte[] block) {
        try {
            return Snappy.uncompress(block);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A series to encode in either version: its labels as name, value pairs, its samples and histograms. */
    static final class Series {
        final String[] labels;
        /** Each the raw bits of the value, then the timestamp in ms. */
        final List<long[]> samples = new ArrayList<>();
        final List<Long> histograms = new ArrayList<>();

        Series(String... labels) {
            this.labels = labels;
        }

        Series sample(double value, long millis) {
            samples.add(new long[] {Double.doubleToRawLongBits(value), millis});
            return this;
        }

        Series histogram(long millis) {
            histograms.add(millis);
            return this;
        }

        Types.TimeSeries v1() {
            Types.TimeSeries.Builder series = Types.TimeSeries.newBuilder();
            for (int i = 0; i < labels.length; i += 2) {
                series.addLabels(Types.Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
            }
            for (long[] s : samples) {
                series.addSamples(Types.Sample.newBuilder().setValue(Double.longBitsToDouble(s[0])).setTimestamp(s[1]));
            }
            for (long h : histograms) {
                series.addHistograms(Types.Histogram.newBuilder().setCountInt(3).setSum(1.5).setSchema(0)
                        .addPositiveSpans(Types.BucketSpan.newBuilder().setOffset(0).setLength(1))
                        .addPositiveDeltas(3).setTimestamp(h));
            }
            return series.build();
        }

        io.prometheus.write.v2.Types.TimeSeries v2(SymbolTable symbols) {
            io.prometheus.write.v2.Types.TimeSeries.Builder series = io.prometheus.write.v2.Types.TimeSeries.newBuilder();
            for (String label : labels) {
                series.addLabelsRefs(symbols.ref(label));
            }
            for (long[] s : samples) {
                series.addSamples(io.prometheus.write.v2.Types.Sample.newBuilder()
                        .setValue(Double.longBitsToDouble(s[0])).setTimestamp(s[1]));
            }
            for (long h : histograms) {
                series.addHistograms(io.prometheus.write.v2.Types.Histogram.newBuilder().setCountInt(3).setSum(1.5)
                        .setSchema(0).addPositiveSpans(io.prometheus.write.v2.Types.BucketSpan.newBuilder()
                                .setOffset(0).setLength(1)).addPositiveDeltas(3).setTimestamp(h));
            }
            return series.build();
        }
    }

    /** The symbols of a 2.0 request being built: "" first, each string once. */
    static final class SymbolTable {
        final io.prometheus.write.v2.Types.Request.Builder request = io.prometheus.write.v2.Types.Request.newBuilder();
        final Map<String, Integer> refs = new HashMap<>();

        SymbolTable() {
            ref("");
        }

        int ref(String symbol) {
            return refs.computeIfAbsent(symbol, s -> {
                request.addSymbols(s);
                return request.getSymbolsCount() - 1;
            });
        }
    }

    static Series series(String... labels) {
        return new Series(labels);
    }

    static byte[] body(Version version, Series... series) {
        if (version == Version.V1) {
            Remote.WriteRequest.Builder request = Remote.WriteRequest.newBuilder();
            for (Series s : series) {
                request.addTimeseries(s.v1());
            }
            return request.build().toByteArray();
        }
        SymbolTable symbols = new SymbolTable();
        for (Series s : series) {
            symbols.request.addTimeseries(s.v2(symbols));
        }
        return symbols.request.build().toByteArray();
    }

    /** A request as Prometheus sends it: the body, snappy-compressed. */
    static byte[] request(Version version, Series... series) {
        return snappy(body(version, series));
    }

    static String sample(double value, long millis) {
        return (Double.doubleToRawLongBits(value) == 0x7ff0000000000002L ? "stale" : String.valueOf(value)) + "@" + millis;
    }

    /**
     * The series of a compressed request, a line each: "name=value,..." then its samples
     * ("value@ms") and histograms ("h@ms"); for 2.0, also its exemplars' labels and its metadata's
     * help, a reference that is not there as "#ref". A 2.0 request's symbols must start with ""
     * and hold nothing the request does not refer to.
     */
    static List<String> describe(Version version, byte[] compressed) {
        byte[] body = unsnappy(compressed);
        List<String> lines = new ArrayList<>();
        try {
            if (version == Version.V1) {
                for (Types.TimeSeries ts : Remote.WriteRequest.parseFrom(body).getTimeseriesList()) {
                    StringBuilder line = new StringBuilder(ts.getLabelsList().stream()
                            .map(l -> l.getName() + "=" + l.getValue()).collect(Collectors.joining(",")));
                    ts.getSamplesList().forEach(s -> line.append(' ').append(sample(s.getValue(), s.getTimestamp())));
                    ts.getHistogramsList().forEach(h -> line.append(" h@").append(h.getTimestamp()));
                    lines.add(line.toString());
                }
                return lines;
            }
            io.prometheus.write.v2.Types.Request request = io.prometheus.write.v2.Types.Request.parseFrom(body);
            assertThat(request.getSymbolsList()).first().isEqualTo("");
            Set<Integer> used = new HashSet<>(Set.of(0));
            for (io.prometheus.write.v2.Types.TimeSeries ts : request.getTimeseriesList()) {
                StringBuilder line = new StringBuilder(labels(request, ts.getLabelsRefsList(), used));
                ts.getSamplesList().forEach(s -> line.append(' ').append(sample(s.getValue(), s.getTimestamp())));
                ts.getHistogramsList().forEach(h -> line.append(" h@").append(h.getTimestamp()));
                ts.getExemplarsList().forEach(e -> line.append(" e{")
                        .append(labels(request, e.getLabelsRefsList(), used)).append('}'));
                if (ts.hasMetadata()) {
                    line.append(" help=").append(symbol(request, ts.getMetadata().getHelpRef(), used));
                    line.append(" unit=").append(symbol(request, ts.getMetadata().getUnitRef(), used));
                }
                lines.add(line.toString());
            }
            assertThat(used).as("symbols referred to").containsAll(
                    java.util.stream.IntStream.range(0, request.getSymbolsCount()).boxed().collect(Collectors.toList()));
            return lines;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String labels(io.prometheus.write.v2.Types.Request request, List<Integer> refs, Set<Integer> used) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < refs.size(); i += 2) {
            out.append(i == 0 ? "" : ",").append(symbol(request, refs.get(i), used)).append('=')
                    .append(i + 1 < refs.size() ? symbol(request, refs.get(i + 1), used) : "<none>");
        }
        return out.toString();
    }

    private static String symbol(io.prometheus.write.v2.Types.Request request, int ref, Set<Integer> used) {
        used.add(ref);
        return ref >= 0 && ref < request.getSymbolsCount() ? request.getSymbols(ref) : "#" + ref;
    }

    // ---- points --------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Version.class)
    void decodesEverySampleOfEverySeriesIntoAPoint(Version version) {
        RawRecord raw = raw(request(version,
                series("__name__", "node_load1", "instance", "a:9100", "job", "node")
                        .sample(0.5, T).sample(0.75, T + 15_000),
                series("__name__", "http_requests_total", "code", "200", "method", "get").sample(1027, T)));
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw);
        assertThat(show(out)).containsExactly(
                "#0 default node_load1{instance=a:9100, job=node} 0.5 @" + T_MICROS,
                "#1 default node_load1{instance=a:9100, job=node} 0.75 @" + (T_MICROS + 15_000_000),
                "#2 default http_requests_total{code=200, method=get} 1027.0 @" + T_MICROS);
        MetricPoint point = out.get(0).right();
        assertThat(point.tags).isInstanceOf(TreeMap.class);
        assertThat(point.seriesId).isEqualTo(SeriesIdReference.xxh64Series(
                "default", "node_load1", "instance", "a:9100", "job", "node"));
        assertThat(out.get(2).right().seriesId).isEqualTo(SeriesIdReference.xxh64Series(
                "default", "http_requests_total", "code", "200", "method", "get"));
        assertThat(point.provenance.topic).isEqualTo("prometheus");
        assertThat(point.provenance.partition).isEqualTo(3);
        assertThat(point.provenance.offset).isEqualTo(99L);
        assertThat(point.provenance.ingestedAtMicros).isEqualTo(NOW_MICROS);
        // Each point has a map of its own.
        assertThat(out.get(1).right().tags).isEqualTo(point.tags).isNotSameAs(point.tags);
        assertThat(out.get(1).right().seriesId).isEqualTo(point.seriesId);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void labelsWithAnEmptyValueAreDropped(Version version) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "up", "env", "", "job", "node", "tenant", "").sample(1, T),
                series("__name__", "", "job", "node").sample(1, T))));
        assertThat(show(out)).containsExactly(
                "#0 default up{job=node} 1.0 @" + T_MICROS,
                "#1 missing_field [default]");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aSeriesWithoutANameIsRefusedWholeAndTheRestKept(Version version) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("job", "node", "instance", "a").sample(1, T).sample(2, T + 1_000),
                series("__name__", "up", "job", "node").sample(3, T))));
        assertThat(show(out)).containsExactly(
                "#0 missing_field [default]",
                "#1 default up{job=node} 3.0 @" + T_MICROS);
        RejectedRecord r = out.get(0).left();
        assertThat(r.message).isEqualTo("series has no __name__ label, which names its metric");
        assertThat(r.kafkaTimestampMillis).isEqualTo(KAFKA_TS_MILLIS);
        assertThat(r.provenance.offset).isEqualTo(99L);
        assertThat(r.provenance.ingestedAtMicros).isEqualTo(NOW_MICROS);
        // The series whole, as it came.
        assertThat(describe(version, r.payload)).containsExactly("job=node,instance=a 1.0@" + T + " 2.0@" + (T + 1_000));
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesMetricNamesPointsCannotHave(Version version) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "http.server.duration", "job", "a").sample(1, T),
                series("__name__", "chronicle_dead_letters_per_second").sample(1, T),
                series("__name__", "r\u00e9ponses_total").sample(1, T),
                series("__name__", "ok_total").sample(1, T))));
        assertThat(show(out)).containsExactly(
                "#0 invalid_metric_name [default]",
                "#1 reserved_metric_name [default]",
                "#2 invalid_metric_name [default]",
                "#3 default ok_total{} 1.0 @" + T_MICROS);
        assertThat(out.get(0).left().message).isEqualTo(
                "metric name 'http.server.duration' must match [a-zA-Z_:][a-zA-Z0-9_:]* and be at most 255 characters");
        assertThat(describe(version, out.get(2).left().payload)).containsExactly("__name__=r\u00e9ponses_total 1.0@" + T);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesLabelsTagsCannotBe(Version version) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "up", "host-name", "a").sample(1, T),
                series("__name__", "up", "job", "a", "job", "b").sample(1, T),
                series("__name__", "up", "job", "a\tb").sample(1, T),
                series("__name__", "up", "job", "v".repeat(1025)).sample(1, T),
                series("__name__", "up", "job", "v".repeat(1024)).sample(1, T),
                series("__name__", "up", "job", "", "job", "b").sample(1, T),
                series("__name__", "up", "__name__", "down").sample(1, T))));
        assertThat(show(out)).containsExactly(
                "#0 invalid_tag [default]",
                "#1 invalid_tag [null]",
                "#2 invalid_tag [default]",
                "#3 invalid_tag [default]",
                "#4 default up{job=" + "v".repeat(1024) + "} 1.0 @" + T_MICROS,
                "#5 invalid_tag [null]",
                "#6 invalid_tag [null]");
        assertThat(out.get(0).left().message).isEqualTo("tag name 'host-name' must match [a-zA-Z_][a-zA-Z0-9_]*");
        assertThat(out.get(1).left().message).isEqualTo("label 'job' is given twice");
        assertThat(out.get(2).left().message).isEqualTo("value of tag 'job' holds a control character U+0009 at index 1");
        assertThat(out.get(3).left().message).isEqualTo("value of tag 'job' is longer than 1024");
        assertThat(out.get(6).left().message).isEqualTo("label '__name__' is given twice");
        assertThat(describe(version, out.get(1).left().payload)).containsExactly("__name__=up,job=a,job=b 1.0@" + T);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesMoreTagsThanAllowed(Version version) {
        RemoteWriteDecoder two = decoder(Map.of(ChronicleOptions.INGEST_MAX_TAGS.key(), "2"), version);
        List<Either<RejectedRecord, MetricPoint>> out = decode(two, raw(request(version,
                series("__name__", "up", "a", "1", "b", "2", "c", "3").sample(1, T),
                series("__name__", "up", "a", "1", "b", "2", "tenant", "acme", "c", "").sample(2, T))));
        assertThat(show(out)).containsExactly(
                "#0 too_many_tags [default]",
                "#1 acme up{a=1, b=2} 2.0 @" + T_MICROS);
        assertThat(out.get(0).left().message).isEqualTo("more than 2 tags");
    }

    // ---- tenants -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Version.class)
    void aTenantLabelNamesTheSeriesTenantInPayloadMode(Version version) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "up", "tenant", "acme", "job", "a").sample(1, T).sample(STALE, T + 1_000),
                series("__name__", "up", "job", "a").sample(2, T),
                series("__name__", "up", "tenant", "a/b").sample(3, T)), "globex"));
        assertThat(show(out)).containsExactly(
                "#0 acme up{job=a} 1.0 @" + T_MICROS,
                "#1 non_finite_value [acme]",
                "#2 globex up{job=a} 2.0 @" + T_MICROS,
                "#3 invalid_field [globex]");
        assertThat(out.get(0).right().seriesId).isEqualTo(SeriesIdReference.xxh64Series("acme", "up", "job", "a"));
        // The refused sample keeps the tenant label, so that it is the same tenant's again.
        assertThat(describe(version, out.get(1).left().payload))
                .containsExactly("__name__=up,tenant=acme,job=a stale@" + (T + 1_000));
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aTenantLabelIsIgnoredAndDroppedInTheHeaderModes(Version version) {
        for (TenantSource source : new TenantSource[] {TenantSource.HEADER, TenantSource.HEADER_ONLY}) {
            RemoteWriteDecoder header = decoder(
                    Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), source.toString()), version);
            List<Either<RejectedRecord, MetricPoint>> out = decode(header, raw(request(version,
                    series("__name__", "up", "tenant", "acme", "job", "a").sample(1, T),
                    series("__name__", "up", "tenant", "a/b").sample(2, T),
                    series("job", "a").sample(3, T)), "globex"));
            assertThat(show(out)).as(source.toString()).containsExactly(
                    "#0 globex up{job=a} 1.0 @" + T_MICROS,
                    "#1 globex up{} 2.0 @" + T_MICROS,
                    "#2 missing_field [globex]");
        }
        RemoteWriteDecoder headerOnly = decoder(
                Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header-only"), version);
        RejectedRecord missing = onlyRejection(decode(headerOnly, raw(request(version,
                series("__name__", "up", "tenant", "acme").sample(1, T)))));
        assertThat(missing.reasonCode).isEqualTo("missing_tenant");
        assertThat(missing.provenance.index).isZero();
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesSeriesOfTenantsThatMayNotWrite(Version version) {
        RemoteWriteDecoder allowlist = decoder(Map.of(ChronicleOptions.INGEST_TENANTS.key(), "acme;globex"), version);
        List<Either<RejectedRecord, MetricPoint>> out = decode(allowlist, raw(request(version,
                series("__name__", "up", "tenant", "acme").sample(1, T),
                series("__name__", "up", "tenant", "initech").sample(2, T),
                series("__name__", "up").sample(3, T),
                series("__name__", "up", "tenant", "chronicle").sample(4, T))));
        assertThat(show(out)).containsExactly(
                "#0 acme up{} 1.0 @" + T_MICROS,
                "#1 tenant_not_allowed [null]",
                "#2 tenant_not_allowed [null]",
                "#3 reserved_tenant [null]");
        assertThat(out.get(1).left().message).isEqualTo("tenant 'initech' is not in chronicle.ingest.tenants");
        assertThat(describe(version, out.get(1).left().payload)).containsExactly("__name__=up,tenant=initech 2.0@" + T);
        // In header mode a tenant that may not write is refused with the whole record.
        RemoteWriteDecoder header = decoder(Map.of(ChronicleOptions.INGEST_TENANTS.key(), "acme",
                ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header"), version);
        RawRecord globex = raw(request(version, series("__name__", "up").sample(1, T), series("__name__", "x")
                .sample(2, T)), "globex");
        RejectedRecord refused = onlyRejection(decode(header, globex));
        assertThat(refused.reasonCode).isEqualTo("tenant_not_allowed");
        assertThat(refused.payload).isSameAs(globex.value);
        assertThat(refused.tenant).isNull();
    }

    // ---- samples -------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesTheSamplesWithoutAValueTogetherOneRejectionPerReason(Version version) {
        RemoteWriteDecoder decoder = decoder(Map.of(), version);
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(request(version,
                series("__name__", "up", "job", "a")
                        .sample(1, T)
                        .sample(STALE, T + 1_000)
                        .sample(Double.NaN, T + 2_000)
                        .sample(Double.POSITIVE_INFINITY, T + 3_000)
                        .sample(Double.NEGATIVE_INFINITY, T + 4_000)
                        .sample(Double.MAX_VALUE, T + 5_000)
                        .sample(-1.78e308, T + 6_000)
                        .sample(1.7798941929329858E308, T + 7_000)
                        .sample(-0.0, T + 8_000))));
        assertThat(show(out)).containsExactly(
                "#0 default up{job=a} 1.0 @" + T_MICROS,
                "#1 default up{job=a} 1.7798941929329858E308 @" + (T_MICROS + 7_000_000),
                "#2 default up{job=a} -0.0 @" + (T_MICROS + 8_000_000),
                "#3 non_finite_value [default]",
                "#4 value_out_of_range [default]");
        // The first refused sample's message, and how many more there are.
        assertThat(out.get(3).left().message).startsWith("the sample is Prometheus' staleness marker")
                .contains("series ended").endsWith(" (and 3 more samples of the series with the same reason)");
        assertThat(out.get(4).left().message).isEqualTo("value 1.7976931348623157E308 is beyond the range the rollups"
                + " hold: magnitudes up to " + SketchCodec.MAX_MAGNITUDE
                + " (and 1 more sample of the series with the same reason)");
        // The refused samples of a reason are a request of their own: the series' labels and those samples.
        assertThat(describe(version, out.get(3).left().payload)).containsExactly("__name__=up,job=a stale@"
                + (T + 1_000) + " NaN@" + (T + 2_000) + " Infinity@" + (T + 3_000) + " -Infinity@" + (T + 4_000));
        assertThat(describe(version, out.get(4).left().payload))
                .containsExactly("__name__=up,job=a 1.7976931348623157E308@" + (T + 5_000) + " -1.78E308@" + (T + 6_000));
        // Produced again, it is refused again whole, for the same reason, with the same message.
        for (int i = 3; i <= 4; i++) {
            RejectedRecord r = out.get(i).left();
            RejectedRecord again = onlyRejection(decode(decoder, raw(r.payload)));
            assertThat(again.reasonCode).isEqualTo(r.reasonCode);
            assertThat(again.message).isEqualTo(r.message);
            assertThat(describe(version, again.payload)).isEqualTo(describe(version, r.payload));
            assertThat(again.provenance.index).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesTimestampsOutOfRangeTogetherByReason(Version version) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "up")
                        .sample(1, 0)
                        .sample(2, -1)
                        .sample(3, NOW_MS + 120_000)
                        .sample(4, NOW_MS + 120_001)
                        .sample(5, Long.MAX_VALUE)
                        .sample(6, Long.MIN_VALUE)
                        .sample(7, T))));
        assertThat(show(out)).containsExactly(
                "#0 default up{} 3.0 @" + (NOW_MICROS + 120_000_000),
                "#1 default up{} 7.0 @" + T_MICROS,
                "#2 timestamp_out_of_range [default]",
                "#3 invalid_timestamp [default]");
        assertThat(out.get(3).left().message).isEqualTo("timestamp 9223372036854775807 ms is out of range"
                + " (and 1 more sample of the series with the same reason)");
        assertThat(out.get(2).left().message).startsWith("timestamp 1970-01-01T00:00:00Z is outside the accepted range")
                .endsWith(" (and 2 more samples of the series with the same reason)");
        assertThat(describe(version, out.get(2).left().payload))
                .containsExactly("__name__=up 1.0@0 2.0@-1 4.0@" + (NOW_MS + 120_001));
        assertThat(describe(version, out.get(3).left().payload))
                .containsExactly("__name__=up 5.0@" + Long.MAX_VALUE + " 6.0@" + Long.MIN_VALUE);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesTheNativeHistogramsOfASeriesTogetherAfterItsSamples(Version version) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "rpc_duration_seconds", "job", "a").sample(1, T).histogram(T).sample(2, T + 1_000),
                series("__name__", "rpc_latency_seconds").histogram(T).histogram(T + 1_000),
                series("__name__", "up").sample(3, T))));
        assertThat(show(out)).containsExactly(
                "#0 default rpc_duration_seconds{job=a} 1.0 @" + T_MICROS,
                "#1 default rpc_duration_seconds{job=a} 2.0 @" + (T_MICROS + 1_000_000),
                "#2 unsupported_type [default]",
                "#3 unsupported_type [default]",
                "#4 default up{} 3.0 @" + T_MICROS);
        assertThat(out.get(2).left().message).startsWith("native histograms are not read; ").endsWith("leaves native ones out)");
        assertThat(out.get(3).left().message).startsWith("native histograms are not read; ")
                .endsWith(" (and 1 more histogram of the series with the same reason)");
        assertThat(describe(version, out.get(2).left().payload)).containsExactly("__name__=rpc_duration_seconds,job=a h@" + T);
        assertThat(describe(version, out.get(3).left().payload))
                .containsExactly("__name__=rpc_latency_seconds h@" + T + " h@" + (T + 1_000));
        RejectedRecord again = onlyRejection(decode(decoder(Map.of(), version), raw(out.get(3).left().payload)));
        assertThat(again.reasonCode).isEqualTo("unsupported_type");
        assertThat(again.message).isEqualTo(out.get(3).left().message);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aRefusedPartCarriesOnlyTheLabelsThePointsKeep(Version version) {
        // In payload mode: no empty label, but the tenant label, which names the tenant again.
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "up", "env", "", "tenant", "acme", "zone", "", "job", "a")
                        .sample(Double.NaN, T).sample(1, T).histogram(T))));
        assertThat(show(out)).containsExactly(
                "#0 acme up{job=a} 1.0 @" + T_MICROS,
                "#1 non_finite_value [acme]",
                "#2 unsupported_type [acme]");
        assertThat(describe(version, out.get(1).left().payload)).containsExactly("__name__=up,tenant=acme,job=a NaN@" + T);
        assertThat(describe(version, out.get(2).left().payload)).containsExactly("__name__=up,tenant=acme,job=a h@" + T);
        // In the header modes the tenant label is ignored: dropped too.
        for (TenantSource source : new TenantSource[] {TenantSource.HEADER, TenantSource.HEADER_ONLY}) {
            RemoteWriteDecoder header = decoder(Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), source.toString()),
                    version);
            List<Either<RejectedRecord, MetricPoint>> refused = decode(header, raw(request(version,
                    series("__name__", "up", "env", "", "tenant", "a/b", "job", "a").sample(Double.NaN, T)), "globex"));
            assertThat(show(refused)).as(source.toString()).containsExactly("#0 non_finite_value [globex]");
            assertThat(describe(version, refused.get(0).left().payload)).containsExactly("__name__=up,job=a NaN@" + T);
            RejectedRecord again = onlyRejection(decode(header, raw(refused.get(0).left().payload, "globex")));
            assertThat(again.reasonCode).isEqualTo("non_finite_value");
            assertThat(again.tenant).isEqualTo("globex");
        }
        // A series refused whole keeps its labels as received.
        List<Either<RejectedRecord, MetricPoint>> whole = decode(decoder(Map.of(), version), raw(request(version,
                series("__name__", "up", "env", "", "host-name", "a").sample(Double.NaN, T))));
        assertThat(show(whole)).containsExactly("#0 invalid_tag [default]");
        assertThat(describe(version, whole.get(0).left().payload)).containsExactly("__name__=up,env=,host-name=a NaN@" + T);
    }

    /**
     * Series made to multiply their bytes: one of 20,000 empty-valued labels, one of 64 long
     * tags, each with 100,000 samples without a value, which would each repeat the labels were
     * they refused one by one. Grouped, the rejections are a few, and their payloads together at
     * most twice the request: each holds its series' kept labels once and its own samples.
     */
    @ParameterizedTest
    @EnumSource(Version.class)
    void aSeriesOfThousandsOfBadSamplesCostsAtMostAFewCopiesOfItself(Version version) {
        RemoteWriteDecoder large = new RemoteWriteDecoder(
                settings(Map.of(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), String.valueOf(MAX_UNCOMPRESSED))),
                version, MAX_UNCOMPRESSED);
        List<String> empty = new ArrayList<>(List.of("__name__", "up"));
        for (int l = 0; l < 20_000; l++) {
            empty.add("l" + l);
            empty.add("");
        }
        empty.addAll(List.of("job", "a"));
        List<String> tagged = new ArrayList<>(List.of("__name__", "up"));
        for (int l = 0; l < 64; l++) {
            tagged.add("t" + l);
            tagged.add(l + "v".repeat(1020));
        }
        Series emptyLabels = new Series(empty.toArray(new String[0])).sample(1, T);
        Series longTags = new Series(tagged.toArray(new String[0])).sample(2, T);
        StringBuilder nans = new StringBuilder();
        StringBuilder stales = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            emptyLabels.sample(Double.NaN, T + i);
            longTags.sample(i % 2 == 0 ? Double.NaN : STALE, T + i);
            nans.append(" NaN@").append(T + i);
            stales.append(' ').append(sample(i % 2 == 0 ? Double.NaN : STALE, T + i));
        }
        byte[] body = body(version, emptyLabels, longTags);
        List<Either<RejectedRecord, MetricPoint>> out = decode(large, raw(snappy(body)));

        assertThat(out).hasSize(4);
        assertThat(show(out.get(0))).isEqualTo("#0 default up{job=a} 1.0 @" + T_MICROS);
        assertThat(show(out.get(1))).isEqualTo("#1 non_finite_value [default]");
        assertThat(show(out.get(2))).startsWith("#2 default up{t0=0vvv").endsWith("} 2.0 @" + T_MICROS);
        assertThat(show(out.get(3))).isEqualTo("#3 non_finite_value [default]");
        long payloadBytes = 0;
        for (int i : new int[] {1, 3}) {
            payloadBytes += unsnappy(out.get(i).left().payload).length;
        }
        assertThat(payloadBytes).isLessThanOrEqualTo(2L * body.length);
        assertThat(out.get(1).left().message)
                .isEqualTo("value NaN is not finite (and 99,999 more samples of the series with the same reason)");
        // Each payload is exactly the refused samples, with the labels the points keep.
        assertThat(describe(version, out.get(1).left().payload)).containsExactly("__name__=up,job=a" + nans);
        String tags = java.util.stream.IntStream.range(0, 64).mapToObj(l -> "t" + l + "=" + l + "v".repeat(1020))
                .collect(Collectors.joining(","));
        assertThat(describe(version, out.get(3).left().payload)).containsExactly("__name__=up," + tags + stales);
        // Produced again, each is refused again whole, for the same reason, nothing accepted.
        for (int i : new int[] {1, 3}) {
            RejectedRecord again = onlyRejection(decode(large, raw(out.get(i).left().payload)));
            assertThat(again.reasonCode).isEqualTo("non_finite_value");
            assertThat(again.message).isEqualTo(out.get(i).left().message);
        }
    }

    // ---- the budget of a record's refused parts -------------------------------------------------

    private static final long SLACK = 64 * 1024;

    private static long payloadBytes(List<Either<RejectedRecord, MetricPoint>> out) {
        return out.stream().filter(Either::isLeft).mapToLong(e -> e.left().payload.length).sum();
    }

    private static long uncompressedPayloadBytes(List<Either<RejectedRecord, MetricPoint>> out) {
        return out.stream().filter(Either::isLeft).mapToLong(e -> unsnappy(e.left().payload).length).sum();
    }

    /** A value of {@code length} characters that snappy does not shrink much. */
    private static String noise(int length, long seed) {
        Random random = new Random(seed);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append((char) ('a' + random.nextInt(26)));
        }
        return out.toString();
    }

    /** Checks {@code out} is the one rejection of {@code raw} whole, for {@code reason}, its first part's. */
    private static void assertRefusedWhole(List<Either<RejectedRecord, MetricPoint>> out, RawRecord raw,
            String reason, String firstMessage) {
        RejectedRecord whole = onlyRejection(out);
        assertThat(whole.payload).isSameAs(raw.value);
        assertThat(whole.provenance.index).isZero();
        assertThat(whole.reasonCode).isEqualTo(reason);
        assertThat(whole.message).isEqualTo("refused whole: its refused parts (first: " + firstMessage
                + ") would take more than twice the record's bytes");
        // Its lines may name several tenants: the record's, as for any record refused whole.
        assertThat(whole.tenant).isNull();
    }

    /** A decoder of records as large as they may decompress to. */
    private static RemoteWriteDecoder large(Version version) {
        return new RemoteWriteDecoder(
                settings(Map.of(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), String.valueOf(MAX_UNCOMPRESSED))),
                version, MAX_UNCOMPRESSED);
    }

    /**
     * 2,000 series of a 2.0 request sharing one 100 KB label value, each refused whole as an
     * invalid tag: each payload would carry that value, 200 MB of a 169 KB request. Past the
     * budget of twice the request and 64 KiB, the record is refused whole, as received, for the
     * reason of its first refused part; the good series' points are not emitted, they are in it.
     */
    @Test
    void a2_0RequestWhoseSeriesShareALongRefusedLabelIsRefusedWhole() {
        String big = noise(100_000, 1);
        Series[] series = new Series[2_001];
        series[0] = series("__name__", "up", "job", "node").sample(1, T);
        for (int i = 1; i < series.length; i++) {
            series[i] = series("__name__", "up", "big", big, "i", String.valueOf(i)).sample(1, T);
        }
        byte[] body = body(Version.V2, series);
        RawRecord raw = raw(snappy(body));
        List<Either<RejectedRecord, MetricPoint>> out = decode(large(Version.V2), raw);

        assertRefusedWhole(out, raw, "invalid_tag", "value of tag 'big' is longer than 1024");
        assertThat(payloadBytes(out)).isLessThanOrEqualTo(2L * body.length + SLACK);
        // Each series refused alone carries the value: what the record's parts would have taken.
        RawRecord one = raw(request(Version.V2, series[1]));
        long each = payloadBytes(decode(large(Version.V2), one));
        System.out.printf("remote write 2.0, 2,000 series sharing a 100 KB refused label: request %,d bytes;"
                + " its parts would take %,d bytes (%.0fx), now %.2fx%n", body.length, each * 2_000,
                (double) each * 2_000 / body.length, (double) payloadBytes(out) / body.length);
    }

    /**
     * 2,000 series of a 2.0 request sharing 63 tags of 1 KiB, each with a good sample and a NaN:
     * each NaN's rejection would carry the series' kept labels, a few hundred copies of the
     * request. The record is refused whole instead, for the reason of its first refused sample.
     */
    @Test
    void a2_0RequestWhoseSeriesShareLongTagsAndEachRefuseASampleIsRefusedWhole() {
        List<String> labels = new ArrayList<>(List.of("__name__", "up"));
        for (int l = 0; l < 63; l++) {
            labels.add("t" + l);
            labels.add(noise(1024, 100 + l));
        }
        Series[] series = new Series[2_000];
        for (int i = 0; i < series.length; i++) {
            List<String> own = new ArrayList<>(labels);
            own.add("i");
            own.add(String.valueOf(i));
            series[i] = new Series(own.toArray(new String[0])).sample(i, T).sample(Double.NaN, T + 1);
        }
        byte[] body = body(Version.V2, series);
        RawRecord raw = raw(snappy(body));
        List<Either<RejectedRecord, MetricPoint>> out = decode(large(Version.V2), raw);

        assertRefusedWhole(out, raw, "non_finite_value", "value NaN is not finite");
        assertThat(payloadBytes(out)).isLessThanOrEqualTo(2L * body.length + SLACK);
        RawRecord one = raw(request(Version.V2, series[0]));
        List<Either<RejectedRecord, MetricPoint>> alone = decode(large(Version.V2), one);
        assertThat(show(alone)).hasSize(2).last().isEqualTo("#1 non_finite_value [default]");
        long each = uncompressedPayloadBytes(alone);
        System.out.printf("remote write 2.0, 2,000 series sharing 63 x 1 KiB tags, a NaN each: request %,d bytes;"
                + " its parts would take %,d bytes (%.0fx), now %.2fx%n", body.length, each * 2_000,
                (double) each * 2_000 / body.length, (double) payloadBytes(out) / body.length);
    }

    /**
     * A series of either version with long tags and bad samples of every reason and a native
     * histogram: five rejections, each carrying the tags. A request of many such series would
     * take five times itself: it is refused whole.
     */
    private static Series fiveReasonSeries(int n, int tags) {
        List<String> labels = new ArrayList<>(List.of("__name__", "up"));
        for (int l = 0; l < tags; l++) {
            labels.add("t" + l);
            labels.add(n + noise(1020, l));
        }
        return new Series(labels.toArray(new String[0])).sample(1, T).sample(Double.NaN, T)
                .sample(Double.MAX_VALUE, T).sample(1, NOW_MS + 120_001).sample(1, Long.MAX_VALUE).histogram(T);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aRequestOfSeriesEachRefusedInManyPartsIsRefusedWhole(Version version) {
        Series[] series = new Series[50];
        for (int i = 0; i < series.length; i++) {
            series[i] = fiveReasonSeries(i, 64);
        }
        byte[] body = body(version, series);
        RawRecord raw = raw(snappy(body));
        List<Either<RejectedRecord, MetricPoint>> out = decode(large(version), raw);

        assertRefusedWhole(out, raw, "non_finite_value", "value NaN is not finite");
        assertThat(payloadBytes(out)).isLessThanOrEqualTo(2L * body.length + SLACK);
    }

    /**
     * A request whose refused parts take just less than the budget keeps them, and its points;
     * one series more and it is refused whole.
     */
    @ParameterizedTest
    @EnumSource(Version.class)
    void aRequestJustUnderTheBudgetKeepsItsRefusedPartsAndPoints(Version version) {
        List<Series> series = new ArrayList<>();
        List<Either<RejectedRecord, MetricPoint>> kept = null;
        while (true) {
            series.add(fiveReasonSeries(series.size(), 8));
            byte[] body = body(version, series.toArray(new Series[0]));
            RawRecord raw = raw(snappy(body));
            List<Either<RejectedRecord, MetricPoint>> out = decode(large(version), raw);
            if (out.size() == 1) {
                assertRefusedWhole(out, raw, "non_finite_value", "value NaN is not finite");
                break;
            }
            kept = out;
            long limit = 2L * body.length + SLACK;
            assertThat(payloadBytes(out)).isLessThanOrEqualTo(limit);
            assertThat(uncompressedPayloadBytes(out)).isLessThanOrEqualTo(limit);
            System.out.printf("remote write %s, %d series of 5 reasons kept in parts: payloads %,d of a budget of %,d%n",
                    version, series.size(), uncompressedPayloadBytes(out), limit);
        }
        int kept_series = series.size() - 1;
        assertThat(kept_series).isGreaterThanOrEqualTo(2);
        // Per series: its good sample a point, then four sample rejections and its histograms'.
        assertThat(kept).hasSize(6 * kept_series);
        List<String> reasons = new ArrayList<>();
        for (int i = 0; i < kept.size(); i++) {
            Either<RejectedRecord, MetricPoint> item = kept.get(i);
            if (i % 6 == 0) {
                assertThat(show(item)).startsWith("#" + i + " default up{t0=" + i / 6);
            } else {
                assertThat(item.left().provenance.index).isEqualTo(i);
                if (i < 6) {
                    reasons.add(item.left().reasonCode);
                }
            }
        }
        assertThat(reasons).containsExactly("non_finite_value", "value_out_of_range", "timestamp_out_of_range",
                "invalid_timestamp", "unsupported_type");
    }

    // ---- remote write 2.0 ----------------------------------------------------------------------

    @Test
    void refusesA2_0SeriesWhoseLabelsAreNotThere() {
        io.prometheus.write.v2.Types.Request.Builder request = io.prometheus.write.v2.Types.Request.newBuilder()
                .addAllSymbols(List.of("", "__name__", "up", "job", "node", "unused"));
        request.addTimeseries(v2Series(List.of(1, 2, 3, 9), 1));
        request.addTimeseries(v2Series(List.of(1, 2, 3), 2));
        request.addTimeseries(v2Series(List.of(1, 2, 3, -1), 3));
        request.addTimeseries(v2Series(List.of(1, 2, 3, 4), 4));
        RemoteWriteDecoder decoder = decoder(Map.of(), Version.V2);
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(snappy(request.build().toByteArray())));
        assertThat(show(out)).containsExactly(
                "#0 malformed_payload [null]",
                "#1 malformed_payload [null]",
                "#2 malformed_payload [null]",
                "#3 default up{job=node} 4.0 @" + T_MICROS);
        assertThat(out.get(0).left().message).isEqualTo("label reference 9 is beyond the request's 6 symbols");
        assertThat(out.get(1).left().message)
                .isEqualTo("the series' labels_refs holds 3 references, not pairs of a label's name and value");
        assertThat(out.get(2).left().message).isEqualTo("label reference 4294967295 is beyond the request's 6 symbols");
        // The series whole, with just the symbols it refers to; the one not there still is not.
        assertThat(describe(Version.V2, out.get(0).left().payload)).containsExactly("__name__=up,job=#4 1.0@" + T);
        assertThat(describe(Version.V2, out.get(1).left().payload)).containsExactly("__name__=up,job=<none> 2.0@" + T);
        for (int i = 0; i < 3; i++) {
            RejectedRecord again = onlyRejection(decode(decoder, raw(out.get(i).left().payload)));
            assertThat(again.reasonCode).isEqualTo("malformed_payload");
        }
    }

    private static io.prometheus.write.v2.Types.TimeSeries v2Series(List<Integer> refs, double value) {
        return io.prometheus.write.v2.Types.TimeSeries.newBuilder().addAllLabelsRefs(refs)
                .addSamples(io.prometheus.write.v2.Types.Sample.newBuilder().setValue(value).setTimestamp(T)).build();
    }

    @Test
    void a2_0PartCarriesJustTheSymbolsItNeeds() {
        SymbolTable symbols = new SymbolTable();
        for (String unrelated : new String[] {"zzz", "other_metric", "instance", "b:9100"}) {
            symbols.ref(unrelated);
        }
        // Exemplars and metadata are not read, but a series refused whole keeps them.
        io.prometheus.write.v2.Types.TimeSeries bad = series("__name__", "rpc_total", "bad-label", "x")
                .sample(1, T).v2(symbols).toBuilder()
                .addExemplars(io.prometheus.write.v2.Types.Exemplar.newBuilder()
                        .addLabelsRefs(symbols.ref("trace_id")).addLabelsRefs(symbols.ref("abc"))
                        .setValue(0.5).setTimestamp(T))
                .setMetadata(io.prometheus.write.v2.Types.Metadata.newBuilder()
                        .setType(io.prometheus.write.v2.Types.Metadata.MetricType.METRIC_TYPE_COUNTER)
                        .setHelpRef(symbols.ref("Calls made.")).setUnitRef(0))
                .build();
        symbols.request.addTimeseries(bad);
        symbols.request.addTimeseries(series("__name__", "up", "job", "x").sample(STALE, T).v2(symbols).toBuilder()
                .setMetadata(io.prometheus.write.v2.Types.Metadata.newBuilder().setHelpRef(symbols.ref("Up.")))
                .addSamples(io.prometheus.write.v2.Types.Sample.newBuilder().setValue(1).setTimestamp(T + 1_000)
                        .setStartTimestamp(T - 60_000))
                .build());
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder(Map.of(), Version.V2),
                raw(snappy(symbols.request.build().toByteArray())));
        assertThat(show(out)).containsExactly(
                "#0 invalid_tag [default]",
                "#1 default up{job=x} 1.0 @" + (T_MICROS + 1_000_000),
                "#2 non_finite_value [default]");
        assertThat(describe(Version.V2, out.get(0).left().payload))
                .containsExactly("__name__=rpc_total,bad-label=x 1.0@" + T + " e{trace_id=abc} help=Calls made. unit=");
        assertThat(symbolsOf(out.get(0).left().payload))
                .containsExactly("", "__name__", "rpc_total", "bad-label", "x", "trace_id", "abc", "Calls made.");
        assertThat(describe(Version.V2, out.get(2).left().payload)).containsExactly("__name__=up,job=x stale@" + T);
        assertThat(symbolsOf(out.get(2).left().payload)).containsExactly("", "__name__", "up", "job", "x");
    }

    private static List<String> symbolsOf(byte[] payload) {
        try {
            return io.prometheus.write.v2.Types.Request.parseFrom(unsnappy(payload)).getSymbolsList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    // ---- whole records -------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesARequestWithoutSeriesOrSamplesWhole(Version version) {
        RemoteWriteDecoder decoder = decoder(Map.of(), version);
        RawRecord empty = raw(request(version));
        RejectedRecord r = onlyRejection(decode(decoder, empty));
        assertThat(r.reasonCode).isEqualTo("empty_payload");
        assertThat(r.message).isEqualTo("request holds no series");
        assertThat(r.provenance.index).isZero();
        assertThat(r.payload).isSameAs(empty.value);

        RawRecord noSamples = raw(request(version, series("__name__", "up"), series("__name__", "down")));
        RejectedRecord none = onlyRejection(decode(decoder, noSamples));
        assertThat(none.reasonCode).isEqualTo("empty_payload");
        assertThat(none.message).isEqualTo("request holds no sample: none of its 2 series has a sample or a histogram");
        assertThat(none.payload).isSameAs(noSamples.value);
        // A series without samples beside others leaves no trace; refused whole, it does.
        assertThat(show(decode(decoder, raw(request(version,
                series("__name__", "up"), series("job", "a"), series("__name__", "up").sample(1, T))))))
                .containsExactly("#0 missing_field [default]", "#1 default up{} 1.0 @" + T_MICROS);
    }

    @Test
    void aMetadataOnlyRequestSaysSo() {
        byte[] body = Remote.WriteRequest.newBuilder().addMetadata(Types.MetricMetadata.newBuilder()
                .setMetricFamilyName("up").setType(Types.MetricMetadata.MetricType.GAUGE).setHelp("Up.")).build()
                .toByteArray();
        RejectedRecord r = onlyRejection(decode(decoder(Map.of(), Version.V1), raw(snappy(body))));
        assertThat(r.reasonCode).isEqualTo("empty_payload");
        assertThat(r.message).startsWith("request holds no series, only metadata");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesWhatIsNotASnappyBlock(Version version) {
        RemoteWriteDecoder decoder = decoder(Map.of(), version);
        // A length of more than five bytes: not a snappy header.
        RawRecord notSnappy = raw(new byte[] {-1, -1, -1, -1, -1, -1, 1});
        RejectedRecord r = onlyRejection(decode(decoder, notSnappy));
        assertThat(r.reasonCode).isEqualTo("malformed_payload");
        assertThat(r.message).startsWith("not a snappy block: ");
        assertThat(r.payload).isSameAs(notSnappy.value);
        // The body uncompressed: a plausible length, then no valid block.
        RejectedRecord plain = onlyRejection(decode(decoder, raw(body(version,
                series("__name__", "up", "job", "node").sample(1, T)))));
        assertThat(plain.reasonCode).isEqualTo("malformed_payload");
        assertThat(plain.message).startsWith("not a");
        RejectedRecord text = onlyRejection(decode(decoder, raw("hello, world".getBytes(StandardCharsets.UTF_8))));
        assertThat(text.reasonCode).isEqualTo("malformed_payload");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesASnappyBlockThatIsNotARequest(Version version) {
        byte[] random = new byte[64];
        new Random(42).nextBytes(random);
        random[0] = 0; // field number 0: never a valid protobuf tag
        RawRecord raw = raw(snappy(random));
        RejectedRecord r = onlyRejection(decode(decoder(Map.of(), version), raw));
        assertThat(r.reasonCode).isEqualTo("malformed_payload");
        assertThat(r.message).startsWith(version == Version.V1
                ? "not a remote-write 1.0 WriteRequest: " : "not a remote-write 2.0 Request: ");
        assertThat(r.payload).isSameAs(raw.value);
        // Unread, the request may have named a tenant: the header's if any, else none.
        assertThat(r.tenant).isNull();
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesABlockThatWouldDecompressToMoreThanAllowedBeforeDecompressingIt(Version version) {
        RemoteWriteDecoder decoder = decoder(Map.of(), version);
        // A header of five bytes claiming a gigabyte, and nothing behind it.
        RawRecord hostile = raw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x04, 0, 0});
        RejectedRecord r = onlyRejection(decode(decoder, hostile));
        assertThat(r.reasonCode).isEqualTo("oversized_payload");
        assertThat(r.message).isEqualTo("record decompresses to 1073741824 bytes, more than the 8388608 allowed by "
                + "chronicle.formats.prometheus.max-uncompressed-bytes");
        assertThat(r.payload).isSameAs(hostile.value);
        // The largest length a header holds, 2^32 - 1, past an int's range.
        RejectedRecord most = onlyRejection(decode(decoder,
                raw(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 0})));
        assertThat(most.reasonCode).isEqualTo("oversized_payload");
        assertThat(most.message).startsWith("record decompresses to 4294967295 bytes, more than the 8388608 allowed");
        // A genuine request larger than the limit.
        byte[] request = request(version, series("__name__", "up", "job", "node").sample(1, T));
        RemoteWriteDecoder small = new RemoteWriteDecoder(settings(Map.of()), version, 10);
        RejectedRecord big = onlyRejection(decode(small, raw(request)));
        assertThat(big.reasonCode).isEqualTo("oversized_payload");
        assertThat(big.message).startsWith("record decompresses to " + unsnappy(request).length + " bytes");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void refusesEmptyAndOversizedRecordsWhole(Version version) {
        RemoteWriteDecoder decoder = decoder(Map.of(), version);
        for (RawRecord empty : new RawRecord[] {raw(null), raw(new byte[0])}) {
            RejectedRecord r = onlyRejection(decode(decoder, empty));
            assertThat(r.reasonCode).isEqualTo("empty_payload");
            assertThat(r.message).isEqualTo("record has no value");
            assertThat(r.provenance.index).isZero();
            assertThat(r.payload).isSameAs(empty.value);
        }
        RemoteWriteDecoder small = decoder(Map.of(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "64"), version);
        Series[] many = new Series[8];
        for (int i = 0; i < many.length; i++) {
            many[i] = series("__name__", "metric_" + i, "instance", "host-" + (i * 7919) + ":9100").sample(i * 1.25, T);
        }
        RawRecord big = raw(request(version, many));
        RejectedRecord r = onlyRejection(decode(small, big));
        assertThat(r.reasonCode).isEqualTo("oversized_payload");
        assertThat(r.message).isEqualTo("record is " + big.value.length + " bytes, more than the 64 allowed");
        assertThat(r.payload).isSameAs(big.value);
        assertThat(r.tenant).isNull();
    }

    @Test
    void refusesAnInvalidTenantHeaderWithTheWholeRecord() {
        RawRecord twoHeaders = new RawRecord("prometheus", 0, 1L, KAFKA_TS_MILLIS,
                new byte[][] {"a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8)},
                request(Version.V1, series("__name__", "up").sample(1, T)));
        assertThat(onlyRejection(decode(decoder(Map.of(), Version.V1), twoHeaders)).reasonCode).isEqualTo("invalid_field");
    }

    // ---- never throws --------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Version.class)
    void anUnexpectedErrorRefusesItsSeriesAndDecodingGoesOn(Version version) {
        // No default tenant: resolving a series that names none fails as Chronicle never expects.
        NormalizerSettings broken = new NormalizerSettings(64 * 1024, 64, 0L, 120_000_000L,
                new TenantRules(TenantSource.PAYLOAD_THEN_HEADER, "tenant", null, Set.of()));
        List<Either<RejectedRecord, MetricPoint>> out = decode(new RemoteWriteDecoder(broken, version, MAX_UNCOMPRESSED),
                raw(request(version,
                        series("__name__", "up").sample(1, T).sample(2, T),
                        series("__name__", "up", "tenant", "acme").sample(3, T).sample(4, T))));
        assertThat(show(out)).containsExactly(
                "#0 unexpected_error [null]",
                "#1 acme up{} 3.0 @" + T_MICROS,
                "#2 acme up{} 4.0 @" + T_MICROS);
        assertThat(out.get(0).left().message).startsWith("java.lang.NullPointerException");
        assertThat(describe(version, out.get(0).left().payload)).containsExactly("__name__=up 1.0@" + T + " 2.0@" + T);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void isSerializableAndDecodesTheSameAfterwards(Version version) throws Exception {
        RemoteWriteDecoder decoder = decoder(Map.of(), version);
        RawRecord raw = raw(request(version, series("__name__", "up").sample(1, T).sample(STALE, T),
                series("job", "a").sample(1, T)));
        List<String> before = show(decode(decoder, raw));
        RemoteWriteDecoder copy = InstantiationUtil.clone(decoder);
        assertThat(show(decode(copy, raw))).isEqualTo(before).hasSize(3);
    }

    // ---- fuzz ----------------------------------------------------------------------------------

    private static final String[] NAMES = {"up", "node_load1", "http_requests_total", "http.server.duration",
            "chronicle_dead_letters_per_second", "", "a:b", "9lives", "r\u00e9ponses"};
    private static final String[] LABEL_NAMES = {"job", "instance", "tenant", "le", "host-name", "", "__name__",
            "a", "b", "c", "code", "\u00e9t\u00e9"};
    private static final String[] LABEL_VALUES = {"", "node", "a:9100", "acme", "globex", "a/b", "chronicle",
            "initech", "x\ty", "\u00e9", "v".repeat(1025), "200", "default", "\uD83D\uDE00"};
    private static final double[] VALUES = {1.0, -2.5, 0.0, 42, Double.NaN, STALE, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, Double.MAX_VALUE, 1e300, -1e-300};
    private static final long[] TIMES = {T, T + 1_000, NOW_MS, NOW_MS + 120_000, NOW_MS + 120_001, 0, -1,
            Long.MAX_VALUE, Long.MIN_VALUE, 946_684_800_000L, 946_684_799_999L};

    private static <T> T pick(Random random, T[] values) {
        return values[random.nextInt(values.length)];
    }

    private static Series randomSeries(Random random) {
        if (random.nextBoolean()) {
            // A series as Prometheus sends: a valid name and labels, values and times mostly good.
            Series series = new Series("__name__", pick(random, new String[] {"up", "node_load1", "http_requests_total"}),
                    "instance", "host-" + random.nextInt(4) + ":9100", "job", random.nextBoolean() ? "node" : "");
            for (int n = 1 + random.nextInt(6); n > 0; n--) {
                series.sample(random.nextInt(10) == 0 ? VALUES[random.nextInt(VALUES.length)] : random.nextGaussian() * 100,
                        T + random.nextInt(60_000));
            }
            return series;
        }
        List<String> labels = new ArrayList<>();
        if (random.nextInt(8) != 0) {
            labels.add("__name__");
            labels.add(pick(random, NAMES));
        }
        if (random.nextInt(4) == 0) {
            labels.add("tenant");
            labels.add(pick(random, new String[] {"acme", "globex", "initech", "chronicle", "a/b", ""}));
        }
        for (int n = random.nextInt(5); n > 0; n--) {
            labels.add(pick(random, LABEL_NAMES));
            labels.add(random.nextInt(3) == 0 ? "v" + random.nextInt(10) : pick(random, LABEL_VALUES));
        }
        Series series = new Series(labels.toArray(new String[0]));
        for (int n = random.nextInt(5); n > 0; n--) {
            series.sample(random.nextInt(3) == 0 ? VALUES[random.nextInt(VALUES.length)] : random.nextGaussian() * 100,
                    random.nextInt(3) == 0 ? TIMES[random.nextInt(TIMES.length)] : T + random.nextInt(60_000));
        }
        if (random.nextInt(6) == 0) {
            series.histogram(T);
        }
        return series;
    }

    /** A random valid request's body; for 2.0 at times with references that are not there, exemplars and metadata. */
    private static byte[] randomBody(Random random, Version version) {
        Series[] series = new Series[random.nextInt(5)];
        for (int i = 0; i < series.length; i++) {
            series[i] = randomSeries(random);
        }
        if (version == Version.V1 || series.length == 0 || random.nextInt(3) != 0) {
            return body(version, series);
        }
        SymbolTable symbols = new SymbolTable();
        for (Series s : series) {
            io.prometheus.write.v2.Types.TimeSeries.Builder ts = s.v2(symbols).toBuilder();
            switch (random.nextInt(5)) {
                case 0 -> ts.addLabelsRefs(random.nextInt(symbols.request.getSymbolsCount() + 3));
                case 1 -> {
                    if (ts.getLabelsRefsCount() > 0) {
                        ts.setLabelsRefs(random.nextInt(ts.getLabelsRefsCount()), random.nextInt(40) - 2);
                    }
                }
                case 2 -> ts.addExemplars(io.prometheus.write.v2.Types.Exemplar.newBuilder()
                        .addLabelsRefs(symbols.ref("trace_id")).addLabelsRefs(random.nextInt(50)).setValue(1));
                case 3 -> ts.setMetadata(io.prometheus.write.v2.Types.Metadata.newBuilder()
                        .setHelpRef(random.nextBoolean() ? symbols.ref("Help.") : 1_000).setUnitRef(symbols.ref("s")));
                default -> { }
            }
            symbols.request.addTimeseries(ts);
        }
        return symbols.request.build().toByteArray();
    }

    /**
     * Random bytes, random snappy blocks and random requests, valid or with bytes changed before
     * or after compression: the decoder never throws nor fails unexpectedly, numbers what it
     * emits 0..n-1, emits only points that pass every check again, and keeps in each part's
     * rejection a request of one series, refused again whole for the same reason: the series whole
     * or the samples (histograms) of a series of one reason with the labels the points keep.
     */
    @Test
    void survivesMutatedRequestsAndRandomBytes() {
        RemoteWriteDecoder[] decoders = new RemoteWriteDecoder[6];
        for (Version version : Version.values()) {
            int v = version.ordinal();
            decoders[v] = new RemoteWriteDecoder(settings(Map.of(ChronicleOptions.INGEST_MAX_TAGS.key(), "3")),
                    version, MAX_UNCOMPRESSED);
            decoders[2 + v] = new RemoteWriteDecoder(settings(Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header",
                    ChronicleOptions.INGEST_TENANTS.key(), "acme;default;globex")), version, 4_096);
            decoders[4 + v] = new RemoteWriteDecoder(settings(Map.of(ChronicleOptions.INGEST_TENANTS.key(), "acme;globex",
                    ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "400")), version, 1_000);
        }
        Set<String> codes = Arrays.stream(RejectReason.values()).map(RejectReason::code).collect(Collectors.toSet());
        Map<String, Integer> seen = new TreeMap<>();
        Random random = new Random(0x5EED_2026_0A11L);
        int points = 0;
        int groupedParts = 0;
        int wholes = 0;
        for (int c = 0; c < 5_000; c++) {
            RemoteWriteDecoder decoder = decoders[c % decoders.length];
            Version version = c % 2 == 0 ? Version.V1 : Version.V2;
            byte[] value;
            switch (c % 10) {
                case 0, 1 -> {
                    value = new byte[random.nextInt(48)];
                    random.nextBytes(value);
                }
                case 2, 3 -> {
                    byte[] body = new byte[random.nextInt(64)];
                    random.nextBytes(body);
                    value = snappy(body);
                }
                case 4, 5 -> value = mutate(snappy(randomBody(random, version)), random);
                case 6, 7 -> value = snappy(mutate(randomBody(random, version), random));
                default -> value = snappy(randomBody(random, version));
            }
            String header = switch (random.nextInt(8)) {
                case 0, 1, 2 -> "globex";
                case 3 -> "a/b";
                default -> null;
            };
            RawRecord raw = raw(value, header);
            List<Either<RejectedRecord, MetricPoint>> out;
            try {
                out = decode(decoder, raw);
            } catch (Throwable t) {
                throw new AssertionError("case " + c + " threw on " + Arrays.toString(value), t);
            }
            long partBytes = 0;
            long partBytesUncompressed = 0;
            for (int i = 0; i < out.size(); i++) {
                Either<RejectedRecord, MetricPoint> item = out.get(i);
                String context = "case " + c + " item " + i + " of " + Arrays.toString(value);
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
                assertThat(r.payload).as(context).isNotNull();
                if (r.payload == raw.value) {
                    // The record whole: refused before its series were read, or its refused parts
                    // past the budget; at index 0 and alone either way.
                    assertThat(out).as(context).hasSize(1);
                    assertThat(r.provenance.index).as(context).isZero();
                    if (PART_REASONS.contains(r.reasonCode) || r.message.startsWith("refused whole: ")) {
                        assertThat(r.message).as(context).startsWith("refused whole: its refused parts (first: ");
                        wholes++;
                    }
                    continue;
                }
                partBytes += r.payload.length;
                partBytesUncompressed += unsnappy(r.payload).length;
                // A part's payload is a request of one series, refused again whole for the same reason.
                List<String> part = describe(version, r.payload);
                assertThat(part).as(context).hasSize(1);
                if (PART_REASONS.contains(r.reasonCode)) {
                    // The refused samples (or histograms) of one reason, with the labels the points keep.
                    String[] labelsAndParts = part.get(0).split(" (?=[^ ]*@)");
                    assertThat(labelsAndParts.length).as(context + ": " + part).isGreaterThan(1);
                    assertThat(labelsAndParts[0]).as(context + ": " + part).doesNotContain("=,").doesNotEndWith("=");
                    if (c % decoders.length / 2 == 1) {
                        assertThat(labelsAndParts[0]).as(context + ": " + part).doesNotContainPattern("(^|,)tenant=");
                    }
                    groupedParts += labelsAndParts.length - 1;
                }
                List<Either<RejectedRecord, MetricPoint>> again = decode(decoder, raw(r.payload, header));
                assertThat(again).as(context).hasSize(1);
                assertThat(again.get(0).isLeft()).as(context).isTrue();
                assertThat(again.get(0).left().reasonCode).as(context).isIn(r.reasonCode, "oversized_payload");
                if (PART_REASONS.contains(r.reasonCode) && again.get(0).left().reasonCode.equals(r.reasonCode)) {
                    assertThat(again.get(0).left().message).as(context).isEqualTo(r.message);
                }
            }
            if (partBytes > 0) {
                // The budget: the payloads of the refused parts take at most twice the request and 64 KiB.
                long limit = 2L * unsnappy(value).length + 64 * 1024;
                assertThat(partBytes).as("case " + c).isLessThanOrEqualTo(limit);
                assertThat(partBytesUncompressed).as("case " + c).isLessThanOrEqualTo(limit);
            }
        }
        // The requests are small: none passes the budget.
        assertThat(wholes).isZero();
        // The cases reach both outcomes and the refusals of every stage, not only one.
        assertThat(points).as(seen.toString()).isGreaterThan(2_000);
        // Some rejections hold more than one part.
        assertThat(groupedParts).isGreaterThan(PART_REASONS.stream().mapToInt(r -> seen.getOrDefault(r, 0)).sum());
        assertThat(seen).containsKeys("empty_payload", "oversized_payload", "malformed_payload", "missing_field",
                "invalid_metric_name", "reserved_metric_name", "invalid_tag", "too_many_tags", "invalid_field",
                "tenant_not_allowed", "reserved_tenant", "non_finite_value", "value_out_of_range",
                "timestamp_out_of_range", "invalid_timestamp", "unsupported_type");
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
        assertThat(p.provenance.topic).as(context).isEqualTo("prometheus");
    }

    /** {@code bytes} with one to three bytes flipped, replaced, inserted or removed, or cut short. */
    private static byte[] mutate(byte[] bytes, Random random) {
        byte[] value = bytes.clone();
        for (int m = 1 + random.nextInt(3); m > 0 && value.length > 0; m--) {
            int at = random.nextInt(value.length);
            byte b = (byte) random.nextInt(256);
            switch (random.nextInt(5)) {
                case 0 -> value[at] = b;
                case 1 -> value[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> value = concat(Arrays.copyOf(value, at), new byte[] {b}, Arrays.copyOfRange(value, at, value.length));
                case 3 -> value = concat(Arrays.copyOf(value, at), Arrays.copyOfRange(value, at + 1, value.length));
                default -> value = Arrays.copyOf(value, at);
            }
        }
        return value;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
