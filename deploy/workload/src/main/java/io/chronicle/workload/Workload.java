package io.chronicle.workload;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The seeded metric workload the benchmarks read: hosts of several tenants, each reporting 20
 * metrics (36 series with their tags), every series sampled at a fixed interval with a phase of
 * its own. Records come in event-time order, as scrapers send them, except for a small share
 * produced a few intervals late. Gauges wander, counters climb and now and then reset. Payloads
 * are the JSON the ingest job parses; the same settings give the same records.
 *
 * <p>{@link #generate} hands out every record at a {@link Pacer}'s pace; {@link #records()} gives
 * them one at a time, for a caller that paces or stops on its own.
 */
public final class Workload {

    /** Event time of the first sample unless given; fixed, so a seed fixes every byte. */
    public static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

    /** Every tag key any series has; the Flink SQL baseline declares them as columns. */
    public static final List<String> TAG_KEYS = List.of(
            "host", "region", "env", "device", "interface", "method", "status", "route", "pool", "gc",
            "db", "topic");

    private static final String[] REGIONS = {"eu-west-1", "us-east-1", "ap-south-1"};
    private static final double COUNTER_RESET_CHANCE = 1.0 / 2_000;

    private static final List<Metric> METRICS = List.of(
            new Metric("cpu_usage_percent", 35, 3, 100),
            new Metric("cpu_load_1m", 1.5, 0.2, 64),
            new Metric("memory_used_bytes", 6e9, 5e7, 64e9),
            new Metric("memory_available_bytes", 10e9, 5e7, 64e9),
            new Metric("disk_used_bytes", 2e11, 1e8, 1e12, tag("device", "sda", "sdb")),
            new Metric("disk_io_seconds_total", 0, 0.8, 0, tag("device", "sda", "sdb")),
            new Metric("network_receive_bytes_total", 0, 4e6, 0, tag("interface", "eth0", "eth1")),
            new Metric("network_transmit_bytes_total", 0, 2e6, 0, tag("interface", "eth0", "eth1")),
            new Metric("process_open_fds", 300, 5, 65_536),
            new Metric("http_requests_total", 0, 400, 0,
                    tag("method", "GET", "POST"), tag("status", "200", "404", "500")),
            new Metric("http_request_duration_seconds", 0.08, 0.01, 30,
                    tag("route", "/api/users", "/api/orders", "/health")),
            new Metric("jvm_heap_used_bytes", 5e8, 2e7, 8e9, tag("pool", "eden", "old")),
            new Metric("jvm_gc_pause_seconds_total", 0, 0.05, 0, tag("gc", "young", "old")),
            new Metric("jvm_threads_live", 120, 3, 10_000),
            new Metric("db_connections_active", 20, 2, 500, tag("db", "orders", "users")),
            new Metric("db_query_duration_seconds", 0.01, 0.002, 60, tag("db", "orders", "users")),
            new Metric("kafka_consumer_lag", 500, 80, 1e9, tag("topic", "orders", "payments")),
            new Metric("queue_depth", 40, 6, 1e6),
            new Metric("errors_total", 0, 2, 0),
            new Metric("up", 1, 0, 1));

    /** What a generated workload holds. */
    public record Summary(long points, int series, int hosts, int metrics, int tenants,
            long outOfOrder, long bytes, long spanSeconds, long maxDisorderSeconds) {}

    private final long points;
    private final long startMillis;
    private final long intervalMillis;
    private final double outOfOrderShare;
    private final int delayTicks;
    private final long seed;
    private final int tenants;
    private final int hosts;
    private final List<Series> series = new ArrayList<>();

    /** The workload starting at {@link #START}. */
    public Workload(long points, int seriesCount, int tenants, Duration interval,
            double outOfOrderShare, Duration maxDelay, long seed) {
        this(points, seriesCount, tenants, interval, outOfOrderShare, maxDelay, seed, START);
    }

    /**
     * {@code points} points over {@code seriesCount} series of {@code tenants} tenants, each series
     * sampled every {@code interval} from {@code start} on; {@code outOfOrderShare} of the points
     * are produced up to {@code maxDelay} later than their turn.
     */
    public Workload(long points, int seriesCount, int tenants, Duration interval,
            double outOfOrderShare, Duration maxDelay, long seed, Instant start) {
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("the sample interval must be at least 1 ms, not " + interval);
        }
        this.points = points;
        this.startMillis = start.toEpochMilli();
        this.intervalMillis = interval.toMillis();
        this.outOfOrderShare = outOfOrderShare;
        this.delayTicks = (int) Math.max(1, maxDelay.toMillis() / intervalMillis);
        this.seed = seed;
        this.tenants = tenants;
        Random phases = new Random(seed);
        int host = 0;
        while (series.size() < seriesCount) {
            String tenant = Tenants.name(host % tenants);
            TreeMap<String, String> hostTags = new TreeMap<>();
            hostTags.put("host", String.format("host-%04d", host));
            hostTags.put("region", REGIONS[host % REGIONS.length]);
            hostTags.put("env", host % 5 == 4 ? "staging" : "prod");
            for (Metric metric : METRICS) {
                for (TreeMap<String, String> tags : metric.tagCombinations(hostTags)) {
                    if (series.size() < seriesCount) {
                        long count = points / seriesCount + (series.size() < points % seriesCount ? 1 : 0);
                        series.add(new Series(tenant, metric, tags,
                                (long) (phases.nextDouble() * intervalMillis), count));
                    }
                }
            }
            host++;
        }
        this.hosts = host;
    }

    /**
     * How far event time can go backwards within one series' partition: a held-back point lands
     * after every point of the ticks it skipped, each of which may lie up to one interval on.
     */
    public Duration maxDisorder() {
        return Duration.ofMillis((delayTicks + 1) * intervalMillis);
    }

    /**
     * About where event time stands once {@code records} records are out, as every series samples
     * once an interval in turn: never past the latest record, and about one interval behind it
     * (more while many points are held back).
     */
    public long eventMillisAfter(long records) {
        return startMillis + records / series.size() * intervalMillis;
    }

    /** Distinct (series, window) pairs among the points: the rows of a rollup tier. */
    public long windows(Duration size) {
        long sizeMillis = size.toMillis();
        long windows = 0;
        for (Series s : series) {
            long previous = Long.MIN_VALUE;
            for (long k = 0; k < s.count; k++) {
                long window = Math.floorDiv(startMillis + s.phaseMillis + k * intervalMillis, sizeMillis);
                if (window != previous) {
                    windows++;
                    previous = window;
                }
            }
        }
        return windows;
    }

    /** Generates every record into {@code out} as fast as possible. */
    public Summary generate(Output out) {
        return generate(out, Pacer.asFastAsPossible());
    }

    /** Generates every record into {@code out} at the pacer's pace. */
    public Summary generate(Output out, Pacer pacer) {
        Points records = new Points();
        pacer.run(records, out);
        return new Summary(points, series.size(), hosts, METRICS.size(), tenants, records.outOfOrder,
                records.bytes, records.ticks * intervalMillis / 1_000, maxDisorder().toSeconds());
    }

    /** The records one at a time, the same as {@link #generate} hands out. */
    public RecordCursor records() {
        return new Points();
    }

    private static String[] tag(String key, String... values) {
        String[] tag = new String[values.length + 1];
        tag[0] = key;
        System.arraycopy(values, 0, tag, 1, values.length);
        return tag;
    }

    /** A metric: counters (named {@code *_total}) climb by up to {@code step}, gauges wander. */
    private record Metric(String name, double initial, double step, double max, String[]... tags) {

        double next(double value, Random random) {
            if (name.endsWith("_total")) {
                return random.nextDouble() < COUNTER_RESET_CHANCE ? 0 : value + random.nextDouble() * step;
            }
            return Math.min(max, Math.max(0, value + random.nextGaussian() * step));
        }

        /** The host's tags with every combination of this metric's own tag values. */
        List<TreeMap<String, String>> tagCombinations(TreeMap<String, String> hostTags) {
            List<TreeMap<String, String>> combinations = List.of(hostTags);
            for (String[] tag : tags) {
                List<TreeMap<String, String>> next = new ArrayList<>();
                for (TreeMap<String, String> partial : combinations) {
                    for (String value : Arrays.copyOfRange(tag, 1, tag.length)) {
                        TreeMap<String, String> extended = new TreeMap<>(partial);
                        extended.put(tag[0], value);
                        next.add(extended);
                    }
                }
                combinations = next;
            }
            return combinations;
        }
    }

    private static final class Series {
        final Metric metric;
        final long phaseMillis;
        final long count;
        /** The payload up to the value, which is the same for every sample of the series. */
        final String prefix;

        Series(String tenant, Metric metric, TreeMap<String, String> tags, long phaseMillis, long count) {
            this.metric = metric;
            this.phaseMillis = phaseMillis;
            this.count = count;
            this.prefix = "{\"tenant\":\"" + tenant + "\",\"metric\":\"" + metric.name() + "\",\"tags\":{"
                    + tags.entrySet().stream().map(t -> "\"" + t.getKey() + "\":\"" + t.getValue() + "\"")
                            .collect(Collectors.joining(","))
                    + "},\"value\":";
        }

        byte[] json(double sample, long timestampMillis) {
            return (prefix + sample + ",\"timestamp\":" + timestampMillis + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    private record Held(int series, byte[] json) {}

    /**
     * The records tick by tick: first the held-back points due at the tick, then one sample of
     * each series in phase order, so each tick is in event-time order but for what was held back.
     */
    private final class Points extends CurrentRecord {
        private final Random random = new Random(seed + 1);
        private final int[] order;
        private final long ticks = series.stream().mapToLong(s -> s.count).max().orElse(0);
        /** Slot t holds the points held back until tick t; a point is held for at most delayTicks. */
        private final List<List<Held>> held = new ArrayList<>();
        private final double[] values = series.stream().mapToDouble(s -> s.metric.initial()).toArray();
        private long tick;
        private List<Held> due;
        private int nextDue;
        private int nextInOrder;
        private long outOfOrder;
        private long bytes;

        Points() {
            List<Integer> byPhase = new ArrayList<>();
            for (int i = 0; i < series.size(); i++) {
                byPhase.add(i);
            }
            byPhase.sort(Comparator.comparingLong(i -> series.get(i).phaseMillis));
            order = byPhase.stream().mapToInt(Integer::intValue).toArray();
            for (int t = 0; t <= delayTicks; t++) {
                held.add(new ArrayList<>());
            }
            due = held.get(0);
        }

        @Override
        public boolean next() {
            while (tick < ticks + delayTicks) {
                if (nextDue < due.size()) {
                    Held h = due.get(nextDue++);
                    return current(h.series, h.json, startMillis + tick * intervalMillis);
                }
                while (tick < ticks && nextInOrder < order.length) {
                    int i = order[nextInOrder++];
                    Series s = series.get(i);
                    if (tick >= s.count) {
                        continue;
                    }
                    values[i] = s.metric.next(values[i], random);
                    long timestamp = startMillis + s.phaseMillis + tick * intervalMillis;
                    byte[] sample = s.json(Math.round(values[i] * 1000) / 1000.0, timestamp);
                    bytes += sample.length;
                    if (random.nextDouble() < outOfOrderShare) {
                        held.get((int) ((tick + 1 + random.nextInt(delayTicks)) % held.size())).add(new Held(i, sample));
                        outOfOrder++;
                    } else {
                        return current(i, sample, timestamp);
                    }
                }
                due.clear();
                tick++;
                due = held.get((int) (tick % held.size()));
                nextDue = 0;
                nextInOrder = 0;
            }
            return false;
        }

        private boolean current(int series, byte[] payload, long at) {
            key = series;
            json = payload;
            atMillis = at;
            return true;
        }
    }
}
