package io.chronicle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.workload.RecordCursor;
import io.chronicle.workload.Swarm;
import io.chronicle.workload.Workload;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The life suite's input, day by day: one seeded stream of points over every simulated day (each
 * series sampled evenly over the day, in order: the tiers would reject a point held back by a
 * whole sample interval), produced a day at a time; and each day a swarm of traced tasks of its
 * own, created at noon. Keeps what a reference needs: the points of each UTC day by event time,
 * the events of each day, and one trace id of the first day.
 */
final class LifeWorkload {

    /** The first simulated day; in the past, as event times more than minutes ahead are refused. */
    static final Instant START = Workload.START;
    static final Duration DAY = Duration.ofDays(1);
    private static final String TIMESTAMP = "\"timestamp\":";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Configuration benchConf;
    private final Workload points;
    private final RecordCursor cursor;
    private final int partitions;
    private boolean pending;
    /** Points produced by their event time's UTC day (day 1 is {@link #START}'s). */
    private final Map<Integer, Long> pointsByDay = new TreeMap<>();
    private final Map<Integer, Long> eventsByDay = new TreeMap<>();
    private String firstTraceId;

    LifeWorkload(Configuration benchConf) {
        this.benchConf = benchConf;
        this.partitions = benchConf.get(BenchOptions.PARTITIONS);
        this.points = new Workload(benchConf.get(BenchOptions.DAYS) * benchConf.get(BenchOptions.POINTS_PER_DAY),
                benchConf.get(BenchOptions.SERIES), benchConf.get(BenchOptions.TENANTS), sampleInterval(benchConf),
                0, Duration.ZERO, benchConf.get(BenchOptions.SEED), START);
        this.cursor = points.records();
        this.pending = cursor.next();
    }

    /** A day times the series divided by the points of a day: every series samples evenly. */
    static Duration sampleInterval(Configuration benchConf) {
        long perDay = benchConf.get(BenchOptions.POINTS_PER_DAY);
        long series = benchConf.get(BenchOptions.SERIES);
        if (perDay % series != 0 || DAY.toMillis() * series % perDay != 0) {
            throw new IllegalArgumentException("Invalid value for option '" + BenchOptions.POINTS_PER_DAY.key()
                    + "': must be a multiple of the series (option '" + BenchOptions.SERIES.key() + "', "
                    + series + ") that divides a day's milliseconds times the series evenly, got " + perDay);
        }
        return Duration.ofMillis(DAY.toMillis() * series / perDay);
    }

    static Instant dayStart(int day) {
        return START.plus(DAY.multipliedBy(day - 1));
    }

    /** The day's points into {@code pointsTopic}, each series in one partition; returns how many. */
    long producePoints(Producer<byte[], byte[]> producer, String pointsTopic, int day) {
        long end = dayStart(day + 1).toEpochMilli();
        long sent = 0;
        while (pending && cursor.atMillis() < end) {
            byte[] json = cursor.json();
            pointsByDay.merge(dayOf(timestampOf(json)), 1L, Long::sum);
            producer.send(new ProducerRecord<>(pointsTopic, cursor.key() % partitions, null, json));
            sent++;
            pending = cursor.next();
        }
        producer.flush();
        return sent;
    }

    /** The day's swarm into {@code eventsTopic}, each trace and agent in one partition; returns its summary. */
    Swarm.Summary produceEvents(Producer<byte[], byte[]> producer, String eventsTopic, int day) {
        Swarm swarm = new Swarm(benchConf.get(BenchOptions.TRACES_PER_DAY), benchConf.get(BenchOptions.AGENTS),
                benchConf.get(BenchOptions.TENANTS), benchConf.get(BenchOptions.TRACES_PER_SECOND),
                benchConf.get(BenchOptions.OUT_OF_ORDER_SHARE), benchConf.get(BenchOptions.MAX_DELAY),
                benchConf.get(BenchOptions.SEED) + day, dayStart(day).plus(DAY.dividedBy(2)));
        Swarm.Summary summary = swarm.generate((key, json) -> {
            if (firstTraceId == null) {
                firstTraceId = taskTraceId(json);
            }
            producer.send(new ProducerRecord<>(eventsTopic, key % partitions, null, json));
        });
        producer.flush();
        eventsByDay.merge(day, summary.events(), Long::sum);
        return summary;
    }

    /** The points with event times from {@code fromDay} on, up to the last produced. */
    long pointsFrom(int fromDay) {
        return pointsByDay.entrySet().stream().filter(e -> e.getKey() >= fromDay).mapToLong(Map.Entry::getValue).sum();
    }

    /** The points of days {@code fromDay} up to but not including {@code toDay}. */
    long pointsBetween(int fromDay, int toDay) {
        return pointsByDay.entrySet().stream().filter(e -> e.getKey() >= fromDay && e.getKey() < toDay)
                .mapToLong(Map.Entry::getValue).sum();
    }

    long eventsFrom(int fromDay) {
        return eventsByDay.entrySet().stream().filter(e -> e.getKey() >= fromDay).mapToLong(Map.Entry::getValue).sum();
    }

    long pointsProduced() {
        return pointsFrom(Integer.MIN_VALUE);
    }

    long eventsProduced() {
        return eventsFrom(Integer.MIN_VALUE);
    }

    int series() {
        return benchConf.get(BenchOptions.SERIES);
    }

    /** A task's trace id from the first day, the one the trace lookup looks up. */
    String firstTraceId() {
        return firstTraceId;
    }

    /** The points of the last {@code days} simulated days as a workload of their own, for the peer. */
    Workload lastDays(int days) {
        int last = benchConf.get(BenchOptions.DAYS);
        int first = Math.max(1, last - days + 1);
        return new Workload((long) (last - first + 1) * benchConf.get(BenchOptions.POINTS_PER_DAY),
                benchConf.get(BenchOptions.SERIES), benchConf.get(BenchOptions.TENANTS), sampleInterval(benchConf),
                0, Duration.ZERO, benchConf.get(BenchOptions.SEED), dayStart(first));
    }

    /** The simulated day (1-based) an epoch millisecond falls on. */
    static int dayOf(long millis) {
        return (int) Math.floorDiv(millis - START.toEpochMilli(), DAY.toMillis()) + 1;
    }

    /** The point's {@code "timestamp":<millis>}, its last field. */
    static long timestampOf(byte[] json) {
        String text = new String(json, StandardCharsets.UTF_8);
        int at = text.lastIndexOf(TIMESTAMP) + TIMESTAMP.length();
        int end = at;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        return Long.parseLong(text.substring(at, end));
    }

    private static String taskTraceId(byte[] json) {
        try {
            JsonNode event = JSON.readTree(json);
            String traceId = event.path("trace_id").asText();
            return traceId.startsWith("hb-") ? null : traceId;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
