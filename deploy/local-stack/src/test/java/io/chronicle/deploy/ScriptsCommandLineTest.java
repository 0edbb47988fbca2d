package io.chronicle.deploy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every script answers {@code --help} with its usage at once, and a wrong argument with one line
 * naming it followed by the usage, before it builds, installs, starts or connects anything. The
 * scripts run from a copy of their folders in which {@code mvnw}, and {@code java}, {@code mvn},
 * {@code curl}, {@code apt-get}, ... on the PATH, only record that they were called and fail: a
 * script that builds or starts something before reading its arguments leaves a record.
 */
class ScriptsCommandLineTest {

    static final List<String> SCRIPTS = List.of(
            "deploy/local/run", "deploy/local/sql", "deploy/local/rollups", "deploy/local/backfill",
            "deploy/local/replay",
            "deploy/cluster/start", "deploy/cluster/stop", "deploy/cluster/submit",
            "deploy/cluster/flink", "deploy/cluster/check",
            "deploy/trino/run", "deploy/recovery", "bench/run");

    /** The folders whose files (not subfolders) the scripts need: themselves and what they source. */
    private static final List<String> FOLDERS = List.of(
            "deploy", "deploy/local", "deploy/cluster", "deploy/trino", "bench");

    private static final List<String> TOOLS = List.of(
            "java", "mvn", "curl", "apt-get", "systemctl", "setsid", "nohup", "tar", "sudo", "unzip");

    /** Bash reading its arguments takes milliseconds; a build or a JVM start takes far longer. */
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private static final Path REPOSITORY = Path.of("../..").toAbsolutePath().normalize();

    @TempDir
    static Path temp;

    private static Path root;
    private static Path fakeBin;
    private static Path fakeJdk;
    private static Path calls;

    @BeforeAll
    static void copyScriptsBesideRecordingTools() throws IOException {
        root = temp.resolve("repository");
        for (String folder : FOLDERS) {
            Files.createDirectories(root.resolve(folder));
            try (Stream<Path> files = Files.list(REPOSITORY.resolve(folder))) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(file, root.resolve(folder).resolve(file.getFileName()),
                            StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        calls = temp.resolve("calls");
        recorder(root.resolve("mvnw"));
        fakeBin = Files.createDirectories(temp.resolve("bin"));
        for (String tool : TOOLS) {
            recorder(fakeBin.resolve(tool));
        }
        fakeJdk = temp.resolve("jdk");
        recorder(Files.createDirectories(fakeJdk.resolve("bin")).resolve("java"));
    }

    private static void recorder(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\necho \"$0 $*\" >> '" + calls + "'\nexit 97\n");
        file.toFile().setExecutable(true);
    }

    @BeforeEach
    void forgetCalls() throws IOException {
        Files.deleteIfExists(calls);
    }

    record Result(int status, String out, String err, List<String> calls) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private static Result run(String script, String... args) throws Exception {
        return runFrom(root, script, args);
    }

    private static Result runFrom(Path directory, String script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", script));
        command.addAll(Arrays.asList(args));
        Path out = temp.resolve("out");
        Path err = temp.resolve("err");
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.put("PATH", fakeBin + ":" + env.get("PATH"));
        env.put("JAVA_HOME", fakeJdk.toString());
        env.put("TRINO_JAVA_HOME", fakeJdk.toString());
        env.put("CHRONICLE_CLUSTER_RUN_DIR", temp.resolve("cluster-run").toString());
        env.remove("TRINO_VERSION");
        env.remove("FLINK_RUN_OPTS");
        Process process = builder.start();
        if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + DEADLINE);
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err),
                Files.exists(calls) ? Files.readAllLines(calls) : List.of());
    }

    private static String usage(String script) throws Exception {
        return run(script, "--help").out();
    }

    @ParameterizedTest
    @FieldSource("SCRIPTS")
    void helpPrintsTheUsageAtOnce(String script) throws Exception {
        for (String help : List.of("--help", "-h")) {
            Result result = run(script, help);

            assertThat(result.calls()).as("what %s %s ran", script, help).isEmpty();
            assertThat(result.err()).as("stderr of %s %s", script, help).isEmpty();
            assertThat(result.status()).as("exit status of %s %s", script, help).isZero();
            assertThat(result.out()).startsWith("usage: " + script);
        }
        assertThat(run(script, "-h").out()).isEqualTo(usage(script));
    }

    @ParameterizedTest
    @FieldSource("SCRIPTS")
    void anUnknownOptionIsNamedOnOneLineThenTheUsage(String script) throws Exception {
        assertWrong(run(script, "--bogus"), script, "'--bogus'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "deploy/local/run       | --chronicle.local.data-dir elsewhere --help",
            "deploy/local/run       | x y -h",
            "deploy/local/sql       | --endpoint 127.0.0.1:1 --help",
            "deploy/local/rollups   | rebuild --help",
            "deploy/local/rollups   | expire --chronicle.local.data-dir elsewhere -h",
            "deploy/local/backfill  | --chronicle.local.data-dir elsewhere --help",
            "deploy/local/replay    | --from earliest --help",
            "deploy/cluster/start   | --rest-port 8082 --help",
            "deploy/trino/run       | --chronicle.local.data-dir elsewhere --help",
            "bench/run              | vm --help",
            "bench/run              | rollups --points 1000 -h",
    })
    void helpAfterOtherArgumentsPrintsTheUsage(String script, String args) throws Exception {
        Result result = run(script, args.split(" "));

        assertThat(result.calls()).isEmpty();
        assertThat(result.status()).isZero();
        assertThat(result.out()).isEqualTo(usage(script));
        assertThat(root.resolve("elsewhere")).doesNotExist();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "deploy/local/run       | --chronicle.local.s3-port                     | option '--chronicle.local.s3-port' needs a value",
            "deploy/local/run       | chronicle.local.s3-port 9001                  | got 'chronicle.local.s3-port'",
            "deploy/local/sql       | SELECT 1 --endpoint                           | option '--endpoint' needs a value",
            "deploy/local/sql       | --endpoint localhost                          | '--endpoint' needs HOST:PORT",
            "deploy/local/sql       | --chronicle.local.sql-gateway-port x          | '--chronicle.local.sql-gateway-port' needs a port number",
            "deploy/local/rollups   |                                               | no command given",
            "deploy/local/rollups   | compact                                       | unknown command 'compact'",
            "deploy/local/rollups   | expire --chronicle.local.s3-port s3           | '--chronicle.local.s3-port' needs a port number",
            "deploy/local/backfill  | --chronicle.local.kafka-port kafka            | '--chronicle.local.kafka-port' needs a port number",
            "deploy/local/backfill  | now                                           | got 'now'",
            "deploy/local/backfill  | --chronicle.topics.points                     | option '--chronicle.topics.points' needs a value",
            "deploy/local/replay    | --to latest                                   | option '--from' is required",
            "deploy/local/replay    | --from earliest                               | option '--to' is required",
            "deploy/local/replay    | --from                                        | option '--from' needs a value",
            "deploy/cluster/start   | --rest-port 80810                             | '--rest-port' needs a port number",
            "deploy/cluster/start   | --rpc-port                                    | option '--rpc-port' needs a value",
            "deploy/cluster/start   | --taskmanagers 0                              | option '--taskmanagers' takes 1 to 9, got '0'",
            "deploy/cluster/start   | --restart taskmanager                         | option '--restart' takes jobmanager or taskmanager-K, got 'taskmanager'",
            "deploy/cluster/stop    | now                                           | unexpected argument 'now'",
            "deploy/cluster/submit  |                                               | no job jar given",
            "deploy/cluster/submit  | -D nokeyvalue job.jar                         | option '-D' needs a key=value",
            "deploy/cluster/submit  | --job tiers job.jar                           | option '--job' needs ingest, rollups, views, alerts, delivery, all or split, got 'tiers'",
            "deploy/cluster/submit  | --job                                         | option '--job' needs a job",
            "deploy/cluster/start   | -D nokeyvalue                                 | option '-D' needs a key=value",
            "deploy/cluster/flink   |                                               | no action given",
            "deploy/cluster/check   | --rest-port 0x                                | '--rest-port' needs a port number",
            "deploy/cluster/check   | --phase-seconds                               | option '--phase-seconds' needs a value",
            "deploy/cluster/submit  | missing.jar --config chronicle.yaml           | no such jar 'missing.jar'",
            "deploy/trino/run       | --trino.port http                             | '--trino.port' needs a port number",
            "deploy/trino/run       | --trino.version                               | option '--trino.version' needs a value",
            "bench/run              |                                               | no suite given",
            "bench/run              | rollup --points 1000                          | unknown suite 'rollup'",
            "bench/run              | ingest --points                               | option '--points' needs a value",
    })
    void aWrongArgumentIsNamedOnOneLineThenTheUsage(String script, String args, String named)
            throws Exception {
        assertWrong(run(script, args == null ? new String[0] : args.split(" ")), script, named);
    }

    private static void assertWrong(Result result, String script, String named) throws Exception {
        assertThat(result.calls()).as("what %s ran", script).isEmpty();
        assertThat(result.status()).as("exit status of %s", script).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        List<String> lines = result.errLines();
        assertThat(lines.get(0)).startsWith(script + ": ").contains(named);
        assertThat(lines.get(1)).isEmpty();
        assertThat(String.join("\n", lines.subList(2, lines.size())) + "\n").isEqualTo(usage(script));
    }

    @Test
    void theRunScriptsUsageIsTheLocalStacks() throws Exception {
        assertThat(usage("deploy/local/run")).isEqualTo(LocalStack.USAGE + "\n");
        assertThat(LocalStack.USAGE).contains(LocalStackOptions.all().stream()
                .map(option -> "--" + option.key()).toList());
    }

    @Test
    void theScriptsAreNamedFromTheRepositorysRootWhereverTheyRunFrom() throws Exception {
        Path folder = Files.createDirectories(temp.resolve("another-folder"));
        for (String script : SCRIPTS) {
            Result result = runFrom(folder, root.resolve(script).toString(), "--bogus");

            assertThat(result.calls()).isEmpty();
            assertThat(result.errLines().get(0)).startsWith(script + ": ");
            assertThat(result.err()).endsWith(usage(script));
        }
    }
}
