package io.chronicle.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.services.ChildProcess;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * VictoriaMetrics, from Debian's {@code victoria-metrics} package, run as a child process on
 * 127.0.0.1 with its storage in a folder of its own: the peer Chronicle's ingest rate is compared
 * with. It takes the workload as Influx line protocol on {@code /write}; an ingestion is timed
 * from the first request until VictoriaMetrics' own counter says every point reached its storage,
 * then verified by reading every sample back.
 */
public final class VictoriaMetricsPeer implements AutoCloseable {

    /** Where Debian's package puts the single-node server ({@code dpkg -L victoria-metrics}). */
    static final Path BINARY = Path.of("/usr/bin/victoria-metrics");
    /**
     * The workload's points are dated from 2025-01-01 on; VictoriaMetrics drops samples older than
     * its retention (default one month) and counts them as ignored, so keep everything.
     */
    static final String RETENTION = "100y";
    static final String NAME = "victoria-metrics";

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(2);
    /** How long after the last request returns the points may take to reach the storage. */
    private static final Duration STORE_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration POLL = Duration.ofMillis(5);
    private static final Duration READ_BACK_TIMEOUT = Duration.ofSeconds(30);
    private static final long READ_BACK_POLL_MILLIS = 200;
    private static final int DIFFERING_SHOWN = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    // Counters on /metrics. Influx lines are parsed after the request has been answered, so the
    // storage's counter, not the responses, tells when every point is in.
    static final String INSERTED = "vm_rows_inserted_total{type=\"influx\"}";
    static final String INVALID = "vm_rows_invalid_total{type=\"influx\"}";
    static final String STORED = "vm_rows_added_to_storage_total";
    /** Followed by the reason: samples outside the retention or too far in the future. */
    static final String IGNORED = "vm_rows_ignored_total{";

    /**
     * One ingestion: its seconds; the CPU seconds of VictoriaMetrics and of this process (the
     * HTTP client; the lines were encoded before); VictoriaMetrics' peak resident memory; the
     * bytes of its data and index once stopped; the series its index counts; the samples and
     * series read back, and the exports it took until they were all there; the machine's load
     * average as it ended; and every way the stored points differ from those sent.
     */
    public record Ingest(long points, double seconds, double vmCpuSeconds, double clientCpuSeconds,
            long peakRssBytes, long diskBytes, long seriesInIndex, long pointsReadBack, long seriesReadBack,
            int exports, double loadAverage, List<String> failures) {

        Ingest withDiskBytes(long bytes) {
            return new Ingest(points, seconds, vmCpuSeconds, clientCpuSeconds, peakRssBytes, bytes, seriesInIndex,
                    pointsReadBack, seriesReadBack, exports, loadAverage, failures);
        }

        public double pointsPerSecond() {
            return points / seconds;
        }

        public double diskBytesPerPoint() {
            return (double) diskBytes / points;
        }

        /** As a run of a suite's report; its CPU is VictoriaMetrics' plus the client's. */
        public Report.Run toRun(String variant, int round) {
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("points_read_back", pointsReadBack);
            counts.put("series_read_back", seriesReadBack);
            counts.put("series_in_index", seriesInIndex);
            counts.put("exports", (long) exports);
            counts.put("vm_cpu_ms", Math.round(vmCpuSeconds * 1e3));
            counts.put("client_cpu_ms", Math.round(clientCpuSeconds * 1e3));
            counts.put("vm_peak_rss_mb", peakRssBytes >> 20);
            counts.put("disk_bytes", diskBytes);
            return new Report.Run(variant, round, points, new BenchEnvironment.JobTimes(seconds, seconds,
                    vmCpuSeconds + clientCpuSeconds, 0, loadAverage), counts);
        }
    }

    private final ChildProcess process;
    private final Path storage;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private VictoriaMetricsPeer(ChildProcess process, Path storage, int port) {
        this.process = process;
        this.storage = storage;
        this.base = URI.create("http://" + HOST + ":" + port);
    }

    /**
     * Starts VictoriaMetrics in {@code dir}, emptied first (its storage in {@code dir/data}, its
     * log in {@code dir/victoria-metrics.log}), and waits until it reports itself healthy.
     */
    public static VictoriaMetricsPeer start(Path dir) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException("VictoriaMetrics is not installed at " + BINARY
                    + "; bench/run installs Debian's victoria-metrics package");
        }
        Path folder = dir.toAbsolutePath();
        Path log = folder.resolve(NAME + ".log");
        ChildProcess.stopOrphan(NAME, log);
        BenchEnvironment.deleteRecursively(folder);
        Path storage = folder.resolve("data");
        Files.createDirectories(storage);
        int port = freePort();
        ChildProcess process = ChildProcess.start(NAME, List.of(BINARY.toString(),
                "-storageDataPath=" + storage,
                "-httpListenAddr=" + HOST + ":" + port,
                "-retentionPeriod=" + RETENTION,
                // The metric name alone, as Chronicle stores it, rather than <metric>_value.
                "-influxSkipSingleField"), log);
        VictoriaMetricsPeer peer = new VictoriaMetricsPeer(process, storage, port);
        try {
            process.await(NAME + " to report itself healthy", START_TIMEOUT,
                    () -> peer.get("/health").statusCode() == 200);
        } catch (RuntimeException e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    /**
     * Starts VictoriaMetrics in a fresh storage in {@code dir}, ingests {@code input} once over
     * {@code connections} connections, verifies it, stops it and measures what it left on disk.
     */
    public static Ingest measure(Path dir, InfluxLines.Encoded input, int connections) throws Exception {
        try (VictoriaMetricsPeer peer = start(dir)) {
            Ingest ingest = peer.ingest(input, connections);
            peer.close();
            return ingest.withDiskBytes(peer.storedBytes());
        }
    }

    /**
     * The installed package's version, such as {@code 1.79.5+ds1-2+b5}: Debian's build leaves the
     * version VictoriaMetrics itself reports empty.
     */
    public static String packageVersion() {
        try {
            Process query = new ProcessBuilder("dpkg-query", "-W", "-f=${Version}", NAME).redirectErrorStream(true).start();
            String version = new String(query.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return query.waitFor() == 0 ? version : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /**
     * Posts every request body over {@code connections} connections at once, waits until every
     * point is in the storage, then verifies: nothing invalid or ignored, and every sample of
     * every series read back through {@code /api/v1/export} after a flush. Only the posting and
     * the waiting are timed. A fresh storage is expected: counters start at zero. Its bytes on
     * disk are left for {@link #measure} to fill in once it has stopped.
     */
    private Ingest ingest(InfluxLines.Encoded input, int connections) throws Exception {
        double vmCpuBefore = cpuSeconds();
        double clientCpuBefore = BenchEnvironment.processCpuSeconds();
        long start = System.nanoTime();
        post(input.bodies(), connections);
        boolean complete = awaitStored(input.points());
        double seconds = (System.nanoTime() - start) / 1e9;
        double vmCpu = cpuSeconds() - vmCpuBefore;
        double clientCpu = BenchEnvironment.processCpuSeconds() - clientCpuBefore;
        double load = BenchEnvironment.loadAverage();

        List<String> failures = new ArrayList<>();
        Map<String, Double> counters = metrics();
        if (!complete) {
            failures.add("not every point reached the storage within " + STORE_TIMEOUT.toSeconds()
                    + " s after the last request");
        }
        expect(failures, "rows inserted over Influx", counter(counters, INSERTED), input.points());
        expect(failures, "rows added to the storage", counter(counters, STORED), input.points());
        expect(failures, "invalid lines", counter(counters, INVALID), 0);
        expect(failures, "rows ignored (outside the retention or in the future)", counter(counters, IGNORED), 0);
        get("/internal/force_flush");
        // Reported, not compared: series registered by concurrent requests at once may get an index
        // entry each, so this exceeds the series the export reads back.
        long seriesInIndex = JSON.readTree(get("/api/v1/series/count").body()).path("data").path(0).asLong(-1);
        ReadBack readBack = readBack(input);
        expect(failures, "samples read back", readBack.samples().samples(), input.points());
        expect(failures, "series read back", readBack.samples().series(), input.expected().series());
        List<String> differing = input.expected().differing(readBack.samples());
        if (!differing.isEmpty()) {
            failures.add(differing.size() + " series read back differ from those sent, such as "
                    + differing.subList(0, Math.min(DIFFERING_SHOWN, differing.size())));
        }
        return new Ingest(input.points(), seconds, vmCpu, clientCpu, peakRssBytes(), 0, seriesInIndex,
                readBack.samples().samples(), readBack.samples().series(), readBack.exports(), load, failures);
    }

    private void post(List<byte[]> bodies, int connections) throws Exception {
        URI write = base.resolve("/write?precision=" + InfluxLines.PRECISION);
        AtomicInteger next = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                done.add(senders.submit(() -> {
                    for (int i = next.getAndIncrement(); i < bodies.size(); i = next.getAndIncrement()) {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(write)
                                .timeout(REQUEST_TIMEOUT)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i)))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() / 100 != 2) {
                            throw new IOException(NAME + " answered request " + i + " with " + response.statusCode()
                                    + ": " + response.body());
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> sender : done) {
                sender.get();
            }
        } finally {
            senders.shutdownNow();
        }
    }

    /** Polls the counters until every point is stored, ignored or invalid; false on timeout. */
    private boolean awaitStored(long points) throws Exception {
        return Polls.until(STORE_TIMEOUT, POLL, () -> {
            Map<String, Double> counters = metrics();
            return counter(counters, STORED) + counter(counters, IGNORED) + counter(counters, INVALID) >= points;
        });
    }

    /**
     * Every sample in the workload's time range, once an export holds them all or a deadline
     * passes: now and then the first export after a flush misses every new series for a moment.
     */
    private ReadBack readBack(InfluxLines.Encoded input) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READ_BACK_TIMEOUT.toNanos();
        for (int exports = 1; ; exports++) {
            SeriesDigests samples = export(input.firstMillis(), input.lastMillis());
            if (samples.samples() == input.points() || System.nanoTime() > deadline) {
                return new ReadBack(samples, exports);
            }
            Thread.sleep(READ_BACK_POLL_MILLIS);
        }
    }

    private record ReadBack(SeriesDigests samples, int exports) {}

    private SeriesDigests export(long firstMillis, long lastMillis) throws IOException, InterruptedException {
        String query = "match[]=" + URLEncoder.encode("{__name__!=\"\"}", StandardCharsets.UTF_8)
                + "&start=" + seconds(firstMillis) + "&end=" + seconds(lastMillis);
        HttpResponse<InputStream> response = http.send(
                HttpRequest.newBuilder(base.resolve("/api/v1/export?" + query)).timeout(REQUEST_TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException(NAME + " answered the export with " + response.statusCode() + ": "
                        + new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
            return SeriesDigests.fromExport(body);
        }
    }

    private static String seconds(long millis) {
        return String.format("%d.%03d", Math.floorDiv(millis, 1_000), Math.floorMod(millis, 1_000));
    }

    /** Every sample on {@code /metrics} by its name and labels as written there. */
    Map<String, Double> metrics() throws IOException {
        HttpResponse<String> response = get("/metrics");
        if (response.statusCode() != 200) {
            throw new IOException(NAME + " answered /metrics with " + response.statusCode());
        }
        return response.body().lines().filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .collect(Collectors.toMap(l -> l.substring(0, l.lastIndexOf(' ')),
                        l -> number(l.substring(l.lastIndexOf(' ') + 1)), Double::sum));
    }

    /** A sample's value; Prometheus' text format spells infinities its own way ({@code +Inf}). */
    private static double number(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** The sum of the samples named {@code name}, or of those starting with it if it ends in '{'. */
    private static long counter(Map<String, Double> metrics, String name) {
        return Math.round(metrics.entrySet().stream()
                .filter(e -> name.endsWith("{") ? e.getKey().startsWith(name) : e.getKey().equals(name))
                .mapToDouble(Map.Entry::getValue).sum());
    }

    private static void expect(List<String> failures, String what, long actual, long expected) {
        if (actual != expected) {
            failures.add(what + ": " + actual + ", expected " + expected);
        }
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while requesting " + path, e);
        }
    }

    /** User and system CPU time of the process, as /proc/<pid>/stat counts it. */
    private double cpuSeconds() {
        return ProcessHandle.of(process.pid()).flatMap(p -> p.info().totalCpuDuration())
                .orElseThrow(() -> new IllegalStateException("no CPU time for " + NAME + process.logTail()))
                .toNanos() / 1e9;
    }

    /** The most resident memory the process has held (VmHWM in /proc/<pid>/status). */
    private long peakRssBytes() throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            String kb = lines.filter(l -> l.startsWith("VmHWM:")).findFirst()
                    .orElseThrow(() -> new IOException("no VmHWM for " + NAME))
                    .replaceAll("[^0-9]", "");
            return Long.parseLong(kb) * 1024;
        }
    }

    /**
     * The sizes of the files of its data and index, once it has stopped: a clean shutdown writes
     * out what it buffers in memory. Left out are the caches it saves beside them on shutdown
     * (several times the data here), which it would rebuild without.
     */
    private long storedBytes() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException(NAME + " still runs and writes its storage");
        }
        Path caches = storage.resolve("cache");
        try (Stream<Path> files = Files.walk(storage)) {
            return files.filter(f -> !f.startsWith(caches) && Files.isRegularFile(f)).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** A loopback port that was free a moment ago. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    /** Stops VictoriaMetrics: SIGTERM, so it flushes and closes its storage; SIGKILL after a deadline. */
    @Override
    public void close() {
        process.close();
    }
}
