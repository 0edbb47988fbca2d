package io.chronicle.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.iceberg.IcebergBuild;
import org.apache.kafka.common.utils.AppInfoParser;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The results of one suite: the machine, the settings and workload, and either every run of every
 * variant with per variant the median rate and its ratio to the baseline variant, or latencies
 * with the conditions they were measured under, or micro-benchmark scores with their ratios to
 * their baselines. Printed as tables and written as JSON.
 */
public final class Report {

    /** One run of one variant over the whole input; round 0 is the warm-up. */
    public record Run(String variant, int round, long points, BenchEnvironment.JobTimes times,
            Map<String, Long> counts) {

        @JsonProperty
        public boolean warmup() {
            return round == 0;
        }

        @JsonProperty
        public double pointsPerSecond() {
            return points / times.seconds();
        }

        @JsonProperty
        public double pointsPerRunningSecond() {
            return points / times.runningSeconds();
        }

        @JsonProperty
        public double cpuMicrosPerPoint() {
            return times.cpuSeconds() * 1e6 / points;
        }
    }

    /**
     * Latencies of one kind of sample over the measured samples, in milliseconds; {@code missing}
     * were sent and never came back, {@code repeats} came back more than once and count once;
     * {@code withinSecond} is the share back within a second, Chronicle's promise;
     * {@code inSendOrderMs} holds each sample's latency in the order sent, null for a missing one.
     */
    public record Latency(String sample, long count, double minMs, double p50Ms, double p90Ms, double p99Ms,
            double maxMs, double meanMs, double withinSecond, long missing, long repeats,
            List<Double> inSendOrderMs) {}

    /**
     * A table of a suite's own beyond the runs: a title and its rows, each row its cells by column
     * in order; a number is kept as a number in the JSON, a missing cell is null.
     */
    public record Table(String title, List<Map<String, Object>> rows) {}

    /**
     * A micro-benchmark's score (JMH: mean time per operation and its 99.9 % confidence half-width
     * over {@code samples} iterations), the machine's load average as it ended, and the score's
     * ratio to its group's baseline, measured in the same run: above 1 is slower than the baseline.
     */
    public record Score(String group, String benchmark, String unit, double score, double error, long samples,
            double loadAverage, String baseline, double ratio) {}

    /** A variant's medians over its measured runs, and their ratios to the baseline's. */
    public record Summary(String variant, int runs, double medianSeconds, double medianPointsPerSecond,
            double medianPointsPerRunningSecond, double medianCpuMicrosPerPoint, double rateRatio,
            double cpuRatio) {}

    public final String suite;
    public final String startedAt;
    public final Map<String, Object> machine;
    public final Map<String, String> settings;
    public final Map<String, Object> workload = new LinkedHashMap<>();
    /** What the job and the machine did while latencies were measured: load sustained, checkpoints. */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public final Map<String, Object> conditions = new LinkedHashMap<>();
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public final String baseline;
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public final List<Run> runs = new ArrayList<>();
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public final List<Latency> latencies = new ArrayList<>();
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public final List<Table> tables = new ArrayList<>();
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public final List<Score> scores = new ArrayList<>();
    /** What the variants do beyond one another, so the ratio is read right. */
    public final List<String> notes = new ArrayList<>();
    /** Outputs that differ from what the input implies; a report with any is not a result. */
    public final List<String> failures = new ArrayList<>();
    /**
     * Whether the text output shows every run and the generic summary; a suite whose own table
     * already summarizes the runs turns it off and prints that table alone (the JSON keeps all).
     */
    @JsonIgnore
    public boolean printRuns = true;

    Report(String suite, Map<String, String> settings, String baseline) {
        this.suite = suite;
        this.startedAt = Instant.now().toString();
        this.machine = machine();
        this.settings = settings;
        this.baseline = baseline;
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public List<Summary> getSummaries() {
        Map<String, List<Run>> measured = runs.stream().filter(r -> !r.warmup())
                .collect(Collectors.groupingBy(Run::variant, LinkedHashMap::new, Collectors.toList()));
        List<Run> base = measured.getOrDefault(baseline, List.of());
        double baseRate = median(base, Run::pointsPerSecond);
        double baseCpu = median(base, Run::cpuMicrosPerPoint);
        List<Summary> summaries = new ArrayList<>();
        measured.forEach((variant, list) -> {
            double rate = median(list, Run::pointsPerSecond);
            double cpu = median(list, Run::cpuMicrosPerPoint);
            summaries.add(new Summary(variant, list.size(), median(list, r -> r.times().seconds()), rate,
                    median(list, Run::pointsPerRunningSecond), cpu, rate / baseRate, cpu / baseCpu));
        });
        return summaries;
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        int n = sorted.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("cpu", cpuModel());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        machine.put("flink", EnvironmentInformation.getVersion());
        machine.put("kafka", AppInfoParser.getVersion());
        machine.put("iceberg", IcebergBuild.version());
        return machine;
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The runs and their summary, or the latencies, as text tables; then the notes. */
    public void print(PrintStream out) {
        out.println();
        out.printf("%s — %s%n", suite, inline(machine));
        out.println("workload: " + inline(workload));
        if (!conditions.isEmpty()) {
            out.println("conditions: " + inline(conditions));
        }
        out.println();
        if (printRuns && !runs.isEmpty()) {
            printRuns(out);
        }
        if (!latencies.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (Latency l : latencies) {
                rows.add(List.of(l.sample(), String.format("%,d", l.count()), ms(l.minMs()), ms(l.p50Ms()),
                        ms(l.p90Ms()), ms(l.p99Ms()), ms(l.maxMs()), ms(l.meanMs()),
                        String.format("%.1f %%", l.withinSecond() * 100), String.valueOf(l.missing()),
                        String.valueOf(l.repeats())));
            }
            table(out, List.of("sample", "count", "min ms", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms",
                    "within 1 s", "missing", "repeats"), rows);
        }
        for (Table t : tables) {
            out.println();
            out.println(t.title() + ":");
            List<String> columns = t.rows().stream().flatMap(r -> r.keySet().stream()).distinct().toList();
            List<List<String>> rows = t.rows().stream()
                    .map(r -> columns.stream().map(c -> cell(r.get(c))).toList()).toList();
            table(out, columns, rows);
        }
        if (!scores.isEmpty()) {
            List<List<String>> rows = new ArrayList<>();
            for (Score s : scores) {
                rows.add(List.of(s.group() + "." + s.benchmark(), String.format("%,.1f", s.score()),
                        String.format("± %,.1f", s.error()), s.unit(), String.valueOf(s.samples()),
                        String.format("%.1f", s.loadAverage()), String.format("%.2f", s.ratio()),
                        s.baseline() == null ? "-" : s.baseline()));
            }
            table(out, List.of("benchmark", "score", "error", "unit", "samples", "load", "ratio", "to baseline"), rows);
        }
        notes.forEach(n -> out.println("note: " + n));
    }

    /** A cell as printed: whole numbers grouped, others to about three significant digits. */
    static String cell(Object value) {
        if (value == null || value instanceof Double d && d.isNaN()) {
            return "-";
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            double magnitude = Math.abs(d);
            if (d == Math.rint(d) && magnitude < Long.MAX_VALUE) {
                return String.format("%,d", (long) d);
            }
            return String.format(magnitude >= 1_000 ? "%,.0f" : magnitude >= 10 ? "%.1f" : "%.2f", d);
        }
        if (value instanceof Number) {
            return String.format("%,d", ((Number) value).longValue());
        }
        return String.valueOf(value);
    }

    private static String inline(Map<String, ?> values) {
        return values.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static String ms(double millis) {
        return String.format("%.1f", millis);
    }

    private void printRuns(PrintStream out) {
        List<String> countNames = runs.stream().flatMap(r -> r.counts().keySet().stream()).distinct().toList();
        List<String> header = new ArrayList<>(List.of("variant", "run", "points", "seconds", "points/s",
                "s from running", "points/s from running", "CPU µs/point", "checkpoints", "load"));
        header.addAll(countNames);
        List<List<String>> rows = new ArrayList<>();
        for (Run r : runs) {
            List<String> row = new ArrayList<>(List.of(r.variant(), r.warmup() ? "warm-up" : String.valueOf(r.round()),
                    String.format("%,d", r.points()), String.format("%.1f", r.times().seconds()),
                    String.format("%,.0f", r.pointsPerSecond()), String.format("%.1f", r.times().runningSeconds()),
                    String.format("%,.0f", r.pointsPerRunningSecond()), String.format("%.1f", r.cpuMicrosPerPoint()),
                    String.valueOf(r.times().checkpoints()), String.format("%.1f", r.times().loadAverage())));
            countNames.forEach(c -> row.add(r.counts().containsKey(c) ? String.format("%,d", r.counts().get(c)) : "-"));
            rows.add(row);
        }
        table(out, header, rows);
        out.println();
        List<List<String>> summary = new ArrayList<>();
        for (Summary s : getSummaries()) {
            summary.add(List.of(s.variant(), String.valueOf(s.runs()), String.format("%.1f", s.medianSeconds()),
                    String.format("%,.0f", s.medianPointsPerSecond()),
                    String.format("%,.0f", s.medianPointsPerRunningSecond()),
                    String.format("%.1f", s.medianCpuMicrosPerPoint()),
                    String.format("%.2f", s.rateRatio()), String.format("%.2f", s.cpuRatio())));
        }
        table(out, List.of("variant", "runs", "median s", "median points/s", "median points/s from running",
                "median CPU µs/point", "points/s ratio to " + baseline, "CPU ratio to " + baseline), summary);
    }

    private static void table(PrintStream out, List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (List<String> row : Stream.concat(Stream.of(header), rows.stream()).toList()) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        String rule = Arrays.stream(widths).mapToObj("-"::repeat).collect(Collectors.joining("-+-", "", ""));
        out.println(line(header, widths));
        out.println(rule);
        rows.forEach(row -> out.println(line(row, widths)));
    }

    /** The first column left-aligned, numbers right-aligned. */
    private static String line(List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            line.append(i == 0 ? "" : " | ")
                    .append(String.format("%" + (i == 0 ? "-" : "") + widths[i] + "s", cells.get(i)));
        }
        return line.toString();
    }

    /** Writes the report as {@code <suite>-<time>.json} into {@code dir}; returns the file. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC)
                .format(Instant.parse(startedAt));
        Path file = dir.resolve(suite + "-" + stamp + ".json");
        new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), this);
        return file;
    }
}
