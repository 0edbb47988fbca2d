package io.chronicle.jobs;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Row;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Points and traces at chosen event times for the event-time tests, with the rollup rows and
 * trace rows they must give, computed here from the generated records alone.
 */
final class TimedTraffic {

    static final long SECOND = 1_000_000L;
    static final int PARTITIONS = 2;

    private TimedTraffic() {}

    /** A gauge point of {@code cpu_usage} for one host of a tenant. */
    record Point(String tenant, String host, long tsMicros, double value) {
        int partition() {
            return Math.floorMod((tenant + host).hashCode(), PARTITIONS);
        }

        String json() {
            return "{\"tenant\":\"" + tenant + "\",\"metric\":\"cpu_usage\",\"tags\":{\"host\":\"" + host
                    + "\"},\"value\":" + value + ",\"timestamp\":" + tsMicros + "}";
        }
    }

    /** A trace: created, assigned, started, then completed or failed, epoch milliseconds. */
    record Trace(String traceId, String agent, long created, long assigned, long started, long finished,
            boolean completed) {
        int partition() {
            return Math.floorMod(traceId.hashCode(), PARTITIONS);
        }
    }

    /** An event's JSON, its event time and its partition. */
    record Timed(long atMillis, int partition, String json) {}

    /** A window's aggregate, from its points alone. */
    record Expected(long count, BigDecimal sum, double min, double max, double first, long firstTs,
            double last, long lastTs) {}

    /** Eight series of two tenants, a point every 10 s over {@code [startMicros, endMicros)}, by time. */
    static List<Point> points(long startMicros, long endMicros, Random random) {
        List<Point> points = new ArrayList<>();
        for (String tenant : List.of("acme", "globex")) {
            for (int h = 0; h < 4; h++) {
                double value = 50;
                for (long ts = startMicros + random.nextInt(10_000_000); ts < endMicros; ts += 10 * SECOND) {
                    value = Math.max(0.5, value + random.nextGaussian() * 5);
                    points.add(new Point(tenant, "host-" + h, ts, value));
                }
            }
        }
        points.sort(Comparator.comparingLong(Point::tsMicros));
        return points;
    }

    /** Produces the points to one partition in order; returns each one's "partition/offset". */
    static List<String> send(KafkaProducer<byte[], byte[]> producer, String topic, int partition,
            List<Point> points) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (Point p : points) {
            sent.add(producer.send(new ProducerRecord<>(topic, partition, null,
                    p.json().getBytes(StandardCharsets.UTF_8))));
        }
        List<String> at = new ArrayList<>();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            at.add(m.partition() + "/" + m.offset());
        }
        return at;
    }

    /** Produces every point to its own partition, each partition's in time order. */
    static void send(KafkaProducer<byte[], byte[]> producer, String topic, List<Point> points) throws Exception {
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            send(producer, topic, p, points.stream().filter(x -> x.partition() == partition).toList());
        }
    }

    /** {@code n} traces starting within the hour from {@code t0Millis}, each finished within 15 minutes. */
    static List<Trace> traces(String prefix, long t0Millis, int n, Random random) {
        List<Trace> traces = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long created = t0Millis + random.nextInt(3_600_000);
            long assigned = created + 1_000 + random.nextInt(60_000);
            long started = assigned + 1_000 + random.nextInt(120_000);
            long finished = started + 10_000 + random.nextInt(600_000);
            traces.add(new Trace(prefix + i, "agent-" + random.nextInt(5), created, assigned, started,
                    finished, random.nextInt(5) != 0));
        }
        return traces;
    }

    /** Every event of the traces, each partition's in event-time order. */
    static List<Timed> events(List<Trace> traces) {
        List<Timed> out = new ArrayList<>();
        for (Trace t : traces) {
            int p = t.partition();
            out.add(new Timed(t.created(), p, event(t, "task.created", t.created(), "{}")));
            out.add(new Timed(t.assigned(), p, event(t, "task.assigned", t.assigned(),
                    "{\"agent_id\":\"" + t.agent() + "\"}")));
            out.add(new Timed(t.started(), p, event(t, "task.started", t.started(), "{}")));
            out.add(t.completed()
                    ? new Timed(t.finished(), p, event(t, "task.completed", t.finished(), "{}"))
                    : new Timed(t.finished(), p, event(t, "task.failed", t.finished(), "{\"error\":\"boom\"}")));
        }
        out.sort(Comparator.comparingLong(Timed::atMillis));
        return out;
    }

    static void sendEvents(KafkaProducer<byte[], byte[]> producer, String topic, List<Timed> events) {
        for (Timed e : events) {
            producer.send(new ProducerRecord<>(topic, e.partition(), null, e.json().getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    private static String event(Trace t, String type, long at, String metadata) {
        return "{\"event_id\":\"" + t.traceId() + "/" + type + "\",\"trace_id\":\"" + t.traceId()
                + "\",\"source\":\"" + t.agent() + "\",\"event_type\":\"" + type + "\",\"timestamp\":\""
                + Instant.ofEpochMilli(at) + "\",\"metadata\":" + metadata + "}";
    }

    /** Each (tenant, host, window start) of the points, for windows of {@code windowMicros}. */
    static Map<List<Object>, Expected> expected(List<Point> points, long windowMicros) {
        Map<List<Object>, List<Point>> windows = new HashMap<>();
        for (Point p : points) {
            long start = Math.floorDiv(p.tsMicros(), windowMicros) * windowMicros;
            windows.computeIfAbsent(List.of(p.tenant(), p.host(), instant(start)), k -> new ArrayList<>()).add(p);
        }
        Map<List<Object>, Expected> out = new HashMap<>();
        windows.forEach((key, unsorted) -> {
            List<Point> in = new ArrayList<>(unsorted);
            in.sort(Comparator.comparingLong(Point::tsMicros));
            BigDecimal sum = BigDecimal.ZERO;
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (Point p : in) {
                sum = sum.add(new BigDecimal(p.value()));
                min = Math.min(min, p.value());
                max = Math.max(max, p.value());
            }
            Point first = in.get(0);
            Point last = in.get(in.size() - 1);
            out.put(key, new Expected(in.size(), sum, min, max, first.value(), first.tsMicros(),
                    last.value(), last.tsMicros()));
        });
        return out;
    }

    /** The rows of {@code table} that {@code where} selects are exactly the expected windows. */
    static void assertRollups(Configuration conf, String table, String where, Map<List<Object>, Expected> expected)
            throws Exception {
        Map<List<Object>, Row> rows = new HashMap<>();
        for (Row row : ItServices.query(conf, "SELECT tenant, tags['host'], window_start, sample_count,"
                + " value_sum, value_min, value_max, value_first, first_ts, value_last, last_ts"
                + " FROM " + table + " WHERE " + where)) {
            List<Object> key = List.of(row.getField(0), row.getField(1), row.getField(2));
            assertThat(rows.put(key, row)).as("%s row %s is written once", table, key).isNull();
        }
        assertThat(rows.keySet()).as("%s has every expected window, no other", table).isEqualTo(expected.keySet());
        for (Map.Entry<List<Object>, Expected> e : expected.entrySet()) {
            Row row = rows.get(e.getKey());
            Expected x = e.getValue();
            String what = table + " " + e.getKey();
            assertThat(row.getField(3)).as(what).isEqualTo(x.count());
            assertThat((Double) row.getField(4)).as(what).isCloseTo(x.sum().doubleValue(),
                    within(Math.abs(x.sum().doubleValue()) * 1e-12));
            assertThat(row.getField(5)).as(what).isEqualTo(x.min());
            assertThat(row.getField(6)).as(what).isEqualTo(x.max());
            assertThat(row.getField(7)).as(what).isEqualTo(x.first());
            assertThat(row.getField(8)).as(what).isEqualTo(instant(x.firstTs()));
            assertThat(row.getField(9)).as(what).isEqualTo(x.last());
            assertThat(row.getField(10)).as(what).isEqualTo(instant(x.lastTs()));
        }
    }

    /** Every trace's row, by trace id, from the {@code traces} table. */
    static Map<String, Row> traceRows(Configuration conf) throws Exception {
        Map<String, Row> rows = new HashMap<>();
        for (Row row : ItServices.query(conf, "SELECT trace_id, status, assigned_agent, created_at,"
                + " assigned_at, started_at, completed_at, duration_ms, time_to_pickup_ms, span_count,"
                + " error, last_event_time FROM traces")) {
            assertThat(rows.put((String) row.getField(0), row)).as("one row per trace").isNull();
        }
        return rows;
    }

    /** Each trace's row holds what its four events say. */
    static void assertTraces(Map<String, Row> rows, List<Trace> traces) {
        for (Trace t : traces) {
            Row row = rows.get(t.traceId());
            String what = t.toString();
            assertThat(row).as(what).isNotNull();
            assertThat(row.getField(1)).as(what).isEqualTo(t.completed() ? "completed" : "failed");
            assertThat(row.getField(2)).as(what).isEqualTo(t.agent());
            assertThat(row.getField(3)).as(what).isEqualTo(Instant.ofEpochMilli(t.created()));
            assertThat(row.getField(4)).as(what).isEqualTo(Instant.ofEpochMilli(t.assigned()));
            assertThat(row.getField(5)).as(what).isEqualTo(Instant.ofEpochMilli(t.started()));
            assertThat(row.getField(6)).as(what).isEqualTo(Instant.ofEpochMilli(t.finished()));
            assertThat(row.getField(7)).as(what + " duration").isEqualTo(t.finished() - t.started());
            assertThat(row.getField(8)).as(what + " pickup").isEqualTo(t.started() - t.assigned());
            assertThat(row.getField(9)).as(what + " spans").isEqualTo(4);
            assertThat(row.getField(10)).as(what).isEqualTo(t.completed() ? null : "boom");
            assertThat(row.getField(11)).as(what).isEqualTo(Instant.ofEpochMilli(t.finished()));
        }
    }

    /** A count through Flink SQL; -1 while the table is not there yet. */
    static long count(Configuration conf, String sql) {
        try {
            return (Long) ItServices.query(conf, sql).get(0).getField(0);
        } catch (Exception e) {
            return -1;
        }
    }

    /** Every refused record, as "topic/partition/offset" to its reason code. */
    static Map<String, String> rejections(Configuration conf) throws Exception {
        Map<String, String> reasons = new HashMap<>();
        for (Row row : ItServices.query(conf,
                "SELECT source_topic, source_partition, source_offset, reason_code FROM rejected")) {
            reasons.put(row.getField(0) + "/" + row.getField(1) + "/" + row.getField(2), (String) row.getField(3));
        }
        return reasons;
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, SECOND), Math.floorMod(micros, SECOND) * 1_000);
    }
}
