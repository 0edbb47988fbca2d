package io.chronicle.operators.normalize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TenantNames;
import io.chronicle.operators.normalize.OtlpEventsDecoder.Signal;
import io.chronicle.operators.normalize.OtlpMetricsDecoder.Encoding;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.marshal.Marshaler;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.types.Either;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OtlpEventsDecoderTest {

    static final long NOW_MICROS = OtlpMetricsDecoderTest.NOW_MICROS;
    /** 2023-11-14T22:13:20.123456789Z. */
    static final long T_NANOS = OtlpMetricsDecoderTest.T_NANOS;
    static final long T_MICROS = OtlpMetricsDecoderTest.T_MICROS;
    static final long KAFKA_TS_MILLIS = OtlpMetricsDecoderTest.KAFKA_TS_MILLIS;

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";
    static final String SERVER = "53995c3f42cd8ad8";
    static final String CLIENT = "a3ce929d0e0e4736";

    static final String RESOURCE_JSON = "\"resource\":{\"host.name\":\"h1\",\"service.name\":\"checkout\"}";
    static final String SCOPE_JSON = "\"scope\":{\"name\":\"io.chronicle.test\",\"version\":\"1.0\"}";

    private static final Pattern HEX_TRACE_ID = Pattern.compile("[0-9a-f]{32}");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    // ---- helpers ----------------------------------------------------------------------------

    static NormalizerSettings settings(Map<String, String> options) {
        return OtlpMetricsDecoderTest.settings(options);
    }

    static OtlpEventsDecoder decoder(Signal signal, Encoding encoding) {
        return new OtlpEventsDecoder(settings(Map.of()), signal, encoding);
    }

    static RawRecord raw(byte[] value, String header) {
        return OtlpMetricsDecoderTest.raw(value, header);
    }

    static List<Either<RejectedRecord, Event>> decode(OtlpEventsDecoder decoder, byte[] value) {
        return decode(decoder, raw(value, null));
    }

    static List<Either<RejectedRecord, Event>> decode(OtlpEventsDecoder decoder, RawRecord raw) {
        List<Either<RejectedRecord, Event>> out = new ArrayList<>();
        decoder.decode(raw, NOW_MICROS, new ListCollector<>(out));
        return out;
    }

    static List<String> show(List<Either<RejectedRecord, Event>> out) {
        return out.stream().map(OtlpEventsDecoderTest::show).collect(Collectors.toList());
    }

    static String show(Either<RejectedRecord, Event> item) {
        if (item.isRight()) {
            Event e = item.right();
            return "#" + e.provenance.index + " " + e.tenant + " " + e.eventType + " " + e.source
                    + (e.eventTimeMicros == T_MICROS ? "" : " @" + e.eventTimeMicros);
        }
        RejectedRecord r = item.left();
        return "#" + r.provenance.index + " " + r.reasonCode + " [" + r.tenant + "]";
    }

    static Event event(String tenant, String source, String type, String traceId, long micros, String eventId,
            String metadata, int index) {
        Event e = new Event();
        e.tenant = tenant;
        e.source = source;
        e.eventType = type;
        e.traceId = traceId;
        e.eventTimeMicros = micros;
        e.eventId = eventId;
        e.metadata = metadata;
        e.provenance = new Provenance("otlp", 1, 7L, index, NOW_MICROS);
        return e;
    }

    /** Checks {@code actual} is {@code expected}, field by field, its metadata first for a readable difference. */
    static void assertEvent(Either<RejectedRecord, Event> actual, Event expected) {
        assertThat(actual.isRight()).as(show(actual)).isTrue();
        assertThat(actual.right().metadata).isEqualTo(expected.metadata);
        assertThat(actual.right()).usingRecursiveComparison().isEqualTo(expected);
    }

    static String spanEventId(String traceId, String spanId) {
        return UUID.nameUUIDFromBytes(("otlp-span/" + traceId + "/" + spanId).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    static String logEventId(String source, LogRecord log) {
        ByteArrayOutputStream name = new ByteArrayOutputStream();
        name.writeBytes(("otlp-log/" + source + "/").getBytes(StandardCharsets.UTF_8));
        name.writeBytes(log.toByteArray());
        return UUID.nameUUIDFromBytes(name.toByteArray()).toString();
    }

    static byte[] encode(Message request, Encoding encoding) {
        return OtlpEventsDecoder.encode(request, encoding);
    }

    static <B extends Message.Builder> Message parse(byte[] payload, Encoding encoding, B builder) {
        try {
            if (encoding == Encoding.PROTOBUF) {
                return builder.mergeFrom(payload).build();
            }
            // OTLP JSON's ids are hex: through the decoder's own reading, as a consumer would.
            JsonNode tree = MAPPER.readTree(payload);
            hexIdsToBase64(tree);
            // The SDK writes fields of OTLP versions after Chronicle's (a resource's entityRefs).
            JsonFormat.parser().ignoringUnknownFields().merge(MAPPER.writeValueAsString(tree), builder);
            return builder.build();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The ids of an OTLP JSON request of spans or logs, hex, as proto3 JSON's base64. */
    private static void hexIdsToBase64(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (String key : List.of("traceId", "spanId", "parentSpanId")) {
                if (object.get(key) != null && object.get(key).isTextual()) {
                    object.put(key, java.util.Base64.getEncoder().encodeToString(
                            HexFormat.of().parseHex(object.get(key).textValue())));
                }
            }
        }
        node.forEach(OtlpEventsDecoderTest::hexIdsToBase64);
    }

    static ExportTraceServiceRequest parseTraces(byte[] payload, Encoding encoding) {
        return (ExportTraceServiceRequest) parse(payload, encoding, ExportTraceServiceRequest.newBuilder());
    }

    static ExportLogsServiceRequest parseLogs(byte[] payload, Encoding encoding) {
        return (ExportLogsServiceRequest) parse(payload, encoding, ExportLogsServiceRequest.newBuilder());
    }

    static ByteString id(String hex) {
        return ByteString.copyFrom(HexFormat.of().parseHex(hex));
    }

    static KeyValue kv(String key, String value) {
        return OtlpMetricsDecoderTest.kv(key, value);
    }

    static KeyValue kv(String key, AnyValue value) {
        return OtlpMetricsDecoderTest.kv(key, value);
    }

    static Resource resource(String... attributes) {
        return OtlpMetricsDecoderTest.resource(attributes);
    }

    static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName("test").setVersion("1").build();

    static Span span(String traceId, String spanId, long start, long end) {
        return Span.newBuilder().setTraceId(id(traceId)).setSpanId(id(spanId)).setName("op")
                .setKind(Span.SpanKind.SPAN_KIND_INTERNAL).setStartTimeUnixNano(start).setEndTimeUnixNano(end).build();
    }

    static ExportTraceServiceRequest traces(Resource resource, Span... spans) {
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder().setResource(resource)
                .addScopeSpans(ScopeSpans.newBuilder().setScope(SCOPE).addAllSpans(Arrays.asList(spans)))).build();
    }

    static LogRecord log(String traceId, long time) {
        return LogRecord.newBuilder().setTraceId(id(traceId)).setTimeUnixNano(time)
                .setBody(AnyValue.newBuilder().setStringValue("hello")).build();
    }

    static ExportLogsServiceRequest logs(Resource resource, LogRecord... logs) {
        return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder().setResource(resource)
                .addScopeLogs(ScopeLogs.newBuilder().setScope(SCOPE).addAllLogRecords(Arrays.asList(logs)))).build();
    }

    static final Resource SERVICE = resource("service.name", "checkout");

    // ---- the SDK's own requests -------------------------------------------------------------

    static final io.opentelemetry.sdk.resources.Resource SDK_RESOURCE = io.opentelemetry.sdk.resources.Resource.create(
            Attributes.builder().put("service.name", "checkout").put("tenant", "acme").put("host.name", "h1").build());

    /** Span ids in the order given, of one trace. */
    static final class Ids implements IdGenerator {
        private final Deque<String> spanIds;

        Ids(String... spanIds) {
            this.spanIds = new ArrayDeque<>(List.of(spanIds));
        }

        @Override
        public String generateSpanId() {
            return spanIds.removeFirst();
        }

        @Override
        public String generateTraceId() {
            return TRACE;
        }
    }

    /** The spans {@code record} ends with a tracer of the SDK, as its exporters get them. */
    static List<SpanData> sdkSpans(Consumer<Tracer> record, String... spanIds) {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (SdkTracerProvider provider = SdkTracerProvider.builder().setResource(SDK_RESOURCE)
                .setIdGenerator(new Ids(spanIds)).addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()) {
            record.accept(provider.tracerBuilder("io.chronicle.test").setInstrumentationVersion("1.0").build());
            return new ArrayList<>(exporter.getFinishedSpanItems());
        }
    }

    /** The log records {@code record} emits with a logger of the SDK, as its exporters get them. */
    static List<LogRecordData> sdkLogs(Consumer<Logger> record) {
        InMemoryLogRecordExporter exporter = InMemoryLogRecordExporter.create();
        // The SDK stamps a log record's observed time from its clock when it is not given.
        try (SdkLoggerProvider provider = SdkLoggerProvider.builder().setResource(SDK_RESOURCE)
                .setClock(new OtlpMetricsDecoderTest.FixedClock())
                .addLogRecordProcessor(SimpleLogRecordProcessor.create(exporter)).build()) {
            record.accept(provider.loggerBuilder("io.chronicle.test").setInstrumentationVersion("1.0").build());
            return new ArrayList<>(exporter.getFinishedLogRecordItems());
        }
    }

    static byte[] marshal(Marshaler marshaler, Encoding encoding) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (encoding == Encoding.PROTOBUF) {
                marshaler.writeBinaryTo(out);
            } else {
                marshaler.writeJsonTo(out);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    static Context remoteParent(String spanId) {
        return Context.root().with(io.opentelemetry.api.trace.Span.wrap(SpanContext.createFromRemoteParent(
                TRACE, spanId, TraceFlags.getSampled(), TraceState.getDefault())));
    }

    /** A server span of a remote parent, with attributes, an event and an error; and a client span under it. */
    static byte[] sdkServerAndClientSpans(Encoding encoding) {
        List<SpanData> spans = sdkSpans(tracer -> {
            io.opentelemetry.api.trace.Span server = tracer.spanBuilder("GET /cart").setParent(remoteParent(PARENT))
                    .setSpanKind(SpanKind.SERVER).setStartTimestamp(T_NANOS, NANOSECONDS)
                    .setAttribute("http.request.method", "GET")
                    .setAttribute("http.response.status_code", 500L)
                    .setAttribute("retry", true)
                    .setAttribute("sampled.ratio", 0.5)
                    .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("a", "b"))
                    .startSpan();
            io.opentelemetry.api.trace.Span client = tracer.spanBuilder("SELECT carts")
                    .setParent(Context.root().with(server)).setSpanKind(SpanKind.CLIENT)
                    .setStartTimestamp(T_NANOS + 1_000_000, NANOSECONDS)
                    .setAttribute("db.system", "postgresql").startSpan();
            client.end(T_NANOS + 13_000_000, NANOSECONDS);
            server.addEvent("exception", Attributes.of(AttributeKey.stringKey("exception.type"), "IOException"),
                    T_NANOS + 20_000_000, NANOSECONDS);
            server.setStatus(StatusCode.ERROR, "upstream timed out");
            server.end(T_NANOS + 250_000_500, NANOSECONDS);
        }, SERVER, CLIENT);
        return marshal(TraceRequestMarshaler.create(spans), encoding);
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void decodesTheSdksServerAndClientSpans(Encoding encoding) {
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.SPANS, encoding),
                sdkServerAndClientSpans(encoding));
        assertThat(out).hasSize(2);
        // Exported as they end: the client span first.
        assertEvent(out.get(0), event("acme", "checkout", "span", TRACE, T_MICROS + 1_000, spanEventId(TRACE, CLIENT),
                "{\"name\":\"SELECT carts\",\"span_id\":\"" + CLIENT + "\",\"parent_span_id\":\"" + SERVER + "\","
                        + "\"kind\":\"client\",\"start_time\":\"2023-11-14T22:13:20.124456Z\","
                        + "\"end_time\":\"2023-11-14T22:13:20.136456Z\",\"duration_ms\":12.0,"
                        + "\"status\":{\"code\":\"unset\"},\"attributes\":{\"db.system\":\"postgresql\"},"
                        + RESOURCE_JSON + "," + SCOPE_JSON + "}", 0));
        assertEvent(out.get(1), event("acme", "checkout", "span", TRACE, T_MICROS, spanEventId(TRACE, SERVER),
                "{\"name\":\"GET /cart\",\"span_id\":\"" + SERVER + "\",\"parent_span_id\":\"" + PARENT + "\","
                        + "\"kind\":\"server\",\"start_time\":\"2023-11-14T22:13:20.123456Z\","
                        + "\"end_time\":\"2023-11-14T22:13:20.373457Z\",\"duration_ms\":250.0005,"
                        + "\"status\":{\"code\":\"error\",\"message\":\"upstream timed out\"},"
                        + "\"attributes\":{\"http.request.method\":\"GET\",\"http.response.status_code\":500,"
                        + "\"retry\":true,\"sampled.ratio\":0.5,\"tags\":[\"a\",\"b\"]},"
                        + RESOURCE_JSON + "," + SCOPE_JSON + ","
                        + "\"events\":[{\"name\":\"exception\",\"time\":\"2023-11-14T22:13:20.143456Z\","
                        + "\"attributes\":{\"exception.type\":\"IOException\"}}]}", 1));
    }

    @Test
    void bothEncodingsGiveEqualEventsAndAReExportTheSameIds() {
        List<Either<RejectedRecord, Event>> proto = decode(decoder(Signal.SPANS, Encoding.PROTOBUF),
                sdkServerAndClientSpans(Encoding.PROTOBUF));
        List<Either<RejectedRecord, Event>> json = decode(decoder(Signal.SPANS, Encoding.JSON),
                sdkServerAndClientSpans(Encoding.JSON));
        assertThat(json).extracting(Either::right).usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(proto.stream().map(Either::right).toList());
        List<Either<RejectedRecord, Event>> logsProto = decode(decoder(Signal.LOGS, Encoding.PROTOBUF),
                sdkLogRecords(Encoding.PROTOBUF));
        List<Either<RejectedRecord, Event>> logsJson = decode(decoder(Signal.LOGS, Encoding.JSON),
                sdkLogRecords(Encoding.JSON));
        assertThat(logsJson).extracting(Either::right).usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(logsProto.stream().map(Either::right).toList());
        // A log record exported again is the same event.
        assertThat(decode(decoder(Signal.LOGS, Encoding.PROTOBUF), sdkLogRecords(Encoding.PROTOBUF)))
                .extracting(e -> e.right().eventId)
                .containsExactlyElementsOf(logsProto.stream().map(e -> e.right().eventId).toList());
    }

    /** A log record of a span, of an error, with a body; and one named by {@code event.name}. */
    static byte[] sdkLogRecords(Encoding encoding) {
        List<LogRecordData> logs = sdkLogs(logger -> {
            Context span = remoteParent(SERVER);
            logger.logRecordBuilder().setContext(span).setTimestamp(T_NANOS, NANOSECONDS)
                    .setObservedTimestamp(T_NANOS + 5_000_000, NANOSECONDS)
                    .setSeverity(Severity.ERROR).setSeverityText("ERROR").setBody("payment failed")
                    .setAttribute(AttributeKey.stringKey("order.id"), "o-42").emit();
            logger.logRecordBuilder().setContext(span).setTimestamp(T_NANOS + 1_000, NANOSECONDS)
                    .setAttribute(AttributeKey.stringKey("event.name"), "payment.retried")
                    .setAttribute(AttributeKey.longKey("attempt"), 2L).emit();
        });
        return marshal(LogsRequestMarshaler.create(logs), encoding);
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void decodesTheSdksLogRecordsOfATraceAndNamesEventsByEventName(Encoding encoding) {
        byte[] value = sdkLogRecords(encoding);
        List<LogRecord> records = parseLogs(value, encoding).getResourceLogs(0).getScopeLogs(0).getLogRecordsList();
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.LOGS, encoding), value);
        assertThat(out).hasSize(2);
        assertEvent(out.get(0), event("acme", "checkout", "log", TRACE, T_MICROS,
                logEventId("checkout", records.get(0)),
                "{\"span_id\":\"" + SERVER + "\",\"severity_text\":\"ERROR\",\"severity_number\":17,"
                        + "\"body\":\"payment failed\",\"attributes\":{\"order.id\":\"o-42\"},"
                        + RESOURCE_JSON + "," + SCOPE_JSON + "}", 0));
        assertEvent(out.get(1), event("acme", "checkout", "payment.retried", TRACE, T_MICROS + 1,
                logEventId("checkout", records.get(1)),
                "{\"span_id\":\"" + SERVER + "\",\"attributes\":{\"attempt\":2},"
                        + RESOURCE_JSON + "," + SCOPE_JSON + "}", 1));
    }

    // ---- hand-built requests ----------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void aLogRecordWithoutATraceIdIsRefused(Encoding encoding) {
        LogRecord untraced = log(TRACE, T_NANOS).toBuilder().clearTraceId().build();
        LogRecord zero = log("0".repeat(32), T_NANOS);
        LogRecord good = log(TRACE, T_NANOS);
        ExportLogsServiceRequest request = logs(SERVICE, untraced, good, zero);
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.LOGS, encoding), encode(request, encoding));
        assertThat(show(out)).containsExactly("#0 default log checkout", "#1 missing_field [default]");
        RejectedRecord refused = out.get(1).left();
        assertThat(refused.message).isEqualTo("log record has no trace_id: a log record needs a trace id to be an"
                + " event (and 1 more log record of the scope with the same reason)");
        assertThat(parseLogs(refused.payload, encoding)).isEqualTo(logs(SERVICE, untraced, zero));
        assertThat(out.get(0).right().metadata).isEqualTo("{\"body\":\"hello\",\"resource\":{\"service.name\":"
                + "\"checkout\"},\"scope\":{\"name\":\"test\",\"version\":\"1\"}}");
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void badSpansAreRefusedGroupedByReasonAndTheirPayloadsDecodeBackToThem(Encoding encoding) {
        Span good = span(TRACE, SERVER, T_NANOS, T_NANOS + 1_000);
        Span zeroTrace = span("0".repeat(32), CLIENT, T_NANOS, T_NANOS);
        Span endsBeforeStart = span(TRACE, CLIENT, T_NANOS, T_NANOS - 1);
        Span noSpanId = span(TRACE, SERVER, T_NANOS, T_NANOS).toBuilder().clearSpanId().build();
        Span shortTrace = span(TRACE.substring(16), CLIENT, T_NANOS, T_NANOS);
        Span other = span(TRACE, CLIENT, T_NANOS + 2_000, T_NANOS + 3_000);
        Resource resource = resource("service.name", "checkout", "tenant", "acme");
        ExportTraceServiceRequest request = traces(resource, good, zeroTrace, endsBeforeStart, noSpanId, shortTrace,
                other);
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.SPANS, encoding), encode(request, encoding));
        assertThat(show(out)).containsExactly("#0 acme span checkout", "#1 acme span checkout @" + (T_MICROS + 2),
                "#2 missing_field [acme]", "#3 invalid_field [acme]");
        RejectedRecord missing = out.get(2).left();
        assertThat(missing.message).isEqualTo("span has no trace_id (it is empty or all zeros) (and 1 more span"
                + " of the scope with the same reason)");
        assertThat(parseTraces(missing.payload, encoding)).isEqualTo(traces(resource, zeroTrace, noSpanId));
        RejectedRecord invalid = out.get(3).left();
        assertThat(invalid.message).isEqualTo("span ends before it starts: end_time_unix_nano "
                + (T_NANOS - 1) + " is before start_time_unix_nano " + T_NANOS
                + " (and 1 more span of the scope with the same reason)");
        assertThat(parseTraces(invalid.payload, encoding)).isEqualTo(traces(resource, endsBeforeStart, shortTrace));
        assertEvent(out.get(0), event("acme", "checkout", "span", TRACE, T_MICROS, spanEventId(TRACE, SERVER),
                "{\"name\":\"op\",\"span_id\":\"" + SERVER + "\",\"kind\":\"internal\","
                        + "\"start_time\":\"2023-11-14T22:13:20.123456Z\",\"end_time\":\"2023-11-14T22:13:20.123457Z\","
                        + "\"duration_ms\":0.001,\"status\":{\"code\":\"unset\"},"
                        + "\"resource\":{\"service.name\":\"checkout\"},"
                        + "\"scope\":{\"name\":\"test\",\"version\":\"1\"}}",
                0));
        // Produced again, each is refused again, for the same reason.
        for (RejectedRecord r : List.of(missing, invalid)) {
            List<Either<RejectedRecord, Event>> again = decode(decoder(Signal.SPANS, encoding), r.payload);
            assertThat(again).hasSize(1);
            assertThat(again.get(0).left().reasonCode).isEqualTo(r.reasonCode);
            assertThat(again.get(0).left().message).isEqualTo(r.message);
        }
    }

    @Test
    void idsOfAWrongLengthAndKindsOtlpDoesNotDefineAreInvalid() {
        Span parentTooLong = span(TRACE, SERVER, T_NANOS, T_NANOS).toBuilder().setParentSpanId(id(TRACE)).build();
        Span shortSpanId = span(TRACE, "abcd", T_NANOS, T_NANOS);
        Span unknownKind = span(TRACE, SERVER, T_NANOS, T_NANOS).toBuilder().setKindValue(9).build();
        Span unknownStatus = span(TRACE, SERVER, T_NANOS, T_NANOS).toBuilder()
                .setStatus(Status.newBuilder().setCodeValue(7)).build();
        Span noStart = span(TRACE, SERVER, 0, 0);
        for (Span span : List.of(parentTooLong, shortSpanId, unknownKind, unknownStatus, noStart)) {
            List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.SPANS, Encoding.PROTOBUF),
                    encode(traces(SERVICE, span), Encoding.PROTOBUF));
            assertThat(out).hasSize(1);
            assertThat(out.get(0).isLeft()).isTrue();
        }
        assertThat(refusal(parentTooLong)).isEqualTo("invalid_field: 'parent_span_id' is 16 bytes, not 8");
        assertThat(refusal(shortSpanId)).isEqualTo("invalid_field: 'span_id' is 2 bytes, not 8");
        assertThat(refusal(unknownKind)).isEqualTo("invalid_field: span kind 9 is not one OTLP defines");
        assertThat(refusal(unknownStatus)).isEqualTo("invalid_field: status code 7 is not one OTLP defines");
        assertThat(refusal(noStart)).isEqualTo("missing_field: span has no start_time_unix_nano");
        // A log record's span id is optional; all zeros is none.
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.LOGS, Encoding.PROTOBUF), encode(logs(SERVICE,
                log(TRACE, T_NANOS).toBuilder().setSpanId(id("0".repeat(16))).build()), Encoding.PROTOBUF));
        assertThat(out.get(0).right().metadata).doesNotContain("span_id");
    }

    private static String refusal(Span span) {
        RejectedRecord r = decode(decoder(Signal.SPANS, Encoding.PROTOBUF), encode(traces(SERVICE, span),
                Encoding.PROTOBUF)).get(0).left();
        return r.reasonCode + ": " + r.message;
    }

    @Test
    void attributesBecomeJsonOfTheirTypesAndTheLastOfAKeyWins() {
        AnyValue nested = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                .addValues(kv("k", "v"))
                .addValues(kv("list", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(AnyValue.newBuilder().setIntValue(1))
                        .addValues(AnyValue.newBuilder().setStringValue("a"))).build()))
                .addValues(kv("k", "w"))).build();
        LogRecord log = log(TRACE, T_NANOS).toBuilder()
                .setBody(nested)
                .setSeverityNumberValue(9)
                .addAttributes(kv("s", "text"))
                .addAttributes(kv("b", AnyValue.newBuilder().setBoolValue(false).build()))
                .addAttributes(kv("i", AnyValue.newBuilder().setIntValue(-7).build()))
                .addAttributes(kv("d", AnyValue.newBuilder().setDoubleValue(1.5).build()))
                .addAttributes(kv("nan", AnyValue.newBuilder().setDoubleValue(Double.NaN).build()))
                .addAttributes(kv("inf", AnyValue.newBuilder().setDoubleValue(Double.POSITIVE_INFINITY).build()))
                .addAttributes(kv("-inf", AnyValue.newBuilder().setDoubleValue(Double.NEGATIVE_INFINITY).build()))
                .addAttributes(kv("bytes", AnyValue.newBuilder()
                        .setBytesValue(ByteString.copyFrom(new byte[] {1, 2, 3})).build()))
                .addAttributes(kv("unset", AnyValue.getDefaultInstance()))
                .addAttributes(kv("s", "again"))
                .addAttributes(kv("event.name", AnyValue.newBuilder().setIntValue(3).build()))
                .build();
        for (Encoding encoding : Encoding.values()) {
            List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.LOGS, encoding),
                    encode(logs(Resource.getDefaultInstance(), log), encoding));
            Event event = out.get(0).right();
            // An event.name that is not a string names no type and stays an attribute.
            assertThat(event.eventType).isEqualTo("log");
            assertThat(event.source).isNull();
            assertThat(event.metadata).isEqualTo("{\"severity_number\":9,"
                    + "\"body\":{\"k\":\"w\",\"list\":[1,\"a\"]},"
                    + "\"attributes\":{\"s\":\"again\",\"b\":false,\"i\":-7,\"d\":1.5,\"nan\":\"NaN\","
                    + "\"inf\":\"Infinity\",\"-inf\":\"-Infinity\",\"bytes\":\"AQID\",\"unset\":null,\"event.name\":3},"
                    + "\"scope\":{\"name\":\"test\",\"version\":\"1\"}}");
        }
    }

    @Test
    void unpairedSurrogatesAreRefusedAndTheirJsonPayloadKeepsThem() {
        Span badValue = span(TRACE, SERVER, T_NANOS, T_NANOS).toBuilder().addAttributes(kv("k", "a\uD800b")).build();
        Span badKey = span(TRACE, CLIENT, T_NANOS, T_NANOS).toBuilder().addAttributes(kv("\uDC00", "v")).build();
        ExportTraceServiceRequest request = traces(SERVICE, badValue, badKey);
        byte[] value = encode(request, Encoding.JSON);
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.SPANS, Encoding.JSON), value);
        assertThat(show(out)).containsExactly("#0 invalid_field [default]");
        assertThat(out.get(0).left().message).startsWith("'metadata' holds an unpaired surrogate U+D800 at index ")
                .contains("after '").contains("\"k\":\"a'")
                .endsWith("(and 1 more span of the scope with the same reason)");
        // Escaped, the surrogates stay: the payload is the request as it was.
        assertThat(out.get(0).left().payload).isEqualTo(value);
        assertThat(parseTraces(out.get(0).left().payload, Encoding.JSON)).isEqualTo(request);
    }

    /**
     * A body, under the metadata object, of 63 nested arrays and lists fits in 64 levels; of 64
     * it is refused. (OTLP's parsers refuse such records before, at 100 nested messages.)
     */
    @Test
    void metadataNestedDeeperThan64IsRefused() throws Rejection {
        int top = 2;
        JsonNode deepest = OtlpEventsDecoder.value(nested(OtlpEventsDecoder.MAX_DEPTH - 1), top);
        for (int depth = top; depth < OtlpEventsDecoder.MAX_DEPTH; depth++) {
            deepest = deepest.isArray() ? deepest.get(0) : deepest.get("k");
        }
        assertThat(deepest.isObject() || deepest.isArray()).isTrue();
        assertThatThrownBy(() -> OtlpEventsDecoder.value(nested(OtlpEventsDecoder.MAX_DEPTH), top))
                .isInstanceOf(Rejection.class)
                .hasMessage("metadata nests objects and arrays more than 64 deep")
                .extracting(e -> ((Rejection) e).reason()).isEqualTo(RejectReason.INVALID_FIELD);
        LogRecord deep = log(TRACE, T_NANOS).toBuilder().setBody(nested(OtlpEventsDecoder.MAX_DEPTH)).build();
        assertThat(show(decode(decoder(Signal.LOGS, Encoding.PROTOBUF), encode(logs(SERVICE, deep),
                Encoding.PROTOBUF)))).containsExactly("#0 malformed_payload [null]");
    }

    /** {@code levels} arrays and key-value lists, in turn, one in the other. */
    private static AnyValue nested(int levels) {
        AnyValue value = AnyValue.newBuilder().setStringValue("deepest").build();
        for (int i = 0; i < levels; i++) {
            value = i % 2 == 0
                    ? AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addValues(value)).build()
                    : AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder().addValues(kv("k", value))).build();
        }
        return value;
    }

    @Test
    void aLogRecordsTimeIsItsObservedTimeOrTheKafkaTimestampWhenUnset() {
        LogRecord observed = log(TRACE, 0).toBuilder().setObservedTimeUnixNano(T_NANOS + 7_000).build();
        LogRecord neither = log(TRACE, 0);
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.LOGS, Encoding.PROTOBUF),
                encode(logs(SERVICE, observed, neither), Encoding.PROTOBUF));
        assertThat(show(out)).containsExactly("#0 default log checkout @" + (T_MICROS + 7),
                "#1 default log checkout @" + KAFKA_TS_MILLIS * 1_000);
    }

    @Test
    void timesOutOfRangeAreRefused() {
        Span old = span(TRACE, SERVER, 1_000_000L, 2_000_000L);
        List<Either<RejectedRecord, Event>> spans = decode(decoder(Signal.SPANS, Encoding.PROTOBUF),
                encode(traces(SERVICE, old), Encoding.PROTOBUF));
        assertThat(show(spans)).containsExactly("#0 timestamp_out_of_range [default]");
        assertThat(spans.get(0).left().message).startsWith("timestamp 1970-01-01T00:00:00.001Z is outside");
        LogRecord future = log(TRACE, (NOW_MICROS + 3_600_000_000L) * 1_000);
        assertThat(show(decode(decoder(Signal.LOGS, Encoding.PROTOBUF), encode(logs(SERVICE, future),
                Encoding.PROTOBUF)))).containsExactly("#0 timestamp_out_of_range [default]");
    }

    @ParameterizedTest
    @EnumSource(Signal.class)
    void theTenantIsTheResourcesInPayloadModeAndTheHeadersInHeaderMode(Signal signal) {
        Message request = signal == Signal.SPANS
                ? ExportTraceServiceRequest.newBuilder()
                        .addResourceSpans(traces(resource("tenant", "acme", "service.name", "a"),
                                span(TRACE, SERVER, T_NANOS, T_NANOS)).getResourceSpans(0))
                        .addResourceSpans(traces(resource("tenant", TenantNames.RESERVED),
                                span(TRACE, SERVER, T_NANOS, T_NANOS)).getResourceSpans(0))
                        .addResourceSpans(traces(resource("tenant", "Bad Name"),
                                span(TRACE, SERVER, T_NANOS, T_NANOS)).getResourceSpans(0))
                        .build()
                : ExportLogsServiceRequest.newBuilder()
                        .addResourceLogs(logs(resource("tenant", "acme", "service.name", "a"), log(TRACE, T_NANOS))
                                .getResourceLogs(0))
                        .addResourceLogs(logs(resource("tenant", TenantNames.RESERVED), log(TRACE, T_NANOS))
                                .getResourceLogs(0))
                        .addResourceLogs(logs(resource("tenant", "Bad Name"), log(TRACE, T_NANOS)).getResourceLogs(0))
                        .build();
        String type = signal == Signal.SPANS ? "span" : "log";
        byte[] value = encode(request, Encoding.PROTOBUF);
        List<Either<RejectedRecord, Event>> payload = decode(new OtlpEventsDecoder(settings(Map.of()), signal,
                Encoding.PROTOBUF), raw(value, "globex"));
        assertThat(show(payload)).containsExactly("#0 acme " + type + " a", "#1 reserved_tenant [globex]",
                "#2 invalid_field [globex]");
        OtlpEventsDecoder header = new OtlpEventsDecoder(settings(Map.of(
                ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header")), signal, Encoding.PROTOBUF);
        List<Either<RejectedRecord, Event>> out = decode(header, raw(value, "globex"));
        assertThat(show(out)).containsExactly("#0 globex " + type + " a", "#1 globex " + type + " null",
                "#2 globex " + type + " null");
        // The tenant attribute is never metadata.
        assertThat(out).allSatisfy(e -> assertThat(e.right().metadata).doesNotContain("tenant"));
    }

    @Test
    void aBadServiceNameRefusesItsResourcesItemsAndNoneIsNoSource() {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(traces(resource("service.name", "a\u0001b"), span(TRACE, SERVER, T_NANOS, T_NANOS),
                        span(TRACE, CLIENT, T_NANOS, T_NANOS)).getResourceSpans(0))
                .addResourceSpans(traces(resource("service.name", ""), span(TRACE, SERVER, T_NANOS, T_NANOS))
                        .getResourceSpans(0))
                .build();
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.SPANS, Encoding.PROTOBUF),
                encode(request, Encoding.PROTOBUF));
        assertThat(show(out)).containsExactly("#0 invalid_field [default]", "#1 default span null");
        assertThat(out.get(0).left().message).isEqualTo("'source' holds a control character U+0001 at index 1"
                + " (and 1 more span of the scope with the same reason)");
    }

    @ParameterizedTest
    @EnumSource(Signal.class)
    void otlpJsonIdsAreHexInEitherCaseAndOtherTextRefusesTheRecord(Signal signal) {
        String items = signal == Signal.SPANS ? "\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":"
                : "\"resource_logs\":[{\"scope_logs\":[{\"log_records\":";
        String item = signal == Signal.SPANS
                ? "{\"traceId\":\"%s\",\"spanId\":\"" + SERVER + "\",\"kind\":2,"
                        + "\"startTimeUnixNano\":\"" + T_NANOS + "\",\"endTimeUnixNano\":\"" + T_NANOS + "\"}"
                : "{\"trace_id\":\"%s\",\"span_id\":\"" + SERVER.toUpperCase() + "\",\"timeUnixNano\":" + T_NANOS + "}";
        OtlpEventsDecoder decoder = decoder(signal, Encoding.JSON);
        byte[] upper = ("{" + items + "[" + String.format(item, TRACE.toUpperCase()) + "]}]}]}")
                .getBytes(StandardCharsets.UTF_8);
        List<Either<RejectedRecord, Event>> out = decode(decoder, upper);
        assertThat(out.get(0).right().traceId).isEqualTo(TRACE);
        assertThat(out.get(0).right().metadata).contains("\"span_id\":\"" + SERVER + "\"");
        byte[] notHex = ("{" + items + "[" + String.format(item, "zz") + "]}]}]}").getBytes(StandardCharsets.UTF_8);
        RejectedRecord r = decode(decoder, notHex).get(0).left();
        assertThat(r.reasonCode).isEqualTo("malformed_payload");
        assertThat(r.message).endsWith("id 'zz' is not hexadecimal");
    }

    @ParameterizedTest
    @EnumSource(Encoding.class)
    void refusesMalformedEmptyAndOversizedRecordsWhole(Encoding encoding) {
        for (Signal signal : Signal.values()) {
            OtlpEventsDecoder decoder = decoder(signal, encoding);
            byte[] garbage = {(byte) 0xff, 0x01, 0x02};
            assertThat(show(decode(decoder, garbage))).containsExactly("#0 malformed_payload [null]");
            assertThat(decode(decoder, garbage).get(0).left().payload).isSameAs(garbage);
            Message empty = signal == Signal.SPANS ? ExportTraceServiceRequest.getDefaultInstance()
                    : ExportLogsServiceRequest.getDefaultInstance();
            assertThat(show(decode(decoder, encode(empty, encoding)))).containsExactly("#0 empty_payload [null]");
            Message noItems = signal == Signal.SPANS ? traces(SERVICE) : logs(SERVICE);
            assertThat(decode(decoder, encode(noItems, encoding)).get(0).left().message)
                    .isEqualTo(signal == Signal.SPANS ? "request holds no span" : "request holds no log record");
            assertThat(show(decode(decoder, new byte[0]))).containsExactly("#0 empty_payload [null]");
            assertThat(show(decode(decoder, new byte[64 * 1024 + 1]))).containsExactly("#0 oversized_payload [null]");
        }
        if (encoding == Encoding.JSON) {
            OtlpEventsDecoder decoder = decoder(Signal.SPANS, encoding);
            assertThat(decode(decoder, "{\"resourceSpans\": [".getBytes(StandardCharsets.UTF_8)).get(0).left().message)
                    .startsWith("not an OTLP json ExportTraceServiceRequest: ");
            assertThat(decode(decoder, new byte[] {'{', (byte) 0xC0, (byte) 0xAF, '}'}).get(0).left().message)
                    .isEqualTo("not an OTLP json ExportTraceServiceRequest: not UTF-8");
            assertThat(decode(decoder, "[1]".getBytes(StandardCharsets.UTF_8)).get(0).left().message)
                    .isEqualTo("not an OTLP json ExportTraceServiceRequest: not a JSON object");
            assertThat(show(decode(decoder, "{} {}".getBytes(StandardCharsets.UTF_8))))
                    .containsExactly("#0 malformed_payload [null]");
        }
    }

    @Test
    void isSerializableAndDecodesTheSameAfterwards() throws Exception {
        OtlpEventsDecoder decoder = decoder(Signal.LOGS, Encoding.JSON);
        byte[] value = encode(logs(SERVICE, log(TRACE, T_NANOS)), Encoding.JSON);
        List<String> before = show(decode(decoder, value));
        assertThat(show(decode(InstantiationUtil.clone(decoder), value))).isEqualTo(before)
                .containsExactly("#0 default log checkout");
    }

    // ---- the budget of a record's refused parts -------------------------------------------------

    /** A resource with a {@code bytes}-long attribute, a refused span in each of {@code scopes} scopes, a good one. */
    static ExportTraceServiceRequest refusedInScopes(int scopes, int bytes) {
        ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(resource("service.name", "checkout",
                "note", "n".repeat(bytes)));
        for (int i = 0; i < scopes; i++) {
            rs.addScopeSpans(ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("s" + i))
                    .addSpans(span(TRACE, SERVER, T_NANOS, T_NANOS).toBuilder().clearTraceId()));
        }
        rs.addScopeSpans(ScopeSpans.newBuilder().addSpans(span(TRACE, SERVER, T_NANOS, T_NANOS)));
        return ExportTraceServiceRequest.newBuilder().addResourceSpans(rs).build();
    }

    /**
     * A resource of a 20 KB attribute whose 40 scopes each hold a refused span: each rejection
     * would carry the resource, 800 KB of a 20 KB record. Past the budget of twice the record
     * and 64 KiB it is refused whole, as received, for the reason of its first refused span; the
     * good span is not emitted, it is in it.
     */
    @ParameterizedTest
    @EnumSource(Encoding.class)
    void aRecordWhoseRefusedSpansRepeatALargeResourceIsRefusedWhole(Encoding encoding) {
        RawRecord raw = raw(encode(refusedInScopes(40, 20_000), encoding), null);
        List<Either<RejectedRecord, Event>> out = decode(decoder(Signal.SPANS, encoding), raw);
        assertThat(out).hasSize(1);
        RejectedRecord whole = out.get(0).left();
        assertThat(whole.payload).isSameAs(raw.value);
        assertThat(whole.provenance.index).isZero();
        assertThat(whole.reasonCode).isEqualTo("missing_field");
        assertThat(whole.message).isEqualTo("refused whole: its refused parts (first: span has no trace_id (it is"
                + " empty or all zeros)) would take more than twice the record's bytes");
        assertThat(whole.tenant).isNull();
        // Two such scopes are within it: their rejections and the good span are kept.
        List<Either<RejectedRecord, Event>> kept = decode(decoder(Signal.SPANS, encoding),
                encode(refusedInScopes(2, 20_000), encoding));
        assertThat(show(kept)).containsExactly("#0 missing_field [default]", "#1 missing_field [default]",
                "#2 default span checkout");
    }

    // ---- fuzz -------------------------------------------------------------------------------

    /** A decoder and what its records hold. */
    private record Case(OtlpEventsDecoder decoder, Signal signal, Encoding encoding) {}

    @Test
    void survivesMutatedRequestsAndRandomBytes() {
        List<Case> cases = new ArrayList<>();
        for (Signal signal : Signal.values()) {
            for (Encoding encoding : Encoding.values()) {
                cases.add(new Case(new OtlpEventsDecoder(settings(Map.of(
                        ChronicleOptions.INGEST_TENANTS.key(), "acme;default;globex")), signal, encoding),
                        signal, encoding));
                cases.add(new Case(new OtlpEventsDecoder(settings(Map.of(
                        ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header",
                        ChronicleOptions.INGEST_TENANTS.key(), "acme;default;globex",
                        ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "3000")), signal, encoding),
                        signal, encoding));
            }
        }
        Set<String> codes = Arrays.stream(RejectReason.values()).map(RejectReason::code).collect(Collectors.toSet());
        Map<String, Integer> seen = new TreeMap<>();
        Random random = new Random(0x07E1_2026L);
        int events = 0;
        for (int c = 0; c < 4_000; c++) {
            Case test = cases.get(c % cases.size());
            byte[] value;
            switch (c / cases.size() % 8) {
                case 0 -> {
                    value = new byte[random.nextInt(64)];
                    random.nextBytes(value);
                }
                case 1, 2 -> value = mutate(encode(randomRequest(test.signal(), random), test.encoding()), random);
                default -> value = encode(randomRequest(test.signal(), random), test.encoding());
            }
            String header = switch (random.nextInt(6)) {
                case 0, 1 -> "globex";
                case 2 -> "a/b";
                default -> null;
            };
            RawRecord raw = raw(value, header);
            List<Either<RejectedRecord, Event>> out;
            try {
                out = decode(test.decoder(), raw);
            } catch (Throwable t) {
                throw new AssertionError("case " + c + " threw", t);
            }
            long partBytes = 0;
            for (int i = 0; i < out.size(); i++) {
                Either<RejectedRecord, Event> item = out.get(i);
                String context = "case " + c + " item " + i;
                if (item.isRight()) {
                    events++;
                    checkEvent(item.right(), i, context);
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
                checkPart(test, r, header, context);
            }
            if (partBytes > 0) {
                assertThat(partBytes).as("case " + c).isLessThanOrEqualTo(2L * value.length + 64 * 1024);
            }
        }
        assertThat(events).as(seen.toString()).isGreaterThan(1_500);
        assertThat(seen).containsKeys("empty_payload", "malformed_payload", "missing_field", "invalid_field",
                "wrong_type", "timestamp_out_of_range", "tenant_not_allowed", "reserved_tenant", "oversized_payload");
    }

    /** A refused part is a request of one resource and scope, refused again for the same reason. */
    private static void checkPart(Case test, RejectedRecord r, String header, String context) {
        Message part = test.signal() == Signal.SPANS ? parseTraces(r.payload, test.encoding())
                : parseLogs(r.payload, test.encoding());
        if (part instanceof ExportTraceServiceRequest traces) {
            assertThat(traces.getResourceSpansCount()).as(context).isEqualTo(1);
            assertThat(traces.getResourceSpans(0).getScopeSpansCount()).as(context).isEqualTo(1);
            assertThat(traces.getResourceSpans(0).getScopeSpans(0).getSpansCount()).as(context).isPositive();
        } else {
            ExportLogsServiceRequest logs = (ExportLogsServiceRequest) part;
            assertThat(logs.getResourceLogsCount()).as(context).isEqualTo(1);
            assertThat(logs.getResourceLogs(0).getScopeLogsCount()).as(context).isEqualTo(1);
            assertThat(logs.getResourceLogs(0).getScopeLogs(0).getLogRecordsCount()).as(context).isPositive();
        }
        List<Either<RejectedRecord, Event>> again = decode(test.decoder(), raw(r.payload, header));
        assertThat(again).as(context).hasSize(1);
        assertThat(again.get(0).left().reasonCode).as(context).isIn(r.reasonCode, "oversized_payload");
    }

    private static void checkEvent(Event e, int index, String context) {
        assertThat(e.provenance.index).as(context).isEqualTo(index);
        assertThat(e.provenance.ingestedAtMicros).as(context).isEqualTo(NOW_MICROS);
        assertThat(TenantNames.isValid(e.tenant)).as(context).isTrue();
        assertThat(e.traceId).as(context).matches(HEX_TRACE_ID);
        assertThat(UUID.fromString(e.eventId).toString()).as(context).isEqualTo(e.eventId);
        assertThat(e.eventType).as(context).isNotBlank();
        if (e.source != null) {
            assertThat(Texts.invalidAt(e.source, true)).as(context).isNegative();
        }
        assertThat(e.eventTimeMicros).as(context).isBetween(946_684_800_000_000L, NOW_MICROS + 120_000_000L);
        assertThat(Texts.invalidAt(e.metadata, false)).as(context).isNegative();
        JsonNode metadata;
        try {
            metadata = MAPPER.readTree(e.metadata);
        } catch (IOException x) {
            throw new AssertionError(context, x);
        }
        assertThat(metadata.isObject()).as(context).isTrue();
        assertThat(metadata.path("resource").has("tenant")).as(context).isFalse();
        assertThat(e.namespace).isNull();
        assertThat(e.schemaId).isNull();
        assertThat(e.schemaVersion).isNull();
        assertThat(e.aggregateId).isNull();
    }

    static Message randomRequest(Signal signal, Random random) {
        if (signal == Signal.SPANS) {
            ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
            for (int r = random.nextInt(3); r >= 0; r--) {
                ResourceSpans.Builder rs = ResourceSpans.newBuilder().setResource(randomResource(random));
                for (int s = random.nextInt(2); s >= 0; s--) {
                    ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(randomScope(random));
                    for (int n = random.nextInt(4); n > 0; n--) {
                        scope.addSpans(randomSpan(random));
                    }
                    rs.addScopeSpans(scope);
                }
                request.addResourceSpans(rs);
            }
            return request.build();
        }
        ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
        for (int r = random.nextInt(3); r >= 0; r--) {
            ResourceLogs.Builder rl = ResourceLogs.newBuilder().setResource(randomResource(random));
            for (int s = random.nextInt(2); s >= 0; s--) {
                ScopeLogs.Builder scope = ScopeLogs.newBuilder().setScope(randomScope(random));
                for (int n = random.nextInt(4); n > 0; n--) {
                    scope.addLogRecords(randomLog(random));
                }
                rl.addScopeLogs(scope);
            }
            request.addResourceLogs(rl);
        }
        return request.build();
    }

    static Resource randomResource(Random random) {
        Resource.Builder resource = Resource.newBuilder();
        switch (random.nextInt(6)) {
            case 0 -> resource.addAttributes(kv("service.name", ""));
            case 1 -> resource.addAttributes(kv("service.name", "a\u0001"));
            case 2 -> { }
            default -> resource.addAttributes(kv("service.name", "checkout"));
        }
        if (random.nextInt(3) == 0) {
            resource.addAttributes(kv("tenant", new String[] {"acme", "globex", "other", "Bad!", TenantNames.RESERVED}
                    [random.nextInt(5)]));
        }
        if (random.nextInt(20) == 0) {
            resource.addAttributes(kv("tenant", AnyValue.newBuilder().setArrayValue(ArrayValue.getDefaultInstance())
                    .build()));
        }
        resource.addAllAttributes(randomAttributes(random, 0));
        return resource.build();
    }

    static InstrumentationScope randomScope(Random random) {
        return InstrumentationScope.newBuilder().setName(random.nextBoolean() ? "lib" : "")
                .setVersion(random.nextBoolean() ? "1.2" : "").build();
    }

    static Span randomSpan(Random random) {
        long start = randomTime(random);
        Span.Builder span = Span.newBuilder().setTraceId(randomId(random, 16)).setSpanId(randomId(random, 8))
                .setName(random.nextBoolean() ? "op" : "").setKindValue(random.nextInt(7))
                .setStartTimeUnixNano(start)
                .setEndTimeUnixNano(random.nextInt(10) == 0 ? start - 1 : start + random.nextInt(1_000_000))
                .setStatus(Status.newBuilder().setCodeValue(random.nextInt(4))
                        .setMessage(random.nextBoolean() ? "" : "oops"))
                .addAllAttributes(randomAttributes(random, 0));
        if (random.nextBoolean()) {
            span.setParentSpanId(randomId(random, 8));
        }
        for (int e = random.nextInt(3); e > 0; e--) {
            span.addEvents(Span.Event.newBuilder().setName("e").setTimeUnixNano(randomTime(random))
                    .addAllAttributes(randomAttributes(random, 0)));
        }
        return span.build();
    }

    static LogRecord randomLog(Random random) {
        LogRecord.Builder log = LogRecord.newBuilder().setTraceId(randomId(random, 16))
                .setTimeUnixNano(random.nextInt(3) == 0 ? 0 : randomTime(random))
                .setObservedTimeUnixNano(random.nextBoolean() ? 0 : randomTime(random))
                .setSeverityNumberValue(random.nextInt(25))
                .setSeverityText(random.nextBoolean() ? "" : "WARN")
                .addAllAttributes(randomAttributes(random, 0));
        if (random.nextBoolean()) {
            log.setSpanId(randomId(random, 8));
        }
        if (random.nextBoolean()) {
            log.setBody(randomValue(random, 0));
        }
        switch (random.nextInt(6)) {
            case 0 -> log.addAttributes(kv("event.name", "order.placed"));
            case 1 -> log.addAttributes(kv("event.name", "bad\u0002name"));
            case 2 -> log.addAttributes(kv("event.name", ""));
            default -> { }
        }
        return log.build();
    }

    static ByteString randomId(Random random, int length) {
        return switch (random.nextInt(12)) {
            case 0 -> ByteString.EMPTY;
            case 1 -> ByteString.copyFrom(new byte[length]);
            case 2 -> randomBytes(random, length / 2);
            default -> randomBytes(random, length);
        };
    }

    static ByteString randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return ByteString.copyFrom(bytes);
    }

    static long randomTime(Random random) {
        return switch (random.nextInt(12)) {
            case 0 -> 5_000_000L;
            case 1 -> -1L;
            case 2 -> (NOW_MICROS + 3_600_000_000L) * 1_000;
            default -> T_NANOS + random.nextInt(1_000_000_000);
        };
    }

    private static final String[] KEYS = {"k", "tenant", "event.name", "a.b", "", "é", "\uD800"};

    static List<KeyValue> randomAttributes(Random random, int depth) {
        List<KeyValue> attributes = new ArrayList<>();
        for (int i = random.nextInt(4); i > 0; i--) {
            String key = random.nextInt(4) == 0 ? KEYS[random.nextInt(KEYS.length)] : "k" + random.nextInt(3);
            attributes.add(kv(key, randomValue(random, depth)));
        }
        return attributes;
    }

    static AnyValue randomValue(Random random, int depth) {
        AnyValue.Builder value = AnyValue.newBuilder();
        switch (random.nextInt(depth < 3 ? 10 : 8)) {
            case 0 -> value.setBoolValue(random.nextBoolean());
            case 1 -> value.setIntValue(random.nextLong());
            case 2 -> value.setDoubleValue(random.nextInt(5) == 0 ? Double.NaN : random.nextDouble());
            case 3 -> value.setBytesValue(randomBytes(random, random.nextInt(4)));
            case 4 -> { }
            case 5 -> value.setStringValue(random.nextInt(10) == 0 ? "x\uDBFF" : "é" + random.nextInt(3));
            case 8 -> {
                ArrayValue.Builder array = ArrayValue.newBuilder();
                for (int i = random.nextInt(3); i > 0; i--) {
                    array.addValues(randomValue(random, depth + 1));
                }
                value.setArrayValue(array);
            }
            case 9 -> value.setKvlistValue(KeyValueList.newBuilder()
                    .addAllValues(randomAttributes(random, depth + 1)));
            default -> value.setStringValue("v" + random.nextInt(3));
        }
        return value.build();
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
