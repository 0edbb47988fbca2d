package io.chronicle.jobs;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Seeded test traffic with its expected outcome written down independently of Chronicle's code:
 * for each good record what its row must hold, for each bad one the reason it must be rejected
 * with.
 */
final class TestTraffic {

    /** A record to produce and what Chronicle must make of it. */
    static final class Record {
        final byte[] value;
        final String tenantHeader;
        /** Null for a good record. */
        final String expectedReason;
        final ExpectedPoint point;
        final ExpectedEvent event;

        Record(byte[] value, String tenantHeader, String expectedReason, ExpectedPoint point,
                ExpectedEvent event) {
            this.value = value;
            this.tenantHeader = tenantHeader;
            this.expectedReason = expectedReason;
            this.point = point;
            this.event = event;
        }

        boolean good() {
            return expectedReason == null;
        }
    }

    static final class ExpectedPoint {
        final String tenant;
        final String metric;
        final Map<String, String> tags;
        final double value;
        /** Null when the Kafka record timestamp is the event time. */
        final Instant ts;

        ExpectedPoint(String tenant, String metric, Map<String, String> tags, double value, Instant ts) {
            this.tenant = tenant;
            this.metric = metric;
            this.tags = tags;
            this.value = value;
            this.ts = ts;
        }
    }

    static final class ExpectedEvent {
        final String tenant;
        /** Null when Chronicle must derive it. */
        final String eventId;
        final String traceId;
        final String eventType;
        final Instant eventTime;
        final String metadata;

        ExpectedEvent(String tenant, String eventId, String traceId, String eventType,
                Instant eventTime, String metadata) {
            this.tenant = tenant;
            this.eventId = eventId;
            this.traceId = traceId;
            this.eventType = eventType;
            this.eventTime = eventTime;
            this.metadata = metadata;
        }
    }

    private static final String[] METRICS = {
        "cpu_usage_percent", "memory_used_bytes", "http_requests_total", "disk_io_seconds_total"
    };
    private static final String[] HOSTS = {"web-1", "web-2", "db-1", "cache-1", "worker-7"};
    private static final String[] TENANTS = {"default", "acme", "globex"};
    private static final String[] EVENT_TYPES = {
        "task.created", "task.assigned", "task.started", "task.completed", "agent.heartbeat"
    };

    /** Bad payloads and the reason each must be rejected with. */
    private static final String[][] BAD_POINTS = {
        {"{\"metric\":\"cpu\",\"value\":", "malformed_json"},
        {"not json at all", "malformed_json"},
        {"[1,2,3]", "not_an_object"},
        {"{\"value\":1}", "missing_field"},
        {"{\"metric\":\"cpu\",\"value\":\"high\"}", "wrong_type"},
        {"{\"metric\":\"cpu usage\",\"value\":1}", "invalid_metric_name"},
        {"{\"metric\":\"cpu\",\"value\":NaN}", "non_finite_value"},
        {"{\"metric\":\"cpu\",\"value\":1,\"timestamp\":\"later\"}", "invalid_timestamp"},
        {"{\"metric\":\"cpu\",\"value\":1,\"timestamp\":12}", "timestamp_out_of_range"},
        {"", "empty_payload"},
    };
    private static final String[][] BAD_EVENTS = {
        {"{\"event_type\":\"task.created\"}", "missing_field"},
        {"{\"trace_id\":\"t\",\"event_type\":\"task.created\",\"metadata\":[1]}", "wrong_type"},
        {"{\"trace_id\":", "malformed_json"},
    };

    private TestTraffic() {}

    static List<Record> points(int count, double badShare, Instant now, long seed) {
        Random random = new Random(seed);
        List<Record> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (random.nextDouble() < badShare) {
                String[] bad = i % 97 == 0 ? null : BAD_POINTS[random.nextInt(BAD_POINTS.length)];
                if (bad == null) {
                    // invalid UTF-8 inside an otherwise well-formed document
                    byte[] value = "{\"metric\":\"cpu\",\"value\":1,\"tags\":{\"h\":\"__\"}}"
                            .getBytes(StandardCharsets.UTF_8);
                    value[value.length - 5] = (byte) 0xC3;
                    value[value.length - 4] = (byte) 0x28;
                    records.add(new Record(value, null, "invalid_utf8", null, null));
                } else {
                    records.add(new Record(bad[0].getBytes(StandardCharsets.UTF_8), null, bad[1],
                            null, null));
                }
                continue;
            }
            String tenant = TENANTS[random.nextInt(TENANTS.length)];
            String metric = METRICS[random.nextInt(METRICS.length)];
            TreeMap<String, String> tags = new TreeMap<>();
            tags.put("host", HOSTS[random.nextInt(HOSTS.length)]);
            if (random.nextBoolean()) {
                tags.put("region", random.nextBoolean() ? "eu-west-1" : "us-east-1");
            }
            double value = Math.round(random.nextDouble() * 1e6) / 100.0;
            Instant ts = now.minusMillis(random.nextInt(3_600_000));
            StringBuilder json = new StringBuilder("{\"metric\":\"").append(metric).append("\",");
            json.append("\"tags\":{");
            boolean first = true;
            for (Map.Entry<String, String> tag : tags.entrySet()) {
                json.append(first ? "" : ",").append('"').append(tag.getKey()).append("\":\"")
                        .append(tag.getValue()).append('"');
                first = false;
            }
            json.append("},\"value\":").append(value);
            Instant expectedTs;
            switch (i % 4) {
                case 0:
                    json.append(",\"timestamp\":").append(ts.toEpochMilli());
                    expectedTs = Instant.ofEpochMilli(ts.toEpochMilli());
                    break;
                case 1:
                    json.append(",\"timestamp\":").append(ts.getEpochSecond());
                    expectedTs = Instant.ofEpochSecond(ts.getEpochSecond());
                    break;
                case 2:
                    json.append(",\"timestamp\":\"").append(ts).append('"');
                    expectedTs = Instant.ofEpochSecond(ts.getEpochSecond(), ts.getNano() / 1000 * 1000);
                    break;
                default:
                    expectedTs = null;
            }
            // Tenants travel in the payload or in the header, to exercise both.
            String header = null;
            if (i % 3 == 0) {
                header = tenant;
            } else {
                json.append(",\"tenant\":\"").append(tenant).append('"');
            }
            json.append('}');
            records.add(new Record(json.toString().getBytes(StandardCharsets.UTF_8), header, null,
                    new ExpectedPoint(tenant, metric, tags, value, expectedTs), null));
        }
        return records;
    }

    static List<Record> events(int count, double badShare, Instant now, long seed) {
        Random random = new Random(seed);
        List<Record> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (random.nextDouble() < badShare) {
                String[] bad = BAD_EVENTS[random.nextInt(BAD_EVENTS.length)];
                records.add(new Record(bad[0].getBytes(StandardCharsets.UTF_8), null, bad[1], null,
                        null));
                continue;
            }
            String tenant = TENANTS[random.nextInt(TENANTS.length)];
            String traceId = "trace-" + random.nextInt(count / 4 + 1);
            String type = EVENT_TYPES[random.nextInt(EVENT_TYPES.length)];
            String eventId = i % 5 == 0 ? null : "evt-" + seed + "-" + i;
            Instant time = i % 7 == 0 ? null
                    : Instant.ofEpochMilli(now.minusMillis(random.nextInt(3_600_000)).toEpochMilli());
            String metadata = i % 6 == 0 ? null
                    : "{\"agent_id\":\"agent-" + random.nextInt(50) + "\",\"attempt\":"
                            + random.nextInt(3) + "}";
            StringBuilder json = new StringBuilder("{\"trace_id\":\"").append(traceId)
                    .append("\",\"event_type\":\"").append(type)
                    .append("\",\"source\":\"dispatch\",\"tenant\":\"").append(tenant).append('"');
            if (eventId != null) {
                json.append(",\"event_id\":\"").append(eventId).append('"');
            }
            if (time != null) {
                json.append(",\"timestamp\":\"").append(time).append('"');
            }
            if (metadata != null) {
                json.append(",\"metadata\":").append(metadata);
            }
            json.append('}');
            records.add(new Record(json.toString().getBytes(StandardCharsets.UTF_8), null, null, null,
                    new ExpectedEvent(tenant, eventId, traceId, type, time,
                            metadata == null ? "{}" : metadata)));
        }
        return records;
    }
}
