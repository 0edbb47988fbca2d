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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class JmhSuiteTest {

    private static final String PARSING = "io.chronicle.bench.jmh.Parsing.";
    private static final String MERGE = "io.chronicle.bench.jmh.Merge.";

    private static JmhSuite.Measured measured(String benchmark, double score) {
        return new JmhSuite.Measured(benchmark, "ns/op", score, score / 10, 5, 2.54);
    }

    @Test
    void eachScoreIsRatioedToTheBaselineOfItsOwnClass() {
        List<String> failures = new ArrayList<>();
        List<Report.Score> scores = JmhSuite.scores(List.of(
                measured(PARSING + "baselineReadTree", 400),
                measured(PARSING + "normalizingDeserializer", 600),
                measured(MERGE + "sqlSketchMerge", 90_000),
                measured(MERGE + "baselineMergeSortedArrays", 30_000),
                measured(PARSING + "databindPojo", 100)), failures);

        assertThat(failures).isEmpty();
        assertThat(scores).extracting(s -> s.group() + "." + s.benchmark()).containsExactly(
                "Parsing.baselineReadTree", "Parsing.normalizingDeserializer", "Parsing.databindPojo",
                "Merge.sqlSketchMerge", "Merge.baselineMergeSortedArrays");
        assertThat(scores).extracting(Report.Score::ratio).containsExactly(1.0, 1.5, 0.25, 3.0, 1.0);
        assertThat(scores).extracting(Report.Score::baseline).containsExactly("baselineReadTree", "baselineReadTree",
                "baselineReadTree", "baselineMergeSortedArrays", "baselineMergeSortedArrays");
        Report.Score deserializer = scores.get(1);
        assertThat(deserializer.score()).isEqualTo(600);
        assertThat(deserializer.error()).isEqualTo(60);
        assertThat(deserializer.unit()).isEqualTo("ns/op");
        assertThat(deserializer.samples()).isEqualTo(5);
        assertThat(deserializer.loadAverage()).isEqualTo(2.5);
    }

    @Test
    void aClassWithoutItsBaselineResultGetsNoRatiosAndFailsTheRun() {
        List<String> failures = new ArrayList<>();
        List<Report.Score> scores = JmhSuite.scores(List.of(
                measured(PARSING + "normalizingDeserializer", 600),
                measured(MERGE + "baselineMergeSortedArrays", 30_000),
                measured(MERGE + "sqlSketchMerge", 60_000)), failures);

        assertThat(failures).containsExactly("Parsing: 0 baseline results, so no ratios");
        assertThat(scores.get(0).ratio()).isNaN();
        assertThat(scores.get(0).baseline()).isNull();
        assertThat(scores.get(2).ratio()).isEqualTo(2.0);

        Report report = new Report("jmh", Map.of(), null);
        report.scores.addAll(scores);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("Parsing.")))
                .singleElement().asString().contains("NaN").endsWith("-");
    }

    @Test
    void aScoreInAnotherUnitThanItsBaselineGetsNoRatio() {
        List<String> failures = new ArrayList<>();
        List<Report.Score> scores = JmhSuite.scores(List.of(
                measured(MERGE + "baselineMergeSortedArrays", 30_000),
                new JmhSuite.Measured(MERGE + "sqlSketchMerge", "us/op", 60, 1, 5, 1)), failures);

        assertThat(scores.get(1).ratio()).isNaN();
        assertThat(failures).singleElement().asString().contains("sqlSketchMerge").contains("us/op");
    }

    @Test
    void aPickedBenchmarkBringsItsBaselineAndBaselinesComeFirst() {
        List<String> available = List.of(MERGE + "baselineMergeSortedArrays", MERGE + "denseSketchMerge",
                MERGE + "sqlSketchMerge", PARSING + "baselineReadTree", PARSING + "databindPojo");

        assertThat(JmhSuite.picked(available, Pattern.compile("sqlSketch")))
                .containsExactly(MERGE + "baselineMergeSortedArrays", MERGE + "sqlSketchMerge");
        assertThat(JmhSuite.picked(available, Pattern.compile(".*"))).containsExactly(
                MERGE + "baselineMergeSortedArrays", MERGE + "denseSketchMerge", MERGE + "sqlSketchMerge",
                PARSING + "baselineReadTree", PARSING + "databindPojo");
        assertThat(JmhSuite.picked(available, Pattern.compile("Parsing.baseline")))
                .containsExactly(PARSING + "baselineReadTree");
        assertThat(JmhSuite.picked(available, Pattern.compile("nothing"))).isEmpty();
    }

    @Test
    void theReportWritesAndPrintsEachScoreWithItsRatio(@TempDir Path dir) throws Exception {
        Report report = new Report("jmh", Map.of("benchmarks", ".*"), null);
        report.scores.addAll(JmhSuite.scores(List.of(
                measured(PARSING + "baselineReadTree", 400), measured(PARSING + "databindPojo", 1_000)),
                report.failures));

        JsonNode json = new ObjectMapper().readTree(report.write(dir).toFile());
        assertThat(json.has("runs")).isFalse();
        assertThat(json.get("scores")).hasSize(2);
        assertThat(json.get("scores").get(1).get("ratio").asDouble()).isCloseTo(2.5, within(1e-9));
        assertThat(json.get("scores").get(1).get("baseline").asText()).isEqualTo("baselineReadTree");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertThat(out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("Parsing.databindPojo")))
                .singleElement().asString().contains("1,000.0").contains("± 100.0").contains("2.50");
    }

    @Test
    void itsOptionsParseAndABadPatternFailsNamingTheOption() {
        List<org.apache.flink.configuration.ConfigOption<?>> options = new JmhSuite().options();
        Configuration conf = BenchOptions.parse(
                List.of("--benchmarks", "Sketch", "--iterations", "3", "--iteration-time", "200 ms"), options);
        assertThat(conf.get(BenchOptions.BENCHMARKS)).isEqualTo("Sketch");
        assertThat(conf.get(BenchOptions.ITERATIONS)).isEqualTo(3);
        assertThat(conf.get(BenchOptions.ITERATION_TIME)).isEqualTo(Duration.ofMillis(200));
        assertThat(conf.get(BenchOptions.WARMUP_ITERATIONS)).isEqualTo(BenchOptions.WARMUP_ITERATIONS.defaultValue());
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--benchmarks", "Sketch("), options))
                .hasMessageContaining("'benchmarks'");
        assertThatThrownBy(() -> BenchOptions.parse(List.of("--iterations", "0"), options))
                .hasMessageContaining("'iterations'");
    }
}
