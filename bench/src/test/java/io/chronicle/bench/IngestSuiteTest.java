package io.chronicle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class IngestSuiteTest {

    private static Report.Run run(String variant, int round, double seconds, double cpuSeconds,
            Map<String, Long> counts) {
        return new Report.Run(variant, round, 1_000_000,
                new BenchEnvironment.JobTimes(seconds, seconds, cpuSeconds, 4, 1.0), counts);
    }

    private static final List<Report.Run> RUNS = List.of(
            run("limit", 0, 9, 9, Map.of(IngestSuite.SUSTAINED, 111_111L)),
            run("limit", 1, 2, 4, Map.of(IngestSuite.SUSTAINED, 500_000L)),
            run("chronicle", 1, 10, 40, Map.of(IngestSuite.SUSTAINED, 150_000L,
                    IngestSuite.SUSTAINED_CPU_NS, 30_000L, IngestSuite.COMMITS, 4L, IngestSuite.DATA_FILES, 10L)),
            run("limit", 2, 4, 6, Map.of(IngestSuite.SUSTAINED, 250_000L)),
            run("chronicle", 2, 20, 60, Map.of(IngestSuite.SUSTAINED, 50_000L,
                    IngestSuite.SUSTAINED_CPU_NS, 50_000L, IngestSuite.COMMITS, 5L, IngestSuite.DATA_FILES, 10L,
                    IngestSuite.EVENTS_PER_S, 3_000L)),
            run("victoria-metrics", 0, 5, 5, Map.of()),
            run("victoria-metrics", 1, 1, 2, Map.of()),
            run("victoria-metrics", 2, 1.25, 3, Map.of()));

    @Test
    void theSummaryHoldsMediansOfTheMeasuredRunsAndRatiosToTheLimitAndThePeer() {
        List<Map<String, Object>> rows = IngestSuite.summary(RUNS,
                List.of("limit", "chronicle", "other", "victoria-metrics"));
        assertThat(rows).extracting(r -> r.get("variant")).containsExactly("limit", "chronicle", "victoria-metrics");
        Map<String, Object> limit = rows.get(0);
        assertThat(limit.get("runs")).isEqualTo(2);
        // 1,000,000 points in 2 s and 4 s; CPU 4 and 6 µs per point.
        assertThat((double) limit.get("points/s")).isEqualTo(375_000.0);
        assertThat((double) limit.get("÷ limit")).isEqualTo(1.0);
        assertThat((double) limit.get("CPU µs/point")).isEqualTo(5.0);
        // The peer: 1,000,000 points in 1 s and 1.25 s, 2 and 3 µs per point; its warm-up left out.
        Map<String, Object> peer = rows.get(2);
        assertThat(peer.get("runs")).isEqualTo(2);
        assertThat((double) peer.get("points/s")).isEqualTo(900_000.0);
        assertThat((double) peer.get("÷ VM")).isEqualTo(1.0);
        assertThat((double) peer.get("÷ limit")).isEqualTo(2.4);
        assertThat((double) peer.get("CPU ÷ limit")).isEqualTo(0.5);
        assertThat((double) limit.get("÷ VM")).isCloseTo(375_000.0 / 900_000, within(1e-12));
        assertThat((double) limit.get("CPU ÷ VM")).isEqualTo(2.0);
        Map<String, Object> chronicle = rows.get(1);
        assertThat((double) chronicle.get("points/s")).isEqualTo(75_000.0);
        assertThat((double) chronicle.get("÷ limit")).isCloseTo(0.2, within(1e-12));
        assertThat((double) chronicle.get("÷ VM")).isCloseTo(75_000.0 / 900_000, within(1e-12));
        assertThat((double) chronicle.get("sustained points/s")).isEqualTo(100_000.0);
        assertThat((double) chronicle.get("sustained ÷ limit")).isCloseTo(100_000.0 / 375_000, within(1e-12));
        assertThat((double) chronicle.get("sustained ÷ VM")).isCloseTo(100_000.0 / 900_000, within(1e-12));
        assertThat((double) chronicle.get("CPU ÷ limit")).isCloseTo(10.0, within(1e-12));
        assertThat((double) chronicle.get("CPU ÷ VM")).isCloseTo(20.0, within(1e-12));
        assertThat((double) chronicle.get("sustained CPU µs/point")).isEqualTo(40.0);
        assertThat((double) chronicle.get("sustained CPU ÷ limit")).isCloseTo(8.0, within(1e-12));
        assertThat((double) chronicle.get("sustained CPU ÷ VM")).isCloseTo(16.0, within(1e-12));
        // 10 files in 4 commits and 10 in 5.
        assertThat((double) chronicle.get("files/commit")).isCloseTo(2.25, within(1e-12));
    }

    @Test
    void theJitCompilersPartIsTakenOutOfTheSustainedCpuOfEachVariantAndOfTheLimit() {
        List<Report.Run> runs = List.of(
                run("limit", 1, 1, 3, Map.of(IngestSuite.SUSTAINED_CPU_NS, 3_000L, IngestSuite.SUSTAINED_JIT_CPU_NS, 1_000L)),
                run("limit", 2, 1, 5, Map.of(IngestSuite.SUSTAINED_CPU_NS, 5_000L, IngestSuite.SUSTAINED_JIT_CPU_NS, 1_000L)),
                run("chronicle", 1, 10, 40, Map.of(IngestSuite.SUSTAINED_CPU_NS, 20_000L,
                        IngestSuite.SUSTAINED_JIT_CPU_NS, 4_000L, IngestSuite.CAUGHT_UP_CPU_NS, 40_000L,
                        IngestSuite.CAUGHT_UP_JIT_CPU_NS, 10_000L)),
                run("chronicle", 2, 10, 40, Map.of(IngestSuite.SUSTAINED_CPU_NS, 30_000L,
                        IngestSuite.SUSTAINED_JIT_CPU_NS, 6_000L, IngestSuite.CAUGHT_UP_CPU_NS, 50_000L,
                        IngestSuite.CAUGHT_UP_JIT_CPU_NS, 8_000L)));
        List<Map<String, Object>> rows = IngestSuite.summary(runs, List.of("limit", "chronicle"));
        // The limit: 2 and 4 µs per point without the JIT.
        assertThat((double) rows.get(0).get("sustained CPU without JIT µs/point")).isEqualTo(3.0);
        Map<String, Object> chronicle = rows.get(1);
        assertThat((double) chronicle.get("sustained JIT µs/point")).isEqualTo(5.0);
        // 16 and 24 µs per point without the JIT, against the limit's 3.
        assertThat((double) chronicle.get("sustained CPU without JIT µs/point")).isEqualTo(20.0);
        assertThat((double) chronicle.get("without JIT ÷ limit")).isCloseTo(20.0 / 3, within(1e-12));
        // Caught up: 30 and 42 µs per point without the JIT.
        assertThat((double) chronicle.get("caught-up CPU without JIT µs/point")).isEqualTo(36.0);
        // Runs that did not measure the JIT have no such figures.
        Map<String, Object> unmeasured = IngestSuite.summary(RUNS, List.of("chronicle")).get(0);
        assertThat((double) unmeasured.get("sustained CPU without JIT µs/point")).isNaN();
        assertThat((double) unmeasured.get("without JIT ÷ limit")).isNaN();
        assertThat((double) unmeasured.get("caught-up CPU without JIT µs/point")).isNaN();
    }

    @Test
    void aFigureAVariantDoesNotReportIsBlank() {
        Map<String, Object> limit = IngestSuite.summary(RUNS, List.of("limit")).get(0);
        assertThat((double) limit.get("sustained CPU µs/point")).isNaN();
        assertThat((double) limit.get("files/commit")).isNaN();
        assertThat((double) limit.get("events/s")).isNaN();
        assertThat(Report.cell(limit.get("files/commit"))).isEqualTo("-");
        // One of the two chronicle runs lacks the events' rate: no median.
        assertThat((double) IngestSuite.summary(RUNS, List.of("chronicle")).get(0).get("events/s")).isNaN();
    }

    @Test
    void aRatioToABaselineNotRunIsBlank() {
        List<Report.Run> withoutPeer = RUNS.stream().filter(r -> !r.variant().equals("victoria-metrics")).toList();
        Map<String, Object> chronicle = IngestSuite.summary(withoutPeer, List.of("chronicle")).get(0);
        assertThat((double) chronicle.get("÷ VM")).isNaN();
        assertThat((double) chronicle.get("CPU ÷ VM")).isNaN();
        assertThat((double) chronicle.get("÷ limit")).isCloseTo(0.2, within(1e-12));
    }

    @Test
    void aStorageRowTellsBytesPerRowAndPerInputPointBeforeAndAfterCompaction() {
        Map<String, Object> row = IngestSuite.storageRow("ns.rollup_5m", 40_000,
                new TableFiles(8, 80_000, 2_000), new TableFiles(2, 60_000, 2_000), Double.NaN);
        assertThat(row).containsEntry("rows", 2_000L).containsEntry("input points", 40_000L)
                .containsEntry("files", 8L).containsEntry("B/row", 40.0).containsEntry("B/point", 2.0)
                .containsEntry("files compacted", 2L).containsEntry("B/row compacted", 30.0)
                .containsEntry("B/point compacted", 1.5).containsEntry("compacted/written", 0.75)
                .doesNotContainKey("B/point ÷ VM");
    }

    @Test
    void pointsRawStorageStandsBesideThePeersBytesPerPoint() {
        Map<String, Object> peer = IngestSuite.peerStorageRow("victoria-metrics", 1_000, 5_000);
        assertThat(peer).containsEntry("rows", 1_000L).containsEntry("bytes", 5_000L).containsEntry("B/point", 5.0);
        Map<String, Object> raw = IngestSuite.storageRow("ns.points_raw", 1_000, new TableFiles(4, 16_000, 1_000),
                new TableFiles(1, 12_000, 1_000), 5.0);
        assertThat(raw).containsEntry("B/point ÷ VM", 3.2).containsEntry("B/point compacted ÷ VM", 2.4);
    }

    @Test
    void theVariantsOptionIsAListGivenWithSemicolons() {
        Configuration conf = BenchOptions.parse(List.of("--variants", "limit;chronicle"), new IngestSuite().options());
        assertThat(conf.get(BenchOptions.VARIANTS)).containsExactly("limit", "chronicle");
        assertThat(BenchOptions.describe(conf, List.of(BenchOptions.VARIANTS))).containsEntry("variants", "limit;chronicle");
    }

    @Test
    void aSuitesOwnTablesArePrintedAndKeepTheirNumbersInTheJson(@TempDir Path dir) throws Exception {
        Report report = new Report("ingest", Map.of(), "limit");
        report.tables.add(new Report.Table("storage", List.of(
                IngestSuite.storageRow("ns.points_raw", 1_000, new TableFiles(4, 16_000, 1_000),
                        new TableFiles(1, 12_000, 1_000), Double.NaN))));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(text.toString(StandardCharsets.UTF_8)).contains("storage:")
                .containsPattern("ns.points_raw \\| +1,000 \\| +1,000 \\| +4 \\| +16,000 \\| +16 \\| +16 \\| +1 \\|"
                        + " +12,000 \\| +12 \\| +12 \\| +0.75");
        assertThat(Report.cell(2.345)).isEqualTo("2.35");
        assertThat(Report.cell(23.44)).isEqualTo("23.4");
        assertThat(Report.cell(12_345.6)).isEqualTo("12,346");
        assertThat(Report.cell(Double.NaN)).isEqualTo("-");
        JsonNode row = new ObjectMapper().readTree(report.write(dir).toFile()).get("tables").get(0).get("rows").get(0);
        assertThat(row.get("B/point compacted").asDouble()).isEqualTo(12.0);
        assertThat(row.get("files").asLong()).isEqualTo(4);
    }
}
