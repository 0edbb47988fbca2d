package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bench's command line; each case returns before any suite starts. */
class BenchTest {

    record Result(int status, String out, String err) {}

    private static Result run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Bench.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** bench/run prints bench/usage.txt for --help, before anything is compiled. */
    @Test
    void theScriptsUsageFileIsBenchsUsage() throws Exception {
        assertThat(Files.readString(Path.of("usage.txt")))
                .as("bench/usage.txt: write Bench's usage into it (the expected text)")
                .isEqualTo(Bench.usage() + "\n");
    }

    @Test
    void helpPrintsTheUsageWhereverAnOptionIsExpected() throws Exception {
        for (String[] args : new String[][] {{"--help"}, {"-h"}, {"rollups", "--help"},
                {"ingest", "--points", "1000", "-h"}, {"nosuch", "--help"}}) {
            Result result = run(args);

            assertThat(result.status()).isZero();
            assertThat(result.out()).isEqualTo(Bench.usage() + "\n").startsWith("usage: bench/run ");
            assertThat(result.err()).isEmpty();
        }
    }

    @Test
    void aWrongArgumentIsNamedOnOneLineThenTheUsage() throws Exception {
        assertWrong("bench/run: no suite given");
        assertWrong("bench/run: unknown suite '--bogus': expected one of rollups, alerts, vm, ingest, formats, life, jmh",
                "--bogus");
        assertWrong("bench/run: Unknown option 'pionts'. Known options: ", "rollups", "--pionts", "1000");
        assertWrong("bench/run: Invalid value for option 'runs': must be at least 1, got 0", "rollups", "--runs", "0");
        assertWrong("bench/run: Expected '--option value' pairs, got '--points'", "rollups", "--points");
    }

    private static void assertWrong(String firstLine, String... args) throws Exception {
        Result result = run(args);

        assertThat(result.status()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).startsWith(firstLine);
        assertThat(result.err().lines().toList().get(1)).isEmpty();
        assertThat(result.err()).endsWith("\n\n" + Bench.usage() + "\n");
    }
}
