package io.chronicle.jobs;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.CommandLine;
import io.chronicle.core.EmbeddedCluster;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The execution environment every Chronicle job runs in: RocksDB state with incremental,
 * exactly-once checkpoints retained on cancellation, explicit operator uids, a fixed max
 * parallelism, a bounded restart strategy, and records passed between chained operators without
 * copies. Each default applies only where the configuration does not already set the option.
 */
public final class JobEnvironment {

    static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
    /**
     * Key groups of every keyed state, fixed for the state's life: a savepoint restores at any
     * parallelism up to it and never at another max parallelism. 128 is what Flink derived for
     * the jobs before it was set (any parallelism up to 85), so their savepoints still restore.
     */
    static final int DEFAULT_MAX_PARALLELISM = 128;
    /**
     * Restarts in a row (none more than the reset threshold after the one before) before the job
     * gives up and ends FAILED, where an operator sees it and the watcher alerts: with the
     * backoffs below, about 15 minutes of restarting, enough to ride out a dependency's outage.
     */
    static final int DEFAULT_RESTART_ATTEMPTS = 20;
    static final Duration DEFAULT_RESTART_INITIAL_BACKOFF = Duration.ofSeconds(1);
    static final Duration DEFAULT_RESTART_MAX_BACKOFF = Duration.ofMinutes(1);
    static final Duration DEFAULT_RESTART_RESET_THRESHOLD = Duration.ofMinutes(10);
    static final double DEFAULT_RESTART_BACKOFF_MULTIPLIER = 2.0;
    /** Jobs restarted by one outage do not all come back in the same instant. */
    static final double DEFAULT_RESTART_JITTER = 0.1;
    /**
     * Checkpoints that may fail in a row (about 2.5 minutes at the default interval) before the
     * job restarts: one failed upload must not restart every task, while a job that can no
     * longer checkpoint does not run on, uncommitted, for ever.
     */
    static final int DEFAULT_TOLERABLE_FAILED_CHECKPOINTS = 5;
    /**
     * A checkpoint still pending after this long fails and counts towards the tolerable ones:
     * one whose acknowledgement the JobManager could not process stays pending until then, and
     * no sink commits in the meantime. Flink's own default holds commits for 10 minutes.
     */
    static final Duration DEFAULT_CHECKPOINT_TIMEOUT = Duration.ofMinutes(3);

    private JobEnvironment() {}

    public static Configuration withDefaults(Configuration conf) {
        Configuration result = new Configuration(conf);
        setIfAbsent(result, StateBackendOptions.STATE_BACKEND, "rocksdb");
        setIfAbsent(result, CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        setIfAbsent(result, CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        setIfAbsent(result, CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                CheckpointingMode.EXACTLY_ONCE);
        setIfAbsent(result, CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        setIfAbsent(result, CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, DEFAULT_TOLERABLE_FAILED_CHECKPOINTS);
        setIfAbsent(result, CheckpointingOptions.CHECKPOINTING_TIMEOUT, DEFAULT_CHECKPOINT_TIMEOUT);
        // Savepoint compatibility depends on every stateful operator having a uid of its own.
        setIfAbsent(result, PipelineOptions.AUTO_GENERATE_UIDS, false);
        setIfAbsent(result, PipelineOptions.MAX_PARALLELISM, DEFAULT_MAX_PARALLELISM);
        // Flink's own default restarts for ever; this one gives up after a bounded number of tries.
        if (!result.contains(RestartStrategyOptions.RESTART_STRATEGY)) {
            result.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        }
        setIfAbsent(result, RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS,
                DEFAULT_RESTART_ATTEMPTS);
        setIfAbsent(result, RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF,
                DEFAULT_RESTART_INITIAL_BACKOFF);
        setIfAbsent(result, RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF,
                DEFAULT_RESTART_MAX_BACKOFF);
        setIfAbsent(result, RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                DEFAULT_RESTART_RESET_THRESHOLD);
        setIfAbsent(result, RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER,
                DEFAULT_RESTART_BACKOFF_MULTIPLIER);
        setIfAbsent(result, RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR,
                DEFAULT_RESTART_JITTER);
        // No operator changes a record it is given or keeps one (keyed state is serialized by
        // RocksDB, every output is a new object, and the rollups' batches keep only a point's
        // strings and tags, made anew per record), so chained operators may share records
        // instead of each getting a deep copy, which cost about a tenth of ingest's CPU.
        setIfAbsent(result, PipelineOptions.OBJECT_REUSE, true);
        return result;
    }

    public static StreamExecutionEnvironment create(Configuration conf) {
        return StreamExecutionEnvironment.getExecutionEnvironment(withDefaults(conf));
    }

    /** A job's configuration and the environment it runs in, as its {@code main} sets them up. */
    public record Job(Configuration conf, StreamExecutionEnvironment env) {}

    /**
     * The environment {@code flink run} or an application cluster gives a job's {@code main},
     * configured with Chronicle's options from that environment's Flink configuration (where
     * {@code -D} and a {@code FlinkDeployment}'s {@code flinkConfiguration} land) and from the
     * arguments; empty when the arguments ask for help, after printing the usage on {@code out},
     * before any environment is made. A bad option prints one line naming it and the usage on
     * {@code err}, then throws rather than exits: in an application cluster, {@code main} runs
     * inside the JobManager.
     */
    public static Optional<Job> forMain(
            String program, String[] args, String usage, PrintStream out, PrintStream err) {
        if (CommandLine.wantsHelp(args, 0)) {
            out.println(usage);
            return Optional.empty();
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration conf;
        try {
            conf = ChronicleConfig.load(env.getConfiguration(), args, List.of());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            CommandLine.printError(err, program, e.getMessage(), usage);
            throw e;
        }
        Configuration effective = withDefaults(conf);
        if (env instanceof LocalStreamEnvironment) {
            // Run with plain java rather than flink run: the job's cluster runs in this process.
            Configuration inProcess = EmbeddedCluster.configuration();
            inProcess.addAll(effective);
            effective = inProcess;
        }
        env.configure(effective);
        return Optional.of(new Job(conf, env));
    }

    private static <T> void setIfAbsent(
            Configuration conf, org.apache.flink.configuration.ConfigOption<T> option, T value) {
        if (!conf.contains(option)) {
            conf.set(option, value);
        }
    }
}
