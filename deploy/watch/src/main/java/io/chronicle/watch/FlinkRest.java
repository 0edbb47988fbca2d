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
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The watched jobs through the REST APIs of the Flink clusters running them. {@link #read} gives,
 * from {@code /jobs/overview} of every cluster, each name's job (the one not terminal, else the
 * one started last), then that job's restarts ({@code numRestarts}), latest completed checkpoint
 * and tasks' watermarks; {@link #checkpoint} triggers a checkpoint and waits for it.
 */
final class FlinkRest {

    /** What Flink's gauges report before a task has seen a watermark. */
    private static final long NO_WATERMARK = Long.MIN_VALUE;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Between two looks at a triggered checkpoint. */
    private static final Duration CHECKPOINT_POLL = Duration.ofMillis(200);

    private final List<URI> bases;
    private final Duration timeout;
    private final HttpClient client;

    /** A job as a cluster's {@code /jobs/overview} lists it, with that cluster's REST API. */
    record Listed(URI base, JsonNode job) {
        String id() {
            return job.path("jid").asText();
        }

        JobStatus status() {
            return JobStatus.ofFlink(job.path("state").asText());
        }

        long startMillis() {
            return job.path("start-time").asLong();
        }
    }

    FlinkRest(List<URI> bases, Duration timeout) {
        this.bases = List.copyOf(bases);
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    Map<String, Observation.Job> read(List<String> names) throws IOException, InterruptedException {
        Map<String, Listed> chosen = find(names);
        Map<String, Observation.Job> jobs = new LinkedHashMap<>();
        for (String name : names) {
            Listed job = chosen.get(name);
            jobs.put(name, job == null ? Observation.Job.missing(name) : details(name, job));
        }
        return jobs;
    }

    /**
     * Each name's job over every cluster, as {@link #read} chooses it; names without one are left
     * out. Throws if a cluster does not answer.
     */
    Map<String, Listed> find(Collection<String> names) throws IOException, InterruptedException {
        List<Listed> all = new ArrayList<>();
        for (URI base : bases) {
            all.addAll(listed(base));
        }
        return choose(all, names);
    }

    /** {@link #find}, over the clusters that answer. */
    Map<String, Listed> findAnswering(Collection<String> names) throws InterruptedException {
        List<Listed> all = new ArrayList<>();
        for (URI base : bases) {
            try {
                all.addAll(listed(base));
            } catch (IOException e) {
                // That cluster's jobs are looked for again next time.
            }
        }
        return choose(all, names);
    }

    private List<Listed> listed(URI base) throws IOException, InterruptedException {
        List<Listed> listed = new ArrayList<>();
        get(base, "/jobs/overview").path("jobs").forEach(job -> listed.add(new Listed(base, job)));
        return listed;
    }

    private static Map<String, Listed> choose(List<Listed> all, Collection<String> names) {
        Map<String, Listed> chosen = new LinkedHashMap<>();
        for (Listed job : all) {
            String name = job.job().path("name").asText();
            if (names.contains(name) && preferred(job.job(), chosen.containsKey(name) ? chosen.get(name).job() : null)) {
                chosen.put(name, job);
            }
        }
        return chosen;
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

    /** How many times the job has restored its state from a checkpoint or savepoint. */
    long restored(Listed job) throws IOException, InterruptedException {
        return get(job.base(), "/jobs/" + job.id() + "/checkpoints").path("counts").path("restored").asLong();
    }

    /** Triggers a checkpoint of the job and returns once it has completed; throws if it failed. */
    void checkpoint(Listed job, Duration deadline) throws IOException, InterruptedException {
        String path = "/jobs/" + job.id() + "/checkpoints";
        JsonNode trigger = send(job.base(), path, HttpRequest.BodyPublishers.ofString("{}"));
        String request = trigger.path("request-id").asText();
        long until = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < until) {
            JsonNode result = get(job.base(), path + "/" + URLEncoder.encode(request, StandardCharsets.UTF_8));
            if ("COMPLETED".equals(result.path("status").path("id").asText())) {
                JsonNode operation = result.path("operation");
                if (operation.has("checkpointId")) {
                    return;
                }
                throw new IOException("checkpoint of " + job.id() + " failed: "
                        + operation.path("failureCause").path("serialized-throwable").asText(operation.toString()));
            }
            Thread.sleep(CHECKPOINT_POLL.toMillis());
        }
        throw new IOException("checkpoint of " + job.id() + " not completed within " + deadline);
    }

    /** The job's status now; {@link JobStatus#MISSING} when its cluster no longer knows it. */
    JobStatus status(Listed job) throws IOException, InterruptedException {
        for (JsonNode listed : get(job.base(), "/jobs/overview").path("jobs")) {
            if (job.id().equals(listed.path("jid").asText())) {
                return JobStatus.ofFlink(listed.path("state").asText());
            }
        }
        return JobStatus.MISSING;
    }

    private Observation.Job details(String name, Listed job) throws IOException, InterruptedException {
        String jobId = job.id();
        JobStatus status = job.status();
        long start = job.startMillis();
        if (status.isTerminal()) {
            // A finished job's metrics are gone; its checkpoints and watermarks no longer matter.
            return new Observation.Job(name, jobId, status, start, null, null, null);
        }
        URI base = job.base();
        return new Observation.Job(name, jobId, status, start, restarts(base, jobId),
                lastCheckpoint(base, jobId), status == JobStatus.RUNNING ? lowestWatermark(base, jobId) : null);
    }

    private Long restarts(URI base, String jobId) throws IOException, InterruptedException {
        for (JsonNode metric : get(base, "/jobs/" + jobId + "/metrics?get=numRestarts")) {
            if ("numRestarts".equals(metric.path("id").asText())) {
                return Long.parseLong(metric.path("value").asText());
            }
        }
        return null;
    }

    private Long lastCheckpoint(URI base, String jobId) throws IOException, InterruptedException {
        JsonNode completed = get(base, "/jobs/" + jobId + "/checkpoints").path("latest").path("completed");
        return completed.isObject() ? completed.path("latest_ack_timestamp").asLong() : null;
    }

    /** The lowest input watermark over the job's tasks that have received one. */
    private Long lowestWatermark(URI base, String jobId) throws IOException, InterruptedException {
        Long lowest = null;
        for (JsonNode vertex : get(base, "/jobs/" + jobId).path("vertices")) {
            String path = "/jobs/" + jobId + "/vertices/"
                    + URLEncoder.encode(vertex.path("id").asText(), StandardCharsets.UTF_8) + "/watermarks";
            for (JsonNode subtask : get(base, path)) {
                long watermark = Long.parseLong(subtask.path("value").asText());
                if (watermark != NO_WATERMARK && (lowest == null || watermark < lowest)) {
                    lowest = watermark;
                }
            }
        }
        return lowest;
    }

    private JsonNode get(URI base, String path) throws IOException, InterruptedException {
        return answer(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET().build());
    }

    private JsonNode send(URI base, String path, HttpRequest.BodyPublisher body) throws IOException, InterruptedException {
        return answer(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Content-Type", "application/json").POST(body).build());
    }

    private JsonNode answer(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            String body = response.body();
            throw new IOException(request.method() + " " + request.uri() + " answered HTTP " + response.statusCode()
                    + ": " + (body.length() > 200 ? body.substring(0, 200) + "..." : body));
        }
        return JSON.readTree(response.body());
    }
}
