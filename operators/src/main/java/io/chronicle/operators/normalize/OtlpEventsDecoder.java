package io.chronicle.operators.normalize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.operators.normalize.OtlpMetricsDecoder.Encoding;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Decodes a record of OTLP spans or logs as the OpenTelemetry Collector's Kafka exporter writes
 * it: one {@code ExportTraceServiceRequest} or {@code ExportLogsServiceRequest}, in protobuf
 * ({@code otlp_proto}) or in OTLP's JSON encoding ({@code otlp_json}, whose trace and span ids
 * are hex, not proto3 JSON's base64). Each span or log record becomes an event:
 * <ul>
 * <li>Both signals: {@code tenant} from the tenant header, or in payload mode from the
 * resource's {@code tenant} attribute, as {@link OtlpMetricsDecoder}; {@code source} the
 * resource's {@code service.name} (none when it has none); {@code trace_id} the 16 bytes of the
 * trace id as 32 lowercase hex digits, refused as {@code missing_field} when empty or all zeros
 * (OpenTelemetry's invalid id), as {@code invalid_field} when not 16 bytes; span ids the same of
 * 8 bytes, 16 digits (an all-zero span id is none). Times: unix nanoseconds in microseconds,
 * floored; the event time range-checked as any event's. No namespace, schema or aggregate id.</li>
 * <li>Attributes become a JSON object: strings, booleans and numbers as themselves (a
 * non-finite double as the string {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"}),
 * bytes as base64, arrays as arrays, key-value lists as objects, an empty value as null; of
 * repeated keys the last value wins. Metadata holding an unpaired surrogate (possible only in
 * JSON) or nesting objects and arrays more than 64 deep refuses the item as
 * {@code invalid_field}. In metadata, {@code resource} is the resource's attributes but
 * {@code tenant}, {@code scope} the instrumentation scope's {@code name} and {@code version};
 * each, and {@code attributes}, only when not empty.</li>
 * <li>Spans: type {@code span}; time the start, refused as {@code missing_field} when 0, the
 * span as {@code invalid_field} when it ends before it starts; id a name-based UUID of the
 * trace and span ids, so a span exported twice is one event. Metadata {@code name},
 * {@code span_id}, {@code parent_span_id} (when it has one), {@code kind} ({@code server},
 * {@code client}, ...), {@code start_time} and {@code end_time} (ISO-8601, six fractional
 * digits), {@code duration_ms}, {@code status} ({@code code}: {@code unset}, {@code ok} or
 * {@code error}, and its {@code message} when it has one), {@code attributes},
 * {@code resource}, {@code scope}, {@code events} (each {@code name}, {@code time} and
 * {@code attributes}). A kind or status code OTLP does not define is {@code invalid_field}.
 * Links, trace state, flags and dropped counts are not kept.</li>
 * <li>Log records: a trace id is required (an event belongs to a trace); type the
 * {@code event.name} attribute when it is a non-empty string (then not among the attributes),
 * else {@code log}; time {@code time_unix_nano}, else {@code observed_time_unix_nano}, else
 * the Kafka record's timestamp; id a name-based UUID of the source and the log record's
 * protobuf bytes, so a log record exported twice is one event. Metadata {@code span_id}
 * (when it has one), {@code severity_text} and {@code severity_number} (when set),
 * {@code body}, {@code attributes}, {@code resource}, {@code scope}. Flags and dropped counts
 * are not kept; the {@code event_name} field OTLP 1.5 added is not in the OTLP version
 * Chronicle reads.</li>
 * </ul>
 * The unit of refusal is one span or log record. Those of one resource and scope are grouped by
 * reason, one rejection each, after the scope's events; a resource refused (its tenant, its
 * source) refuses all of its items so. Each rejection's payload is a request, in the record's
 * own encoding, of the resource, the scope and just those items, so that it can be produced
 * again (JSON escapes all but ASCII, so that the unpaired surrogates some are refused for stay).
 * As {@link OtlpMetricsDecoder}: a record that does not parse is refused whole, the record's
 * outputs are held until it is decoded, and its refused parts' payloads may take at most twice
 * its bytes and 64 KiB ({@link BatchChecks.Budget}), past which the record is refused whole.
 */
public final class OtlpEventsDecoder implements RecordDecoder<Event> {

    private static final long serialVersionUID = 1L;

    /** What a record holds. */
    public enum Signal {
        /** An {@code ExportTraceServiceRequest}: an event per span. */
        SPANS,
        /** An {@code ExportLogsServiceRequest}: an event per log record. */
        LOGS
    }

    static final String SPAN_TYPE = "span";
    static final String LOG_TYPE = "log";
    static final String EVENT_NAME = "event.name";
    /** The deepest the metadata object nests objects and arrays, itself the first. */
    static final int MAX_DEPTH = 64;
    /** The depth of the metadata object's own objects and arrays: attributes, body, resource, events. */
    private static final int TOP = 2;

    private static final int TRACE_ID_BYTES = 16;
    private static final int SPAN_ID_BYTES = 8;
    private static final HexFormat HEX = HexFormat.of();
    /** ISO-8601 with always six fractional digits, so that times of one precision compare as text. */
    private static final DateTimeFormatter MICROS = new DateTimeFormatterBuilder().appendInstant(6).toFormatter();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectWriter METADATA = new ObjectMapper().writer();
    /** OTLP JSON as a tree, to turn its ids from and to hex; numbers kept exactly. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final ObjectWriter ASCII_JSON = JSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII);

    private final NormalizerSettings settings;
    private final Signal signal;
    private final Encoding encoding;

    private transient List<Either<RejectedRecord, Event>> pending;
    private transient BatchChecks.RefusedParts refused;
    private transient BatchChecks.Budget budget;

    public OtlpEventsDecoder(NormalizerSettings settings, Signal signal, Encoding encoding) {
        this.settings = settings;
        this.signal = signal;
        this.encoding = encoding;
    }

    @Override
    public void decode(RawRecord raw, long ingestedAtMicros, Collector<Either<RejectedRecord, Event>> out) {
        String headerTenant;
        String recordTenant = null;
        Message request;
        long items;
        try {
            headerTenant = settings.tenants.header(raw);
            if (!settings.tenants.readsPayload()) {
                recordTenant = settings.tenants.resolve(null, headerTenant);
            }
            BatchChecks.checkValue(raw, settings);
            request = parse(raw.value);
            items = request instanceof ExportTraceServiceRequest traces ? spans(traces)
                    : logRecords((ExportLogsServiceRequest) request);
            if (items == 0) {
                throw new Rejection(RejectReason.EMPTY_PAYLOAD, "request holds no " + itemName(false));
            }
        } catch (Rejection | RuntimeException e) {
            out.collect(Either.Left(BatchChecks.ofRecord(raw, e, settings, ingestedAtMicros)));
            return;
        }
        if (pending == null) {
            pending = new ArrayList<>();
            refused = new BatchChecks.RefusedParts();
            budget = new BatchChecks.Budget();
        }
        pending.clear();
        budget.reset(raw.value.length);
        if (request instanceof ExportTraceServiceRequest traces) {
            decodeSpans(raw, traces, headerTenant, recordTenant, ingestedAtMicros);
        } else {
            decodeLogs(raw, (ExportLogsServiceRequest) request, headerTenant, recordTenant, ingestedAtMicros);
        }
        if (BatchChecks.emit(pending, budget, raw, settings, ingestedAtMicros,
                () -> "request holds no " + itemName(false) + " Chronicle reads (" + items + ")", out)) {
            this.pending = new ArrayList<>();
        }
    }

    private String itemName(boolean plural) {
        return (signal == Signal.SPANS ? "span" : "log record") + (plural ? "s" : "");
    }

    // ---- the record -----------------------------------------------------------------------------

    private Message parse(byte[] value) throws Rejection {
        Message.Builder builder = signal == Signal.SPANS
                ? ExportTraceServiceRequest.newBuilder() : ExportLogsServiceRequest.newBuilder();
        return OtlpRequests.merge(value, encoding, builder, json -> base64Ids(json, signal == Signal.SPANS)).build();
    }

    private static long spans(ExportTraceServiceRequest request) {
        long n = 0;
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                n += ss.getSpansCount();
            }
        }
        return n;
    }

    private static long logRecords(ExportLogsServiceRequest request) {
        long n = 0;
        for (ResourceLogs rl : request.getResourceLogsList()) {
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                n += sl.getLogRecordsCount();
            }
        }
        return n;
    }

    // ---- OTLP JSON's hex ids --------------------------------------------------------------------

    /** {@code text}, OTLP JSON of spans or logs, with its ids in base64, as JsonFormat reads bytes. */
    private static String base64Ids(String text, boolean spans) throws IOException {
        JsonNode request = JSON.readTree(text);
        if (!request.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        convertIds(request, spans, OtlpEventsDecoder::hexToBase64);
        return JSON.writeValueAsString(request);
    }

    /** {@code request} in OTLP JSON: JsonFormat's, its ids in hex, all but ASCII escaped. */
    private static byte[] otlpJson(Message request) throws IOException {
        JsonNode tree = JSON.readTree(JsonFormat.printer().omittingInsignificantWhitespace()
                .printingEnumsAsInts().print(request));
        convertIds(tree, request instanceof ExportTraceServiceRequest, OtlpEventsDecoder::base64ToHex);
        return ASCII_JSON.writeValueAsString(tree).getBytes(StandardCharsets.US_ASCII);
    }

    /** Applies {@code convert} to the text of each trace and span id of the request {@code tree}. */
    private static void convertIds(JsonNode tree, boolean spans, UnaryOperator<String> convert) {
        for (JsonNode resource : children(tree, spans ? "resourceSpans" : "resourceLogs")) {
            for (JsonNode scope : children(resource, spans ? "scopeSpans" : "scopeLogs")) {
                for (JsonNode item : children(scope, spans ? "spans" : "logRecords")) {
                    convertIds(item, convert, "traceId", "spanId", "parentSpanId");
                    for (JsonNode link : children(item, "links")) {
                        convertIds(link, convert, "traceId", "spanId");
                    }
                }
            }
        }
    }

    /** The elements of the array {@code node} holds under {@code name} (or its proto name); none if it holds none. */
    private static List<JsonNode> children(JsonNode node, String name) {
        List<JsonNode> children = new ArrayList<>();
        for (String key : keys(name)) {
            JsonNode array = node.get(key);
            if (array != null && array.isArray()) {
                array.forEach(children::add);
            }
        }
        return children;
    }

    private static void convertIds(JsonNode item, UnaryOperator<String> convert, String... names) {
        if (!(item instanceof ObjectNode object)) {
            return;
        }
        for (String name : names) {
            for (String key : keys(name)) {
                JsonNode id = object.get(key);
                // Anything else is JsonFormat's to refuse.
                if (id != null && id.isTextual()) {
                    object.put(key, convert.apply(id.textValue()));
                }
            }
        }
    }

    /** A field's JSON name and its proto name, which OTLP JSON may use too (traceId, trace_id); one if they are one. */
    private static List<String> keys(String jsonName) {
        StringBuilder protoName = new StringBuilder(jsonName.length() + 2);
        for (char c : jsonName.toCharArray()) {
            if (Character.isUpperCase(c)) {
                protoName.append('_').append(Character.toLowerCase(c));
            } else {
                protoName.append(c);
            }
        }
        return protoName.toString().equals(jsonName) ? List.of(jsonName) : List.of(jsonName, protoName.toString());
    }

    private static String hexToBase64(String hex) {
        try {
            return Base64.getEncoder().encodeToString(HEX.parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("id " + Texts.quote(hex) + " is not hexadecimal");
        }
    }

    private static String base64ToHex(String base64) {
        return HEX.formatHex(Base64.getDecoder().decode(base64));
    }

    // ---- resources and scopes -------------------------------------------------------------------

    /** What a resource gives each of its items: tenant, source and attributes, or the refusal of all of them. */
    private static final class Origin {
        /** Null until resolved (and when it could not be). */
        String tenant;
        String source;
        /** The resource's attributes but the tenant; null when none. */
        ObjectNode attributes;
        /** A Rejection, or a failure Chronicle did not foresee. */
        Exception failure;

        void check() throws Rejection {
            if (failure instanceof Rejection r) {
                throw r;
            } else if (failure != null) {
                throw (RuntimeException) failure;
            }
        }
    }

    private Origin origin(Resource resource, String headerTenant, String recordTenant) {
        Origin origin = new Origin();
        origin.tenant = recordTenant;
        try {
            if (origin.tenant == null) {
                origin.tenant = settings.tenants.resolve(payloadTenant(resource), headerTenant);
            }
            String source = null;
            for (KeyValue kv : resource.getAttributesList()) {
                if (kv.getKey().equals(OtlpMetricsDecoder.SERVICE_NAME)) {
                    source = OtlpMetricsDecoder.attributeText(kv);
                }
            }
            origin.source = source == null || source.isEmpty() ? null
                    : JsonNormalizer.checkIdentifier(source, "source");
            ObjectNode attributes = attributes(resource.getAttributesList(), TOP);
            attributes.remove(BatchChecks.TENANT_TAG);
            origin.attributes = attributes.isEmpty() ? null : attributes;
        } catch (Rejection | RuntimeException e) {
            origin.failure = e;
        }
        return origin;
    }

    /** The resource's first non-empty {@code tenant} attribute; null when it has none. */
    private static String payloadTenant(Resource resource) throws Rejection {
        for (KeyValue kv : resource.getAttributesList()) {
            if (kv.getKey().equals(BatchChecks.TENANT_TAG)) {
                String text = OtlpMetricsDecoder.attributeText(kv);
                if (!text.isEmpty()) {
                    return text;
                }
            }
        }
        return null;
    }

    /** The scope's name and version, those it has; null when it has neither. */
    private static ObjectNode scope(InstrumentationScope scope) {
        ObjectNode node = NODES.objectNode();
        putIfNotEmpty(node, "name", scope.getName());
        putIfNotEmpty(node, "version", scope.getVersion());
        return node.isEmpty() ? null : node;
    }

    // ---- the items of a scope -------------------------------------------------------------------

    /** Reads an item into its event, all but its provenance. */
    @FunctionalInterface
    private interface ItemReader<I> {
        Event read(I item) throws Rejection;
    }

    private void decodeSpans(RawRecord raw, ExportTraceServiceRequest request, String headerTenant,
            String recordTenant, long ingestedAtMicros) {
        for (ResourceSpans rs : request.getResourceSpansList()) {
            Origin origin = null;
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                if (budget.passed()) {
                    break;
                }
                if (ss.getSpansCount() == 0) {
                    continue;
                }
                if (origin == null) {
                    origin = origin(rs.getResource(), headerTenant, recordTenant);
                }
                Origin resource = origin;
                ObjectNode scope = scope(ss.getScope());
                decodeScope(raw, resource, ss.getSpansList(),
                        span -> spanEvent(span, resource, scope, ingestedAtMicros),
                        spans -> ExportTraceServiceRequest.newBuilder().addResourceSpans(rs.toBuilder()
                                .clearScopeSpans().addScopeSpans(ss.toBuilder().clearSpans().addAllSpans(spans)))
                                .build(),
                        ingestedAtMicros);
            }
        }
    }

    private void decodeLogs(RawRecord raw, ExportLogsServiceRequest request, String headerTenant,
            String recordTenant, long ingestedAtMicros) {
        for (ResourceLogs rl : request.getResourceLogsList()) {
            Origin origin = null;
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                if (budget.passed()) {
                    break;
                }
                if (sl.getLogRecordsCount() == 0) {
                    continue;
                }
                if (origin == null) {
                    origin = origin(rl.getResource(), headerTenant, recordTenant);
                }
                Origin resource = origin;
                ObjectNode scope = scope(sl.getScope());
                decodeScope(raw, resource, sl.getLogRecordsList(),
                        log -> logEvent(log, resource, scope, raw, ingestedAtMicros),
                        logs -> ExportLogsServiceRequest.newBuilder().addResourceLogs(rl.toBuilder()
                                .clearScopeLogs().addScopeLogs(sl.toBuilder().clearLogRecords().addAllLogRecords(logs)))
                                .build(),
                        ingestedAtMicros);
            }
        }
    }

    /**
     * Decodes the {@code items} of one scope into {@link #pending}: an event per good item, then a
     * rejection per reason its bad items are refused for, each of the request {@code request}
     * makes of them; or, on a failure Chronicle did not foresee, one rejection of all of them.
     */
    private <I> void decodeScope(RawRecord raw, Origin origin, List<I> items, ItemReader<I> reader,
            Function<List<I>, Message> request, long ingestedAtMicros) {
        List<Either<RejectedRecord, Event>> pending = this.pending;
        int start = pending.size();
        budget.mark();
        try {
            BatchChecks.RefusedParts refused = this.refused;
            refused.clear();
            for (int i = 0; i < items.size(); i++) {
                try {
                    Event event = reader.read(items.get(i));
                    event.provenance = new Provenance(raw.topic, raw.partition, raw.offset, pending.size(),
                            ingestedAtMicros);
                    pending.add(Either.Right(event));
                } catch (Rejection r) {
                    refused.add(i, r);
                }
            }
            for (int g = 0; g < refused.size(); g++) {
                BatchChecks.Group group = refused.get(g);
                String message = group.message(itemName(false), itemName(true), "scope");
                List<I> part = new ArrayList<>(group.count());
                for (int i = 0; i < group.count(); i++) {
                    part.add(items.get(group.part(i)));
                }
                byte[] payload = payload(request.apply(part), group.reason, message);
                if (payload == null) {
                    return;
                }
                pending.add(Either.Left(RejectedRecord.ofPart(raw, pending.size(), payload, group.reason, message,
                        tenant(raw, origin), ingestedAtMicros)));
            }
        } catch (RuntimeException e) {
            pending.subList(start, pending.size()).clear();
            budget.rollback();
            byte[] payload = wholeScopePayload(raw, () -> request.apply(items), e);
            if (payload != null) {
                pending.add(Either.Left(BatchChecks.ofPart(raw, start, payload, e, tenant(raw, origin),
                        ingestedAtMicros)));
            }
        }
    }

    /** The tenant of a rejection of {@code origin}'s items: a refused record's when it was refused unknown. */
    private String tenant(RawRecord raw, Origin origin) {
        return origin.tenant != null ? origin.tenant : settings.tenants.ofRejected(raw);
    }

    // ---- spans ----------------------------------------------------------------------------------

    private Event spanEvent(Span span, Origin origin, ObjectNode scope, long ingestedAtMicros) throws Rejection {
        origin.check();
        String traceId = traceId(span.getTraceId(), "span has no trace_id (it is empty or all zeros)");
        String spanId = spanId(span.getSpanId(), "span_id");
        if (spanId == null) {
            throw new Rejection(RejectReason.MISSING_FIELD, "span has no span_id (it is empty or all zeros)");
        }
        long start = span.getStartTimeUnixNano();
        if (start == 0) {
            throw new Rejection(RejectReason.MISSING_FIELD, "span has no start_time_unix_nano");
        }
        long micros = micros(start);
        Timestamps.checkRange(micros, ingestedAtMicros, settings);
        // Signed: an end past 2262 is taken for one before 1970, and refused so.
        long end = span.getEndTimeUnixNano();
        if (end < start) {
            throw new Rejection(RejectReason.INVALID_FIELD, "span ends before it starts: end_time_unix_nano "
                    + Long.toUnsignedString(end) + " is before start_time_unix_nano " + start);
        }
        Event event = new Event();
        event.tenant = origin.tenant;
        event.source = origin.source;
        event.eventType = SPAN_TYPE;
        event.traceId = traceId;
        event.eventTimeMicros = micros;
        event.eventId = UUID.nameUUIDFromBytes(("otlp-span/" + traceId + "/" + spanId)
                .getBytes(StandardCharsets.UTF_8)).toString();
        event.metadata = render(spanMetadata(span, spanId, start, end, origin, scope));
        return event;
    }

    private static ObjectNode spanMetadata(Span span, String spanId, long start, long end, Origin origin,
            ObjectNode scope) throws Rejection {
        ObjectNode metadata = NODES.objectNode();
        metadata.put("name", span.getName());
        metadata.put("span_id", spanId);
        String parent = spanId(span.getParentSpanId(), "parent_span_id");
        if (parent != null) {
            metadata.put("parent_span_id", parent);
        }
        metadata.put("kind", kind(span));
        metadata.put("start_time", iso(micros(start)));
        metadata.put("end_time", iso(micros(end)));
        metadata.put("duration_ms", (end - start) / 1e6);
        ObjectNode status = metadata.putObject("status");
        status.put("code", statusCode(span.getStatus()));
        putIfNotEmpty(status, "message", span.getStatus().getMessage());
        putIfNotEmpty(metadata, "attributes", attributes(span.getAttributesList(), TOP));
        putIfNotEmpty(metadata, "resource", origin.attributes);
        putIfNotEmpty(metadata, "scope", scope);
        if (span.getEventsCount() > 0) {
            ArrayNode events = metadata.putArray("events");
            for (Span.Event e : span.getEventsList()) {
                ObjectNode event = events.addObject();
                event.put("name", e.getName());
                event.put("time", iso(micros(e.getTimeUnixNano())));
                // In the events array, in its event.
                putIfNotEmpty(event, "attributes", attributes(e.getAttributesList(), TOP + 2));
            }
        }
        return metadata;
    }

    private static String kind(Span span) throws Rejection {
        if (span.getKind() == Span.SpanKind.UNRECOGNIZED) {
            throw new Rejection(RejectReason.INVALID_FIELD, "span kind " + span.getKindValue()
                    + " is not one OTLP defines");
        }
        return enumName(span.getKind().name(), "SPAN_KIND_");
    }

    private static String statusCode(Status status) throws Rejection {
        if (status.getCode() == Status.StatusCode.UNRECOGNIZED) {
            throw new Rejection(RejectReason.INVALID_FIELD, "status code " + status.getCodeValue()
                    + " is not one OTLP defines");
        }
        return enumName(status.getCode().name(), "STATUS_CODE_");
    }

    /** SPAN_KIND_SERVER as server. */
    private static String enumName(String name, String prefix) {
        return name.substring(prefix.length()).toLowerCase(Locale.ROOT);
    }

    // ---- log records ----------------------------------------------------------------------------

    private Event logEvent(LogRecord log, Origin origin, ObjectNode scope, RawRecord raw, long ingestedAtMicros)
            throws Rejection {
        origin.check();
        String traceId = traceId(log.getTraceId(),
                "log record has no trace_id: a log record needs a trace id to be an event");
        String spanId = spanId(log.getSpanId(), "span_id");
        long micros = log.getTimeUnixNano() != 0 ? micros(log.getTimeUnixNano())
                : log.getObservedTimeUnixNano() != 0 ? micros(log.getObservedTimeUnixNano())
                : JsonNormalizer.kafkaTimestampMicros(raw);
        Timestamps.checkRange(micros, ingestedAtMicros, settings);
        String eventName = eventName(log.getAttributesList());
        String type = eventName == null ? LOG_TYPE : JsonNormalizer.checkIdentifier(eventName, "event_type");

        ObjectNode metadata = NODES.objectNode();
        if (spanId != null) {
            metadata.put("span_id", spanId);
        }
        putIfNotEmpty(metadata, "severity_text", log.getSeverityText());
        if (log.getSeverityNumberValue() != 0) {
            metadata.put("severity_number", log.getSeverityNumberValue());
        }
        if (log.getBody().getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET) {
            metadata.set("body", value(log.getBody(), TOP));
        }
        ObjectNode attributes = attributes(log.getAttributesList(), TOP);
        if (eventName != null) {
            attributes.remove(EVENT_NAME);
        }
        putIfNotEmpty(metadata, "attributes", attributes);
        putIfNotEmpty(metadata, "resource", origin.attributes);
        putIfNotEmpty(metadata, "scope", scope);

        Event event = new Event();
        event.tenant = origin.tenant;
        event.source = origin.source;
        event.eventType = type;
        event.traceId = traceId;
        event.eventTimeMicros = micros;
        event.eventId = logEventId(origin.source, log);
        event.metadata = render(metadata);
        return event;
    }

    /** The {@code event.name} attribute (the last, as for any attribute) when it is a non-empty string; else null. */
    private static String eventName(List<KeyValue> attributes) {
        AnyValue name = null;
        for (KeyValue kv : attributes) {
            if (kv.getKey().equals(EVENT_NAME)) {
                name = kv.getValue();
            }
        }
        boolean named = name != null && name.getValueCase() == AnyValue.ValueCase.STRING_VALUE
                && !name.getStringValue().isEmpty();
        return named ? name.getStringValue() : null;
    }

    /** A name-based UUID of the source and the log record's bytes: the same each time it is exported. */
    private static String logEventId(String source, LogRecord log) {
        byte[] prefix = ("otlp-log/" + (source == null ? "" : source) + "/").getBytes(StandardCharsets.UTF_8);
        byte[] record = log.toByteArray();
        byte[] name = new byte[prefix.length + record.length];
        System.arraycopy(prefix, 0, name, 0, prefix.length);
        System.arraycopy(record, 0, name, prefix.length, record.length);
        return UUID.nameUUIDFromBytes(name).toString();
    }

    // ---- fields ---------------------------------------------------------------------------------

    /** A trace id as hex; refused with {@code missing} when empty or all zeros. */
    private static String traceId(ByteString id, String missing) throws Rejection {
        if (isNone(id)) {
            throw new Rejection(RejectReason.MISSING_FIELD, missing);
        }
        if (id.size() != TRACE_ID_BYTES) {
            throw new Rejection(RejectReason.INVALID_FIELD, "'trace_id' is " + id.size() + " bytes, not "
                    + TRACE_ID_BYTES);
        }
        return HEX.formatHex(id.toByteArray());
    }

    /** A span id as hex; null when empty or all zeros. */
    private static String spanId(ByteString id, String field) throws Rejection {
        if (isNone(id)) {
            return null;
        }
        if (id.size() != SPAN_ID_BYTES) {
            throw new Rejection(RejectReason.INVALID_FIELD, "'" + field + "' is " + id.size() + " bytes, not "
                    + SPAN_ID_BYTES);
        }
        return HEX.formatHex(id.toByteArray());
    }

    /** Whether an id is none: empty, or all zeros as OpenTelemetry's invalid ids are. */
    private static boolean isNone(ByteString id) {
        for (int i = 0; i < id.size(); i++) {
            if (id.byteAt(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static long micros(long unixNanos) {
        return Math.floorDiv(unixNanos, 1_000L);
    }

    private static String iso(long micros) {
        return MICROS.format(Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                Math.floorMod(micros, 1_000_000L) * 1_000L));
    }

    // ---- metadata -------------------------------------------------------------------------------

    /** Attributes as an object at {@code depth} of the metadata; of repeated keys the last value wins. */
    private static ObjectNode attributes(List<KeyValue> attributes, int depth) throws Rejection {
        checkDepth(depth);
        ObjectNode object = NODES.objectNode();
        for (KeyValue kv : attributes) {
            object.set(kv.getKey(), value(kv.getValue(), depth + 1));
        }
        return object;
    }

    /** A value at {@code depth} of the metadata, the depth it takes if it is an array or a key-value list. */
    static JsonNode value(AnyValue value, int depth) throws Rejection {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> NODES.textNode(value.getStringValue());
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case INT_VALUE -> NODES.numberNode(value.getIntValue());
            case DOUBLE_VALUE -> Double.isFinite(value.getDoubleValue()) ? NODES.numberNode(value.getDoubleValue())
                    : NODES.textNode(Double.toString(value.getDoubleValue()));
            case BYTES_VALUE -> NODES.textNode(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                checkDepth(depth);
                ArrayNode array = NODES.arrayNode();
                for (AnyValue element : value.getArrayValue().getValuesList()) {
                    array.add(value(element, depth + 1));
                }
                yield array;
            }
            case KVLIST_VALUE -> attributes(value.getKvlistValue().getValuesList(), depth);
            case VALUE_NOT_SET -> NODES.nullNode();
        };
    }

    private static void putIfNotEmpty(ObjectNode object, String name, String value) {
        if (!value.isEmpty()) {
            object.put(name, value);
        }
    }

    private static void putIfNotEmpty(ObjectNode object, String name, ObjectNode value) {
        if (value != null && !value.isEmpty()) {
            object.set(name, value);
        }
    }

    /**
     * Refuses an object or array at {@code depth}, past {@link #MAX_DEPTH}. OTLP's parsers stop
     * nesting well before (at 100 messages, each level of a value two or three): this bounds the
     * metadata itself, whatever limits the parsers are given.
     */
    private static void checkDepth(int depth) throws Rejection {
        if (depth > MAX_DEPTH) {
            throw new Rejection(RejectReason.INVALID_FIELD, "metadata nests objects and arrays more than "
                    + MAX_DEPTH + " deep");
        }
    }

    /**
     * The metadata object, compact; refused when it holds an unpaired surrogate, which UTF-8
     * cannot store (the writer copies them as they are, so one look at its text finds those of
     * every key and value).
     */
    private static String render(ObjectNode metadata) throws Rejection {
        String json;
        try {
            json = METADATA.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int invalid = Texts.invalidAt(json, false);
        if (invalid >= 0) {
            throw new Rejection(RejectReason.INVALID_FIELD, "'metadata' holds " + Texts.describe(json, invalid)
                    + ", after " + Texts.quote(json.substring(Math.max(0, invalid - 40), invalid)));
        }
        return json;
    }

    // ---- payloads -------------------------------------------------------------------------------

    /** The request of a scope's items whole, the payload of their rejection for {@code e}; null past the budget. */
    private byte[] wholeScopePayload(RawRecord raw, Supplier<Message> request, Exception e) {
        try {
            return payload(request.get(), BatchChecks.reason(e), BatchChecks.message(e));
        } catch (RuntimeException failure) {
            return budget.take(raw.value.length, e) ? raw.value : null;
        }
    }

    /** {@code request} in the record's encoding, once the budget has taken its bytes; null once it is passed. */
    private byte[] payload(Message request, RejectReason reason, String message) {
        byte[] bytes = encode(request, encoding);
        return budget.take(bytes.length, reason, message) ? bytes : null;
    }

    /** An {@code ExportTraceServiceRequest} or {@code ExportLogsServiceRequest} in {@code encoding}. */
    static byte[] encode(Message request, Encoding encoding) {
        if (encoding == Encoding.PROTOBUF) {
            return request.toByteArray();
        }
        try {
            return otlpJson(request);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
