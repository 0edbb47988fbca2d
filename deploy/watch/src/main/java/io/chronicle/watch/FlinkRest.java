package io.chronicle.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the watched jobs from Flink's REST API: {@code /jobs/overview} for each name's status
 * (the job of that name that is not terminal, else the one started last), then for that job its
 * restarts ({@code numRestarts}), its latest completed checkpoint and its tasks' watermarks.
 */
final class FlinkJobsReader {

    /** What Flink's gauges report before a task has seen a watermark. */
    private static final long NO_WATERMARK = Long.MIN_VALUE;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Duration timeout;
    private final HttpClient client;

    FlinkJobsReader(URI base, Duration timeout) {
        this.base = base;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Map<String, Observation.Job> read(List<String> names) throws IOException, InterruptedException {
        JsonNode overview = get("/jobs/overview").path("jobs");
        Map<String, Observation.Job> jobs = new LinkedHashMap<>();
        for (String name : names) {
            JsonNode chosen = null;
            for (JsonNode job : overview) {
                if (name.equals(job.path("name").asText()) && preferred(job, chosen)) {
                    chosen = job;
                }
            }
            jobs.put(name, chosen == null ? Observation.Job.missing(name) : details(name, chosen));
        }
        return jobs;
    }

    /** A job that is not terminal wins over one that is; between two alike, the later start. */
    private static boolean preferred(JsonNode candidate, JsonNode chosen) {
        if (chosen == null) {
            return true;
        }
        boolean candidateLive = !JobStatus.ofFlink(candidate.path("state").asText()).isTerminal();
        boolean chosenLive = !JobStatus.ofFlink(chosen.path("state").asText()).isTerminal();
        if (candidateLive != chosenLive) {
            return candidateLive;
        }
        return candidate.path("start-time").asLong() > chosen.path("start-time").asLong();
    }

    private Observation.Job details(String name, JsonNode overview) throws IOException, InterruptedException {
        String jobId = overview.path("jid").asText();
        JobStatus status = JobStatus.ofFlink(overview.path("state").asText());
        long start = overview.path("start-time").asLong();
        if (status.isTerminal()) {
            // A finished job's metrics are gone; its checkpoints and watermarks no longer matter.
            return new Observation.Job(name, jobId, status, start, null, null, null);
        }
        return new Observation.Job(name, jobId, status, start, restarts(jobId),
                lastCheckpoint(jobId), status == JobStatus.RUNNING ? lowestWatermark(jobId) : null);
    }

    private Long restarts(String jobId) throws IOException, InterruptedException {
        for (JsonNode metric : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
            if ("numRestarts".equals(metric.path("id").asText())) {
                return Long.parseLong(metric.path("value").asText());
            }
        }
        return null;
    }

    private Long lastCheckpoint(String jobId) throws IOException, InterruptedException {
        JsonNode completed = get("/jobs/" + jobId + "/checkpoints").path("latest").path("completed");
        return completed.isObject() ? completed.path("latest_ack_timestamp").asLong() : null;
    }

    /** The lowest input watermark over the job's tasks that have received one. */
    private Long lowestWatermark(String jobId) throws IOException, InterruptedException {
        Long lowest = null;
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            String path = "/jobs/" + jobId + "/vertices/"
                    + URLEncoder.encode(vertex.path("id").asText(), StandardCharsets.UTF_8) + "/watermarks";
            for (JsonNode subtask : get(path)) {
                long watermark = Long.parseLong(subtask.path("value").asText());
                if (watermark != NO_WATERMARK && (lowest == null || watermark < lowest)) {
                    lowest = watermark;
                }
            }
        }
        return lowest;
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            String body = response.body();
            throw new IOException("GET " + path + " answered HTTP " + response.statusCode() + ": "
                    + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
        }
        return JSON.readTree(response.body());
    }
}
