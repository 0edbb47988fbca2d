package io.chronicle.operators.normalize;

import com.google.protobuf.InvalidProtocolBufferException;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.xerial.snappy.Snappy;
import prometheus.Remote;
import prometheus.Types;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.TreeMap;

/**
 * Decodes a record of Prometheus remote write, its body exactly as Prometheus POSTs it to a
 * remote-write endpoint and an HTTP-to-Kafka bridge forwards it: a snappy block of a protobuf
 * {@code prometheus.WriteRequest} (1.0) or {@code io.prometheus.write.v2.Request} (2.0, whose
 * series name their labels by references into the request's symbols). Each float sample of a
 * series is one point, named by the series' {@code __name__} label and tagged with its other
 * labels, then checked as Chronicle's JSON points are. A bad series is refused whole, as received.
 * The bad samples of a series are refused apart from its good ones, those of one reason together,
 * and its native histograms, which are not read, together: each rejection a request of its own
 * carrying just those parts and the labels its points keep (the {@code tenant} label only where it
 * names the tenant), so that it can be produced again and so that bad samples cost at most a few
 * copies of their series' checked labels however many they are. The rest of the record is kept.
 * Exemplars and metadata are not read. Yet 2.0 names each string once for all series: thousands of
 * series sharing one long label, each refused whole (as received, with the symbols it refers to)
 * or with a bad sample (with its kept labels), would make hundreds of copies of the request. So
 * the payloads of a record's refused parts may take at most twice its uncompressed request and
 * 64 KiB ({@link BatchChecks.Budget}, counted uncompressed, or compressed should that be larger):
 * the record's outputs are held until it is decoded, and past that budget the record is refused
 * whole instead, its value as received, for the reason of its first refused part, none of its
 * points emitted (they are in that payload).
 */
public final class RemoteWriteDecoder implements RecordDecoder<MetricPoint> {

    private static final long serialVersionUID = 1L;

    /** The label that names a series' metric. */
    static final String NAME_LABEL = "__name__";
    /** Prometheus' staleness marker: the NaN a series' last sample is once the series ended. */
    static final long STALE_NAN_BITS = 0x7ff0000000000002L;

    /** The versions of the remote-write protocol. */
    public enum Version {
        /** Remote write 1.0: a {@code prometheus.WriteRequest}. */
        V1("remote-write 1.0 WriteRequest"),
        /** Remote write 2.0: an {@code io.prometheus.write.v2.Request}. */
        V2("remote-write 2.0 Request");

        private final String message;

        Version(String message) {
            this.message = message;
        }
    }

    private final NormalizerSettings settings;
    private final Version version;
    private final int maxUncompressedBytes;

    private transient Labels labels;
    private transient SeriesIds seriesIds;
    /**
     * The outputs of the record being decoded: emitted only once it is decoded, so that a failure
     * midway leaves none and a record past its {@link #budget} is refused whole instead.
     */
    private transient List<Either<RejectedRecord, MetricPoint>> pending;
    /** The refused samples of the series being decoded, by reason. */
    private transient BatchChecks.RefusedParts refused;
    /** The bytes the payloads of the record's refused parts may still take. */
    private transient BatchChecks.Budget budget;

    public RemoteWriteDecoder(NormalizerSettings settings, Version version, int maxUncompressedBytes) {
        this.settings = settings;
        this.version = version;
        this.maxUncompressedBytes = maxUncompressedBytes;
    }

    @Override
    public void decode(RawRecord raw, long ingestedAtMicros, Collector<Either<RejectedRecord, MetricPoint>> out) {
        // The checks of the whole record are JsonNormalizer.normalize's, with its reasons and messages.
        String headerTenant;
        String recordTenant = null;
        Body body;
        int decodedBytes;
        try {
            headerTenant = settings.tenants.header(raw);
            if (!settings.tenants.readsPayload()) {
                // The header settles the tenant of every series: one that may not write is refused unread.
                recordTenant = settings.tenants.resolve(null, headerTenant);
            }
            BatchChecks.checkValue(raw, settings);
            byte[] uncompressed = uncompress(raw.value);
            decodedBytes = uncompressed.length;
            body = Body.parse(version, uncompressed);
            if (body.series() == 0) {
                throw new Rejection(RejectReason.EMPTY_PAYLOAD, body.holdsMetadata()
                        ? "request holds no series, only metadata, which Chronicle does not read"
                                + " (Prometheus sends it unless remote_write's metadata_config has send: false)"
                        : "request holds no series");
            }
        } catch (Rejection | RuntimeException e) {
            out.collect(Either.Left(BatchChecks.ofRecord(raw, e, settings, ingestedAtMicros)));
            return;
        }
        if (labels == null) {
            labels = new Labels();
            pending = new ArrayList<>();
            refused = new BatchChecks.RefusedParts();
            budget = new BatchChecks.Budget();
        }
        List<Either<RejectedRecord, MetricPoint>> pending = this.pending;
        BatchChecks.Budget budget = this.budget;
        pending.clear();
        budget.reset(decodedBytes);
        for (int s = 0; s < body.series() && !budget.passed(); s++) {
            int seriesStart = pending.size();
            budget.mark();
            labels.tenant = recordTenant;
            try {
                decodeSeries(raw, body, s, ingestedAtMicros, headerTenant);
            } catch (Rejection | RuntimeException e) {
                pending.subList(seriesStart, pending.size()).clear();
                budget.rollback();
                // Refused before its tenant was known: the tenant a refused record gets.
                String tenant = labels.tenant != null ? labels.tenant : settings.tenants.ofRejected(raw);
                byte[] payload = seriesPayload(raw, decodedBytes, body, s, e);
                if (payload != null) {
                    pending.add(Either.Left(BatchChecks.ofPart(raw, seriesStart, payload, e, tenant, ingestedAtMicros)));
                }
            }
        }
        // Emitted outside the try, once the whole record is decoded: a failure downstream is no
        // series', and a record whose refused parts would take more than the budget is refused whole.
        if (BatchChecks.emit(pending, budget, raw, settings, ingestedAtMicros,
                () -> "request holds no sample: none of its " + body.series() + " series has a sample or a histogram", out)) {
            this.pending = new ArrayList<>();
        }
    }

    /** The request body the snappy block {@code value} holds, refused unread if it would be larger than allowed. */
    private byte[] uncompress(byte[] value) throws Rejection {
        int length;
        try {
            length = Snappy.uncompressedLength(value);
        } catch (IOException | RuntimeException e) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "not a snappy block: " + e.getMessage());
        }
        // Before anything is allocated: a block of a few bytes may claim gigabytes. A length past
        // 2^31 - 1 reads as a negative int.
        if (length < 0 || length > maxUncompressedBytes) {
            throw new Rejection(RejectReason.OVERSIZED_PAYLOAD, "record decompresses to "
                    + Integer.toUnsignedString(length) + " bytes, more than the " + maxUncompressedBytes
                    + " allowed by " + ChronicleOptions.PROMETHEUS_MAX_UNCOMPRESSED_BYTES.key());
        }
        try {
            return Snappy.uncompress(value);
        } catch (IOException | RuntimeException e) {
            throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "not a valid snappy block: " + e.getMessage());
        }
    }

    /**
     * Decodes the series {@code s} of {@code body} into {@link #pending}, numbered on from what it
     * holds: a point per good sample, in their order, then a rejection per reason its bad samples
     * are refused for, in the order the reasons first occur, then one of all its histograms, as
     * long as the {@link #budget} holds their payloads; or a Rejection of the whole series. Sets
     * {@code labels.tenant} once the series' tenant is known.
     */
    private void decodeSeries(RawRecord raw, Body body, int s, long ingestedAtMicros,
            String headerTenant) throws Rejection {
        Labels labels = this.labels;
        body.labels(s, labels);

        // The tenant first, so that the series' other refusals can name it. An empty value is no label.
        int count = labels.names.size();
        int nameLabel = -1;
        int tenantLabel = -1;
        int tagCount = 0;
        HashSet<String> seen = labels.seen;
        seen.clear();
        for (int i = 0; i < count; i++) {
            String name = labels.names.get(i);
            if (!seen.add(name)) {
                throw new Rejection(RejectReason.INVALID_TAG, "label " + Texts.quote(name) + " is given twice");
            }
            if (labels.values.get(i).isEmpty()) {
                continue;
            }
            if (name.equals(NAME_LABEL)) {
                nameLabel = i;
            } else if (name.equals(BatchChecks.TENANT_TAG)) {
                tenantLabel = i;
            } else {
                tagCount++;
            }
        }
        if (labels.tenant == null) {
            labels.tenant = settings.tenants.resolve(
                    tenantLabel < 0 ? null : labels.values.get(tenantLabel), headerTenant);
        }
        String tenant = labels.tenant;

        if (nameLabel < 0) {
            throw new Rejection(RejectReason.MISSING_FIELD,
                    "series has no " + NAME_LABEL + " label, which names its metric");
        }
        String metric = PointNormalizer.checkMetricName(labels.values.get(nameLabel));
        if (tagCount > settings.maxTags) {
            throw new Rejection(RejectReason.TOO_MANY_TAGS, "more than " + settings.maxTags + " tags");
        }
        TreeMap<String, String> tags = new TreeMap<>();
        for (int i = 0; i < count; i++) {
            String value = labels.values.get(i);
            if (i != nameLabel && i != tenantLabel && !value.isEmpty()) {
                String key = labels.names.get(i);
                PointNormalizer.checkTagKey(key);
                BatchChecks.checkTagValue(key, value);
                tags.put(key, value);
            }
        }
        long seriesId = seriesIds().seriesId(tenant, metric, tags);

        BatchChecks.RefusedParts refused = this.refused;
        refused.clear();
        boolean firstPoint = true;
        for (int i = 0, samples = body.samples(s); i < samples; i++) {
            try {
                long micros = sampleMicros(body.timestamp(s, i), ingestedAtMicros);
                double value = sampleValue(body.value(s, i));
                // Each point owns its map: downstream may keep or change one without the others seeing it.
                TreeMap<String, String> pointTags = firstPoint ? tags : new TreeMap<>(tags);
                pending.add(Either.Right(point(raw, tenant, metric, pointTags, seriesId, value, micros,
                        pending.size(), ingestedAtMicros)));
                firstPoint = false;
            } catch (Rejection r) {
                refused.add(i, r);
            }
        }
        int histograms = body.histograms(s);
        if (refused.size() == 0 && histograms == 0) {
            return;
        }
        // The labels the points keep, checked above and so bounded, rather than the series' as
        // received: those may be any size, and empty ones or an ignored tenant are no part of them.
        labels.kept.clear();
        for (int i = 0; i < count; i++) {
            if (!labels.values.get(i).isEmpty() && (i != tenantLabel || settings.tenants.readsPayload())) {
                labels.kept.add(i);
            }
        }
        for (int g = 0; g < refused.size(); g++) {
            BatchChecks.Group group = refused.get(g);
            String message = group.message("sample", "samples", "series");
            byte[] payload = payload(body.samplesPayload(s, labels.kept, group), group.reason, message);
            if (payload == null) {
                return;
            }
            pending.add(Either.Left(RejectedRecord.ofPart(raw, pending.size(), payload, group.reason, message,
                    tenant, ingestedAtMicros)));
        }
        if (histograms > 0) {
            String message = BatchChecks.andMore("native histograms are not read; Chronicle keeps float samples only"
                    + " (classic histograms, whose buckets are series, are read; remote_write's"
                    + " send_native_histograms: false leaves native ones out)",
                    histograms - 1, "histogram", "histograms", "series");
            byte[] payload = payload(body.histogramsPayload(s, labels.kept), RejectReason.UNSUPPORTED_TYPE, message);
            if (payload == null) {
                return;
            }
            pending.add(Either.Left(RejectedRecord.ofPart(raw, pending.size(), payload, RejectReason.UNSUPPORTED_TYPE,
                    message, tenant, ingestedAtMicros)));
        }
    }

    /**
     * The uncompressed request {@code request} of a refused part, compressed, once the
     * {@link #budget} has taken its bytes (uncompressed, or compressed should that be larger);
     * null once the budget is passed.
     */
    private byte[] payload(byte[] request, RejectReason reason, String message) {
        if (!budget.take(request.length, reason, message)) {
            return null;
        }
        byte[] compressed = compress(request);
        if (compressed.length > request.length && !budget.take(compressed.length - request.length, reason, message)) {
            return null;
        }
        return compressed;
    }

    /**
     * The series {@code s} whole, as the payload of its rejection for {@code e}; the record's value
     * should that fail. Null once the {@link #budget} is passed.
     */
    private byte[] seriesPayload(RawRecord raw, int decodedBytes, Body body, int s, Exception e) {
        try {
            return payload(body.seriesPayload(s), BatchChecks.reason(e), BatchChecks.message(e));
        } catch (RuntimeException failure) {
            // Never seen: a parsed message serializes (and compresses) again. Rather the record than no trace.
            return budget.take(Math.max(decodedBytes, raw.value.length), e) ? raw.value : null;
        }
    }

    /** A sample's timestamp, epoch milliseconds, in microseconds and in the accepted range. */
    private long sampleMicros(long millis, long ingestedAtMicros) throws Rejection {
        long micros;
        try {
            micros = Math.multiplyExact(millis, 1_000L);
        } catch (ArithmeticException e) {
            throw new Rejection(RejectReason.INVALID_TIMESTAMP, "timestamp " + millis + " ms is out of range");
        }
        Timestamps.checkRange(micros, ingestedAtMicros, settings);
        return micros;
    }

    private static double sampleValue(double value) throws Rejection {
        if (Double.doubleToRawLongBits(value) == STALE_NAN_BITS) {
            throw new Rejection(RejectReason.NON_FINITE_VALUE, "the sample is Prometheus' staleness marker:"
                    + " its series ended (gone from its target, or its target down), it holds no value");
        }
        return PointNormalizer.checkValue(value);
    }

    private MetricPoint point(RawRecord raw, String tenant, String metric, TreeMap<String, String> tags,
            long seriesId, double value, long micros, int index, long ingestedAtMicros) {
        MetricPoint point = new MetricPoint();
        point.tenant = tenant;
        point.metric = metric;
        point.tags = tags;
        point.value = value;
        point.timestampMicros = micros;
        point.seriesId = seriesId;
        point.provenance = new Provenance(raw.topic, raw.partition, raw.offset, index, ingestedAtMicros);
        return point;
    }

    private SeriesIds seriesIds() {
        if (seriesIds == null) {
            seriesIds = new SeriesIds();
        }
        return seriesIds;
    }

    private static byte[] compress(byte[] body) {
        try {
            return Snappy.compress(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One series' labels, as the request gives them; kept across series so that reading one allocates only its names. */
    private static final class Labels {
        final ArrayList<String> names = new ArrayList<>();
        final ArrayList<String> values = new ArrayList<>();
        /** The places of the labels the payloads of the series' refused parts carry, in order. */
        final ArrayList<Integer> kept = new ArrayList<>();
        final HashSet<String> seen = new HashSet<>();
        /** The series' tenant, once resolved; null until then. */
        String tenant;

        void clear() {
            names.clear();
            values.clear();
        }

        void add(String name, String value) {
            names.add(name);
            values.add(value);
        }
    }

    // ---- the versions ---------------------------------------------------------------------------

    /** A request body, parsed: its series read alike whatever the version, and its parts as requests of their own. */
    private abstract static class Body {

        static Body parse(Version version, byte[] body) throws Rejection {
            try {
                return version == Version.V1
                        ? new V1Body(Remote.WriteRequest.parseFrom(body))
                        : new V2Body(io.prometheus.write.v2.Types.Request.parseFrom(body));
            } catch (InvalidProtocolBufferException e) {
                throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "not a " + version.message + ": " + e.getMessage());
            }
        }

        abstract int series();

        /** Whether the request holds metadata (of no series: 1.0's metadata-only requests). */
        abstract boolean holdsMetadata();

        /** Reads the labels of series {@code s} into {@code labels}; a series whose labels are not there is refused. */
        abstract void labels(int s, Labels labels) throws Rejection;

        abstract int samples(int s);

        /** Sample {@code i} of series {@code s}: epoch milliseconds. */
        abstract long timestamp(int s, int i);

        abstract double value(int s, int i);

        abstract int histograms(int s);

        /**
         * A request of the labels {@code kept} (places among series {@code s}'s, as
         * {@link #labels} reads them) and of the samples of {@code group}, uncompressed.
         */
        abstract byte[] samplesPayload(int s, List<Integer> kept, BatchChecks.Group group);

        /** A request of the labels {@code kept} of series {@code s} and of its histograms, uncompressed. */
        abstract byte[] histogramsPayload(int s, List<Integer> kept);

        /** A request of series {@code s} whole, uncompressed. */
        abstract byte[] seriesPayload(int s);
    }

    private static final class V1Body extends Body {
        private final Remote.WriteRequest request;

        V1Body(Remote.WriteRequest request) {
            this.request = request;
        }

        @Override
        int series() {
            return request.getTimeseriesCount();
        }

        @Override
        boolean holdsMetadata() {
            return request.getMetadataCount() > 0;
        }

        @Override
        void labels(int s, Labels labels) {
            labels.clear();
            for (Types.Label label : request.getTimeseries(s).getLabelsList()) {
                labels.add(label.getName(), label.getValue());
            }
        }

        @Override
        int samples(int s) {
            return request.getTimeseries(s).getSamplesCount();
        }

        @Override
        long timestamp(int s, int i) {
            return request.getTimeseries(s).getSamples(i).getTimestamp();
        }

        @Override
        double value(int s, int i) {
            return request.getTimeseries(s).getSamples(i).getValue();
        }

        @Override
        int histograms(int s) {
            return request.getTimeseries(s).getHistogramsCount();
        }

        @Override
        byte[] samplesPayload(int s, List<Integer> kept, BatchChecks.Group group) {
            Types.TimeSeries series = request.getTimeseries(s);
            Types.TimeSeries.Builder part = labels(series, kept);
            for (int i = 0; i < group.count(); i++) {
                part.addSamples(series.getSamples(group.part(i)));
            }
            return payload(part.build());
        }

        @Override
        byte[] histogramsPayload(int s, List<Integer> kept) {
            Types.TimeSeries series = request.getTimeseries(s);
            return payload(labels(series, kept).addAllHistograms(series.getHistogramsList()).build());
        }

        private static Types.TimeSeries.Builder labels(Types.TimeSeries series, List<Integer> kept) {
            Types.TimeSeries.Builder part = Types.TimeSeries.newBuilder();
            for (int l : kept) {
                part.addLabels(series.getLabels(l));
            }
            return part;
        }

        @Override
        byte[] seriesPayload(int s) {
            return payload(request.getTimeseries(s));
        }

        private static byte[] payload(Types.TimeSeries series) {
            return Remote.WriteRequest.newBuilder().addTimeseries(series).build().toByteArray();
        }
    }

    private static final class V2Body extends Body {
        private final io.prometheus.write.v2.Types.Request request;

        V2Body(io.prometheus.write.v2.Types.Request request) {
            this.request = request;
        }

        @Override
        int series() {
            return request.getTimeseriesCount();
        }

        @Override
        boolean holdsMetadata() {
            return false;
        }

        @Override
        void labels(int s, Labels labels) throws Rejection {
            io.prometheus.write.v2.Types.TimeSeries series = request.getTimeseries(s);
            int refs = series.getLabelsRefsCount();
            if (refs % 2 != 0) {
                throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "the series' labels_refs holds " + refs
                        + " references, not pairs of a label's name and value");
            }
            labels.clear();
            for (int i = 0; i < refs; i += 2) {
                labels.add(symbol(series.getLabelsRefs(i)), symbol(series.getLabelsRefs(i + 1)));
            }
        }

        private String symbol(int ref) throws Rejection {
            if (ref < 0 || ref >= request.getSymbolsCount()) {
                throw new Rejection(RejectReason.MALFORMED_PAYLOAD, "label reference " + Integer.toUnsignedString(ref)
                        + " is beyond the request's " + request.getSymbolsCount() + " symbols");
            }
            return request.getSymbols(ref);
        }

        @Override
        int samples(int s) {
            return request.getTimeseries(s).getSamplesCount();
        }

        @Override
        long timestamp(int s, int i) {
            return request.getTimeseries(s).getSamples(i).getTimestamp();
        }

        @Override
        double value(int s, int i) {
            return request.getTimeseries(s).getSamples(i).getValue();
        }

        @Override
        int histograms(int s) {
            return request.getTimeseries(s).getHistogramsCount();
        }

        @Override
        byte[] samplesPayload(int s, List<Integer> kept, BatchChecks.Group group) {
            io.prometheus.write.v2.Types.TimeSeries series = request.getTimeseries(s);
            io.prometheus.write.v2.Types.TimeSeries.Builder part = io.prometheus.write.v2.Types.TimeSeries.newBuilder();
            for (int i = 0; i < group.count(); i++) {
                part.addSamples(series.getSamples(group.part(i)));
            }
            return labelsWith(series, kept, part);
        }

        @Override
        byte[] histogramsPayload(int s, List<Integer> kept) {
            io.prometheus.write.v2.Types.TimeSeries series = request.getTimeseries(s);
            return labelsWith(series, kept, io.prometheus.write.v2.Types.TimeSeries.newBuilder()
                    .addAllHistograms(series.getHistogramsList()));
        }

        /**
         * A request of {@code part} with the labels {@code kept} of {@code series}, whose
         * references are all there (the series was read), and just their symbols.
         */
        private byte[] labelsWith(io.prometheus.write.v2.Types.TimeSeries series, List<Integer> kept,
                io.prometheus.write.v2.Types.TimeSeries.Builder part) {
            Symbols symbols = new Symbols(request);
            for (int l : kept) {
                part.addLabelsRefs(symbols.ref(series.getLabelsRefs(2 * l)));
                part.addLabelsRefs(symbols.ref(series.getLabelsRefs(2 * l + 1)));
            }
            return symbols.request(part);
        }

        /**
         * The series whole, its references (labels, exemplars', metadata's) into a table of just
         * the symbols they need. A reference that is not there, which refused the series, is one
         * past the end of that table, so the request is refused again for it.
         */
        @Override
        byte[] seriesPayload(int s) {
            io.prometheus.write.v2.Types.TimeSeries series = request.getTimeseries(s);
            Symbols symbols = new Symbols(request);
            // The symbols that are there first, so that the end of the table is known.
            for (int i = 0; i < series.getLabelsRefsCount(); i++) {
                symbols.ref(series.getLabelsRefs(i));
            }
            for (io.prometheus.write.v2.Types.Exemplar exemplar : series.getExemplarsList()) {
                for (int i = 0; i < exemplar.getLabelsRefsCount(); i++) {
                    symbols.ref(exemplar.getLabelsRefs(i));
                }
            }
            if (series.hasMetadata()) {
                symbols.ref(series.getMetadata().getHelpRef());
                symbols.ref(series.getMetadata().getUnitRef());
            }
            int beyond = symbols.size();

            io.prometheus.write.v2.Types.TimeSeries.Builder whole = series.toBuilder().clearLabelsRefs();
            for (int i = 0; i < series.getLabelsRefsCount(); i++) {
                whole.addLabelsRefs(symbols.refOr(series.getLabelsRefs(i), beyond));
            }
            for (int e = 0; e < series.getExemplarsCount(); e++) {
                io.prometheus.write.v2.Types.Exemplar exemplar = series.getExemplars(e);
                io.prometheus.write.v2.Types.Exemplar.Builder copy = exemplar.toBuilder().clearLabelsRefs();
                for (int i = 0; i < exemplar.getLabelsRefsCount(); i++) {
                    copy.addLabelsRefs(symbols.refOr(exemplar.getLabelsRefs(i), beyond));
                }
                whole.setExemplars(e, copy);
            }
            if (series.hasMetadata()) {
                io.prometheus.write.v2.Types.Metadata metadata = series.getMetadata();
                whole.setMetadata(metadata.toBuilder()
                        .setHelpRef(symbols.refOr(metadata.getHelpRef(), beyond))
                        .setUnitRef(symbols.refOr(metadata.getUnitRef(), beyond)));
            }
            return symbols.request(whole);
        }
    }

    /**
     * The symbols of a request of one part of another: just those the part refers to, in the
     * order it first does, after {@code ""}, which the specification requires first.
     */
    private static final class Symbols {
        private final List<String> from;
        private final HashMap<String, Integer> refs = new HashMap<>();
        private final io.prometheus.write.v2.Types.Request.Builder request =
                io.prometheus.write.v2.Types.Request.newBuilder();

        Symbols(io.prometheus.write.v2.Types.Request from) {
            this.from = from.getSymbolsList();
            refs.put("", 0);
            request.addSymbols("");
        }

        /** The reference in this table to the symbol {@code ref} refers to in the request; -1 if it is not there. */
        int ref(int ref) {
            if (ref < 0 || ref >= from.size()) {
                return -1;
            }
            String symbol = from.get(ref);
            Integer at = refs.get(symbol);
            if (at == null) {
                at = request.getSymbolsCount();
                refs.put(symbol, at);
                request.addSymbols(symbol);
            }
            return at;
        }

        /** {@link #ref}, or {@code missing} for a symbol that is not there. */
        int refOr(int ref, int missing) {
            int at = ref(ref);
            return at < 0 ? missing : at;
        }

        int size() {
            return request.getSymbolsCount();
        }

        /** The request of these symbols and {@code series}, uncompressed. */
        byte[] request(io.prometheus.write.v2.Types.TimeSeries.Builder series) {
            return request.addTimeseries(series).build().toByteArray();
        }
    }
}
