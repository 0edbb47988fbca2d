package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleOptions.InfluxPrecision;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.rollup.SketchCodec;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.TreeMap;

/**
 * Decodes a record of InfluxDB line protocol, as Telegraf's Kafka output writes it
 * ({@code data_format = "influx"}): lines of
 * {@code measurement[,tag=value...] field=value[,field=value...] [timestamp]}, each numeric field
 * one point. Points are named as Telegraf's own Prometheus output names them
 * ({@code measurement_field}, the field {@code value} the measurement alone, every character
 * outside the Prometheus alphabet an underscore) and then pass the checks of Chronicle's JSON
 * points. A bad line is refused whole; the bad fields of a line are refused apart from its good
 * ones, those of one reason together: one rejection whose payload is the line with just those
 * fields, so that it can be produced again and so that bad fields cost at most a few copies of
 * their line however many they are. The rest of the record is kept. Yet many lines of long tags,
 * each with bad fields of a few reasons, would still make a few copies of the record: the payloads
 * of a record's refused parts may take at most twice its bytes and 64 KiB
 * ({@link BatchChecks.Budget}), so the record's outputs are held until it is decoded, and past
 * that budget the record is refused whole instead, its value as received, for the reason of its
 * first refused part, none of its points emitted (they are in that payload).
 */
public final class InfluxLineDecoder implements RecordDecoder<MetricPoint> {

    private static final long serialVersionUID = 1L;

    private final NormalizerSettings settings;
    private final InfluxPrecision precision;

    private transient Line line;
    private transient SeriesIds seriesIds;
    private transient CharsetDecoder utf8;
    /**
     * The outputs of the record being decoded: emitted only once it is decoded, so that a failure
     * midway leaves none and a record past its {@link #budget} is refused whole instead.
     */
    private transient List<Either<RejectedRecord, MetricPoint>> pending;
    /** The refused fields of the line being decoded, by reason. */
    private transient BatchChecks.RefusedParts refused;
    /** The bytes the payloads of the record's refused parts may still take. */
    private transient BatchChecks.Budget budget;

    public InfluxLineDecoder(NormalizerSettings settings, InfluxPrecision precision) {
        this.settings = settings;
        this.precision = precision;
    }

    @Override
    public void decode(RawRecord raw, long ingestedAtMicros, Collector<Either<RejectedRecord, MetricPoint>> out) {
        // The checks of the whole record are JsonNormalizer.normalize's, with its reasons and messages.
        String headerTenant;
        String recordTenant = null;
        try {
            headerTenant = settings.tenants.header(raw);
            if (!settings.tenants.readsPayload()) {
                // The header settles the tenant of every line: one that may not write is refused unread.
                recordTenant = settings.tenants.resolve(null, headerTenant);
            }
            BatchChecks.checkValue(raw, settings);
        } catch (Rejection | RuntimeException e) {
            out.collect(Either.Left(BatchChecks.ofRecord(raw, e, settings, ingestedAtMicros)));
            return;
        }
        if (line == null) {
            line = new Line();
            pending = new ArrayList<>();
            refused = new BatchChecks.RefusedParts();
            budget = new BatchChecks.Budget();
        }
        byte[] value = raw.value;
        List<Either<RejectedRecord, MetricPoint>> pending = this.pending;
        BatchChecks.Budget budget = this.budget;
        pending.clear();
        budget.reset(value.length);
        for (int from = 0; from < value.length && !budget.passed(); ) {
            int next = indexOf(value, (byte) '\n', from);
            // A line break may be CRLF; a '\r' elsewhere is the line's own.
            int to = next < value.length && next > from && value[next - 1] == '\r' ? next - 1 : next;
            int first = from;
            while (first < to && value[first] == ' ') {
                first++;
            }
            if (first < to && value[first] != '#') {
                int lineStart = pending.size();
                budget.mark();
                line.tenant = recordTenant;
                try {
                    decodeLine(raw, first, to, ingestedAtMicros, headerTenant);
                } catch (Rejection | RuntimeException e) {
                    pending.subList(lineStart, pending.size()).clear();
                    budget.rollback();
                    // Refused before its tenant was known: the tenant a refused record gets.
                    String tenant = line.tenant != null ? line.tenant : settings.tenants.ofRejected(raw);
                    if (budget.take(to - from, e)) {
                        pending.add(Either.Left(BatchChecks.ofPart(raw, lineStart,
                                Arrays.copyOfRange(value, from, to), e, tenant, ingestedAtMicros)));
                    }
                }
            }
            from = next + 1;
        }
        // Emitted outside the try, once the whole record is decoded: a failure downstream is no
        // line's, and a record whose refused parts would take more than the budget is refused whole.
        if (BatchChecks.emit(pending, budget, raw, settings, ingestedAtMicros,
                () -> "record holds no line of line protocol, only blank lines and comments", out)) {
            this.pending = new ArrayList<>();
        }
    }

    /**
     * Decodes the line {@code raw.value[start, end)} (its first byte not a space) into
     * {@link #pending}, numbered on from what it holds: a point per good field, in their order,
     * then a rejection per reason its bad fields are refused for, in the order the reasons first
     * occur, as long as the {@link #budget} holds their payloads; or a Rejection of the whole
     * line. Sets {@code line.tenant} once the line's tenant is known.
     */
    private void decodeLine(RawRecord raw, int start, int end, long ingestedAtMicros,
            String headerTenant) throws Rejection {
        byte[] value = raw.value;
        boolean ascii = true;
        for (int i = start; i < end; i++) {
            byte b = value[i];
            if (b == 0) {
                throw malformed("the line holds a NUL byte");
            }
            ascii &= b >= 0;
        }
        if (!ascii && !isUtf8(value, start, end)) {
            throw new Rejection(RejectReason.INVALID_UTF8, "the line is not valid UTF-8");
        }
        Line line = this.line;
        line.parse(value, start, end);

        // The tenant first, so that the line's other refusals can name it.
        int tags = line.tagKeys.size();
        int tenantTag = -1;
        HashSet<String> seen = line.seen;
        seen.clear();
        for (int i = 0; i < tags; i++) {
            String key = line.tagKeys.get(i);
            if (!seen.add(key)) {
                throw new Rejection(RejectReason.INVALID_TAG, "tag " + Texts.quote(key) + " is given twice");
            }
            if (key.equals(BatchChecks.TENANT_TAG)) {
                tenantTag = i;
            }
        }
        if (line.tenant == null) {
            line.tenant = settings.tenants.resolve(
                    tenantTag < 0 ? null : line.tagValues.get(tenantTag), headerTenant);
        }
        String tenant = line.tenant;

        long micros = line.timestampStart < 0 ? raw.kafkaTimestampMillis * 1_000L : timestampMicros(line);
        Timestamps.checkRange(micros, ingestedAtMicros, settings);

        int kept = tenantTag < 0 ? tags : tags - 1;
        if (kept > settings.maxTags) {
            throw new Rejection(RejectReason.TOO_MANY_TAGS, "more than " + settings.maxTags + " tags");
        }
        TreeMap<String, String> tagMap = new TreeMap<>();
        for (int i = 0; i < tags; i++) {
            if (i != tenantTag) {
                putTag(line, i, tagMap);
            }
        }

        BatchChecks.RefusedParts refused = this.refused;
        refused.clear();
        boolean firstPoint = true;
        for (int f = 0; f < line.fields; f++) {
            try {
                // Each point owns its map: downstream may keep or change one without the others seeing it.
                TreeMap<String, String> pointTags = firstPoint ? tagMap : new TreeMap<>(tagMap);
                pending.add(Either.Right(point(raw, line, f, tenant, pointTags, micros, pending.size(),
                        ingestedAtMicros)));
                firstPoint = false;
            } catch (Rejection r) {
                refused.add(f, r);
            }
        }
        for (int g = 0; g < refused.size(); g++) {
            BatchChecks.Group group = refused.get(g);
            String message = group.message("field", "fields", "line");
            // Counted before it is built: past the budget, no more payloads are.
            if (!budget.take(line.fieldsLineLength(group), group.reason, message)) {
                return;
            }
            pending.add(Either.Left(RejectedRecord.ofPart(raw, pending.size(), line.fieldsLine(group),
                    group.reason, message, tenant, ingestedAtMicros)));
        }
    }

    private long timestampMicros(Line line) throws Rejection {
        long timestamp = parseSigned(line.bytes, line.timestampStart, line.timestampEnd, line.timestampEnd,
                RejectReason.INVALID_TIMESTAMP, "timestamp");
        try {
            return precision.toMicros(timestamp);
        } catch (ArithmeticException e) {
            throw new Rejection(RejectReason.INVALID_TIMESTAMP,
                    "timestamp " + timestamp + " " + precision + " is out of range");
        }
    }

    /** The tag {@code i} of the line, named as Telegraf names labels, checked as JSON points' tags are. */
    private static void putTag(Line line, int i, TreeMap<String, String> tags) throws Rejection {
        String raw = line.tagKeys.get(i);
        String key = sanitize(raw, false);
        PointNormalizer.checkTagKey(key);
        String value = line.tagValues.get(i);
        BatchChecks.checkTagValue(key, value);
        if (tags.put(key, value) != null) {
            // Keys given twice are refused before: this is another key sanitized to the same name.
            String other = raw;
            for (int j = 0; j < i; j++) {
                if (sanitize(line.tagKeys.get(j), false).equals(key)) {
                    other = line.tagKeys.get(j);
                    break;
                }
            }
            throw new Rejection(RejectReason.INVALID_TAG, "tags " + Texts.quote(other) + " and "
                    + Texts.quote(raw) + " are both named '" + key + "' in Prometheus");
        }
    }

    private MetricPoint point(RawRecord raw, Line line, int f, String tenant, TreeMap<String, String> tags,
            long micros, int index, long ingestedAtMicros) throws Rejection {
        String field = line.fieldKeys[f];
        if (line.fieldIsString[f]) {
            throw new Rejection(RejectReason.WRONG_TYPE, "field " + Texts.quote(field)
                    + " is a string; Chronicle keeps numbers (floats, integers and booleans) only");
        }
        String metric = PointNormalizer.checkMetricName(metricName(line.measurement, field));
        double value = line.fieldValues[f];
        if (!Double.isFinite(value)) {
            throw new Rejection(RejectReason.NON_FINITE_VALUE,
                    "value " + value + " of field " + Texts.quote(field) + " is not finite");
        }
        // As PointNormalizer.readValue: an accepted value must fold into every rollup it feeds.
        if (!SketchCodec.holds(value)) {
            throw new Rejection(RejectReason.VALUE_OUT_OF_RANGE, "value " + value + " of field "
                    + Texts.quote(field) + " is beyond the range the rollups hold: magnitudes up to "
                    + SketchCodec.MAX_MAGNITUDE);
        }
        MetricPoint point = new MetricPoint();
        point.tenant = tenant;
        point.metric = metric;
        point.tags = tags;
        point.value = value;
        point.timestampMicros = micros;
        point.seriesId = seriesIds().seriesId(tenant, metric, tags);
        point.provenance = new Provenance(raw.topic, raw.partition, raw.offset, index, ingestedAtMicros);
        return point;
    }

    private SeriesIds seriesIds() {
        if (seriesIds == null) {
            seriesIds = new SeriesIds();
        }
        return seriesIds;
    }

    /** Strict UTF-8, as JsonNormalizer checks it; only lines with bytes beyond ASCII get here. */
    private boolean isUtf8(byte[] bytes, int from, int to) {
        if (utf8 == null) {
            utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
        }
        try {
            utf8.decode(ByteBuffer.wrap(bytes, from, to - from));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    // ---- names ----------------------------------------------------------------------------------

    /**
     * The Prometheus name Telegraf's Prometheus output gives a field: {@code measurement_field},
     * or the measurement alone for the field {@code value}.
     */
    static String metricName(String measurement, String field) {
        return sanitize(field.equals("value") ? measurement : measurement + "_" + field, true);
    }

    /**
     * {@code name} in the alphabet of Prometheus metric names ({@code colons}) or label names, as
     * Telegraf makes it: each character outside it an underscore, and an underscore before a
     * leading digit.
     */
    static String sanitize(String name, boolean colons) {
        boolean valid = !name.isEmpty() && !isDigit(name.charAt(0));
        for (int i = 0; valid && i < name.length(); i++) {
            valid = inAlphabet(name.charAt(i), colons);
        }
        if (valid) {
            return name;
        }
        StringBuilder out = new StringBuilder(name.length() + 1);
        if (!name.isEmpty() && isDigit(name.charAt(0))) {
            out.append('_');
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            // One underscore per character, as Telegraf replaces runes, not UTF-16 units.
            out.append(c < 0x80 && inAlphabet((char) c, colons) ? (char) c : '_');
            i += Character.charCount(c);
        }
        return out.toString();
    }

    private static boolean inAlphabet(char c, boolean colons) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_' || (colons && c == ':');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    // ---- syntax ---------------------------------------------------------------------------------

    private static Rejection malformed(String message) {
        return new Rejection(RejectReason.MALFORMED_LINE, message);
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return bytes.length;
    }

    /** Whether {@code bytes[from, to)} is a signed decimal integer: {@code -?[0-9]+}. */
    private static boolean isInteger(byte[] bytes, int from, int to) {
        int digitsAt = from < to && bytes[from] == '-' ? from + 1 : from;
        return digitsAt < to && skipDigits(bytes, digitsAt, to) == to;
    }

    /**
     * The signed 64-bit decimal {@code bytes[from, to)}, which {@link #isInteger} holds;
     * {@code overflow} if it is beyond the range. {@code token} ends where {@code bytes} quotes end.
     */
    private static long parseSigned(byte[] bytes, int from, int to, int token, RejectReason overflow,
            String what) throws Rejection {
        boolean negative = bytes[from] == '-';
        // Accumulated negative, whose range holds Long.MIN_VALUE.
        long value = 0;
        for (int i = negative ? from + 1 : from; i < to; i++) {
            int digit = bytes[i] - '0';
            if (value < Long.MIN_VALUE / 10 || (value == Long.MIN_VALUE / 10 && digit > 8)
                    || (!negative && value == Long.MIN_VALUE / 10 && digit > 7)) {
                throw new Rejection(overflow, what + " " + quote(bytes, from, token)
                        + " is beyond the signed 64-bit range");
            }
            value = value * 10 - digit;
        }
        return negative ? value : -value;
    }

    /** {@code bytes[from, to)} as an unsigned 64-bit decimal, as a double (rounded to nearest). */
    private static double parseUnsigned(byte[] bytes, int from, int to, String what) throws Rejection {
        if (from == to || skipDigits(bytes, from, to) != to) {
            throw malformed(what + " " + quote(bytes, from, to + 1) + " is not an unsigned integer");
        }
        final long maxOverTen = Long.divideUnsigned(-1L, 10);
        long value = 0;
        for (int i = from; i < to; i++) {
            int digit = bytes[i] - '0';
            if (Long.compareUnsigned(value, maxOverTen) > 0 || (value == maxOverTen && digit > 5)) {
                throw malformed(what + " " + quote(bytes, from, to + 1) + " is beyond the unsigned 64-bit range");
            }
            value = value * 10 + digit;
        }
        if (value >= 0) {
            return value;
        }
        // Halved with the dropped bit kept as a sticky bit, so the double rounds as Go's float64(uint64).
        return (double) ((value >>> 1) | (value & 1)) * 2.0;
    }

    /** Whether {@code bytes[from, to)} is a float: {@code [+-]?(digits(.digits?)?|.digits)([eE][+-]?digits)?}. */
    private static boolean isFloat(byte[] bytes, int from, int to) {
        int i = from;
        if (i < to && (bytes[i] == '+' || bytes[i] == '-')) {
            i++;
        }
        int digitsAt = i;
        i = skipDigits(bytes, i, to);
        int digits = i - digitsAt;
        if (i < to && bytes[i] == '.') {
            int fractionAt = ++i;
            i = skipDigits(bytes, i, to);
            digits += i - fractionAt;
        }
        if (digits == 0) {
            return false;
        }
        if (i < to && (bytes[i] == 'e' || bytes[i] == 'E')) {
            i++;
            if (i < to && (bytes[i] == '+' || bytes[i] == '-')) {
                i++;
            }
            int exponentAt = i;
            i = skipDigits(bytes, i, to);
            if (i == exponentAt) {
                return false;
            }
        }
        return i == to;
    }

    private static int skipDigits(byte[] bytes, int i, int to) {
        while (i < to && bytes[i] >= '0' && bytes[i] <= '9') {
            i++;
        }
        return i;
    }

    /** Whether {@code bytes[from, to)} is exactly {@code word} (ASCII). */
    private static boolean is(byte[] bytes, int from, int to, String word) {
        if (to - from != word.length()) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (bytes[from + i] != word.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String quote(byte[] bytes, int from, int to) {
        return Texts.quote(new String(bytes, from, to - from, StandardCharsets.UTF_8));
    }

    /**
     * One line's syntax, read from its bytes: its delimiters are all ASCII, which no byte of a
     * multi-byte UTF-8 character is, and it has been checked as UTF-8 before. Kept across lines
     * so that reading one allocates only its names.
     */
    private static final class Line {
        byte[] bytes;
        /** The first byte of the measurement. */
        int start;
        /** The end of the line, before its line break. */
        int end;
        /** The end of the measurement and tags. */
        int seriesEnd;
        String measurement;
        final ArrayList<String> tagKeys = new ArrayList<>();
        final ArrayList<String> tagValues = new ArrayList<>();
        int fields;
        int[] fieldStart = new int[8];
        int[] fieldEnd = new int[8];
        String[] fieldKeys = new String[8];
        boolean[] fieldIsString = new boolean[8];
        double[] fieldValues = new double[8];
        /** -1 when the line has no timestamp. */
        int timestampStart;
        int timestampEnd;
        /** The line's tenant, once resolved; null until then. */
        String tenant;
        final HashSet<String> seen = new HashSet<>();

        private byte[] scratch = new byte[256];
        private int pos;

        /** Reads {@code bytes[start, end)}; a malformed line is refused. */
        void parse(byte[] bytes, int start, int end) throws Rejection {
            this.bytes = bytes;
            this.start = start;
            this.end = end;
            pos = start;
            tagKeys.clear();
            tagValues.clear();
            fields = 0;
            timestampStart = -1;
            if (scratch.length < end - start) {
                scratch = new byte[Math.max(end - start, scratch.length * 2)];
            }

            measurement = readName(true);
            if (measurement.isEmpty()) {
                throw malformed("the line has no measurement");
            }
            while (pos < end && bytes[pos] == ',') {
                pos++;
                String key = readName(false);
                if (key.isEmpty()) {
                    throw malformed("a tag of " + Texts.quote(measurement) + " has an empty key");
                }
                if (pos == end || bytes[pos] != '=') {
                    throw malformed("tag " + Texts.quote(key) + " has no value");
                }
                pos++;
                String value = readName(false);
                if (value.isEmpty()) {
                    throw malformed("tag " + Texts.quote(key) + " has an empty value");
                }
                if (pos < end && bytes[pos] == '=') {
                    throw malformed("the value of tag " + Texts.quote(key) + " holds an unescaped '='");
                }
                tagKeys.add(key);
                tagValues.add(value);
            }
            seriesEnd = pos;
            skipSpaces();
            if (pos == end) {
                throw malformed("the line has no fields");
            }

            seen.clear();
            while (true) {
                int from = pos;
                String key = readName(false);
                if (key.isEmpty()) {
                    throw malformed("a field of " + Texts.quote(measurement) + " has an empty key");
                }
                if (pos == end || bytes[pos] != '=') {
                    throw malformed("field " + Texts.quote(key) + " has no value");
                }
                if (!seen.add(key)) {
                    throw malformed("field " + Texts.quote(key) + " is given twice");
                }
                pos++;
                readField(from, key);
                if (pos < end && bytes[pos] == ',') {
                    pos++;
                } else {
                    break;
                }
            }

            skipSpaces();
            if (pos < end) {
                timestampStart = pos;
                while (pos < end && bytes[pos] != ' ') {
                    pos++;
                }
                timestampEnd = pos;
                // Its syntax here; its range, an invalid_timestamp, with the line's other values.
                if (!isInteger(bytes, timestampStart, timestampEnd)) {
                    throw malformed("timestamp " + quote(bytes, timestampStart, timestampEnd) + " is not an integer");
                }
                skipSpaces();
                if (pos < end) {
                    throw malformed("unexpected content after the timestamp");
                }
            }
        }

        /**
         * A measurement ({@code inMeasurement}: escapes ',' and ' ') or a key or tag value (escapes
         * ',', '=' and ' '), unescaped, up to the first unescaped delimiter, where it leaves
         * {@code pos}. A backslash before any other byte is a backslash.
         */
        private String readName(boolean inMeasurement) {
            int n = 0;
            int i = pos;
            while (i < end) {
                byte b = bytes[i];
                if (b == ',' || b == ' ' || (b == '=' && !inMeasurement)) {
                    break;
                }
                if (b == '\\' && i + 1 < end) {
                    byte next = bytes[i + 1];
                    if (next == ',' || next == ' ' || (next == '=' && !inMeasurement)) {
                        b = next;
                        i++;
                    }
                }
                scratch[n++] = b;
                i++;
            }
            pos = i;
            // Dropping a backslash before an ASCII byte keeps the UTF-8 valid.
            return new String(scratch, 0, n, StandardCharsets.UTF_8);
        }

        /** The value of field {@code key}, whose bytes start at {@code from}, read from {@code pos}. */
        private void readField(int from, String key) throws Rejection {
            if (fields == fieldKeys.length) {
                int size = fields * 2;
                fieldStart = Arrays.copyOf(fieldStart, size);
                fieldEnd = Arrays.copyOf(fieldEnd, size);
                fieldKeys = Arrays.copyOf(fieldKeys, size);
                fieldIsString = Arrays.copyOf(fieldIsString, size);
                fieldValues = Arrays.copyOf(fieldValues, size);
            }
            int f = fields;
            boolean isString = pos < end && bytes[pos] == '"';
            double value = 0;
            if (isString) {
                // Refused later as a field of its own; only its end matters here.
                int i = pos + 1;
                while (true) {
                    if (i >= end) {
                        throw malformed("the string value of field " + Texts.quote(key) + " has no closing quote");
                    }
                    if (bytes[i] == '\\' && i + 1 < end && (bytes[i + 1] == '"' || bytes[i + 1] == '\\')) {
                        i += 2;
                    } else if (bytes[i] == '"') {
                        break;
                    } else {
                        i++;
                    }
                }
                pos = i + 1;
                if (pos < end && bytes[pos] != ',' && bytes[pos] != ' ') {
                    throw malformed("unexpected content after the string value of field " + Texts.quote(key));
                }
            } else {
                int valueAt = pos;
                while (pos < end && bytes[pos] != ',' && bytes[pos] != ' ') {
                    pos++;
                }
                value = number(valueAt, pos, key);
            }
            fieldStart[f] = from;
            fieldEnd[f] = pos;
            fieldKeys[f] = key;
            fieldIsString[f] = isString;
            fieldValues[f] = value;
            fields++;
        }

        /** A float, integer, unsigned or boolean field value, as a double. */
        private double number(int from, int to, String key) throws Rejection {
            String what = "value of field " + Texts.quote(key);
            if (from == to) {
                throw malformed("field " + Texts.quote(key) + " has no value");
            }
            byte last = bytes[to - 1];
            if (last == 'i') {
                if (!isInteger(bytes, from, to - 1)) {
                    throw malformed(what + " " + quote(bytes, from, to) + " is not an integer");
                }
                // Rounded to the nearest double, as Prometheus keeps it.
                return parseSigned(bytes, from, to - 1, to, RejectReason.MALFORMED_LINE, what);
            }
            if (last == 'u') {
                return parseUnsigned(bytes, from, to - 1, what);
            }
            if (is(bytes, from, to, "t") || is(bytes, from, to, "T") || is(bytes, from, to, "true")
                    || is(bytes, from, to, "True") || is(bytes, from, to, "TRUE")) {
                return 1.0;
            }
            if (is(bytes, from, to, "f") || is(bytes, from, to, "F") || is(bytes, from, to, "false")
                    || is(bytes, from, to, "False") || is(bytes, from, to, "FALSE")) {
                return 0.0;
            }
            // The grammar first: Java's parser also takes NaN, Infinity, hex and a 'd' suffix.
            if (!isFloat(bytes, from, to)) {
                throw malformed(what + " " + quote(bytes, from, to)
                        + " is not a float, an integer (i), an unsigned (u), a boolean or a string");
            }
            return Double.parseDouble(new String(bytes, from, to - from, StandardCharsets.ISO_8859_1));
        }

        private void skipSpaces() {
            while (pos < end && bytes[pos] == ' ') {
                pos++;
            }
        }

        /** The length of {@link #fieldsLine}. */
        int fieldsLineLength(BatchChecks.Group group) {
            int length = seriesEnd - start + group.count();
            for (int i = 0; i < group.count(); i++) {
                int f = group.part(i);
                length += fieldEnd[f] - fieldStart[f];
            }
            if (timestampStart >= 0) {
                length += 1 + timestampEnd - timestampStart;
            }
            return length;
        }

        /**
         * A line of line protocol of the fields of {@code group} alone: the line's own bytes of
         * its measurement and tags, of those fields (joined by commas) and of its timestamp, so
         * that it can be produced again.
         */
        byte[] fieldsLine(BatchChecks.Group group) {
            int series = seriesEnd - start;
            byte[] out = new byte[fieldsLineLength(group)];
            System.arraycopy(bytes, start, out, 0, series);
            int at = series;
            for (int i = 0; i < group.count(); i++) {
                int f = group.part(i);
                out[at++] = i == 0 ? (byte) ' ' : (byte) ',';
                System.arraycopy(bytes, fieldStart[f], out, at, fieldEnd[f] - fieldStart[f]);
                at += fieldEnd[f] - fieldStart[f];
            }
            if (timestampStart >= 0) {
                out[at++] = ' ';
                System.arraycopy(bytes, timestampStart, out, at, timestampEnd - timestampStart);
            }
            return out;
        }
    }
}
