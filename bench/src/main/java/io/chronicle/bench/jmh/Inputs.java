package io.chronicle.bench.jmh;

import io.chronicle.bench.BenchOptions;
import io.chronicle.workload.Workload;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

/**
 * The seeded inputs of the parsing benchmarks: the bench workload's JSON points (with the
 * workload options' defaults, as {@code bench/run rollups} produces them) and task lifecycle
 * events shaped like the sample traffic's, each wrapped in the Kafka record the source hands to
 * its deserializer. Benchmarks cycle through them, so no one payload stays hot.
 */
public final class Inputs {

    /** Payloads cycled through; a power of two, so the next index is a mask away. */
    static final int COUNT = 4_096;
    static final int MASK = COUNT - 1;

    static final String POINTS_TOPIC = "chronicle.points";
    static final String EVENTS_TOPIC = "chronicle.events";

    private static final Instant EVENTS_START = Instant.parse("2025-01-01T00:00:00Z");
    private static final int AGENTS = 20;

    private Inputs() {}

    /** What the micro-benchmarks read, for their report: counts and sizes of payloads and sketches. */
    public static Map<String, Object> describe() {
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("point_payloads", COUNT);
        inputs.put("point_payload_mean_bytes", meanLength(points()));
        inputs.put("event_payloads", COUNT);
        inputs.put("event_payload_mean_bytes", meanLength(events()));
        SeriesSamples samples = SeriesSamples.generate(SeriesSamples.MIXED_HOSTS);
        inputs.put("sketch_series", samples.series);
        inputs.put("samples_per_5m", SeriesSamples.PER_5M);
        inputs.put("samples_per_1h", SeriesSamples.PER_HOUR);
        byte[][] fiveMinutes = new byte[samples.series * SeriesSamples.WINDOWS_PER_HOUR][];
        byte[][] hours = new byte[samples.series][];
        for (int s = 0; s < samples.series; s++) {
            for (int w = 0; w < SeriesSamples.WINDOWS_PER_HOUR; w++) {
                int from = w * SeriesSamples.PER_5M;
                fiveMinutes[s * SeriesSamples.WINDOWS_PER_HOUR + w] =
                        SeriesSamples.sketch(samples.values(s, from, from + SeriesSamples.PER_5M));
            }
            hours[s] = SeriesSamples.sketch(samples.values[s]);
        }
        inputs.put("sketch_5m_mean_bytes", meanLength(fiveMinutes));
        inputs.put("sketch_1h_mean_bytes", meanLength(hours));
        inputs.put("sketch_1h_max_bytes", Arrays.stream(hours).mapToInt(h -> h.length).max().orElse(0));
        inputs.put("sketches_merged_across_series",
                SketchMergeAcrossSeries.SKETCHES + " of " + SeriesSamples.LATENCY_METRIC);
        return inputs;
    }

    private static long meanLength(byte[][] arrays) {
        return Math.round(Arrays.stream(arrays).mapToInt(a -> a.length).average().orElse(0));
    }

    /** The first {@link #COUNT} points of the default workload, in production order. */
    static byte[][] points() {
        Workload workload = new Workload(COUNT, BenchOptions.SERIES.defaultValue(),
                BenchOptions.TENANTS.defaultValue(), BenchOptions.SAMPLE_INTERVAL.defaultValue(),
                BenchOptions.OUT_OF_ORDER_SHARE.defaultValue(), BenchOptions.MAX_DELAY.defaultValue(),
                BenchOptions.SEED.defaultValue());
        List<byte[]> payloads = new ArrayList<>(COUNT);
        workload.generate((series, json) -> payloads.add(json));
        return payloads.toArray(new byte[0][]);
    }

    /**
     * {@link #COUNT} lifecycle events of traces one after another: created and assigned by the
     * dispatcher, started by an agent, then mostly completed, sometimes failed, rarely neither.
     */
    static byte[][] events() {
        Random random = new Random(BenchOptions.SEED.defaultValue());
        List<byte[]> events = new ArrayList<>(COUNT);
        long at = EVENTS_START.toEpochMilli();
        while (events.size() < COUNT) {
            String traceId = uuid(random);
            String agent = "agent-" + random.nextInt(AGENTS);
            events.add(event(random, "dispatch", "task.created", traceId, at,
                    "{\"task_title\":\"Task " + traceId.substring(0, 8) + "\",\"owner\":\"team-"
                            + random.nextInt(4) + "\"}"));
            long assigned = at + 200 + random.nextInt(800);
            events.add(event(random, "dispatch", "task.assigned", traceId, assigned,
                    "{\"agent_id\":\"" + agent + "\"}"));
            long started = assigned + 100 + random.nextInt(2_000);
            events.add(event(random, agent, "task.started", traceId, started, "{}"));
            long finished = started + 1_000 + random.nextInt(20_000);
            double outcome = random.nextDouble();
            if (outcome < 0.90) {
                events.add(event(random, agent, "task.completed", traceId, finished,
                        "{\"scoring_breakdown\":{\"quality\":" + random.nextInt(100) + "}}"));
            } else if (outcome < 0.97) {
                events.add(event(random, agent, "task.failed", traceId, finished,
                        "{\"error\":\"exit code " + (1 + random.nextInt(3)) + "\"}"));
            }
            at += random.nextInt(500);
        }
        return events.subList(0, COUNT).toArray(new byte[0][]);
    }

    private static byte[] event(Random random, String source, String type, String traceId, long atMillis,
            String metadata) {
        return ("{\"event_id\":\"" + uuid(random) + "\",\"trace_id\":\"" + traceId + "\",\"source\":\"" + source
                + "\",\"event_type\":\"" + type + "\",\"timestamp\":\"" + Instant.ofEpochMilli(atMillis)
                + "\",\"metadata\":" + metadata + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static String uuid(Random random) {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    /** Each payload as the Kafka source reads it: offsets in order, a create time, no headers. */
    @SuppressWarnings("unchecked")
    static ConsumerRecord<byte[], byte[]>[] records(String topic, byte[][] payloads) {
        ConsumerRecord<byte[], byte[]>[] records = new ConsumerRecord[payloads.length];
        long now = System.currentTimeMillis();
        for (int i = 0; i < payloads.length; i++) {
            records[i] = new ConsumerRecord<>(topic, 0, i, now, TimestampType.CREATE_TIME, 0,
                    payloads[i].length, null, payloads[i], new RecordHeaders(), Optional.empty());
        }
        return records;
    }

    /** Keeps the last record a deserializer emitted, for the benchmark to consume and check. */
    static final class Last<T> implements Collector<T> {
        T record;

        @Override
        public void collect(T record) {
            this.record = record;
        }

        @Override
        public void close() {}
    }
}
