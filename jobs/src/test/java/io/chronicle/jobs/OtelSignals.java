package io.chronicle.jobs;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemoryLogRecordExporter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Spans and logs an instrumented checkout service records with the OpenTelemetry SDK, and the
 * export requests the SDK's own marshalers write of them, as the Collector's Kafka exporter
 * forwards them: a server span with a client span under it, two logs within the server span
 * (one an event named {@code task.created}) and one logged outside any span.
 */
record OtelSignals(List<SpanData> spans, List<LogRecordData> logs, byte[] spansExport, byte[] logsExport) {

    static final Resource RESOURCE = Resource.create(Attributes.builder().put("service.name", "checkout")
            .put("service.instance.id", "pod-1").put("tenant", "acme").build());

    /** Signals recorded from {@code epochNanos} on. */
    static OtelSignals record(long epochNanos) throws IOException {
        InMemorySpanExporter spanExporter = InMemorySpanExporter.create();
        InMemoryLogRecordExporter logExporter = InMemoryLogRecordExporter.create();
        List<SpanData> spans;
        List<LogRecordData> logs;
        try (SdkTracerProvider tracing = SdkTracerProvider.builder().setResource(RESOURCE)
                        .addSpanProcessor(SimpleSpanProcessor.create(spanExporter)).build();
                SdkLoggerProvider logging = SdkLoggerProvider.builder().setResource(RESOURCE)
                        .addLogRecordProcessor(SimpleLogRecordProcessor.create(logExporter)).build()) {
            Tracer tracer = tracing.get("io.chronicle.it");
            Logger logger = logging.get("io.chronicle.it");
            Span server = tracer.spanBuilder("GET /cart").setSpanKind(SpanKind.SERVER)
                    .setStartTimestamp(epochNanos, TimeUnit.NANOSECONDS)
                    .setAttribute("http.route", "/cart").startSpan();
            Context inServer = Context.root().with(server);
            Span query = tracer.spanBuilder("SELECT cart").setSpanKind(SpanKind.CLIENT).setParent(inServer)
                    .setStartTimestamp(epochNanos + 1_200_000, TimeUnit.NANOSECONDS).startSpan();
            query.end(epochNanos + 2_700_500, TimeUnit.NANOSECONDS);
            logger.logRecordBuilder().setContext(inServer).setTimestamp(epochNanos + 3_000_000, TimeUnit.NANOSECONDS)
                    .setSeverity(Severity.INFO).setSeverityText("INFO").setBody("cart loaded")
                    .setAttribute(AttributeKey.longKey("items"), 3L).emit();
            logger.logRecordBuilder().setContext(inServer).setTimestamp(epochNanos + 3_500_000, TimeUnit.NANOSECONDS)
                    .setBody("order task").setAttribute(AttributeKey.stringKey("event.name"), "task.created").emit();
            logger.logRecordBuilder().setContext(Context.root())
                    .setTimestamp(epochNanos + 4_000_000, TimeUnit.NANOSECONDS)
                    .setSeverity(Severity.WARN).setBody("cache cold").emit();
            server.setStatus(StatusCode.ERROR, "payment declined");
            server.end(epochNanos + 5_250_000, TimeUnit.NANOSECONDS);
            // Before the providers close: closing them empties the in-memory exporters.
            spans = List.copyOf(spanExporter.getFinishedSpanItems());
            logs = List.copyOf(logExporter.getFinishedLogRecordItems());
        }
        ByteArrayOutputStream spansOut = new ByteArrayOutputStream();
        TraceRequestMarshaler.create(spans).writeBinaryTo(spansOut);
        ByteArrayOutputStream logsOut = new ByteArrayOutputStream();
        LogsRequestMarshaler.create(logs).writeJsonTo(logsOut);
        return new OtelSignals(spans, logs, spansOut.toByteArray(), logsOut.toByteArray());
    }
}
