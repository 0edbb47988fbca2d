package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.SketchCodec;
import io.chronicle.sinks.RangeReplace;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.types.Row;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The rollup tiers end to end against real Kafka and S3: a few hundred thousand random points
 * (hundreds of series, out of order within the allowed lateness, some later than it) go through
 * the ingest job, and every row of {@code rollup_5m} and {@code rollup_1h} is compared with the
 * tiers computed by brute force in this test from the same input. Then a range is deleted and
 * rebuilt from {@code points_raw}, and must come back identical.
 */
class RollupsITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final long SECOND = 1_000_000L;
    private static final long FIVE_MINUTES = 300 * SECOND;
    private static final long HOUR = 3_600 * SECOND;
    private static final long SPAN = 6 * HOUR;
    /** Within every lateness below: arrival order differs from event time by up to this. */
    private static final long MAX_DISORDER = 90 * SECOND;
    private static final int HOSTS = 40;
    private static final List<String> METRICS =
            List.of("cpu_usage", "mem_used", "requests_total", "bytes_sent");
    private static final Set<String> COUNTERS = Set.of("requests_total", "bytes_sent");
    private static final int DATA_PARTITIONS = 4;
    /** A partition that only has points in the first minutes, then goes quiet. */
    private static final int QUIET_PARTITION = 4;
    private static final int LATE_POINTS = 200;

    /** One generated sample. */
    record Sample(Series series, long tsMicros, double value, long arrivalMicros) {}

    record Series(String tenant, String metric, String host) {
        String json(long tsMicros, double value) {
            return "{\"tenant\":\"" + tenant + "\",\"metric\":\"" + metric + "\",\"tags\":{\"host\":\""
                    + host + "\"},\"value\":" + value + ",\"timestamp\":" + tsMicros + "}";
        }

        int partition() {
            return Math.floorMod((tenant + metric + host).hashCode(), DATA_PARTITIONS);
        }
    }

    /** A window's expected aggregate, from the samples alone. */
    record Expected(long count, BigDecimal sum, double min, double max, double first, long firstTs,
            double last, long lastTs, double stddev, double increase, double[] sorted) {}

    @Test
    void everyTierRowMatchesBruteForceAndARebuiltRangeComesBackIdentical() throws Exception {
        String run = "rollups";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.ROLLUP_ALLOWED_LATENESS.key(), "2 min",
                ChronicleOptions.ROLLUP_COUNTERS.key(), "bytes_sent",
                RollupPolicy.TENANTS_PREFIX + "globex.tiers", "5m",
                RollupPolicy.TENANTS_PREFIX + "globex.allowed-lateness", "3 min",
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "20 s"));
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        services.kafka.createTopic(pointsTopic, DATA_PARTITIONS + 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        long t0 = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.DAYS).toEpochMilli() * 1_000L;
        Random random = new Random(2026);
        List<Sample> samples = generate(t0, random);
        Series quiet = new Series("acme", "cpu_usage", "quiet-partition");
        List<Sample> quietSamples = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            quietSamples.add(new Sample(quiet, t0 + i * 30 * SECOND + 7, 10 + i, 0));
        }

        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            List<Sample> byArrival = new ArrayList<>(samples);
            byArrival.sort(Comparator.comparingLong(Sample::arrivalMicros));
            produce(producer, pointsTopic, byArrival, null);
            produce(producer, pointsTopic, quietSamples, QUIET_PARTITION);
        }
        List<Sample> folded = new ArrayList<>(samples);
        folded.addAll(quietSamples);
        int acmeSeries = HOSTS * METRICS.size() + 1;
        int allSeries = 2 * HOSTS * METRICS.size() + 1;

        // The tiers from the rollups job; points_raw, which the rebuild below reads, from ingest.
        Map<ChronicleJob, JobClient> jobs =
                startJobs(conf, run, 2, List.of(ChronicleJob.INGEST, ChronicleJob.ROLLUPS), Map.of());
        Map<String, Long> lateOffsets = new HashMap<>();
        try {
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table hourly = catalog.loadTable(TableIdentifier.of("chronicle", "rollup_1h"));
            Table fiveMinutes = catalog.loadTable(TableIdentifier.of("chronicle", "rollup_5m"));
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));
            // Only the quiet partition's idleness lets event time pass its first minutes.
            ItServices.waitUntil("five hours of rollup_1h", DEADLINE,
                    () -> TableStats.committedRecords(hourly) >= (long) (acmeSeries - 1) * 5 + 1,
                    () -> "1h " + TableStats.committedRecords(hourly));

            // Points for windows written long ago: each must be rejected as too_late.
            List<Sample> late = new ArrayList<>();
            for (int i = 0; i < LATE_POINTS; i++) {
                Sample s = samples.get(random.nextInt(samples.size()));
                late.add(new Sample(s.series(), t0 + HOUR + random.nextInt(3_600_000) * 1_000L + 3,
                        -1, 0));
            }
            // Then points per partition far ahead, so every data window becomes due: one more
            // than a partition's watermark takes for outliers.
            try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
                lateOffsets.putAll(produce(producer, pointsTopic, late, null));
                for (int p = 0; p <= QUIET_PARTITION; p++) {
                    List<Sample> flush = new ArrayList<>();
                    for (int i = 0; i <= ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue(); i++) {
                        flush.add(new Sample(new Series("acme", "flush", "p" + p), t0 + 30 * HOUR + i, 1, 0));
                    }
                    produce(producer, pointsTopic, flush, p);
                }
            }
            Map<List<Object>, Expected> expected5m = expected(folded, FIVE_MINUTES, tenant -> true);
            Map<List<Object>, Expected> expected1h = expected(folded, HOUR, "acme"::equals);
            ItServices.waitUntil("every window of both tiers and every late point", DEADLINE,
                    () -> TableStats.committedRecords(fiveMinutes) >= expected5m.size()
                            && TableStats.committedRecords(hourly) >= expected1h.size()
                            && TableStats.committedRecords(rejected) >= LATE_POINTS,
                    () -> "5m " + TableStats.committedRecords(fiveMinutes) + "/" + expected5m.size()
                            + ", 1h " + TableStats.committedRecords(hourly) + "/" + expected1h.size()
                            + ", rejected " + TableStats.committedRecords(rejected) + "/" + LATE_POINTS);
        } finally {
            cancel(jobs);
        }

        Map<List<Object>, Expected> expected5m = expected(folded, FIVE_MINUTES, tenant -> true);
        Map<List<Object>, Expected> expected1h = expected(folded, HOUR, "acme"::equals);
        Map<List<Object>, Row> rows5m = tierRows(conf, "rollup_5m");
        assertTierMatches("rollup_5m", rows5m, expected5m);
        assertTierMatches("rollup_1h", tierRows(conf, "rollup_1h"), expected1h);
        assertTooLateRejected(conf, lateOffsets);

        // Delete hours 4 to 6 of rollup_5m, then rebuild them from points_raw. (The late points
        // lie in hour 1, before the rebuild's look-back for counters, so the rows must not change.)
        Instant from = Instant.ofEpochMilli((t0 + 4 * HOUR) / 1_000);
        Instant to = Instant.ofEpochMilli((t0 + 6 * HOUR) / 1_000);
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        Table fiveMinutes = catalog.loadTable(TableIdentifier.of("chronicle", "rollup_5m"));
        RangeReplace.replace(fiveMinutes, fiveMinutes.currentSnapshot().snapshotId(),
                t0 + 4 * HOUR, t0 + 6 * HOUR, FIVE_MINUTES, List.of());
        Map<List<Object>, Row> corrupted = tierRows(conf, "rollup_5m");
        long inRange = rows5m.keySet().stream()
                .filter(k -> inRange((Instant) k.get(2), from, to)).count();
        assertThat(inRange).as("every data series has every window").isEqualTo((long) (allSeries - 1) * 24);
        assertThat(corrupted).hasSize((int) (rows5m.size() - inRange));

        Configuration rebuildConf = new Configuration(conf);
        rebuildConf.set(PipelineOptions.GENERIC_TYPES, false);
        RangeReplace.Result result = RollupRebuild.run(rebuildConf, "5m", from, to);
        assertThat(result.deleteFilesAdded()).as("one delete file per tenant and day").isEqualTo(2);
        Map<List<Object>, Row> rebuilt = tierRows(conf, "rollup_5m");
        assertThat(rebuilt.keySet()).isEqualTo(rows5m.keySet());
        for (Map.Entry<List<Object>, Row> row : rows5m.entrySet()) {
            assertThat(rebuilt.get(row.getKey()).toString()).as("row %s", row.getKey())
                    .isEqualTo(row.getValue().toString());
        }
    }

    private static boolean inRange(Instant windowStart, Instant from, Instant to) {
        return !windowStart.isBefore(from) && windowStart.isBefore(to);
    }

    /**
     * Every series samples every 5 to 35 s over six hours at distinct microseconds; gauges
     * wander, counters climb and now and then reset. Each sample arrives up to
     * {@link #MAX_DISORDER} after its event time, which shuffles the order within a partition.
     */
    private static List<Sample> generate(long t0, Random random) {
        List<Sample> samples = new ArrayList<>();
        for (String tenant : List.of("acme", "globex")) {
            for (String metric : METRICS) {
                for (int h = 0; h < HOSTS; h++) {
                    Series series = new Series(tenant, metric, "host-" + h);
                    boolean counter = COUNTERS.contains(metric);
                    double value = counter ? random.nextInt(1_000) : 50;
                    long ts = t0 + random.nextInt(20_000_000);
                    while (ts < t0 + SPAN) {
                        if (counter) {
                            value = random.nextInt(200) == 0 ? random.nextInt(10) : value + random.nextDouble() * 100;
                        } else {
                            value = Math.max(0.5, Math.min(200, value + random.nextGaussian() * 8));
                        }
                        long arrival = ts + (long) (random.nextDouble() * MAX_DISORDER);
                        samples.add(new Sample(series, ts, value, arrival));
                        ts += 5 * SECOND + random.nextInt(30_000_000);
                    }
                }
            }
        }
        return samples;
    }

    /** Produces the samples in order; returns each sample's "partition/offset". */
    private static Map<String, Long> produce(KafkaProducer<byte[], byte[]> producer, String topic,
            List<Sample> samples, Integer partition) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            int p = partition != null ? partition : s.series().partition();
            sent.add(producer.send(new ProducerRecord<>(topic, p, null,
                    s.series().json(s.tsMicros(), s.value()).getBytes(StandardCharsets.UTF_8))));
        }
        Map<String, Long> offsets = new HashMap<>();
        for (Future<RecordMetadata> f : sent) {
            RecordMetadata m = f.get();
            offsets.put(m.partition() + "/" + m.offset(), m.offset());
        }
        return offsets;
    }

    /** Each (tenant, series key, window start) computed from its samples directly. */
    private static Map<List<Object>, Expected> expected(List<Sample> samples, long window,
            java.util.function.Predicate<String> tenants) {
        Map<Series, List<Sample>> bySeries = samples.stream()
                .filter(s -> tenants.test(s.series().tenant()))
                .collect(Collectors.groupingBy(Sample::series));
        Map<List<Object>, Expected> out = new HashMap<>();
        for (Map.Entry<Series, List<Sample>> e : bySeries.entrySet()) {
            List<Sample> series = new ArrayList<>(e.getValue());
            series.sort(Comparator.comparingLong(Sample::tsMicros));
            boolean counter = COUNTERS.contains(e.getKey().metric());
            TreeMap<Long, List<Integer>> windows = new TreeMap<>();
            for (int i = 0; i < series.size(); i++) {
                windows.computeIfAbsent(Math.floorDiv(series.get(i).tsMicros(), window) * window,
                        w -> new ArrayList<>()).add(i);
            }
            for (Map.Entry<Long, List<Integer>> w : windows.entrySet()) {
                List<Integer> idx = w.getValue();
                double[] values = idx.stream().mapToDouble(i -> series.get(i).value()).toArray();
                BigDecimal sum = BigDecimal.ZERO;
                for (double v : values) {
                    sum = sum.add(new BigDecimal(v));
                }
                double mean = sum.doubleValue() / values.length;
                double squares = 0;
                for (double v : values) {
                    squares += (v - mean) * (v - mean);
                }
                double increase = 0;
                for (int i : idx) {
                    if (counter && i > 0) {
                        double previous = series.get(i - 1).value();
                        double v = series.get(i).value();
                        increase += v >= previous ? v - previous : v;
                    }
                }
                double[] sorted = values.clone();
                Arrays.sort(sorted);
                Sample first = series.get(idx.get(0));
                Sample last = series.get(idx.get(idx.size() - 1));
                out.put(key(e.getKey(), Instant.ofEpochMilli(w.getKey() / 1_000)),
                        new Expected(values.length, sum, sorted[0], sorted[sorted.length - 1],
                                first.value(), first.tsMicros(), last.value(), last.tsMicros(),
                                Math.sqrt(squares / values.length), counter ? increase : Double.NaN,
                                sorted));
            }
        }
        return out;
    }

    private static List<Object> key(Series s, Instant windowStart) {
        return List.of(s.tenant(), s.metric() + "/" + s.host(), windowStart);
    }

    private static Map<List<Object>, Row> tierRows(Configuration conf, String table) throws Exception {
        List<Row> rows = ItServices.query(conf, "SELECT tenant, metric, tags['host'], window_start,"
                + " window_end, sample_count, value_sum, value_min, value_max, value_first, first_ts,"
                + " value_last, last_ts, value_sum_squares, counter_increase, sketch FROM " + table
                + " WHERE metric <> 'flush'");
        Map<List<Object>, Row> byKey = new HashMap<>();
        for (Row row : rows) {
            List<Object> key = List.of(row.getField(0), row.getField(1) + "/" + row.getField(2),
                    row.getField(3));
            assertThat(byKey.put(key, row)).as("%s row %s is written once", table, key).isNull();
        }
        return byKey;
    }

    private static void assertTierMatches(String table, Map<List<Object>, Row> rows,
            Map<List<Object>, Expected> expected) {
        assertThat(rows.keySet()).as("%s has exactly the expected windows", table)
                .isEqualTo(expected.keySet());
        for (Map.Entry<List<Object>, Row> entry : rows.entrySet()) {
            Row row = entry.getValue();
            Expected e = expected.get(entry.getKey());
            String what = table + " " + entry.getKey();
            long count = (Long) row.getField(5);
            double sum = (Double) row.getField(6);
            double sumSquares = (Double) row.getField(13);
            assertThat(count).as(what).isEqualTo(e.count());
            assertThat(sum).as(what).isCloseTo(e.sum().doubleValue(),
                    within(Math.abs(e.sum().doubleValue()) * 1e-12));
            assertThat((Double) row.getField(7)).as(what).isEqualTo(e.min());
            assertThat((Double) row.getField(8)).as(what).isEqualTo(e.max());
            assertThat((Double) row.getField(9)).as(what).isEqualTo(e.first());
            assertThat(row.getField(10)).as(what).isEqualTo(instant(e.firstTs()));
            assertThat((Double) row.getField(11)).as(what).isEqualTo(e.last());
            assertThat(row.getField(12)).as(what).isEqualTo(instant(e.lastTs()));
            double mean = sum / count;
            double stddev = Math.sqrt(Math.max(0, sumSquares / count - mean * mean));
            assertThat(stddev).as(what + " stddev").isCloseTo(e.stddev(), within(e.stddev() * 1e-9 + 1e-12));
            if (Double.isNaN(e.increase())) {
                assertThat(row.getField(14)).as(what + " gauge").isNull();
            } else {
                assertThat((Double) row.getField(14)).as(what + " increase")
                        .isCloseTo(e.increase(), within(Math.abs(e.increase()) * 1e-12));
            }
            byte[] sketch = (byte[]) row.getField(15);
            for (double q : new double[] {0, 0.5, 0.9, 0.99, 1}) {
                double exact = e.sorted()[(int) Math.floor(q * (e.sorted().length - 1))];
                assertThat(SketchCodec.quantile(sketch, q)).as(what + " p" + q)
                        .isCloseTo(exact, within(exact * SketchCodec.RELATIVE_ACCURACY + 1e-9));
            }
        }
    }

    private static void assertTooLateRejected(Configuration conf, Map<String, Long> lateOffsets)
            throws Exception {
        List<Row> rows = ItServices.query(conf,
                "SELECT source_partition, source_offset, reason_code FROM rejected");
        Set<String> rejected = new HashSet<>();
        for (Row row : rows) {
            assertThat(row.getField(2)).isEqualTo("too_late");
            assertThat(rejected.add(row.getField(0) + "/" + row.getField(1))).isTrue();
        }
        assertThat(rejected).as("exactly the late points, each once").isEqualTo(lateOffsets.keySet());
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, SECOND), Math.floorMod(micros, SECOND) * 1_000);
    }
}
