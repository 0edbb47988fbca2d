package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline a test runs against, wired from configuration as production deploys it: the split
 * jobs ({@link ChronicleJob#split}), each a Flink job of its own with its own consumer group and
 * checkpoints, submitted to the test's MiniCluster. Tests ask it what holds for all of them (are
 * they all running, did any fail for good, how often did they restart, what failed).
 */
final class PipelineUnderTest implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Metrics are fetched from the task managers on request, slowly on a loaded machine. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI rest;
    private final Map<ChronicleJob, JobClient> byJob;
    private final List<JobClient> jobs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();

    private PipelineUnderTest(URI rest, Map<ChronicleJob, JobClient> byJob) {
        this.rest = rest;
        this.byJob = byJob;
        this.jobs = List.copyOf(byJob.values());
    }

    /**
     * Starts the split jobs of Chronicle's options {@code conf} with Flink's {@code jobConf} on
     * the cluster whose REST API is at {@code rest}: ingest at parallelism 2 (one subtask per
     * partition of the tests' topics), the others at 1, which fits all five in six slots. Each job
     * checkpoints into a directory of its own under {@code jobConf}'s.
     */
    static PipelineUnderTest start(Configuration conf, Configuration jobConf, URI rest) throws Exception {
        Map<ChronicleJob, JobClient> started = new LinkedHashMap<>();
        try {
            for (ChronicleJob job : ChronicleJob.split(conf)) {
                Configuration chronicle = new Configuration(conf);
                chronicle.set(ChronicleOptions.JOB, job);
                Configuration flink = new Configuration(jobConf);
                flink.set(ChronicleOptions.JOB, job);
                flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                        jobConf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY) + "-" + job);
                StreamExecutionEnvironment env = JobEnvironment.create(flink);
                env.setParallelism(job == ChronicleJob.INGEST ? 2 : 1);
                IngestJob built = IngestJob.fromConfig(chronicle);
                built.build(env);
                started.put(job, env.executeAsync(built.jobName()));
            }
        } catch (Exception e) {
            new PipelineUnderTest(rest, started).close();
            throw e;
        }
        return new PipelineUnderTest(rest, started);
    }

    /** The jobs started, in the order they were. */
    List<ChronicleJob> jobs() {
        return List.copyOf(byJob.keySet());
    }

    /**
     * Fails naming the job if any has ended (FAILED once its restarts ran out, or otherwise
     * finished): a job must ride out an outage by restarting, never end.
     */
    void assertNoneEnded() {
        byJob.forEach((job, client) -> {
            JobStatus status = status(client);
            if (status.isGloballyTerminalState()) {
                throw new AssertionError("the " + job + " job is " + status + ": " + failures());
            }
        });
    }

    /** Each job's restarts so far, for the test's log. */
    Map<ChronicleJob, Long> restartsByJob() {
        Map<ChronicleJob, Long> restarts = new LinkedHashMap<>();
        byJob.forEach((job, client) -> restarts.put(job, restarts(client)));
        return restarts;
    }

    private static JobStatus status(JobClient job) {
        try {
            return job.getJobStatus().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the status of job " + job.getJobID() + " is unknown", e);
        }
    }

    /**
     * Whether every job and every one of its tasks is running; false while the cluster does not
     * answer in time (a starved machine), for the caller's wait to ask again within its deadline.
     */
    boolean running() {
        for (JobClient job : jobs) {
            JsonNode details;
            try {
                details = get("/jobs/" + job.getJobID());
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof HttpTimeoutException) {
                    return false;
                }
                throw e;
            }
            if (!details.path("state").asText().equals("RUNNING")) {
                return false;
            }
            for (JsonNode vertex : details.path("vertices")) {
                if (!vertex.path("status").asText().equals("RUNNING")) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Restarts of all jobs so far. */
    long restarts() {
        return jobs.stream().mapToLong(this::restarts).sum();
    }

    private long restarts(JobClient job) {
        long restarts = 0;
        // Empty until the job's first metrics report, which is before any restart.
        for (JsonNode metric : get("/jobs/" + job.getJobID() + "/metrics?get=numRestarts")) {
            restarts += metric.path("value").asLong();
        }
        return restarts;
    }

    /** Checkpoints that failed, of all jobs so far. */
    long failedCheckpoints() {
        return jobs.stream().mapToLong(job ->
                get("/jobs/" + job.getJobID() + "/checkpoints").path("counts").path("failed").asLong()).sum();
    }

    /** Checkpoints that completed so far, by job. */
    Map<ChronicleJob, Long> completedCheckpoints() {
        Map<ChronicleJob, Long> completed = new LinkedHashMap<>();
        byJob.forEach((job, client) -> completed.put(job,
                get("/jobs/" + client.getJobID() + "/checkpoints").path("counts").path("completed").asLong()));
        return completed;
    }

    /**
     * Each job's checkpoint counts, its latest failed checkpoint's reason, and the tasks an
     * in-progress checkpoint still waits for: what a test names when checkpoints do not advance.
     */
    Map<ChronicleJob, String> checkpointStates() {
        Map<ChronicleJob, String> states = new LinkedHashMap<>();
        byJob.forEach((job, client) -> {
            JsonNode checkpoints = get("/jobs/" + client.getJobID() + "/checkpoints");
            StringBuilder state = new StringBuilder(checkpoints.path("counts").toString());
            JsonNode failed = checkpoints.path("latest").path("failed");
            if (!failed.isMissingNode() && !failed.isNull()) {
                state.append(", latest failed: ").append(failed.path("failure_message").asText());
            }
            for (JsonNode entry : checkpoints.path("history")) {
                if (entry.path("status").asText().equals("IN_PROGRESS")) {
                    state.append(", ").append(entry.path("id").asText()).append(" waits for");
                    Map<String, String> names = new LinkedHashMap<>();
                    for (JsonNode vertex : get("/jobs/" + client.getJobID()).path("vertices")) {
                        names.put(vertex.path("id").asText(), vertex.path("name").asText());
                    }
                    get("/jobs/" + client.getJobID() + "/checkpoints/details/" + entry.path("id").asText())
                            .path("tasks").fields().forEachRemaining(task -> {
                        long acknowledged = task.getValue().path("num_acknowledged_subtasks").asLong();
                        long subtasks = task.getValue().path("num_subtasks").asLong();
                        if (acknowledged < subtasks) {
                            state.append(' ').append(names.get(task.getKey())).append(" (")
                                    .append(acknowledged).append('/').append(subtasks).append(')');
                        }
                    });
                }
            }
            states.put(job, state.toString());
        });
        return states;
    }

    /** Each failure in the jobs' exception histories: the exception and its message's first line. */
    List<String> failures() {
        List<String> failures = new ArrayList<>();
        byJob.forEach((job, client) -> {
            for (JsonNode entry : get("/jobs/" + client.getJobID() + "/exceptions").path("exceptionHistory")
                    .path("entries")) {
                failures.add(job + " " + entry.path("taskName").asText("(job)") + ": "
                        + entry.path("stacktrace").asText().lines().findFirst().orElse(""));
            }
        });
        return failures;
    }

    private JsonNode get(String path) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(rest.resolve(path)).timeout(REQUEST_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": HTTP " + response.statusCode()
                        + " " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Cancels every job still running or restarting, and waits until each has ended: only then
     * are its slots free for the next test's jobs.
     */
    @Override
    public void close() throws Exception {
        for (JobClient job : jobs) {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
        for (JobClient job : jobs) {
            ItServices.waitUntil("job " + job.getJobID() + " ended", REQUEST_TIMEOUT,
                    () -> status(job).isGloballyTerminalState());
        }
    }
}
