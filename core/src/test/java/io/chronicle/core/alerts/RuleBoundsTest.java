package io.chronicle.core.alerts;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every bound on a rule document: the last value inside is accepted, the first outside refused. */
class RuleBoundsTest {

    private static final String BASE = "name: r\nselector: cpu\n";

    /** A threshold rule with {@code extra} lines added. */
    private static String threshold(String extra) {
        return BASE + "threshold: {above: 1}\n" + extra;
    }

    private static String labels(String field, int entries, int valueLength) {
        return field + ": {" + IntStream.range(0, entries)
                .mapToObj(i -> "l" + i + ": '" + "v".repeat(valueLength) + "'")
                .collect(Collectors.joining(", ")) + "}\n";
    }

    private static String selector(String selector) {
        return "name: r\nselector: '" + selector.replace("'", "''") + "'\nthreshold: {above: 1}\n";
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                // durations: overflow, beyond the bound, negative, wrong type, required positive
                Arguments.of(threshold("for: 200000000d"), "rule 'r' for: '200000000d' is longer than 30 d (chronicle.alerts.rules.max-duration)"),
                Arguments.of(threshold("for: 99999999999999999999999999d"), "rule 'r' for: not a duration"),
                Arguments.of(threshold("for: 31d"), "'31d' is longer than 30 d"),
                Arguments.of(threshold("for: 2592000001ms"), "is longer than 30 d"),
                Arguments.of(threshold("keep_firing_for: 31d"), "rule 'r' keep_firing_for: '31d' is longer than 30 d"),
                Arguments.of(threshold("for: -5m"), "rule 'r' for: not a duration"),
                Arguments.of(threshold("for: 1.5s"), "rule 'r' for: not a duration"),
                Arguments.of(threshold("for: [5m]"), "a duration is a string such as 30s, 5m or 1h, got a list"),
                Arguments.of(threshold("for: true"), "a duration is a string"),
                Arguments.of(BASE + "absent: {for: 0s}", "'for' is required and positive"),
                Arguments.of(BASE + "absent: {for: 31d}", "rule 'r' absent for: '31d' is longer than 30 d"),
                Arguments.of(BASE + "rate: {window: 0s, above: 1}", "'window' is required and positive"),
                Arguments.of(BASE + "rate: {window: 31d, above: 1}", "rule 'r' rate window: '31d' is longer"),
                Arguments.of(BASE + "anomaly: {model: holt_winters, season: 31d, step: 1d}", "anomaly season: '31d' is longer"),
                Arguments.of(BASE + "anomaly: {model: holt_winters, season: 7d, step: 0s}", "needs 'season' and 'step'"),
                Arguments.of(BASE + "anomaly: {model: holt_winters, season: 10081m, step: 1m}", "a season of 10081 steps, more than 10080"),
                // thresholds and numbers
                Arguments.of(BASE + "threshold: {above: .nan}", "not valid YAML or JSON"),
                Arguments.of(BASE + "threshold: {above: 1e400}", "'above' must be a finite number, got Infinity"),
                Arguments.of("{\"name\": \"r\", \"selector\": \"cpu\", \"threshold\": {\"below\": -1e999}}", "'below' must be a finite number"),
                Arguments.of(BASE + "threshold: {above: '1'}", "'above' must be a finite number, got '1'"),
                Arguments.of(BASE + "threshold: {above: null}", "'above' must be a finite number"),
                // anomaly parameters
                Arguments.of(BASE + "anomaly: {band: 0}", "'band' must be a positive number"),
                Arguments.of(BASE + "anomaly: {band: '3'}", "'band' must be a finite number, got '3'"),
                Arguments.of(BASE + "anomaly: {band: 1e999}", "'band' must be a finite number"),
                Arguments.of(BASE + "anomaly: {min_sigma: -1e-9}", "'min_sigma' must be a positive number"),
                Arguments.of(BASE + "anomaly: {min_relative_sigma: 1.5}", "'min_relative_sigma' must be between 0 and 1"),
                Arguments.of(BASE + "anomaly: {min_relative_sigma: 1e999}", "'min_relative_sigma' must be a finite number"),
                Arguments.of(BASE + "anomaly: {alpha: 0}", "'alpha' must be between 0 and 1, got 0"),
                Arguments.of(BASE + "anomaly: {variance_alpha: x}", "'variance_alpha' must be between 0 and 1, got 'x'"),
                Arguments.of(BASE + "anomaly: {warmup: 0}", "'warmup' must be a whole number from 1 to 1000000, got 0"),
                Arguments.of(BASE + "anomaly: {warmup: 1000001}", "'warmup' must be a whole number from 1 to 1000000"),
                Arguments.of(BASE + "anomaly: {warmup: 4294967297}", "'warmup' must be a whole number from 1 to 1000000, got 4294967297"),
                Arguments.of(BASE + "anomaly: {warmup: 2.5}", "'warmup' must be a whole number"),
                Arguments.of(BASE + "anomaly: {adapt_after: 1}", "'adapt_after' must be a whole number from 2 to 10000"),
                Arguments.of(BASE + "anomaly: {adapt_after: 10001}", "'adapt_after' must be a whole number from 2 to 10000"),
                Arguments.of(BASE + "anomaly: {model: 7}", "'model' must be a string, got 7"),
                // labels and annotations
                Arguments.of(threshold(labels("labels", 65, 1)), "rule 'r' labels: 65 entries, more than 64"),
                Arguments.of(threshold(labels("labels", 1, 1025)), "the value of 'l0' is longer than 1024 characters"),
                Arguments.of(threshold(labels("annotations", 65, 1)), "rule 'r' annotations: 65 entries, more than 64"),
                Arguments.of(threshold(labels("annotations", 1, 4097)), "the value of 'l0' is longer than 4096 characters"),
                Arguments.of(threshold("labels: {" + "a".repeat(129) + ": x}"), "must be a label name (at most 128 characters)"),
                Arguments.of(threshold("labels: {team: null}"), "'team' must be a label name (at most 128 characters) with a plain value"),
                Arguments.of(threshold("labels: {team: [a]}"), "with a plain value"),
                Arguments.of(threshold("labels: [team]"), "expected an object of strings, got a list"),
                // names, tenants, selectors
                Arguments.of("name: 7\nselector: cpu\nthreshold: {above: 1}", "'name' must be a string, got 7"),
                Arguments.of("name: " + "r".repeat(201) + "\nselector: cpu\nthreshold: {above: 1}", "'name' is required"),
                Arguments.of(threshold("tenant: ''"), "'tenant' must be 1 to 128 of"),
                Arguments.of(threshold("tenant: -acme"), "'tenant' must be 1 to 128 of"),
                Arguments.of(threshold("tenant: " + "t".repeat(129)), "'tenant' must be 1 to 128 of"),
                Arguments.of(selector("cpu{host=\"" + "h".repeat(4090) + "\"}"), "'selector' is longer than 4096 characters"),
                Arguments.of(selector("m".repeat(256)), "needs a metric name matching"),
                Arguments.of(selector("cpu{" + IntStream.range(0, 65).mapToObj(i -> "l" + i + "=\"x\"")
                        .collect(Collectors.joining(",")) + "}"), "more than 64 matchers"),
                Arguments.of(selector("cpu{host=~\"(?=web)web\"}"), "invalid regular expression for label 'host'"),
                Arguments.of(selector("cpu{host=~\"(a)\\\\1\"}"), "invalid regular expression for label 'host'"),
                Arguments.of(selector("cpu{host=~\"a{1001}\"}"), "invalid regular expression for label 'host'"),
                Arguments.of(selector("cpu{host=~\"((a{1000}){1000}){1000}\"}"), "regular expression for label 'host' is too complex"),
                Arguments.of(selector("cpu{host=~\"(a{50}){41}\"}"), "is too complex"),
                Arguments.of(selector("cpu{host=~\"" + "a".repeat(1025) + "\"}"), "regular expression for label 'host' is longer than 1024 characters"),
                // structure
                Arguments.of(threshold("unknown: 1"), "rule 'r': unknown field 'unknown'"),
                Arguments.of(BASE + "threshold: {above: 1, x: 2}", "unknown field 'x'"),
                Arguments.of(threshold("for: 1m\nfor: 2m"), "key 'for' given twice"),
                Arguments.of("{\"name\": \"r\", \"name\": \"s\", \"selector\": \"cpu\", \"threshold\": {\"above\": 1}}", "key 'name' given twice"),
                Arguments.of("a: " + "[".repeat(20) + "]".repeat(20), "nested deeper than 16 levels"),
                Arguments.of("{\"a\": " + "[".repeat(100_000), "nested deeper than 16 levels"),
                Arguments.of(aliasBomb(), "more than 10000 values (YAML aliases count as the values they stand for)"),
                Arguments.of(threshold("labels: *missing"), "alias *missing has no anchor before it"),
                Arguments.of(threshold("labels: &self {a: *self}"), "alias *self has no anchor before it"),
                Arguments.of(threshold("") + "---\n" + threshold(""), "more than one document"),
                Arguments.of(threshold("labels: {team: !!binary aGVsbG8=}"), "unsupported value"),
                Arguments.of("{\"name\": \"r\\ud800\"}", "a string holds an unpaired surrogate (\\ud800)"),
                Arguments.of("", "empty document"),
                Arguments.of("~", "expected an object, got null"),
                Arguments.of("[1, 2]", "expected an object, got array"),
                Arguments.of("just text", "expected an object, got string"),
                Arguments.of("{\"name\": \"r\",", "not valid JSON ("),
                Arguments.of("name: [unclosed", "not valid YAML or JSON"));
    }

    /** Nine aliases of nine aliases of ... of a two-value list: 2 × 9⁵ values once expanded. */
    private static String aliasBomb() {
        StringBuilder yaml = new StringBuilder("a: &a [x, y]\n");
        char previous = 'a';
        for (char level = 'b'; level <= 'f'; level++) {
            yaml.append(level).append(": &").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, "*" + previous))).append("]\n");
            previous = level;
        }
        return yaml.toString();
    }

    @ParameterizedTest
    @MethodSource("refused")
    void refusesADocumentBeyondABoundSayingWhy(String document, String reason) {
        assertThatThrownBy(() -> AlertRules.parseRule(document, RuleLimits.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void acceptsEveryValueOnItsBound() {
        AlertRule r = AlertRules.parseRule(threshold("for: 30d\nkeep_firing_for: 720h\n"
                + labels("labels", 64, 1024) + labels("annotations", 64, 4096) + "tenant: " + "t".repeat(128)));
        assertThat(r.forMicros).isEqualTo(30L * 86_400_000_000L);
        assertThat(r.keepFiringForMicros).isEqualTo(30L * 86_400_000_000L);
        assertThat(r.labels).hasSize(64).containsEntry("l63", "v".repeat(1024));
        assertThat(r.annotations).hasSize(64).containsEntry("l0", "v".repeat(4096));

        AlertRule season = AlertRules.parseRule(BASE
                + "anomaly: {model: holt_winters, season: 10080m, step: 1m, warmup: 1000000, adapt_after: 10000,"
                + " min_relative_sigma: 1}");
        assertThat(season.seasonLength).isEqualTo(10_080);
        assertThat(season.warmup).isEqualTo(1_000_000);
        assertThat(season.adaptAfter).isEqualTo(10_000);
        assertThat(season.minRelativeSigma).isEqualTo(1.0);

        AlertRule zero = AlertRules.parseRule(threshold("for: 0\nkeep_firing_for: 0s"));
        assertThat(zero.forMicros).isZero();
        assertThat(zero.keepFiringForMicros).isZero();

        String matchers = IntStream.range(0, 64).mapToObj(i -> "l" + i + "=\"x\"").collect(Collectors.joining(","));
        assertThat(AlertRules.parseRule(selector("cpu{" + matchers + "}")).matchers).hasSize(64);
        assertThat(AlertRules.parseRule(selector("cpu{host=~\"(a{40}){40}\"}")).matchers).hasSize(1);
        assertThat(AlertRules.parseRule(selector("m".repeat(255))).metric).hasSize(255);
    }

    @Test
    void aLongerMaxDurationAdmitsLongerDurations() {
        RuleLimits limits = RuleLimits.from(Configuration.fromMap(Map.of(
                ChronicleOptions.ALERTS_RULES_MAX_DURATION.key(), "3650 d")));
        assertThat(AlertRules.parseRule(threshold("for: 3650d"), limits).forMicros)
                .isEqualTo(3650L * 86_400_000_000L);
        assertThatThrownBy(() -> AlertRules.parseRule(threshold("for: 3651d"), limits))
                .hasMessageContaining("'3651d' is longer than 3650 d");
    }

    @Test
    void aliasesWithinTheBoundsAreExpanded() {
        AlertRule r = AlertRules.parseRule(threshold("labels: &shared {team: db, severity: page}\nannotations: *shared"));
        assertThat(r.annotations).isEqualTo(Map.of("team", "db", "severity", "page"));
        assertThat(r.labels).isEqualTo(r.annotations);
    }

    @Test
    void jsonIndentedWithTabsIsRead() {
        AlertRule r = AlertRules.parseRule("{\n\t\"name\": \"r\",\n\t\"selector\": \"cpu\",\n\t\"threshold\": {\"above\": 2}\n}");
        assertThat(r.bound).isEqualTo(2.0);
    }

    @Test
    void aReasonQuotesAtMostAHundredCharactersOfAValue() {
        String per = "p".repeat(5_000);
        assertThatThrownBy(() -> AlertRules.parseRule(BASE + "absent: {for: 1m, per: " + per + "}"))
                .hasMessage("rule 'r' absent: 'per' is series or selector, got '" + "p".repeat(100) + "…'");
        // Never half a surrogate pair, which JSON could not carry.
        String emoji = "p".repeat(99) + "😀" + "p".repeat(10);
        assertThatThrownBy(() -> AlertRules.parseRule(BASE + "absent: {for: 1m, per: " + emoji + "}"))
                .hasMessage("rule 'r' absent: 'per' is series or selector, got '" + "p".repeat(99) + "…'");
    }

    @Test
    void aRulesFileIsBoundedByMaxRules() {
        String file = "rules:\n" + IntStream.range(0, 3)
                .mapToObj(i -> "  - {name: r" + i + ", selector: cpu, threshold: {above: 1}}\n")
                .collect(Collectors.joining());
        RuleLimits two = RuleLimits.from(Configuration.fromMap(Map.of(
                ChronicleOptions.ALERTS_RULES_MAX_RULES.key(), "2")));
        assertThatThrownBy(() -> AlertRules.parseFile(file, two))
                .hasMessage("rules file: 3 rules, more than 2 (chronicle.alerts.rules.max-rules)");
        assertThat(AlertRules.parseFile(file, RuleLimits.defaults())).hasSize(3);
    }

    @Test
    void decodingRefusesEmptyOversizedAndNonUtf8Documents() {
        assertThatThrownBy(() -> RuleDocuments.decode(new byte[0], 10))
                .hasMessage("empty document (a tombstone, a null value, deletes a rule)");
        assertThatThrownBy(() -> RuleDocuments.decode(new byte[11], 10))
                .hasMessage("document of 11 bytes is larger than 10 bytes (chronicle.alerts.rules.max-document-bytes)");
        byte[] latin1 = "name: caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> RuleDocuments.decode(latin1, 100))
                .hasMessage("document is not UTF-8 text: invalid byte at offset 9");
        byte[] truncated = java.util.Arrays.copyOf("é".getBytes(StandardCharsets.UTF_8), 1);
        assertThatThrownBy(() -> RuleDocuments.decode(truncated, 100))
                .hasMessage("document is not UTF-8 text: invalid byte at offset 0");
        assertThat(RuleDocuments.decode("name: café".getBytes(StandardCharsets.UTF_8), 11)).isEqualTo("name: café");
    }

    @Test
    void theLimitsOptionsAreChecked() {
        assertThat(RuleLimits.defaults()).isEqualTo(new RuleLimits(1_000, 32_768, Duration.ofDays(30), 1_000));
        for (Map.Entry<String, String> bad : Map.of(
                ChronicleOptions.ALERTS_RULES_MAX_RULES.key(), "0",
                ChronicleOptions.ALERTS_RULES_MAX_DOCUMENT_BYTES.key(), "1048577",
                ChronicleOptions.ALERTS_RULES_MAX_DURATION.key(), "3651 d",
                ChronicleOptions.ALERTS_RULES_MAX_RATE_SAMPLES.key(), "1").entrySet()) {
            assertThatThrownBy(() -> ChronicleConfig.validated(Configuration.fromMap(Map.of(bad.getKey(), bad.getValue()))))
                    .hasMessageStartingWith("Invalid value for option '" + bad.getKey() + "'");
        }
    }
}
