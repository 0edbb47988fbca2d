package io.chronicle.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local stack reads its command line before it starts anything: help and wrong arguments
 * return at once (the stack itself would run until stopped), and leave no data folder behind.
 */
@Timeout(10)
class LocalStackCommandLineTest {

    @TempDir
    Path temp;

    record Result(int status, String out, List<String> err) {}

    private static Result run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LocalStack.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8).lines().toList());
    }

    private String dataDir() {
        return temp.resolve("data").toString();
    }

    @Test
    void helpPrintsTheUsageWhereverAnOptionIsExpected() throws Exception {
        for (String[] args : List.of(new String[] {"--help"}, new String[] {"-h"},
                new String[] {"--chronicle.local.data-dir", dataDir(), "--help"},
                new String[] {"--chronicle.local.s3-port", "not a port", "-h"})) {
            Result result = run(args);

            assertThat(result.status()).isZero();
            assertThat(result.out()).isEqualTo(LocalStack.USAGE + "\n");
            assertThat(result.err()).isEmpty();
        }
        assertThat(temp.resolve("data")).doesNotExist();
    }

    @Test
    void aWrongOptionIsNamedOnOneLineThenTheUsage() throws Exception {
        assertWrong("deploy/local/run: Invalid value for option 'chronicle.local.s3-port': ",
                "--chronicle.local.data-dir", dataDir(), "--chronicle.local.s3-port", "s3");
        assertWrong("deploy/local/run: Unknown option 'chronicle.local.dta-dir'"
                        + " (did you mean 'chronicle.local.data-dir'?)",
                "--chronicle.local.dta-dir", dataDir());
        assertWrong("deploy/local/run: Option '--bogus' needs a value",
                "--chronicle.local.data-dir", dataDir(), "--bogus");
        assertWrong("deploy/local/run: Option 'local.data-dir' is now 'chronicle.local.data-dir'",
                "--local.data-dir", dataDir());
        assertWrong("deploy/local/run: Cannot read configuration file " + temp.resolve("missing.yaml"),
                "--chronicle.local.data-dir", dataDir(), "--config", temp.resolve("missing.yaml").toString());
        assertThat(temp.resolve("data")).doesNotExist();
    }

    private static void assertWrong(String firstLine, String... args) throws Exception {
        Result result = run(args);

        assertThat(result.status()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err().get(0)).startsWith(firstLine);
        assertThat(result.err().get(1)).isEmpty();
        assertThat(String.join("\n", result.err().subList(2, result.err().size()))).isEqualTo(LocalStack.USAGE);
    }
}
