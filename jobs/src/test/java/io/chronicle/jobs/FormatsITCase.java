package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.util.JsonFormat;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.KafkaPosition;
import io.chronicle.jobs.TimedTraffic.Point;
import io.chronicle.sinks.ProvenanceReplace;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.internal.otlp.logs.LogsRequestMarshaler;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.common.Clock;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.CollectionRegistration;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;
import prometheus.Remote.WriteRequest;
import prometheus.Types.Label;
import prometheus.Types.Sample;
import prometheus.Types.TimeSeries;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A topic of Influx line protocol, as Telegraf's Kafka output writes it, one of Prometheus'
 * remote-write requests and one of OTLP metrics export requests written by the OpenTelemetry SDK's
 * own marshaler, read beside a topic of Chronicle's JSON by one job
 * ({@code chronicle.topics.point-formats}): every field of every line and every sample is a row of
 * {@code points_raw} with its place in its record, every bad line, field, series and sample a row
 * of {@code rejected} holding just that part, and the rollup tiers of both topics' series equal
 * a reference computed here from the points sent. Beside the events topic, a topic of OTLP spans
 * and one of OTLP logs in JSON, written by the SDK's marshalers
 * ({@code chronicle.topics.event-formats}): each span and each log record with a trace id is a row of
 * {@code events}, a span exported twice is one row, and a log without a trace id is refused. A
 * replay of every topic rewrites the same rows.
 */
class FormatsITCase extends JobITBase {

    private static final long FIVE_MINUTES = 300 * TimedTraffic.SECOND;
    private static final long HOUR = 3_600 * TimedTraffic.SECOND;
    /** Lines per record of the bulk traffic, as a Telegraf batch of one series' metrics would be. */
    private static final int LINES_PER_RECORD = 7;

    /** A point expected in {@code points_raw}, by where it came from. */
    private record Landed(String tenant, String metric, Map<String, String> tags, double value, Instant ts) {}

    /** A part expected in {@code rejected}, by where it came from. */
    private record Refused(String reason, String payload) {}

    /** An event expected in {@code events}, by where it came from; {@code detail} is read from its metadata. */
    private record Happened(String tenant, String eventId, String traceId, String source, String eventType,
            Instant time, String detail) {}

    @Test
    void everyFormatBesideJsonLandsExactlyInItsTablesRejectedAndTheTiers() throws Exception {
        String run = "formats";
        String telegraf = "telegraf-" + run;
        String prometheus = "prometheus-" + run;
        String otel = "otel-" + run;
        String spans = "spans-" + run;
        String logs = "logs-" + run;
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.TOPIC_POINT_FORMATS.key(),
                telegraf + ":influx-line," + prometheus + ":prometheus-remote-write," + otel + ":otlp-proto",
                ChronicleOptions.TOPIC_EVENT_FORMATS.key(), spans + ":otlp-proto-spans," + logs + ":otlp-json-logs",
                ChronicleOptions.KAFKA_BOUNDED.key(), "true",
                ChronicleOptions.ALERTS_ENABLED.key(), "false",
                ChronicleOptions.VIEWS_ENABLED.key(), "false"));
        String json = conf.get(ChronicleOptions.TOPIC_POINTS);
        services.kafka.createTopic(json, TimedTraffic.PARTITIONS, false);
        services.kafka.createTopic(telegraf, 1, false);
        services.kafka.createTopic(prometheus, 1, false);
        services.kafka.createTopic(otel, 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 1, false);
        services.kafka.createTopic(spans, 1, false);
        services.kafka.createTopic(logs, 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Instant from = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS);
        long fromMicros = from.toEpochMilli() * 1_000L;
        List<Point> points = TimedTraffic.points(fromMicros, fromMicros + HOUR, new Random(17));
        List<Point> asJson = points.stream().filter(p -> p.host().equals("host-0")).toList();
        List<Point> asLines = points.stream().filter(p -> !p.host().equals("host-0")).toList();

        Map<String, Landed> expectedRows = new HashMap<>();
        Map<String, Refused> expectedRefusals = new HashMap<>();
        Map<String, Happened> expectedEvents = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            for (Point p : asJson) {
                String at = send(producer, json, p.partition(), p.json());
                expectedRows.put(at + "#0", new Landed(p.tenant(), "cpu_usage", Map.of("host", p.host()),
                        p.value(), TimedTraffic.instant(p.tsMicros())));
            }
            // Two fields a line: cpu_usage (rolled up and checked below) and cpu_busy.
            for (int start = 0; start < asLines.size(); start += LINES_PER_RECORD) {
                List<Point> batch = asLines.subList(start, Math.min(asLines.size(), start + LINES_PER_RECORD));
                StringBuilder lines = new StringBuilder();
                for (Point p : batch) {
                    lines.append("cpu,host=").append(p.host()).append(",tenant=").append(p.tenant())
                            .append(" usage=").append(p.value()).append(",busy=").append(busy(p)).append("i ")
                            .append(p.tsMicros() * 1_000L).append('\n');
                }
                String at = send(producer, telegraf, 0, lines.toString());
                int index = 0;
                for (Point p : batch) {
                    Instant ts = TimedTraffic.instant(p.tsMicros());
                    expectedRows.put(at + "#" + index++,
                            new Landed(p.tenant(), "cpu_usage", Map.of("host", p.host()), p.value(), ts));
                    expectedRows.put(at + "#" + index++,
                            new Landed(p.tenant(), "cpu_busy", Map.of("host", p.host()), busy(p), ts));
                }
            }

            // Telegraf's own examples, one partly bad record among them, in the last window open.
            long t = (fromMicros + HOUR - 30 * TimedTraffic.SECOND) * 1_000L;
            Instant ts = TimedTraffic.instant(t / 1_000L);
            String cpu = send(producer, telegraf, 0, "cpu,cpu=cpu0,host=server01 usage_idle=99.5,usage_user=0.25 " + t
                    + "\r\n# a comment\n\ncpu,cpu=cpu1,host=server01 usage_idle=98,usage_user=1.5 " + t + "\n");
            Map<String, String> cpu0 = Map.of("cpu", "cpu0", "host", "server01");
            Map<String, String> cpu1 = Map.of("cpu", "cpu1", "host", "server01");
            expectedRows.put(cpu + "#0", new Landed("default", "cpu_usage_idle", cpu0, 99.5, ts));
            expectedRows.put(cpu + "#1", new Landed("default", "cpu_usage_user", cpu0, 0.25, ts));
            expectedRows.put(cpu + "#2", new Landed("default", "cpu_usage_idle", cpu1, 98, ts));
            expectedRows.put(cpu + "#3", new Landed("default", "cpu_usage_user", cpu1, 1.5, ts));
            String system = send(producer, telegraf, 0,
                    "system,host=server01 uptime=1234i,uptime_format=\"0 days, 0:20\",load1=0.5 " + t + "\n"
                            + "not a line\n"
                            + "disk,device=sda1,path=/ free=19807453184u,used_percent=22.5,readonly=true " + t);
            expectedRows.put(system + "#0", new Landed("default", "system_uptime", Map.of("host", "server01"), 1234, ts));
            // A line's good fields first, then its refused ones.
            expectedRows.put(system + "#1", new Landed("default", "system_load1", Map.of("host", "server01"), 0.5, ts));
            expectedRefusals.put(system + "#2", new Refused("wrong_type",
                    "system,host=server01 uptime_format=\"0 days, 0:20\" " + t));
            expectedRefusals.put(system + "#3", new Refused("malformed_line", "not a line"));
            Map<String, String> disk = Map.of("device", "sda1", "path", "/");
            expectedRows.put(system + "#4", new Landed("default", "disk_free", disk, 19807453184.0, ts));
            expectedRows.put(system + "#5", new Landed("default", "disk_used_percent", disk, 22.5, ts));
            expectedRows.put(system + "#6", new Landed("default", "disk_readonly", disk, 1, ts));
            // A field named value is the measurement itself; the tenant tag names the tenant.
            String temperature = send(producer, telegraf, 0, "room\\ temp,tenant=globex,site=hq value=21.5 " + t);
            expectedRows.put(temperature + "#0", new Landed("globex", "room_temp", Map.of("site", "hq"), 21.5, ts));
            String empty = send(producer, telegraf, 0, "");
            expectedRefusals.put(empty + "#0", new Refused("empty_payload", ""));

            // Prometheus' remote-write requests, as a bridge forwards their bodies.
            long ms = t / 1_000_000L;
            Instant at = Instant.ofEpochMilli(ms);
            TimeSeries requests = series(Map.of("__name__", "http_requests_total", "job", "api", "instance", "a:9090"),
                    sample(7, ms), sample(9, ms + 15_000));
            TimeSeries up = series(Map.of("__name__", "up", "job", "api", "instance", "a:9090", "zone", ""),
                    sample(1, ms));
            String scrape = send(producer, prometheus, 0, remoteWrite(requests, up));
            Map<String, String> api = Map.of("job", "api", "instance", "a:9090");
            expectedRows.put(scrape + "#0", new Landed("default", "http_requests_total", api, 7, at));
            expectedRows.put(scrape + "#1", new Landed("default", "http_requests_total", api, 9, at.plusSeconds(15)));
            expectedRows.put(scrape + "#2", new Landed("default", "up", api, 1, at));
            TimeSeries dotted = series(Map.of("__name__", "http.server.duration", "job", "api"), sample(0.25, ms));
            TimeSeries globex = series(Map.of("__name__", "mem_bytes", "tenant", "globex"), sample(1e9, ms));
            TimeSeries gone = series(Map.of("__name__", "up", "job", "gone"),
                    sample(Double.longBitsToDouble(0x7ff0000000000002L), ms));
            String mixed = send(producer, prometheus, 0, remoteWrite(dotted, globex, gone));
            expectedRefusals.put(mixed + "#0", new Refused("invalid_metric_name", WriteRequest.newBuilder()
                    .addTimeseries(dotted).build().toString()));
            expectedRows.put(mixed + "#1", new Landed("globex", "mem_bytes", Map.of(), 1e9, at));
            expectedRefusals.put(mixed + "#2", new Refused("non_finite_value", WriteRequest.newBuilder()
                    .addTimeseries(gone).build().toString()));
            String garbage = send(producer, prometheus, 0, "not a snappy block");
            expectedRefusals.put(garbage + "#0", new Refused("malformed_payload", "not a snappy block"));

            // An OpenTelemetry SDK's export request, as the Collector's Kafka exporter forwards it.
            String export = send(producer, otel, 0, otlpExport(t));
            Map<String, String> checkout = Map.of("job", "shop/checkout", "instance", "pod-1");
            Map<String, String> cart = new TreeMap<>(checkout);
            cart.put("http_route", "/cart");
            expectedRows.put(export + "#0", new Landed("acme", "cpu_utilization_ratio", with(checkout, "cpu", "3"), 0.25, ts));
            String[] bounds = {"0.005", "0.01", "1", "2.5", "+Inf"};
            double[] cumulative = {1, 1, 2, 3, 4};
            for (int b = 0; b < bounds.length; b++) {
                expectedRows.put(export + "#" + (1 + b), new Landed("acme", "http_server_request_duration_seconds_bucket",
                        with(cart, "le", bounds[b]), cumulative[b], ts));
            }
            expectedRows.put(export + "#6", new Landed("acme", "http_server_request_duration_seconds_count", cart, 4, ts));
            expectedRows.put(export + "#7", new Landed("acme", "http_server_request_duration_seconds_sum", cart, 9.503, ts));
            expectedRows.put(export + "#8", new Landed("acme", "http_server_requests_total",
                    with(checkout, "http_method", "GET"), 3, ts));

            // The SDK's spans, exported twice as a Collector retrying would: one row each.
            OtelSignals signals = OtelSignals.record(t);
            assertThat(signals.spans()).hasSize(2);
            String traced = send(producer, spans, 0, signals.spansExport());
            send(producer, spans, 0, signals.spansExport());
            for (int i = 0; i < signals.spans().size(); i++) {
                SpanData span = signals.spans().get(i);
                expectedEvents.put(traced + "#" + i, new Happened("acme",
                        UUID.nameUUIDFromBytes(("otlp-span/" + span.getTraceId() + "/" + span.getSpanId())
                                .getBytes(StandardCharsets.UTF_8)).toString(),
                        span.getTraceId(), "checkout", "span", TimedTraffic.instant(span.getStartEpochNanos() / 1_000L),
                        span.getName() + " " + span.getKind().name().toLowerCase() + " " + span.getSpanId() + "<"
                                + span.getParentSpanId().replace("0000000000000000", "")
                                + " " + (span.getEndEpochNanos() - span.getStartEpochNanos()) / 1e6 + " ms"));
            }
            // Its logs in OTLP JSON: the one logged outside a span has no trace id and is refused.
            String logged = send(producer, logs, 0, signals.logsExport());
            ByteArrayOutputStream binary = new ByteArrayOutputStream();
            LogsRequestMarshaler.create(signals.logs()).writeBinaryTo(binary);
            List<LogRecord> records = ExportLogsServiceRequest.parseFrom(binary.toByteArray())
                    .getResourceLogs(0).getScopeLogs(0).getLogRecordsList();
            assertThat(records).hasSize(3);
            for (int i = 0; i < signals.logs().size(); i++) {
                LogRecordData log = signals.logs().get(i);
                if (!log.getSpanContext().isValid()) {
                    expectedRefusals.put(logged + "#" + i, new Refused("missing_field", log.getBodyValue().asString()));
                    continue;
                }
                String type = log.getAttributes().get(AttributeKey.stringKey("event.name"));
                ByteArrayOutputStream id = new ByteArrayOutputStream();
                id.write("otlp-log/checkout/".getBytes(StandardCharsets.UTF_8));
                id.write(records.get(i).toByteArray());
                expectedEvents.put(logged + "#" + i, new Happened("acme", UUID.nameUUIDFromBytes(id.toByteArray()).toString(),
                        log.getSpanContext().getTraceId(), "checkout", type == null ? "log" : type,
                        TimedTraffic.instant(log.getTimestampEpochNanos() / 1_000L),
                        log.getBodyValue().asString()));
            }
        }

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(2);
        IngestJob.fromConfig(conf).build(env);
        env.execute(IngestJob.jobName(conf));

        Map<String, Landed> expectedSorted = new HashMap<>();
        expectedRows.forEach((k, v) -> expectedSorted.put(k,
                new Landed(v.tenant(), v.metric(), new TreeMap<>(v.tags()), v.value(), v.ts())));
        assertThat(rows(conf)).isEqualTo(expectedSorted);
        assertThat(refusals(conf)).isEqualTo(expectedRefusals);
        assertThat(events(conf)).isEqualTo(expectedEvents);
        // The query docs/producing.md gives for spans.
        assertThat(ItServices.query(conf, "SELECT JSON_VALUE(metadata, '$.name'),"
                + " JSON_VALUE(metadata, '$.duration_ms' RETURNING DOUBLE) FROM events"
                + " WHERE event_type = 'span' AND source = 'checkout'"))
                .extracting(Row::toString)
                .containsExactlyInAnyOrder("+I[SELECT cart, 1.5005]", "+I[GET /cart, 5.25]");

        // A replay of everything reads each topic in its format again and rewrites the same rows.
        Configuration replayConf = new Configuration(conf);
        replayConf.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment replay = ReplayJob.batch(
                StreamExecutionEnvironment.getExecutionEnvironment(replayConf), conf);
        Map<String, Long> deleted = new HashMap<>();
        for (ProvenanceReplace.Result result : ReplayJob.run(replay, conf,
                ReplayJob.resolve(conf, KafkaPosition.parse("--from", "earliest", ReplayJob.FROM_FORMS),
                        KafkaPosition.parse("--to", "latest", KafkaPosition.ENDS)))) {
            deleted.put(result.table().substring(result.table().lastIndexOf('.') + 1), result.rowsDeleted());
        }
        assertThat(deleted).containsEntry("points_raw", (long) expectedRows.size())
                .containsEntry("rejected", (long) expectedRefusals.size())
                .containsEntry("events", (long) expectedEvents.size());
        assertThat(rows(conf)).isEqualTo(expectedSorted);
        assertThat(refusals(conf)).isEqualTo(expectedRefusals);
        assertThat(events(conf)).isEqualTo(expectedEvents);

        TimedTraffic.assertRollups(conf, "rollup_5m", "metric = 'cpu_usage'", TimedTraffic.expected(points, FIVE_MINUTES));
        TimedTraffic.assertRollups(conf, "rollup_1h", "metric = 'cpu_usage'", TimedTraffic.expected(points, HOUR));
    }

    /** The rows of {@code points_raw} by where they came from, each once. */
    private static Map<String, Landed> rows(Configuration conf) throws Exception {
        Map<String, Landed> rows = new HashMap<>();
        for (Row r : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, source_index,"
                + " tenant, metric, tags, `value`, ts FROM points_raw")) {
            @SuppressWarnings("unchecked")
            Map<String, String> tags = new TreeMap<>((Map<String, String>) r.getField(6));
            Landed landed = new Landed((String) r.getField(4), (String) r.getField(5), tags,
                    (Double) r.getField(7), (Instant) r.getField(8));
            assertThat(rows.put(where(r), landed)).as("%s once", where(r)).isNull();
        }
        return rows;
    }

    /** The rows of {@code rejected} by where they came from, each once. */
    private static Map<String, Refused> refusals(Configuration conf) throws Exception {
        Map<String, Refused> refusals = new HashMap<>();
        for (Row r : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, source_index,"
                + " reason_code, payload FROM rejected")) {
            Refused refused = new Refused((String) r.getField(4), describe((String) r.getField(0), (byte[]) r.getField(5)));
            assertThat(refusals.put(where(r), refused)).as("%s once", where(r)).isNull();
        }
        return refusals;
    }

    /**
     * The rows of {@code events} by where they came from, each once; a span's detail is its name,
     * kind, id, parent and duration from its metadata, a log's its body.
     */
    private static Map<String, Happened> events(Configuration conf) throws Exception {
        Map<String, Happened> events = new HashMap<>();
        for (Row r : ItServices.query(conf, "SELECT source_topic, source_partition, source_offset, source_index,"
                + " tenant, event_id, trace_id, source, event_type, event_time, metadata FROM events")) {
            JsonNode metadata = new ObjectMapper().readTree((String) r.getField(10));
            String detail = r.getField(8).equals("span")
                    ? metadata.path("name").asText() + " " + metadata.path("kind").asText() + " "
                            + metadata.path("span_id").asText() + "<" + metadata.path("parent_span_id").asText()
                            + " " + metadata.path("duration_ms").asDouble() + " ms"
                    : metadata.path("body").asText();
            Happened happened = new Happened((String) r.getField(4), (String) r.getField(5), (String) r.getField(6),
                    (String) r.getField(7), (String) r.getField(8), (Instant) r.getField(9), detail);
            assertThat(events.put(where(r), happened)).as("%s once", where(r)).isNull();
        }
        return events;
    }

    /** An integer field beside each point's value. */
    private static long busy(Point p) {
        return Math.round(p.value() * 10);
    }

    private static String where(Row r) {
        return r.getField(0) + "/" + r.getField(1) + "/" + r.getField(2) + "#" + r.getField(3);
    }

    /** Produces {@code value} to a partition; returns its "topic/partition/offset". */
    private static String send(KafkaProducer<byte[], byte[]> producer, String topic, int partition, String value)
            throws Exception {
        return send(producer, topic, partition, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String send(KafkaProducer<byte[], byte[]> producer, String topic, int partition, byte[] value)
            throws Exception {
        RecordMetadata m = producer.send(new ProducerRecord<>(topic, partition, null, value)).get();
        return m.topic() + "/" + m.partition() + "/" + m.offset();
    }

    private static Map<String, String> with(Map<String, String> tags, String key, String value) {
        Map<String, String> more = new TreeMap<>(tags);
        more.put(key, value);
        return more;
    }

    /**
     * The OTLP export request an OpenTelemetry SDK writes of a gauge, a histogram and a counter
     * recorded at {@code epochNanos}, by the SDK's own marshaler.
     */
    private static byte[] otlpExport(long epochNanos) throws Exception {
        Reader reader = new Reader();
        Clock clock = new Clock() {
            @Override
            public long now() {
                return epochNanos;
            }

            @Override
            public long nanoTime() {
                return epochNanos;
            }
        };
        Resource resource = Resource.create(Attributes.builder().put("service.name", "checkout")
                .put("service.namespace", "shop").put("service.instance.id", "pod-1").put("tenant", "acme")
                .put("host.name", "h1").build());
        try (SdkMeterProvider provider = SdkMeterProvider.builder().setClock(clock).setResource(resource)
                .registerMetricReader(reader).build()) {
            Meter meter = provider.get("io.chronicle.it");
            meter.gaugeBuilder("cpu.utilization").setUnit("1").build()
                    .set(0.25, Attributes.of(AttributeKey.longKey("cpu"), 3L));
            DoubleHistogram duration = meter.histogramBuilder("http.server.request.duration").setUnit("s")
                    .setExplicitBucketBoundariesAdvice(List.of(0.005, 0.01, 1.0, 2.5)).build();
            for (double v : new double[] {0.003, 0.5, 2, 7}) {
                duration.record(v, Attributes.of(AttributeKey.stringKey("http.route"), "/cart"));
            }
            meter.counterBuilder("http.server.requests").setUnit("{request}").build()
                    .add(3, Attributes.of(AttributeKey.stringKey("http.method"), "GET"));
            List<MetricData> metrics = new ArrayList<>(reader.registration.collectAllMetrics());
            metrics.sort(Comparator.comparing(MetricData::getName));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            MetricsRequestMarshaler.create(metrics).writeBinaryTo(out);
            return out.toByteArray();
        }
    }

    /** A reader the test collects from when it likes, cumulative as Prometheus wants. */
    private static final class Reader implements MetricReader {
        CollectionRegistration registration;

        @Override
        public void register(CollectionRegistration registration) {
            this.registration = registration;
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return AggregationTemporality.CUMULATIVE;
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

    /** A remote-write 1.0 request body, as Prometheus sends it: the protobuf, snappy-compressed. */
    private static byte[] remoteWrite(TimeSeries... series) throws Exception {
        return Snappy.compress(WriteRequest.newBuilder().addAllTimeseries(List.of(series)).build().toByteArray());
    }

    private static TimeSeries series(Map<String, String> labels, Sample... samples) {
        TimeSeries.Builder series = TimeSeries.newBuilder().addAllSamples(List.of(samples));
        new TreeMap<>(labels).forEach((name, value) -> series.addLabels(Label.newBuilder().setName(name).setValue(value)));
        return series.build();
    }

    private static Sample sample(double value, long epochMillis) {
        return Sample.newBuilder().setValue(value).setTimestamp(epochMillis).build();
    }

    /**
     * A refused part's payload as text: a remote-write request's message, the bodies of an OTLP
     * logs request's records, else the bytes as UTF-8.
     */
    private static String describe(String topic, byte[] payload) throws IOException {
        if (topic.startsWith("prometheus-")) {
            try {
                return WriteRequest.parseFrom(Snappy.uncompress(payload)).toString();
            } catch (IOException notOne) {
                // A record refused whole keeps its bytes, whatever they are.
            }
        }
        if (topic.startsWith("logs-")) {
            ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
            JsonFormat.parser().merge(new String(payload, StandardCharsets.UTF_8), request);
            return request.getResourceLogsList().stream()
                    .flatMap(r -> r.getScopeLogsList().stream())
                    .flatMap(s -> s.getLogRecordsList().stream())
                    .map(log -> log.getBody().getStringValue())
                    .collect(Collectors.joining(", "));
        }
        return new String(payload, StandardCharsets.UTF_8);
    }
}
