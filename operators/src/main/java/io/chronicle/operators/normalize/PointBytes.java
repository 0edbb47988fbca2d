package io.chronicle.operators.normalize;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.SortedTags;
import io.chronicle.core.rollup.SketchCodec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a JSON metric point straight from its UTF-8 bytes (with {@link JsonBytes}' tokens): no
 * token stream, no string per field name, no separate pass for the encoding. Field names are
 * matched as bytes, strings are checked as strict UTF-8 while they are scanned and decoded only for
 * the values kept, the tags are sorted as offsets into the payload and the series id is hashed from
 * those bytes.
 *
 * <p>It takes the usual shape of a point and nothing else, and what it accepts it checks with
 * {@link PointNormalizer}'s own checks on the same strings, so a point it returns equals the one
 * the Jackson path reads. Anything unusual (an escape, a nested unknown field, an integer beyond a
 * long, a byte order mark) and anything either path would refuse makes {@link #read} return null,
 * and the Jackson path decides with its exact reason and message: a refused record costs both
 * readers, an accepted one only this.
 */
final class PointBytes extends JsonBytes<MetricPoint> {

    // The fields' bits, as PointNormalizer.fieldBit numbers them.
    private static final int METRIC = 1;
    private static final int TAGS = 2;
    private static final int VALUE = 4;
    private static final int TIMESTAMP = 8;
    private static final int TENANT = 16;
    private static final byte[] METRIC_NAME = ascii("metric");
    private static final byte[] TAGS_NAME = ascii("tags");
    private static final byte[] VALUE_NAME = ascii("value");
    private static final byte[] TIMESTAMP_NAME = ascii("timestamp");
    private static final byte[] TENANT_NAME = ascii("tenant");
    private static final int MAX_TENANTS_KEPT = 1024;

    private final SeriesIds seriesIds = new SeriesIds();

    // The tags read so far, sorted by key (String order, which TreeMap and the series id use).
    private String[] keys = new String[8];
    private String[] values = new String[8];
    private int[] tagBytes = new int[4 * 8];
    private int tagCount;
    private int emptyTags;

    // The tenant hashed last and its UTF-8: a tenant resolved again is the same instance.
    private String hashedTenant;
    private byte[] hashedTenantUtf8;
    // The UTF-8 of the tenants seen, for points of several tenants interleaved; bounded, as tenants
    // from headers are not checked against a list unless the allowlist is set.
    private final Map<String, byte[]> tenantsUtf8 = new HashMap<>();

    // Texts that passed their checks.
    private final TextCache metrics = new TextCache(64);
    private final TextCache tagKeys = new TextCache(256);
    private final TextCache tagValues = new TextCache(4096);

    PointBytes(NormalizerSettings settings) {
        super(settings);
    }

    @Override
    MetricPoint readRecord(RawRecord raw, String headerTenant, long ingestedAtMicros) throws Defer, Rejection {
        tagCount = 0;
        emptyTags = 0;
        int metricAt = 0;
        String metric = null;
        String payloadTenant = null;
        double value = 0;
        boolean hasTimestamp = false;
        long timestampMicros = 0;
        int seen = 0;

        skipWhitespace();
        expect('{');
        skipWhitespace();
        if (peek() == '}') {
            throw DEFER; // no metric: refused
        }
        do {
            skipWhitespace();
            scanString();
            int bit = fieldBit();
            skipWhitespace();
            expect(':');
            skipWhitespace();
            if ((seen & bit) != 0) {
                throw DEFER;
            }
            seen |= bit;
            switch (bit) {
                case METRIC -> {
                    metric = readMetric();
                    metricAt = stringAt;
                }
                case TAGS -> readTags();
                case VALUE -> value = readValue();
                case TIMESTAMP -> {
                    if (!skipLiteral(NULL)) {
                        timestampMicros = readTimestamp();
                        Timestamps.checkRange(timestampMicros, ingestedAtMicros, settings);
                        hasTimestamp = true;
                    }
                }
                case TENANT -> payloadTenant = readTenant();
                default -> skipValue();
            }
            skipWhitespace();
        } while (skip(','));
        expect('}');
        skipWhitespace();
        if (pos != in.length || metric == null || (seen & VALUE) == 0) {
            throw DEFER;
        }
        if (!hasTimestamp) {
            timestampMicros = JsonNormalizer.kafkaTimestampMicros(raw);
            Timestamps.checkRange(timestampMicros, ingestedAtMicros, settings);
        }

        MetricPoint point = new MetricPoint();
        point.tenant = resolveTenant(payloadTenant, headerTenant);
        point.metric = metric;
        point.tags = tagMap();
        point.value = value;
        point.timestampMicros = timestampMicros;
        point.seriesId = seriesId(point.tenant, metricAt, metric.length());
        point.provenance = new Provenance(raw.topic, raw.partition, raw.offset, ingestedAtMicros);
        return point;
    }

    /** The bit of the field name scanned last (any escape has deferred): 0 for one not read. */
    private int fieldBit() {
        return switch (stringLength) {
            case 4 -> matches(TAGS_NAME) ? TAGS : 0;
            case 5 -> matches(VALUE_NAME) ? VALUE : 0;
            case 6 -> matches(METRIC_NAME) ? METRIC : matches(TENANT_NAME) ? TENANT : 0;
            case 9 -> matches(TIMESTAMP_NAME) ? TIMESTAMP : 0;
            default -> 0;
        };
    }

    /** A field the point does not read holds a string, number or literal; nested values defer. */
    @Override
    void skipValue() throws Defer {
        skipScalar();
    }

    // ---- the fields --------------------------------------------------------------------------

    private String readMetric() throws Defer, Rejection {
        expectString();
        return cached(metrics, PointNormalizer::checkMetricName);
    }

    /** The value as Jackson's getDoubleValue gives it, checked as PointNormalizer checks it. */
    private double readValue() throws Defer {
        scanNumber();
        // An integer token is a long to Jackson, so -0 is 0.0, not -0.0 as parseDouble reads it.
        double value = numberIntegral ? (double) integerValue() : doubleValue();
        if (!Double.isFinite(value) || !SketchCodec.holds(value)) {
            throw DEFER;
        }
        return value;
    }

    private void readTags() throws Defer, Rejection {
        if (skipLiteral(NULL)) {
            return;
        }
        expect('{');
        skipWhitespace();
        if (skip('}')) {
            return;
        }
        do {
            skipWhitespace();
            expectString();
            String key = cached(tagKeys, PointBytes::checkedTagKey);
            int keyAt = stringAt;
            skipWhitespace();
            expect(':');
            skipWhitespace();
            expectString();
            String value = cached(tagValues, PointBytes::checkedTagValue);
            addTag(key, keyAt, value, stringAt, stringLength);
            if (value.isEmpty()) {
                emptyTags++;
            }
            if (tagCount - emptyTags > settings.maxTags) {
                throw DEFER;
            }
            skipWhitespace();
        } while (skip(','));
        expect('}');
    }

    private static String checkedTagKey(String key) throws Rejection {
        PointNormalizer.checkTagKey(key);
        return key;
    }

    /** PointNormalizer's checks of a tag's value; those it would refuse defer. */
    private static String checkedTagValue(String value) throws Defer {
        if (value.length() > PointNormalizer.MAX_TAG_VALUE_LENGTH || Texts.invalidAt(value, true) >= 0) {
            throw DEFER;
        }
        return value;
    }

    /** Inserts a tag in key order (few tags: insertion beats sorting); a repeated key defers. */
    private void addTag(String key, int keyAt, String value, int valueAt, int valueLength) throws Defer {
        if (tagCount == keys.length) {
            keys = Arrays.copyOf(keys, tagCount * 2);
            values = Arrays.copyOf(values, tagCount * 2);
            tagBytes = Arrays.copyOf(tagBytes, tagCount * 8);
        }
        int i = tagCount;
        while (i > 0) {
            int order = keys[i - 1].compareTo(key);
            if (order == 0) {
                throw DEFER;
            }
            if (order < 0) {
                break;
            }
            keys[i] = keys[i - 1];
            values[i] = values[i - 1];
            System.arraycopy(tagBytes, 4 * (i - 1), tagBytes, 4 * i, 4);
            i--;
        }
        keys[i] = key;
        values[i] = value;
        tagBytes[4 * i] = keyAt;
        tagBytes[4 * i + 1] = key.length(); // tag keys are ASCII: as many bytes as characters
        tagBytes[4 * i + 2] = valueAt;
        tagBytes[4 * i + 3] = valueLength;
        tagCount++;
    }

    /** The tags without the empty ones, which only took their keys. */
    private SortedTags tagMap() {
        if (emptyTags > 0) {
            int kept = 0;
            for (int i = 0; i < tagCount; i++) {
                if (!values[i].isEmpty()) {
                    keys[kept] = keys[i];
                    values[kept] = values[i];
                    kept++;
                }
            }
            return SortedTags.ofSorted(keys, values, kept);
        }
        return SortedTags.ofSorted(keys, values, tagCount);
    }

    /** {@link SeriesIds#seriesId} of the point, from the payload's bytes (the metric is ASCII). */
    private long seriesId(String tenant, int metricAt, int metricLength) {
        if (tenant != hashedTenant) {
            byte[] utf8 = tenantsUtf8.get(tenant);
            if (utf8 == null) {
                if (tenantsUtf8.size() >= MAX_TENANTS_KEPT) {
                    tenantsUtf8.clear();
                }
                utf8 = tenant.getBytes(StandardCharsets.UTF_8);
                tenantsUtf8.put(tenant, utf8);
            }
            hashedTenantUtf8 = utf8;
            hashedTenant = tenant;
        }
        seriesIds.begin();
        seriesIds.append(hashedTenantUtf8, 0, hashedTenantUtf8.length);
        seriesIds.append(in, metricAt, metricLength);
        for (int i = 0; i < tagCount; i++) {
            if (tagBytes[4 * i + 3] > 0) {
                seriesIds.append(in, tagBytes[4 * i], tagBytes[4 * i + 1]);
                seriesIds.append(in, tagBytes[4 * i + 2], tagBytes[4 * i + 3]);
            }
        }
        return seriesIds.hash();
    }
}
