package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
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
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How a job's main reads its command line, with the ingest job's usage. */
class JobEnvironmentTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Optional<JobEnvironment.Job> forMain(String... args) {
        return JobEnvironment.forMain(IngestJob.PROGRAM, args, IngestJob.USAGE,
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

    /**
     * A job that keeps failing gives up after a bounded number of restarts, whose backoffs add up
     * to about a quarter of an hour, and a checkpoint failing now and then restarts nothing.
     */
    @Test
    void everyJobGetsABoundedRestartStrategyAFixedMaxParallelismAndToleratesAFewFailedCheckpoints() {
        Configuration conf = JobEnvironment.withDefaults(new Configuration());

        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("exponential-delay");
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS)).isEqualTo(20);
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF))
                .isEqualTo(Duration.ofMinutes(1));
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD))
                .isEqualTo(Duration.ofMinutes(10));
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER))
                .isEqualTo(2.0);
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR))
                .isEqualTo(0.1);
        // Waits of 1, 2, 4 ... 32 s, then 14 of a minute: about 15 minutes (give or take a tenth).
        long backoffSeconds = 0;
        for (int attempt = 0; attempt < 20; attempt++) {
            backoffSeconds += Math.min(60, (long) Math.pow(2, attempt));
        }
        assertThat(backoffSeconds).isEqualTo(903);
        assertThat(conf.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isEqualTo(5);
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT)).isEqualTo(Duration.ofMinutes(3));
        assertThat(conf.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(128);
    }

    @Test
    void aRestartStrategyOrMaxParallelismGivenWins() {
        Configuration given = new Configuration();
        given.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        given.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        given.set(PipelineOptions.MAX_PARALLELISM, 720);
        given.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 0);
        given.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMinutes(20));

        Configuration conf = JobEnvironment.withDefaults(given);

        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
        assertThat(conf.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS)).isEqualTo(3);
        assertThat(conf.get(PipelineOptions.MAX_PARALLELISM)).isEqualTo(720);
        assertThat(conf.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isZero();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT)).isEqualTo(Duration.ofMinutes(20));
    }

    @Test
    void aWrongOptionIsNamedOnOneLineThenTheUsageAndFailsTheJob(@TempDir Path temp) {
        assertWrong(IllegalArgumentException.class, "chronicle: Unknown option"
                        + " 'chronicle.kafka.bootstrap-server' (did you mean 'chronicle.kafka.bootstrap-servers'?)",
                "--chronicle.kafka.bootstrap-server", "127.0.0.1:9092");
        assertWrong(IllegalArgumentException.class, "chronicle: Option '--bogus' needs a value",
                "--chronicle.catalog.namespace", "ops", "--bogus");
        assertWrong(UncheckedIOException.class,
                "chronicle: Cannot read configuration file " + temp.resolve("missing.yaml"),
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
