package io.chronicle.operators.normalize;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.core.rollup.SketchCodec;

import java.io.IOException;
import java.util.TreeMap;

/**
 * Normalizes a JSON metric point:
 * {@code {"metric": "http_requests_total", "tags": {"host": "a"}, "value": 3,
 * "timestamp": 1760000000, "tenant": "acme"}}. Unknown fields are ignored; a tag with an empty
 * value is the same as no tag (as in Prometheus) and is dropped.
 */
public class PointNormalizer extends JsonNormalizer<MetricPoint> {

    private static final long serialVersionUID = 1L;

    static final int MAX_METRIC_NAME_LENGTH = 255;
    static final int MAX_TAG_VALUE_LENGTH = 1024;

    private transient SeriesIds seriesIds;

    public PointNormalizer(NormalizerSettings settings) {
        super(settings, true);
    }

    private PointNormalizer(NormalizerSettings settings, boolean readsBytes) {
        super(settings, readsBytes);
    }

    /** The same normalizer with every payload through Jackson's path, as before the byte reader. */
    public static PointNormalizer jacksonPath(NormalizerSettings settings) {
        return new PointNormalizer(settings, false);
    }

    @Override
    JsonBytes<MetricPoint> byteReader() {
        return new PointBytes(settings);
    }

    @Override
    protected MetricPoint readObject(JsonParser parser, RawRecord raw, String headerTenant, long ingestedAtMicros)
            throws IOException, Rejection {
        String metric = null;
        String tenant = null;
        TreeMap<String, String> tags = new TreeMap<>();
        boolean hasValue = false;
        double value = 0;
        boolean hasTimestamp = false;
        long timestampMicros = 0;
        int seen = 0;
        int emptyTags = 0;

        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            int bit = fieldBit(field);
            if ((seen & bit) != 0) {
                throw duplicate(field);
            }
            seen |= bit;
            switch (field) {
                case "metric":
                    metric = checkMetricName(readString(parser, "metric"));
                    break;
                case "tags":
                    emptyTags = readTags(parser, tags);
                    break;
                case "value":
                    value = readValue(parser);
                    hasValue = true;
                    break;
                case "timestamp":
                    if (parser.currentToken() != JsonToken.VALUE_NULL) {
                        timestampMicros = readTimestamp(parser, ingestedAtMicros);
                        hasTimestamp = true;
                    }
                    break;
                case "tenant":
                    tenant = readPayloadTenant(parser);
                    break;
                default:
                    parser.skipChildren();
            }
        }
        if (metric == null) {
            throw missing("metric");
        }
        if (!hasValue) {
            throw missing("value");
        }
        if (!hasTimestamp) {
            timestampMicros = kafkaTimestampMicros(raw);
            Timestamps.checkRange(timestampMicros, ingestedAtMicros, settings);
        }

        if (emptyTags > 0) {
            tags.values().removeIf(String::isEmpty);
        }
        MetricPoint point = new MetricPoint();
        point.tenant = resolveTenant(tenant, headerTenant);
        point.metric = metric;
        point.tags = tags;
        point.value = value;
        point.timestampMicros = timestampMicros;
        point.seriesId = seriesIds().seriesId(point.tenant, metric, tags);
        point.provenance = new Provenance(raw.topic, raw.partition, raw.offset, ingestedAtMicros);
        return point;
    }

    private SeriesIds seriesIds() {
        if (seriesIds == null) {
            seriesIds = new SeriesIds();
        }
        return seriesIds;
    }

    private static double readValue(JsonParser parser) throws IOException, Rejection {
        JsonToken token = parser.currentToken();
        if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
            throw wrongType("value", "a number", parser);
        }
        return checkValue(parser.getDoubleValue());
    }

    /** {@code value} if a point may hold it, whatever format it came in; refused otherwise. */
    static double checkValue(double value) throws Rejection {
        if (!Double.isFinite(value)) {
            throw new Rejection(RejectReason.NON_FINITE_VALUE, "value " + value + " is not finite");
        }
        // Every accepted value must fold into every rollup it feeds: its window would otherwise
        // fail to be written, from checkpointed state, on every restart.
        if (!SketchCodec.holds(value)) {
            throw new Rejection(RejectReason.VALUE_OUT_OF_RANGE, "value " + value
                    + " is beyond the range the rollups hold: magnitudes up to " + SketchCodec.MAX_MAGNITUDE);
        }
        return value;
    }

    /** Reads the tags into {@code tags}, empty values too; returns how many are empty. */
    private int readTags(JsonParser parser, TreeMap<String, String> tags)
            throws IOException, Rejection {
        int empty = 0;
        if (parser.currentToken() == JsonToken.VALUE_NULL) {
            return empty;
        }
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw wrongType("tags", "an object of strings", parser);
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            parser.nextToken();
            if (parser.currentToken() != JsonToken.VALUE_STRING) {
                throw wrongType("tags." + key, "a string", parser);
            }
            checkTagKey(key);
            String value = parser.getText();
            if (value.length() > MAX_TAG_VALUE_LENGTH) {
                throw new Rejection(
                        RejectReason.INVALID_TAG,
                        "value of tag '" + key + "' is longer than " + MAX_TAG_VALUE_LENGTH);
            }
            int invalid = Texts.invalidAt(value, true);
            if (invalid >= 0) {
                throw new Rejection(RejectReason.INVALID_TAG,
                        "value of tag '" + key + "' holds " + Texts.describe(value, invalid));
            }
            // An empty value drops the tag, but still takes its key.
            if (tags.put(key, value) != null) {
                throw duplicate("tags." + key);
            }
            if (value.isEmpty()) {
                empty++;
            }
            if (tags.size() - empty > settings.maxTags) {
                throw new Rejection(
                        RejectReason.TOO_MANY_TAGS, "more than " + settings.maxTags + " tags");
            }
        }
        return empty;
    }

    /**
     * Prometheus metric names: {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, other than the health series'
     * names, which only Chronicle writes.
     */
    static String checkMetricName(String name) throws Rejection {
        boolean ok = !name.isEmpty() && name.length() <= MAX_METRIC_NAME_LENGTH;
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'
                    || (i > 0 && c >= '0' && c <= '9');
        }
        if (!ok) {
            throw new Rejection(
                    RejectReason.INVALID_METRIC_NAME,
                    "metric name " + Texts.quote(name) + " must match"
                            + " [a-zA-Z_:][a-zA-Z0-9_:]* and be at most "
                            + MAX_METRIC_NAME_LENGTH + " characters");
        }
        if (HealthRules.METRICS.contains(name)) {
            throw new Rejection(RejectReason.RESERVED_METRIC_NAME,
                    "metric name '" + name + "' is reserved for Chronicle's own health series");
        }
        return name;
    }

    @Override
    protected boolean findsOwnDuplicates() {
        return true;
    }

    /** Each field read has a bit of its own, so a repeat is found without a set of names. */
    private static int fieldBit(String field) {
        return switch (field) {
            case "metric" -> 1;
            case "tags" -> 2;
            case "value" -> 4;
            case "timestamp" -> 8;
            case "tenant" -> 16;
            default -> 0;
        };
    }

    /** Prometheus label names: {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
    static void checkTagKey(String key) throws Rejection {
        boolean ok = !key.isEmpty() && key.length() <= MAX_IDENTIFIER_LENGTH;
        for (int i = 0; ok && i < key.length(); i++) {
            char c = key.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
                    || (i > 0 && c >= '0' && c <= '9');
        }
        if (!ok) {
            throw new Rejection(
                    RejectReason.INVALID_TAG,
                    "tag name " + Texts.quote(key) + " must match [a-zA-Z_][a-zA-Z0-9_]*");
        }
    }
}
