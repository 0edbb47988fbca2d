package io.chronicle.operators.normalize;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.DataPointFlags;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes a record of OTLP metrics as the OpenTelemetry Collector's Kafka exporter writes it: one
 * {@code ExportMetricsServiceRequest}, in protobuf ({@code otlp_proto}) or in OTLP's JSON encoding
 * ({@code otlp_json}). Its data points become points as Prometheus' own OTLP translation names
 * them ({@code UnderscoreEscapingWithSuffixes}, or {@code ...WithoutSuffixes} when
 * {@link OtlpTranslation#nameSuffixes} is off):
 * <ul>
 * <li>Metric names: every character outside {@code [a-zA-Z0-9_:]} becomes {@code _}, runs of
 * {@code _} one, a leading digit gets a {@code _} before it; with suffixes the unit follows as
 * Prometheus spells it ({@code s} seconds, {@code By} bytes, {@code X/Y} X_per_Y, {@code {...}}
 * dropped, an unknown unit as its own name), {@code _ratio} for gauges of unit {@code 1} and
 * {@code _total} for monotonic cumulative sums, each only if the name does not end with it.</li>
 * <li>Tags: the data point's attributes, names translated as Prometheus' labels (every character
 * outside {@code [a-zA-Z0-9_]} becomes {@code _}, a leading digit gets {@code key_}), values as
 * text (strings as they are, booleans and numbers as their text: {@code true}, {@code 42},
 * {@code 1.5}); arrays, key-value lists and bytes are refused as {@code wrong_type}. An empty
 * value is no attribute. Two attributes of a data point of one name refuse it as
 * {@code invalid_tag}. From the resource: {@code job} ({@code service.namespace/service.name},
 * or {@code service.name}) and {@code instance} ({@code service.instance.id}), which win over a
 * data point's own {@code job} or {@code instance}, and each attribute named among the promoted
 * ones, which a data point's attribute of the same name wins over. Prometheus puts the resource's
 * other attributes on a {@code target_info} series, which Chronicle does not write: they are not
 * kept. A {@code tenant} attribute is never a tag: the resource's names the tenant in payload
 * mode and is ignored in the header modes. With {@link OtlpTranslation#promoteScopeMetadata}, a
 * named scope's {@code otel_scope_name}, {@code otel_scope_version}, {@code otel_scope_schema_url}
 * and {@code otel_scope_<attribute>} tags, which win over a data point's attributes.</li>
 * <li>Gauges and non-monotonic cumulative sums: a point per data point. Monotonic cumulative
 * sums: counters. Delta sums (monotonic or not): the delta, a point under the name without
 * {@code _total}, so that Chronicle's counter logic never takes a delta for a reset; a window's
 * sum of them is the increase over it. Sums and histograms of unspecified temporality are
 * refused ({@code wrong_type}).</li>
 * <li>Histograms, as Prometheus' classic ones: {@code _bucket} points tagged {@code le}
 * (cumulative counts; {@code +Inf} the last), then {@code _count} and {@code _sum} (if there is
 * one); delta histograms the same, of deltas. Exponential histograms the same, a {@code _bucket}
 * point at the upper bound of each bucket that holds values: the negative buckets from the most
 * negative, the zero bucket (at its {@code zero_threshold}), the positive buckets. A scale finer than
 * {@link OtlpTranslation#maxExponentialScale} is first downscaled to it, exactly, by merging buckets, so that the
 * bounds stay the same from one data point to the next. The counts at the bounds are exact; what is
 * lost is where in its bucket a value was, each bound being base = 2^(2^-scale) times the one below
 * it (about 9% at scale 3). A scale outside -10 to 20, counts that do not add up to the data point's
 * and a bound beyond a double's range refuse the data point ({@code malformed_payload}); min, max
 * and exemplars are not read. Summaries: a point per quantile tagged {@code quantile}, then
 * {@code _count} and {@code _sum}.</li>
 * <li>Time: {@code time_unix_nano} in microseconds (floored); 0 takes the Kafka record's
 * timestamp. Start times, exemplars, descriptions and metadata are not read.</li>
 * </ul>
 * The unit of refusal is one metric of one resource and scope: a metric refused whole (its name,
 * its temporality, its resource's tenant or tags) is one rejection; its refused data points are
 * grouped by reason, one rejection each, after its points. Each rejection's payload is a request,
 * in the record's own encoding, of the resource, the scope and the metric with just those data
 * points, so that it can be produced again. As {@link RemoteWriteDecoder}: the record's outputs
 * are held until it is decoded, and its refused parts' payloads may take at most twice its bytes
 * and 64 KiB ({@link BatchChecks.Budget}), past which the record is refused whole instead.
 */
public final class OtlpMetricsDecoder implements RecordDecoder<MetricPoint> {

    private static final long serialVersionUID = 1L;

    /** The encodings of the Collector's Kafka exporter. */
    public enum Encoding {
        /** {@code otlp_proto}. */
        PROTOBUF,
        /** {@code otlp_json}. */
        JSON
    }

    static final String JOB = "job";
    static final String INSTANCE = "instance";
    static final String SERVICE_NAME = "service.name";
    static final String SERVICE_NAMESPACE = "service.namespace";
    static final String SERVICE_INSTANCE_ID = "service.instance.id";
    static final String NAME_LABEL = "__name__";
    static final String SCOPE_PREFIX = "otel_scope_";
    static final String SCOPE_NAME = "otel_scope_name";
    static final String SCOPE_VERSION = "otel_scope_version";
    static final String SCOPE_SCHEMA_URL = "otel_scope_schema_url";
    /** The scales of OTLP's exponential histograms: at -10 one bucket spans all doubles, 20 is the SDKs' finest. */
    static final int MIN_SCALE = -10;
    static final int MAX_SCALE = 20;
    private static final MathContext ROOT_DIGITS = new MathContext(40);
    private static final BigDecimal[] ROOTS_OF_TWO = rootsOfTwo();

    private final NormalizerSettings settings;
    private final Encoding encoding;
    private final OtlpTranslation translation;

    private transient HashSet<String> promotedSet;
    private transient SeriesIds seriesIds;
    private transient List<Either<RejectedRecord, MetricPoint>> pending;
    private transient BatchChecks.RefusedParts refused;
    private transient BatchChecks.Budget budget;
    /** The fractions {@link #fraction} has computed, by scale; 0 where not yet. */
    private transient double[][] fractions;

    public OtlpMetricsDecoder(NormalizerSettings settings, Encoding encoding, OtlpTranslation translation) {
        this.settings = settings;
        this.encoding = encoding;
        this.translation = translation;
    }

    @Override
    public void decode(RawRecord raw, long ingestedAtMicros, Collector<Either<RejectedRecord, MetricPoint>> out) {
        String headerTenant;
        String recordTenant = null;
        ExportMetricsServiceRequest request;
        long dataPoints;
        try {
            headerTenant = settings.tenants.header(raw);
            if (!settings.tenants.readsPayload()) {
                recordTenant = settings.tenants.resolve(null, headerTenant);
            }
            BatchChecks.checkValue(raw, settings);
            request = parse(raw.value);
            dataPoints = dataPoints(request);
            if (dataPoints == 0) {
                throw new Rejection(RejectReason.EMPTY_PAYLOAD, "request holds no data point");
            }
        } catch (Rejection | RuntimeException e) {
            out.collect(Either.Left(BatchChecks.ofRecord(raw, e, settings, ingestedAtMicros)));
            return;
        }
        if (pending == null) {
            pending = new ArrayList<>();
            refused = new BatchChecks.RefusedParts();
            budget = new BatchChecks.Budget();
            promotedSet = new HashSet<>(translation.promotedResourceAttributes());
        }
        List<Either<RejectedRecord, MetricPoint>> pending = this.pending;
        BatchChecks.Budget budget = this.budget;
        pending.clear();
        budget.reset(raw.value.length);
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            ResourceContext resource = null;
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                ResourceContext scoped = null;
                for (Metric metric : sm.getMetricsList()) {
                    if (budget.passed()) {
                        break;
                    }
                    if (dataPoints(metric) == 0) {
                        continue;
                    }
                    if (resource == null) {
                        resource = resource(rm, headerTenant, recordTenant);
                    }
                    if (scoped == null) {
                        scoped = scoped(resource, sm);
                    }
                    int start = pending.size();
                    budget.mark();
                    try {
                        decodeMetric(raw, rm, sm, metric, scoped, ingestedAtMicros);
                    } catch (Rejection | RuntimeException e) {
                        pending.subList(start, pending.size()).clear();
                        budget.rollback();
                        // Refused before its tenant was known: the tenant a refused record gets.
                        String tenant = scoped.tenant != null ? scoped.tenant : settings.tenants.ofRejected(raw);
                        byte[] payload = wholeMetricPayload(raw, rm, sm, metric, e);
                        if (payload != null) {
                            pending.add(Either.Left(BatchChecks.ofPart(raw, start, payload, e, tenant, ingestedAtMicros)));
                        }
                    }
                }
            }
        }
        if (BatchChecks.emit(pending, budget, raw, settings, ingestedAtMicros,
                () -> "request holds no data point Chronicle reads (" + dataPoints + " data points)", out)) {
            this.pending = new ArrayList<>();
        }
    }

    // ---- the record -----------------------------------------------------------------------------

    private ExportMetricsServiceRequest parse(byte[] value) throws Rejection {
        return OtlpRequests.merge(value, encoding, ExportMetricsServiceRequest.newBuilder(), json -> json).build();
    }

    private static long dataPoints(ExportMetricsServiceRequest request) {
        long n = 0;
        for (ResourceMetrics rm : request.getResourceMetricsList()) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric metric : sm.getMetricsList()) {
                    n += dataPoints(metric);
                }
            }
        }
        return n;
    }

    private static int dataPoints(Metric metric) {
        return switch (metric.getDataCase()) {
            case GAUGE -> metric.getGauge().getDataPointsCount();
            case SUM -> metric.getSum().getDataPointsCount();
            case HISTOGRAM -> metric.getHistogram().getDataPointsCount();
            case EXPONENTIAL_HISTOGRAM -> metric.getExponentialHistogram().getDataPointsCount();
            case SUMMARY -> metric.getSummary().getDataPointsCount();
            default -> 0;
        };
    }

    // ---- the resource ---------------------------------------------------------------------------

    /**
     * What a resource (and, with the scope's tags, one of its scopes) gives each of its metrics: its
     * tenant and tags, or the refusal of all of them.
     */
    private static final class ResourceContext {
        /** Null until resolved (and when it could not be). */
        String tenant;
        /** job, instance and the scope's tags: they win over a data point's attributes. */
        final TreeMap<String, String> overriding = new TreeMap<>();
        /** The promoted attributes: a data point's attribute of the same name wins over them. */
        final TreeMap<String, String> promoted = new TreeMap<>();
        /** A Rejection, or a failure Chronicle did not foresee. */
        Exception failure;
    }

    private ResourceContext resource(ResourceMetrics rm, String headerTenant, String recordTenant) {
        ResourceContext context = new ResourceContext();
        context.tenant = recordTenant;
        try {
            List<KeyValue> attributes = rm.getResource().getAttributesList();
            if (context.tenant == null) {
                String tenant = null;
                for (KeyValue kv : attributes) {
                    if (kv.getKey().equals(BatchChecks.TENANT_TAG)) {
                        String text = attributeText(kv);
                        if (!text.isEmpty()) {
                            tenant = text;
                            break;
                        }
                    }
                }
                context.tenant = settings.tenants.resolve(tenant, headerTenant);
            }
            String serviceName = null;
            String serviceNamespace = null;
            String instance = null;
            HashSet<String> seen = new HashSet<>();
            for (KeyValue kv : attributes) {
                String key = kv.getKey();
                boolean isPromoted = promotedSet.contains(key);
                if (!isPromoted && !key.equals(SERVICE_NAME) && !key.equals(SERVICE_NAMESPACE)
                        && !key.equals(SERVICE_INSTANCE_ID)) {
                    continue;
                }
                String value = attributeText(kv);
                if (value.isEmpty()) {
                    continue;
                }
                switch (key) {
                    case SERVICE_NAME -> serviceName = value;
                    case SERVICE_NAMESPACE -> serviceNamespace = value;
                    case SERVICE_INSTANCE_ID -> instance = value;
                    default -> { }
                }
                if (isPromoted) {
                    String name = labelName(key);
                    if (name.equals(BatchChecks.TENANT_TAG)) {
                        continue;
                    }
                    if (!seen.add(name)) {
                        throw new Rejection(RejectReason.INVALID_TAG, "resource attributes "
                                + Texts.quote(key) + " and another both make the label " + Texts.quote(name));
                    }
                    checkTag(name, value);
                    context.promoted.put(name, value);
                }
            }
            if (serviceName != null) {
                String job = serviceNamespace == null ? serviceName : serviceNamespace + "/" + serviceName;
                BatchChecks.checkTagValue(JOB, job);
                context.overriding.put(JOB, job);
            }
            if (instance != null) {
                BatchChecks.checkTagValue(INSTANCE, instance);
                context.overriding.put(INSTANCE, instance);
            }
        } catch (Rejection | RuntimeException e) {
            context.failure = e;
        }
        return context;
    }

    /**
     * {@code resource} with the tags of {@code sm}'s scope added, if the translation promotes scope
     * metadata and the scope has a name, as Prometheus' promote_scope_metadata: each attribute as
     * {@code otel_scope_<name>}, then the name, version and schema URL, which win over attributes
     * of those names.
     */
    private ResourceContext scoped(ResourceContext resource, ScopeMetrics sm) {
        InstrumentationScope scope = sm.getScope();
        if (!translation.promoteScopeMetadata() || scope.getName().isEmpty() || resource.failure != null) {
            return resource;
        }
        ResourceContext context = new ResourceContext();
        context.tenant = resource.tenant;
        context.overriding.putAll(resource.overriding);
        context.promoted.putAll(resource.promoted);
        try {
            TreeMap<String, String> tags = new TreeMap<>();
            for (KeyValue kv : scope.getAttributesList()) {
                String value = attributeText(kv);
                if (value.isEmpty()) {
                    continue;
                }
                String name = labelName(SCOPE_PREFIX + kv.getKey());
                if (tags.put(name, value) != null) {
                    throw new Rejection(RejectReason.INVALID_TAG, "scope attributes " + Texts.quote(kv.getKey())
                            + " and another both make the label " + Texts.quote(name));
                }
            }
            tags.remove(SCOPE_NAME);
            tags.remove(SCOPE_VERSION);
            tags.remove(SCOPE_SCHEMA_URL);
            tags.put(SCOPE_NAME, scope.getName());
            if (!scope.getVersion().isEmpty()) {
                tags.put(SCOPE_VERSION, scope.getVersion());
            }
            if (!sm.getSchemaUrl().isEmpty()) {
                tags.put(SCOPE_SCHEMA_URL, sm.getSchemaUrl());
            }
            for (Map.Entry<String, String> e : tags.entrySet()) {
                checkTag(e.getKey(), e.getValue());
            }
            context.overriding.putAll(tags);
        } catch (Rejection | RuntimeException e) {
            context.failure = e;
        }
        return context;
    }

    // ---- a metric -------------------------------------------------------------------------------

    /** The kinds of points a metric gives, which decide its name's suffixes. */
    private enum Kind { GAUGE, COUNTER, OTHER }

    /**
     * Decodes {@code metric} into {@link #pending}: a point per value of each good data point, then
     * a rejection per reason its bad data points are refused for; or a Rejection of the whole metric.
     */
    private void decodeMetric(RawRecord raw, ResourceMetrics rm, ScopeMetrics sm, Metric metric,
            ResourceContext resource, long ingestedAtMicros) throws Rejection {
        if (resource.failure instanceof Rejection r) {
            throw r;
        } else if (resource.failure != null) {
            throw (RuntimeException) resource.failure;
        }
        BatchChecks.RefusedParts refused = this.refused;
        refused.clear();
        String tenant = resource.tenant;
        switch (metric.getDataCase()) {
            case GAUGE, SUM -> {
                Kind kind = Kind.GAUGE;
                List<NumberDataPoint> points;
                if (metric.hasGauge()) {
                    points = metric.getGauge().getDataPointsList();
                } else {
                    checkTemporality(metric.getSum().getAggregationTemporality());
                    points = metric.getSum().getDataPointsList();
                    kind = metric.getSum().getIsMonotonic() && metric.getSum().getAggregationTemporality()
                            == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE ? Kind.COUNTER : Kind.OTHER;
                }
                String name = PointNormalizer.checkMetricName(metricName(metric, kind));
                for (int i = 0; i < points.size(); i++) {
                    NumberDataPoint p = points.get(i);
                    try {
                        checkFlags(p.getFlags());
                        TreeMap<String, String> tags = tags(p.getAttributesList(), resource, null);
                        long micros = micros(p.getTimeUnixNano(), raw, ingestedAtMicros);
                        double value = switch (p.getValueCase()) {
                            case AS_DOUBLE -> p.getAsDouble();
                            case AS_INT -> (double) p.getAsInt();
                            default -> throw new Rejection(RejectReason.MISSING_FIELD,
                                    "data point has no value (neither as_double nor as_int)");
                        };
                        PointNormalizer.checkValue(value);
                        add(raw, tenant, name, tags, value, micros, ingestedAtMicros);
                    } catch (Rejection r) {
                        refused.add(i, r);
                    }
                }
            }
            case HISTOGRAM -> {
                checkTemporality(metric.getHistogram().getAggregationTemporality());
                HistogramNames names = histogramNames(metric);
                List<HistogramDataPoint> points = metric.getHistogram().getDataPointsList();
                ArrayList<Series> values = new ArrayList<>();
                for (int i = 0; i < points.size(); i++) {
                    HistogramDataPoint p = points.get(i);
                    values.clear();
                    try {
                        checkFlags(p.getFlags());
                        TreeMap<String, String> tags = tags(p.getAttributesList(), resource, "le");
                        long micros = micros(p.getTimeUnixNano(), raw, ingestedAtMicros);
                        int bounds = p.getExplicitBoundsCount();
                        int counts = p.getBucketCountsCount();
                        if (counts != bounds + 1 && !(counts == 0 && bounds == 0)) {
                            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "histogram data point has "
                                    + counts + " bucket counts for " + bounds + " explicit bounds, not "
                                    + (bounds + 1));
                        }
                        double previous = Double.NEGATIVE_INFINITY;
                        long cumulative = 0;
                        for (int b = 0; b < bounds; b++) {
                            double bound = p.getExplicitBounds(b);
                            if (!(bound > previous) || Double.isInfinite(bound)) {
                                throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "histogram bound "
                                        + bound + " is not finite and above the one before it");
                            }
                            previous = bound;
                            cumulative += p.getBucketCounts(b);
                            values.add(new Series(names.bucket(), with(tags, "le", formatFloat(bound)),
                                    unsigned(cumulative)));
                        }
                        if (counts > 0) {
                            cumulative += p.getBucketCounts(bounds);
                            if (cumulative != p.getCount()) {
                                throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "histogram bucket counts add up to "
                                        + Long.toUnsignedString(cumulative) + ", not the data point's count "
                                        + Long.toUnsignedString(p.getCount()));
                            }
                        }
                        values.add(new Series(names.bucket(), with(tags, "le", "+Inf"), unsigned(p.getCount())));
                        countAndSum(names, tags, p.getCount(), p.hasSum() ? p.getSum() : null, values);
                        addAll(raw, tenant, values, micros, ingestedAtMicros);
                    } catch (Rejection r) {
                        refused.add(i, r);
                    }
                }
            }
            case SUMMARY -> {
                String base = metricName(metric, Kind.OTHER);
                String quantile = PointNormalizer.checkMetricName(base);
                String count = PointNormalizer.checkMetricName(base + "_count");
                String sum = PointNormalizer.checkMetricName(base + "_sum");
                List<SummaryDataPoint> points = metric.getSummary().getDataPointsList();
                ArrayList<Series> values = new ArrayList<>();
                for (int i = 0; i < points.size(); i++) {
                    SummaryDataPoint p = points.get(i);
                    values.clear();
                    try {
                        checkFlags(p.getFlags());
                        TreeMap<String, String> tags = tags(p.getAttributesList(), resource, "quantile");
                        long micros = micros(p.getTimeUnixNano(), raw, ingestedAtMicros);
                        for (SummaryDataPoint.ValueAtQuantile q : p.getQuantileValuesList()) {
                            if (!(q.getQuantile() >= 0 && q.getQuantile() <= 1)) {
                                throw new Rejection(RejectReason.MALFORMED_PAYLOAD,
                                        "quantile " + q.getQuantile() + " is not in [0, 1]");
                            }
                            values.add(new Series(quantile, with(tags, "quantile", formatFloat(q.getQuantile())),
                                    PointNormalizer.checkValue(q.getValue())));
                        }
                        values.add(new Series(count, new TreeMap<>(tags), unsigned(p.getCount())));
                        values.add(new Series(sum, new TreeMap<>(tags), PointNormalizer.checkValue(p.getSum())));
                        addAll(raw, tenant, values, micros, ingestedAtMicros);
                    } catch (Rejection r) {
                        refused.add(i, r);
                    }
                }
            }
            case EXPONENTIAL_HISTOGRAM -> {
                checkTemporality(metric.getExponentialHistogram().getAggregationTemporality());
                HistogramNames names = histogramNames(metric);
                List<ExponentialHistogramDataPoint> points = metric.getExponentialHistogram().getDataPointsList();
                ArrayList<Series> values = new ArrayList<>();
                for (int i = 0; i < points.size(); i++) {
                    ExponentialHistogramDataPoint p = points.get(i);
                    values.clear();
                    try {
                        checkFlags(p.getFlags());
                        TreeMap<String, String> tags = tags(p.getAttributesList(), resource, "le");
                        long micros = micros(p.getTimeUnixNano(), raw, ingestedAtMicros);
                        exponentialBuckets(p, names.bucket(), tags, values);
                        countAndSum(names, tags, p.getCount(), p.hasSum() ? p.getSum() : null, values);
                        addAll(raw, tenant, values, micros, ingestedAtMicros);
                    } catch (Rejection r) {
                        refused.add(i, r);
                    }
                }
            }
            default -> {
                return;
            }
        }
        for (int g = 0; g < refused.size(); g++) {
            BatchChecks.Group group = refused.get(g);
            String message = group.message("data point", "data points", "metric");
            byte[] payload = partPayload(rm, sm, metric, group, group.reason, message);
            if (payload == null) {
                return;
            }
            pending.add(Either.Left(RejectedRecord.ofPart(raw, pending.size(), payload, group.reason, message,
                    tenant, ingestedAtMicros)));
        }
    }

    // ---- exponential histograms -----------------------------------------------------------------

    /** A bucket of an exponential histogram at the scale it is read at: its index, and its count (unsigned). */
    private record Bucket(int index, long count) {}

    /** The series a histogram's data points make: {@code _bucket}, {@code _count} and {@code _sum}. */
    private record HistogramNames(String bucket, String count, String sum) {}

    private HistogramNames histogramNames(Metric metric) throws Rejection {
        String base = metricName(metric, Kind.OTHER);
        return new HistogramNames(PointNormalizer.checkMetricName(base + "_bucket"),
                PointNormalizer.checkMetricName(base + "_count"), PointNormalizer.checkMetricName(base + "_sum"));
    }

    /** A histogram data point's {@code _count}, then its {@code _sum} unless it has none (null). */
    private static void countAndSum(HistogramNames names, TreeMap<String, String> tags, long count, Double sum,
            List<Series> values) throws Rejection {
        values.add(new Series(names.count(), new TreeMap<>(tags), unsigned(count)));
        if (sum != null) {
            values.add(new Series(names.sum(), new TreeMap<>(tags), PointNormalizer.checkValue(sum)));
        }
    }

    /**
     * The {@code _bucket} series of {@code p} into {@code values}, {@code +Inf} the last: a cumulative
     * count at the upper bound of each bucket that holds values, from the most negative up.
     */
    private void exponentialBuckets(ExponentialHistogramDataPoint p, String bucket, TreeMap<String, String> tags,
            List<Series> values) throws Rejection {
        int scale = p.getScale();
        if (scale < MIN_SCALE || scale > MAX_SCALE) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "exponential histogram scale " + scale
                    + " is not from " + MIN_SCALE + " to " + MAX_SCALE);
        }
        double zeroThreshold = p.getZeroThreshold();
        if (!(zeroThreshold >= 0) || Double.isInfinite(zeroThreshold)) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "exponential histogram zero_threshold "
                    + zeroThreshold + " is not a finite number from 0");
        }
        int target = Math.min(scale, translation.maxExponentialScale());
        List<Bucket> negative = downscaled(p.getNegative(), scale - target);
        List<Bucket> positive = downscaled(p.getPositive(), scale - target);
        long total = p.getZeroCount();
        for (Bucket b : negative) {
            total += b.count();
        }
        for (Bucket b : positive) {
            total += b.count();
        }
        if (total != p.getCount()) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "exponential histogram bucket counts and zero_count"
                    + " add up to " + Long.toUnsignedString(total) + ", not the data point's count "
                    + Long.toUnsignedString(p.getCount()));
        }
        long cumulative = 0;
        // A negative bucket of index i holds [-base^(i+1), -base^i): the highest index is the most negative.
        for (int b = negative.size() - 1; b >= 0; b--) {
            cumulative += negative.get(b).count();
            double bound = -power(negative.get(b).index(), target);
            values.add(new Series(bucket, with(tags, "le", formatFloat(bound)), unsigned(cumulative)));
        }
        if (p.getZeroCount() != 0) {
            if (!positive.isEmpty() && !(zeroThreshold < power(positive.get(0).index() + 1L, target))) {
                throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "exponential histogram zero_threshold "
                        + zeroThreshold + " is not below the upper bound of its lowest positive bucket");
            }
            cumulative += p.getZeroCount();
            values.add(new Series(bucket, with(tags, "le", formatFloat(zeroThreshold)), unsigned(cumulative)));
        }
        // A positive bucket of index i holds (base^i, base^(i+1)].
        for (Bucket b : positive) {
            cumulative += b.count();
            double bound = power(b.index() + 1L, target);
            values.add(new Series(bucket, with(tags, "le", formatFloat(bound)), unsigned(cumulative)));
        }
        values.add(new Series(bucket, with(tags, "le", "+Inf"), unsigned(p.getCount())));
    }

    /**
     * The buckets of {@code buckets} that hold values, ascending, each index shifted right by {@code shift}:
     * at a scale {@code shift} coarser, where {@code 2^shift} neighbours make one bucket, their counts added.
     */
    private static List<Bucket> downscaled(ExponentialHistogramDataPoint.Buckets buckets, int shift)
            throws Rejection {
        int offset = buckets.getOffset();
        int size = buckets.getBucketCountsCount();
        if (size > 0 && (long) offset + size - 1 > Integer.MAX_VALUE) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "exponential histogram buckets from offset "
                    + offset + ", " + size + " of them, pass the largest index " + Integer.MAX_VALUE);
        }
        ArrayList<Bucket> out = new ArrayList<>();
        for (int position = 0; position < size; position++) {
            long count = buckets.getBucketCounts(position);
            if (count == 0) {
                continue;
            }
            int index = (offset + position) >> shift;
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).index() == index) {
                out.set(last, new Bucket(index, out.get(last).count() + count));
            } else {
                out.add(new Bucket(index, count));
            }
        }
        return out;
    }

    /** base^k at {@code scale}, base = 2^(2^-scale), as the double nearest it; refused if 0 or infinite. */
    private double power(long k, int scale) throws Rejection {
        double power;
        if (scale <= 0) {
            // Past ±1100 it is infinite or 0 anyway; clamped so that the int cannot wrap round.
            power = Math.scalb(1.0, (int) Math.max(-1100, Math.min(1100, k << -scale)));
        } else {
            // 2^(k / 2^scale) = 2^q, exact, times 2^(r / 2^scale) in [1, 2); q = floor(k / 2^scale).
            power = Math.scalb(fraction((int) (k & ((1 << scale) - 1)), scale), (int) (k >> scale));
        }
        if (power == 0 || Double.isInfinite(power)) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "exponential histogram bucket bound 2^(" + k
                    + " / 2^" + scale + ") " + (power == 0 ? "underflows" : "overflows") + " a double");
        }
        return power;
    }

    /**
     * 2^(r / 2^scale) for 0 <= r < 2^scale, the double nearest it. Math.pow and StrictMath.pow may be
     * a last digit off (StrictMath's 2^(5/8) is), Math.pow differently from one machine to another,
     * which would make a bound another series there; so it is the product of the roots 2^(2^-i) of
     * r's bits, in 40 digits, rounded once. Kept by scale: there are at most 2^maxExponentialScale.
     */
    private double fraction(int r, int scale) {
        if (fractions == null) {
            fractions = new double[MAX_SCALE + 1][];
        }
        if (fractions[scale] == null) {
            fractions[scale] = new double[1 << scale];
        }
        double[] known = fractions[scale];
        if (known[r] == 0) {
            BigDecimal product = BigDecimal.ONE;
            for (int i = 1; i <= scale; i++) {
                if ((r >> (scale - i) & 1) != 0) {
                    product = product.multiply(ROOTS_OF_TWO[i], ROOT_DIGITS);
                }
            }
            known[r] = product.doubleValue();
        }
        return known[r];
    }

    /** 2^(2^-i) at i, in {@link #ROOT_DIGITS}: far more than a double's 17, so that a product of them rounds right. */
    private static BigDecimal[] rootsOfTwo() {
        BigDecimal[] roots = new BigDecimal[MAX_SCALE + 1];
        roots[0] = BigDecimal.valueOf(2);
        for (int i = 1; i <= MAX_SCALE; i++) {
            roots[i] = roots[i - 1].sqrt(ROOT_DIGITS);
        }
        return roots;
    }

    private static void checkTemporality(AggregationTemporality temporality) throws Rejection {
        if (temporality != AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
                && temporality != AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA) {
            throw new Rejection(RejectReason.WRONG_TYPE, "temporality unspecified: the metric's aggregation_temporality"
                    + " must be cumulative or delta");
        }
    }

    private static void checkFlags(int flags) throws Rejection {
        if ((flags & DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE) != 0) {
            throw new Rejection(RejectReason.NON_FINITE_VALUE,
                    "no recorded value: the series ended (the data point's flags say so)");
        }
    }

    /** An unsigned 64-bit count as a double. */
    private static double unsigned(long count) {
        return count >= 0 ? (double) count : ((count >>> 1) | (count & 1)) * 2.0;
    }

    private long micros(long nanos, RawRecord raw, long ingestedAtMicros) throws Rejection {
        long micros = nanos == 0 ? raw.kafkaTimestampMillis * 1_000L : Long.divideUnsigned(nanos, 1_000L);
        Timestamps.checkRange(micros, ingestedAtMicros, settings);
        return micros;
    }

    /**
     * The tags of a data point of {@code attributes} under {@code resource}, checked; {@code reserved}
     * (le, quantile), the label its series add, may not be one of them.
     */
    private TreeMap<String, String> tags(List<KeyValue> attributes, ResourceContext resource, String reserved)
            throws Rejection {
        TreeMap<String, String> tags = new TreeMap<>();
        for (KeyValue kv : attributes) {
            String value = attributeText(kv);
            if (value.isEmpty()) {
                continue;
            }
            String name = labelName(kv.getKey());
            if (tags.containsKey(name)) {
                throw new Rejection(RejectReason.INVALID_TAG, "attribute " + Texts.quote(kv.getKey())
                        + " and another of the data point both make the label " + Texts.quote(name));
            }
            if (name.equals(BatchChecks.TENANT_TAG) || resource.overriding.containsKey(name)) {
                // Never a tag; and the resource's job and instance win, as in Prometheus. Kept in
                // the map until all are read, so that collisions are still found.
                tags.put(name, "");
                continue;
            }
            if (name.equals(NAME_LABEL) || name.equals(reserved)) {
                throw new Rejection(RejectReason.INVALID_TAG, "attribute " + Texts.quote(kv.getKey())
                        + " makes the label " + Texts.quote(name) + ", which the point's series name sets");
            }
            checkTag(name, value);
            tags.put(name, value);
        }
        tags.values().removeIf(String::isEmpty);
        for (Map.Entry<String, String> e : resource.promoted.entrySet()) {
            tags.putIfAbsent(e.getKey(), e.getValue());
        }
        tags.putAll(resource.overriding);
        if (tags.size() + (reserved == null ? 0 : 1) > settings.maxTags) {
            throw new Rejection(RejectReason.TOO_MANY_TAGS, "more than " + settings.maxTags + " tags");
        }
        return tags;
    }

    private static void checkTag(String name, String value) throws Rejection {
        PointNormalizer.checkTagKey(name);
        BatchChecks.checkTagValue(name, value);
    }

    private static TreeMap<String, String> with(TreeMap<String, String> tags, String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(tags);
        copy.put(key, value);
        return copy;
    }

    /** An attribute's value as text; arrays, key-value lists and bytes are refused. */
    static String attributeText(KeyValue kv) throws Rejection {
        AnyValue v = kv.getValue();
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> v.getBoolValue() ? "true" : "false";
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> formatNumber(v.getDoubleValue());
            case VALUE_NOT_SET -> "";
            default -> throw new Rejection(RejectReason.WRONG_TYPE, "attribute " + Texts.quote(kv.getKey())
                    + " is " + switch (v.getValueCase()) {
                        case ARRAY_VALUE -> "an array";
                        case KVLIST_VALUE -> "a key-value list";
                        default -> "bytes";
                    } + "; Chronicle reads attributes of strings, booleans and numbers only");
        };
    }

    private void add(RawRecord raw, String tenant, String metric, TreeMap<String, String> tags, double value,
            long micros, long ingestedAtMicros) {
        MetricPoint point = new MetricPoint();
        point.tenant = tenant;
        point.metric = metric;
        point.tags = tags;
        point.value = value;
        point.timestampMicros = micros;
        point.seriesId = seriesIds().seriesId(tenant, metric, tags);
        point.provenance = new Provenance(raw.topic, raw.partition, raw.offset, pending.size(), ingestedAtMicros);
        pending.add(Either.Right(point));
    }

    /** One point of the series a histogram or summary data point stands for. */
    private record Series(String metric, TreeMap<String, String> tags, double value) {}

    /** The points of one data point: all of them, or none if one is refused. */
    private void addAll(RawRecord raw, String tenant, List<Series> values, long micros, long ingestedAtMicros)
            throws Rejection {
        for (Series v : values) {
            PointNormalizer.checkValue(v.value());
        }
        for (Series v : values) {
            add(raw, tenant, v.metric(), v.tags(), v.value(), micros, ingestedAtMicros);
        }
    }

    private SeriesIds seriesIds() {
        if (seriesIds == null) {
            seriesIds = new SeriesIds();
        }
        return seriesIds;
    }

    // ---- names ----------------------------------------------------------------------------------

    /** A metric's name as Prometheus translates it, before {@code _bucket}, {@code _count} or {@code _sum}. */
    private String metricName(Metric metric, Kind kind) {
        String name = sanitizeMetricName(metric.getName());
        if (!translation.nameSuffixes()) {
            return name;
        }
        String unit = metric.getUnit();
        int slash = unit.indexOf('/');
        String main = (slash < 0 ? unit : unit.substring(0, slash)).trim();
        String per = slash < 0 ? "" : unit.substring(slash + 1).trim();
        String mainSuffix = main.isEmpty() || main.equals("1") || main.indexOf('{') >= 0 || main.indexOf('}') >= 0
                ? "" : unitName(main, false);
        String perSuffix = per.isEmpty() || per.indexOf('{') >= 0 || per.indexOf('}') >= 0 ? "" : unitName(per, true);
        if (!mainSuffix.isEmpty()) {
            name = suffixed(name, mainSuffix);
        }
        if (!perSuffix.isEmpty()) {
            name = suffixed(name, "per_" + perSuffix);
        }
        if (kind == Kind.COUNTER) {
            name = suffixed(name, "total");
        }
        if (kind == Kind.GAUGE && metric.hasGauge() && unit.equals("1")) {
            name = suffixed(name, "ratio");
        }
        return name;
    }

    private static String suffixed(String name, String suffix) {
        if (name.equals(suffix) || name.endsWith("_" + suffix)) {
            return name;
        }
        return name.endsWith("_") ? name + suffix : name + "_" + suffix;
    }

    static String unitName(String unit, boolean per) {
        String mapped = per ? switch (unit) {
            case "s" -> "second";
            case "m" -> "minute";
            case "h" -> "hour";
            case "d" -> "day";
            case "w" -> "week";
            case "mo" -> "month";
            case "y" -> "year";
            default -> null;
        } : switch (unit) {
            case "d" -> "days";
            case "h" -> "hours";
            case "min" -> "minutes";
            case "s" -> "seconds";
            case "ms" -> "milliseconds";
            case "us" -> "microseconds";
            case "ns" -> "nanoseconds";
            case "By" -> "bytes";
            case "KiBy" -> "kibibytes";
            case "MiBy" -> "mebibytes";
            case "GiBy" -> "gibibytes";
            case "TiBy" -> "tibibytes";
            case "KBy" -> "kilobytes";
            case "MBy" -> "megabytes";
            case "GBy" -> "gigabytes";
            case "TBy" -> "terabytes";
            case "m" -> "meters";
            case "V" -> "volts";
            case "A" -> "amperes";
            case "J" -> "joules";
            case "W" -> "watts";
            case "g" -> "grams";
            case "Cel" -> "celsius";
            case "Hz" -> "hertz";
            case "%" -> "percent";
            default -> null;
        };
        if (mapped != null) {
            return mapped;
        }
        // An unknown unit as its own name, as Prometheus: other characters underscores, none at the ends.
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < unit.length(); i++) {
            char c = unit.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':';
            if (ok) {
                b.append(c);
            } else if (b.length() > 0 && b.charAt(b.length() - 1) != '_') {
                b.append('_');
            }
        }
        while (b.length() > 0 && b.charAt(b.length() - 1) == '_') {
            b.setLength(b.length() - 1);
        }
        return b.toString();
    }

    /** Characters outside {@code [a-zA-Z0-9_:]} underscores, runs of them one, a leading digit after {@code _}. */
    static String sanitizeMetricName(String name) {
        StringBuilder b = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            i += Character.charCount(c);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':';
            if (ok) {
                b.append((char) c);
            } else if (b.length() == 0 || b.charAt(b.length() - 1) != '_') {
                b.append('_');
            }
        }
        if (b.length() > 0 && b.charAt(0) >= '0' && b.charAt(0) <= '9') {
            b.insert(0, '_');
        }
        return b.toString();
    }

    /** An attribute's name as Prometheus' label: characters outside {@code [a-zA-Z0-9_]} underscores, a leading digit after {@code key_}. */
    static String labelName(String key) {
        StringBuilder b = new StringBuilder(key.length() + 4);
        for (int i = 0; i < key.length(); ) {
            int c = key.codePointAt(i);
            i += Character.charCount(c);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            b.append(ok ? (char) c : '_');
        }
        if (b.length() > 0 && b.charAt(0) >= '0' && b.charAt(0) <= '9') {
            b.insert(0, "key_");
        }
        return b.toString();
    }

    /** A bound or quantile as Prometheus writes it ({@code FormatFloat(f, 'f', -1, 64)}): 0.005, 1, 2.5. */
    static String formatFloat(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == 0) {
            return "0";
        }
        return new BigDecimal(Double.toString(value)).stripTrailingZeros().toPlainString();
    }

    /** A double attribute as text: as {@link #formatFloat}, in exponent form for magnitudes below 1e-6 or from 1e21. */
    static String formatNumber(double value) {
        double abs = Math.abs(value);
        if (!Double.isFinite(value) || abs == 0 || (abs >= 1e-6 && abs < 1e21)) {
            return formatFloat(value);
        }
        BigDecimal d = new BigDecimal(Double.toString(value)).stripTrailingZeros();
        String unscaled = d.unscaledValue().abs().toString();
        int exponent = unscaled.length() - 1 - d.scale();
        String digits = unscaled.length() == 1 ? unscaled : unscaled.charAt(0) + "." + unscaled.substring(1);
        return (value < 0 ? "-" : "") + digits + "e" + (exponent < 0 ? "-" : "+") + Math.abs(exponent);
    }

    // ---- payloads -------------------------------------------------------------------------------

    /** The request of {@code metric} whole, the payload of its rejection for {@code e}; null once the budget is passed. */
    private byte[] wholeMetricPayload(RawRecord raw, ResourceMetrics rm, ScopeMetrics sm, Metric metric, Exception e) {
        try {
            return payload(request(rm, sm, metric), BatchChecks.reason(e), BatchChecks.message(e));
        } catch (RuntimeException failure) {
            return budget.take(raw.value.length, e) ? raw.value : null;
        }
    }

    /** The request of {@code metric} with just the data points of {@code group}; null once the budget is passed. */
    private byte[] partPayload(ResourceMetrics rm, ScopeMetrics sm, Metric metric, BatchChecks.Group group,
            RejectReason reason, String message) {
        Metric.Builder part = metric.toBuilder();
        switch (metric.getDataCase()) {
            case GAUGE -> {
                Gauge.Builder gauge = Gauge.newBuilder();
                for (int i = 0; i < group.count(); i++) {
                    gauge.addDataPoints(metric.getGauge().getDataPoints(group.part(i)));
                }
                part.setGauge(gauge);
            }
            case SUM -> {
                var sum = metric.getSum().toBuilder().clearDataPoints();
                for (int i = 0; i < group.count(); i++) {
                    sum.addDataPoints(metric.getSum().getDataPoints(group.part(i)));
                }
                part.setSum(sum);
            }
            case HISTOGRAM -> {
                var histogram = metric.getHistogram().toBuilder().clearDataPoints();
                for (int i = 0; i < group.count(); i++) {
                    histogram.addDataPoints(metric.getHistogram().getDataPoints(group.part(i)));
                }
                part.setHistogram(histogram);
            }
            case EXPONENTIAL_HISTOGRAM -> {
                var histogram = metric.getExponentialHistogram().toBuilder().clearDataPoints();
                for (int i = 0; i < group.count(); i++) {
                    histogram.addDataPoints(metric.getExponentialHistogram().getDataPoints(group.part(i)));
                }
                part.setExponentialHistogram(histogram);
            }
            case SUMMARY -> {
                var summary = metric.getSummary().toBuilder().clearDataPoints();
                for (int i = 0; i < group.count(); i++) {
                    summary.addDataPoints(metric.getSummary().getDataPoints(group.part(i)));
                }
                part.setSummary(summary);
            }
            default -> { }
        }
        return payload(request(rm, sm, part.build()), reason, message);
    }

    private static ExportMetricsServiceRequest request(ResourceMetrics rm, ScopeMetrics sm, Metric metric) {
        return ExportMetricsServiceRequest.newBuilder()
                .addResourceMetrics(ResourceMetrics.newBuilder()
                        .setResource(rm.getResource())
                        .setSchemaUrl(rm.getSchemaUrl())
                        .addScopeMetrics(ScopeMetrics.newBuilder()
                                .setScope(sm.getScope())
                                .setSchemaUrl(sm.getSchemaUrl())
                                .addMetrics(metric)))
                .build();
    }

    /** {@code request} in the record's encoding, once the budget has taken its bytes; null once it is passed. */
    private byte[] payload(ExportMetricsServiceRequest request, RejectReason reason, String message) {
        byte[] bytes = encode(request, encoding);
        return budget.take(bytes.length, reason, message) ? bytes : null;
    }

    static byte[] encode(Message request, Encoding encoding) {
        if (encoding == Encoding.PROTOBUF) {
            return request.toByteArray();
        }
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(request).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
