package io.chronicle.jobs;

import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.EmbeddedCluster;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What every job integration test class has: a MiniCluster configured as the embedded cluster,
 * and a real Kafka broker and S3-compatible server of its own.
 */
abstract class JobITBase {

    /**
     * Parent-first class loading: a job jar submitted to this cluster (as {@code flink run} does)
     * holds the Kafka connector and Kafka's client, which the test's classpath holds too, while a
     * cluster outside a test has neither on its own classpath. Jobs built in the test's own
     * process load everything from that classpath either way.
     */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(parentFirst(EmbeddedCluster.configuration()))
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(6)
                    .build());

    @TempDir
    static Path tempDir;

    private static Configuration parentFirst(Configuration conf) {
        conf.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
        // The tests poll the REST API (job and task status, checkpoint counts, metrics such as
        // restarts or an operator's counters) every 200 ms: it answers from caches refreshed every
        // 3 s (job details, checkpoint statistics) and 10 s (metrics) by default, so each wait on
        // it took seconds longer than what it waited for.
        conf.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(500));
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        return conf;
    }

    static ItServices services;

    @BeforeAll
    static void startServices() throws Exception {
        services = ItServices.start(tempDir);
    }

    /**
     * Starts each of {@code jobs} as a Flink job of its own on the test's cluster, as they are
     * deployed: {@code conf} with {@code chronicle.job} set to it, so its own sources, consumer
     * group and dead-letter transactions, and the test's job settings; {@code adjust} may tap a
     * job before it is built.
     */
    static Map<ChronicleJob, JobClient> startJobs(Configuration conf, String run, int parallelism,
            List<ChronicleJob> jobs, Map<ChronicleJob, UnaryOperator<IngestJob>> adjust) throws Exception {
        return startJobs(conf, run, parallelism, jobs, adjust, UnaryOperator.identity());
    }

    /** {@link #startJobs}, each job's Flink configuration adjusted by {@code flinkConf}. */
    static Map<ChronicleJob, JobClient> startJobs(Configuration conf, String run, int parallelism,
            List<ChronicleJob> jobs, Map<ChronicleJob, UnaryOperator<IngestJob>> adjust,
            UnaryOperator<Configuration> flinkConf) throws Exception {
        Map<ChronicleJob, JobClient> started = new LinkedHashMap<>();
        for (ChronicleJob job : jobs) {
            Configuration jobConf = new Configuration(conf);
            jobConf.set(ChronicleOptions.JOB, job);
            StreamExecutionEnvironment env = JobEnvironment.create(
                    flinkConf.apply(services.jobConf(jobConf, run + "-" + job)));
            env.setParallelism(parallelism);
            IngestJob built = adjust.getOrDefault(job, UnaryOperator.identity()).apply(IngestJob.fromConfig(jobConf));
            built.build(env);
            started.put(job, env.executeAsync(built.jobName()));
        }
        return started;
    }

    /** Cancels every job still running. */
    static void cancel(Map<ChronicleJob, JobClient> jobs) throws Exception {
        for (JobClient job : jobs.values()) {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
    }

    @AfterAll
    static void stopServices() throws Exception {
        if (services != null) {
            services.close();
            services = null;
        }
    }
}
