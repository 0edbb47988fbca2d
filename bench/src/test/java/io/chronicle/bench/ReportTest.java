package io.chronicle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ReportTest {

    private static Report.Run run(String variant, int round, double seconds, double cpuSeconds) {
        return new Report.Run(variant, round, 1_000_000,
                new BenchEnvironment.JobTimes(seconds, seconds - 1, cpuSeconds, 3, 1.5), Map.of("rows", 42L));
    }

    private static Report report() {
        Report report = new Report("demo", Map.of("points", "1000000"), "base");
        report.runs.addAll(List.of(
                run("fast", 0, 100, 100), run("base", 0, 100, 100),
                run("fast", 1, 4, 2), run("base", 1, 10, 5),
                run("fast", 2, 5, 3), run("base", 2, 20, 6),
                run("fast", 3, 8, 4), run("base", 3, 30, 7)));
        return report;
    }

    @Test
    void summariesAreMediansOfTheMeasuredRunsAndTheirRatiosToTheBaseline() {
        List<Report.Summary> summaries = report().getSummaries();
        assertThat(summaries).extracting(Report.Summary::variant).containsExactly("fast", "base");
        Report.Summary fast = summaries.get(0);
        assertThat(fast.runs()).isEqualTo(3);
        assertThat(fast.medianSeconds()).isEqualTo(5);
        assertThat(fast.medianPointsPerSecond()).isEqualTo(200_000);
        assertThat(fast.medianCpuMicrosPerPoint()).isEqualTo(3);
        assertThat(fast.rateRatio()).isCloseTo(4, within(1e-9));
        assertThat(fast.cpuRatio()).isCloseTo(0.5, within(1e-9));
        assertThat(summaries.get(1).rateRatio()).isEqualTo(1);
    }

    @Test
    void theJsonHoldsRunsAndSummariesAndTheTableEveryRun(@TempDir Path dir) throws Exception {
        Report report = report();
        JsonNode json = new ObjectMapper().readTree(report.write(dir).toFile());
        assertThat(json.get("suite").asText()).isEqualTo("demo");
        assertThat(json.get("machine").get("cores").asInt()).isPositive();
        assertThat(json.get("runs")).hasSize(8);
        assertThat(json.get("runs").get(0).get("warmup").asBoolean()).isTrue();
        assertThat(json.get("runs").get(2).get("points_per_second").asDouble()).isEqualTo(250_000);
        assertThat(json.get("summaries").get(0).get("rate_ratio").asDouble()).isCloseTo(4, within(1e-9));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table.lines().filter(l -> l.startsWith("fast ") || l.startsWith("base "))).hasSize(10);
        assertThat(table).contains("warm-up").contains("ratio to base");
    }

    @Test
    void aReportWhoseOwnTableSummarizesTheRunsPrintsThatTableAloneAndKeepsEveryRunInTheJson(@TempDir Path dir)
            throws Exception {
        Report report = report();
        report.printRuns = false;
        report.tables.add(new Report.Table("own", List.of(Map.of("variant", "fast"))));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("own:").doesNotContain("warm-up").doesNotContain("ratio to base");
        JsonNode json = new ObjectMapper().readTree(report.write(dir).toFile());
        assertThat(json.get("runs")).hasSize(8);
        assertThat(json.has("print_runs")).isFalse();
    }

    @Test
    void aLatencyReportPrintsItsLatenciesAndConditionsAndWritesNoRuns(@TempDir Path dir) throws Exception {
        Report report = new Report("latency", Map.of("rate", "5000"), null);
        report.conditions.put("background_points_per_second", 4_990);
        report.latencies.add(new Report.Latency("firing", 600, 40.5, 120.25, 180, 450, 900, 150, 0.995, 0, 2,
                Arrays.asList(120.25, null, 40.5)));
        JsonNode json = new ObjectMapper().readTree(report.write(dir).toFile());
        assertThat(json.has("runs")).isFalse();
        assertThat(json.has("summaries")).isFalse();
        assertThat(json.has("baseline")).isFalse();
        assertThat(json.get("conditions").get("background_points_per_second").asInt()).isEqualTo(4_990);
        assertThat(json.get("latencies").get(0).get("p99_ms").asDouble()).isEqualTo(450);
        assertThat(json.get("latencies").get(0).get("in_send_order_ms").get(1).isNull()).isTrue();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("p99 ms").contains("conditions: background_points_per_second 4990")
                .doesNotContain("ratio to");
        assertThat(table.lines().filter(l -> l.startsWith("firing "))).singleElement().asString()
                .contains("120.3").contains("450.0").contains("600").contains("99.5 %");
    }
}
