package io.chronicle.deploy;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RejectReason;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The limits table (docs/operations.md) and the reason codes table (docs/producing.md) hold what
 * the code has: every reason code a row of its own, every option the limits name declared, every
 * reason code the limits name real.
 */
class LimitsDocsTest {

    private static final Path DOCS = Path.of("../../docs");

    private static List<String> tableRows(String page, String heading) throws IOException {
        String text = Files.readString(DOCS.resolve(page));
        int from = text.indexOf("\n" + heading + "\n");
        assertThat(from).as("%s has a section '%s'", page, heading).isNotNegative();
        int next = text.indexOf("\n## ", from + heading.length() + 1);
        String section = text.substring(from, next < 0 ? text.length() : next);
        List<String> rows = new ArrayList<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("| ") && !line.startsWith("|---")) {
                rows.add(line);
            }
        }
        return rows;
    }

    private static List<String> codes(String text) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("`([a-z0-9]+(?:_[a-z0-9]+)+)`").matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void everyReasonCodeHasARowOfItsOwn() throws Exception {
        List<String> documented = tableRows("producing.md", "## Reason codes").stream()
                .map(row -> row.split("\\|")[1].trim())
                .filter(cell -> cell.startsWith("`"))
                .map(cell -> cell.substring(1, cell.length() - 1))
                .collect(Collectors.toList());
        List<String> declared = Arrays.stream(RejectReason.values()).map(RejectReason::code).toList();
        assertThat(documented).containsExactlyInAnyOrderElementsOf(declared);
    }

    @Test
    void theLimitsNameDeclaredOptionsAndRealReasonCodes() throws Exception {
        List<String> rows = tableRows("operations.md", "## Limits");
        assertThat(rows).hasSizeGreaterThan(40);
        Set<String> options = ChronicleOptions.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
        Set<String> reasons = Arrays.stream(RejectReason.values()).map(RejectReason::code).collect(Collectors.toSet());
        String setBy = rows.stream().map(row -> row.split("\\|")[4]).collect(Collectors.joining("\n"));
        Matcher named = Pattern.compile("`(chronicle\\.[a-z0-9.-]+)`").matcher(setBy);
        List<String> optionsNamed = new ArrayList<>();
        while (named.find()) {
            optionsNamed.add(named.group(1));
        }
        assertThat(optionsNamed).hasSizeGreaterThan(30);
        for (String key : optionsNamed) {
            // Kafka's own producer settings pass through under chronicle.kafka.properties.
            if (!key.startsWith("chronicle.kafka.properties.")) {
                assertThat(options).as("option named in the limits table").contains(key);
            }
        }
        for (String row : rows) {
            String beyond = row.split("\\|")[3];
            for (String code : codes(beyond)) {
                if (!isColumnOrTable(code)) {
                    assertThat(reasons).as("reason code in the limits table's row %s", row).contains(code);
                }
            }
        }
        // Every reason a record can be refused for at ingest is a limit of the table.
        String table = String.join("\n", rows);
        for (String code : List.of("oversized_payload", "too_many_tags", "value_out_of_range", "timestamp_out_of_range",
                "cardinality_limit", "too_many_events", "tenant_not_allowed", "reserved_tenant",
                "reserved_metric_name", "missing_tenant", "too_late")) {
            assertThat(table).contains("`" + code + "`");
        }
    }

    /** Column and table names in the table's cells, not reason codes. */
    private static boolean isColumnOrTable(String word) {
        return Set.of("points_raw", "payload_truncated", "payload_size", "events_dropped", "rules_status")
                .contains(word);
    }
}
