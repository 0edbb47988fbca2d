package io.chronicle.jobs;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The replay's command line: its range is checked before anything is opened. */
class ReplayJobTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private void run(String... args) throws Exception {
        ReplayJob.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsTheUsage() throws Exception {
        run("--from", "earliest", "--help");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(ReplayJob.USAGE + System.lineSeparator());
        assertThat(err()).isEmpty();
    }

    @Test
    void aWrongRangeIsNamedOnOneLineThenTheUsage() {
        String[][] cases = {
                {"--to", "latest"}, {"--from", "earliest"}, {"--from", "earliest", "--to"},
                {"--from", "committed", "--to", "latest"}, {"--from", "latest", "--to", "latest"},
                {"--from", "earliest", "--to", "earliest"}, {"--from", "timestamp:soon", "--to", "latest"},
                {"--from", "earliest", "--from", "earliest", "--to", "latest"}};
        String[] named = {"Option '--from' is required", "Option '--to' is required", "Option '--to' needs a value",
                "Invalid value for option '--from': 'committed' is not a position this option takes; expected"
                        + " earliest, timestamp:<ISO-8601 instant or epoch milliseconds> or topic:partition:offset,...",
                "Invalid value for option '--from': 'latest'",
                "Invalid value for option '--to': 'earliest' is not a position this option takes; expected latest,"
                        + " timestamp:<ISO-8601 instant or epoch milliseconds> or topic:partition:offset,...",
                "Invalid value for option '--from': 'timestamp:soon'", "Option '--from' is given twice"};
        for (int i = 0; i < cases.length; i++) {
            err.reset();
            String[] args = cases[i];
            assertThatThrownBy(() -> run(args)).as(String.join(" ", args)).hasMessageStartingWith(named[i]);
            assertThat(err()).as(String.join(" ", args))
                    .startsWith(ReplayJob.PROGRAM + ": " + named[i])
                    .endsWith(ReplayJob.USAGE + System.lineSeparator());
        }
    }
}
