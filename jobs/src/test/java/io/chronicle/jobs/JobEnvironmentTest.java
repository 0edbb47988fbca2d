package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a job's main reads its command line, with the ingest job's usage. */
class JobEnvironmentTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Optional<JobEnvironment.Job> forMain(String... args) {
        return JobEnvironment.forMain(IngestJob.JOB_NAME, args, IngestJob.USAGE,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private List<String> errLines() {
        return err.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void helpPrintsTheUsageAndGivesNoJob() {
        assertThat(forMain("--chronicle.catalog.namespace", "ops", "--help")).isEmpty();
        assertThat(forMain("-h")).isEmpty();

        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo(IngestJob.USAGE + "\n" + IngestJob.USAGE + "\n")
                .startsWith("usage: flink run chronicle-jobs-<version>-job.jar");
        assertThat(err.size()).isZero();
    }

    @Test
    void theOptionsGivenConfigureTheJob() {
        JobEnvironment.Job job = forMain("--chronicle.catalog.namespace", "ops").orElseThrow();

        assertThat(job.conf().get(ChronicleOptions.CATALOG_NAMESPACE)).isEqualTo("ops");
        assertThat(out.size()).isZero();
        assertThat(err.size()).isZero();
    }

    @Test
    void aJobRunOutsideAFlinkClusterGetsTheInProcessClustersSettings() {
        JobEnvironment.Job job = forMain("--taskmanager.memory.managed.size", "512m").orElseThrow();

        assertThat(job.env()).isInstanceOf(LocalStreamEnvironment.class);
        assertThat(job.env().getConfiguration().get(SecurityOptions.DELEGATION_TOKENS_ENABLED)).isFalse();
        assertThat(job.env().getConfiguration().get(TaskManagerOptions.MANAGED_MEMORY_SIZE))
                .as("the options given win").isEqualTo(MemorySize.parse("512m"));
    }

    @Test
    void aWrongOptionIsNamedOnOneLineThenTheUsageAndFailsTheJob(@TempDir Path temp) {
        assertWrong(IllegalArgumentException.class, "chronicle-ingest: Unknown option"
                        + " 'chronicle.kafka.bootstrap-server' (did you mean 'chronicle.kafka.bootstrap-servers'?)",
                "--chronicle.kafka.bootstrap-server", "127.0.0.1:9092");
        assertWrong(IllegalArgumentException.class, "chronicle-ingest: Option '--bogus' needs a value",
                "--chronicle.catalog.namespace", "ops", "--bogus");
        assertWrong(UncheckedIOException.class,
                "chronicle-ingest: Cannot read configuration file " + temp.resolve("missing.yaml"),
                "--config", temp.resolve("missing.yaml").toString());
    }

    private void assertWrong(Class<? extends Exception> failure, String firstLine, String... args) {
        err.reset();
        assertThatThrownBy(() -> forMain(args)).isInstanceOf(failure);

        assertThat(out.size()).isZero();
        assertThat(errLines().get(0)).startsWith(firstLine);
        assertThat(errLines().get(1)).isEmpty();
        assertThat(String.join("\n", errLines().subList(2, errLines().size()))).isEqualTo(IngestJob.USAGE);
    }
}
