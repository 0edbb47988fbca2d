package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline a test runs against, wired from configuration as production wires it and
 * submitted to the test's MiniCluster: today the one ingest job. Tests ask it only what holds
 * for any number of jobs (are they all running, how often did they restart, what failed), so
 * the same tests run unchanged when capabilities run as jobs of their own.
 */
final class PipelineUnderTest implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Metrics are fetched from the task managers on request, slowly on a loaded machine. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI rest;
    private final List<JobClient> jobs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();

    private PipelineUnderTest(URI rest, List<JobClient> jobs) {
        this.rest = rest;
        this.jobs = jobs;
    }

    /**
     * Starts the pipeline with Chronicle's options {@code conf} and Flink's {@code jobConf}, at
     * parallelism 2, on the cluster whose REST API is at {@code rest}.
     */
    static PipelineUnderTest start(Configuration conf, Configuration jobConf, URI rest) throws Exception {
        StreamExecutionEnvironment env = JobEnvironment.create(jobConf);
        env.setParallelism(2);
        IngestJob.fromConfig(conf).build(env);
        return new PipelineUnderTest(rest, List.of(env.executeAsync(IngestJob.JOB_NAME)));
    }

    /** Whether every job and every one of its tasks is running. */
    boolean running() {
        for (JobClient job : jobs) {
            JsonNode details = get("/jobs/" + job.getJobID());
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
        long restarts = 0;
        for (JobClient job : jobs) {
            // Empty until the job's first metrics report, which is before any restart.
            for (JsonNode metric : get("/jobs/" + job.getJobID() + "/metrics?get=numRestarts")) {
                restarts += metric.path("value").asLong();
            }
        }
        return restarts;
    }

    /** Checkpoints that failed, of all jobs so far. */
    long failedCheckpoints() {
        return jobs.stream().mapToLong(job ->
                get("/jobs/" + job.getJobID() + "/checkpoints").path("counts").path("failed").asLong()).sum();
    }

    /** Checkpoints that completed, of all jobs so far. */
    long completedCheckpoints() {
        return jobs.stream().mapToLong(job ->
                get("/jobs/" + job.getJobID() + "/checkpoints").path("counts").path("completed").asLong()).sum();
    }

    /** Each failure in the jobs' exception histories: the exception and its message's first line. */
    List<String> failures() {
        List<String> failures = new ArrayList<>();
        for (JobClient job : jobs) {
            for (JsonNode entry : get("/jobs/" + job.getJobID() + "/exceptions").path("exceptionHistory")
                    .path("entries")) {
                failures.add(entry.path("taskName").asText("(job)") + ": "
                        + entry.path("stacktrace").asText().lines().findFirst().orElse(""));
            }
        }
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

    /** Cancels every job still running or restarting. */
    @Override
    public void close() throws Exception {
        for (JobClient job : jobs) {
            if (!job.getJobStatus().get().isGloballyTerminalState()) {
                job.cancel().get();
            }
        }
    }
}
