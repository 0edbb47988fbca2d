package io.chronicle.deploy.sqlgateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A minimal client of the SQL gateway's REST API (v1), needing nothing but the JDK and Jackson:
 * open a session, run statements, read every result page. Failures carry the gateway's error
 * text, for tests that check what a session is told.
 */
public final class SqlGatewayClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration NOT_READY_BACKOFF = Duration.ofMillis(100);

    private final HttpClient http = HttpClient.newHttpClient();
    private final String baseUrl;
    private final Duration timeout;

    public SqlGatewayClient(String baseUrl, Duration timeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.timeout = timeout;
    }

    /** A request the gateway refused, with the whole answer: its errors carry stack traces. */
    public static final class GatewayError extends IOException {
        private static final long serialVersionUID = 1L;

        public final String answer;

        GatewayError(String message, String answer) {
            super(message);
            this.answer = answer;
        }
    }

    /** The result of a statement: column names and rows of JSON values. */
    public static final class Result {
        public final List<String> columns;
        public final List<List<JsonNode>> rows;

        Result(List<String> columns, List<List<JsonNode>> rows) {
            this.columns = columns;
            this.rows = rows;
        }
    }

    public String openSession() throws IOException, InterruptedException {
        return post("/v1/sessions", "{}").get("sessionHandle").asText();
    }

    public void closeSession(String session) throws IOException, InterruptedException {
        send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/sessions/" + session)).DELETE());
    }

    /** The session's configuration, as the gateway hands it to any client of the session. */
    public Map<String, String> sessionConfig(String session) throws IOException, InterruptedException {
        Map<String, String> config = new TreeMap<>();
        get("/v1/sessions/" + session).path("properties").fields()
                .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        return config;
    }

    /** Runs one statement and reads its result to the end. */
    public Result execute(String session, String statement) throws IOException, InterruptedException {
        String operation = post("/v1/sessions/" + session + "/statements",
                JSON.writeValueAsString(Map.of("statement", statement)))
                .get("operationHandle").asText();
        String next = "/v1/sessions/" + session + "/operations/" + operation + "/result/0";
        List<String> columns = new ArrayList<>();
        List<List<JsonNode>> rows = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (next != null) {
            if (System.nanoTime() > deadline) {
                throw new IOException("Statement did not finish within " + timeout + ": " + statement);
            }
            JsonNode page = get(next);
            JsonNode results = page.path("results");
            if (columns.isEmpty()) {
                results.path("columns").forEach(c -> columns.add(c.path("name").asText()));
            }
            for (JsonNode row : results.path("data")) {
                List<JsonNode> fields = new ArrayList<>();
                row.path("fields").forEach(fields::add);
                rows.add(fields);
            }
            String type = page.path("resultType").asText();
            if (type.equals("EOS")) {
                next = null;
            } else {
                if (type.equals("NOT_READY")) {
                    Thread.sleep(NOT_READY_BACKOFF.toMillis());
                }
                next = page.path("nextResultUri").asText();
            }
        }
        return new Result(columns, rows);
    }

    private JsonNode post(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            JsonNode errors = body.path("errors");
            throw new GatewayError("SQL gateway answered " + response.statusCode() + ": "
                    + (errors.isMissingNode() ? response.body() : summarize(errors)), response.body());
        }
        return body;
    }

    /**
     * The server's errors carry whole stack traces; their first line and innermost cause name
     * the problem.
     */
    private static String summarize(JsonNode errors) {
        List<String> parts = new ArrayList<>();
        for (JsonNode error : errors) {
            String[] lines = error.asText().split("\n");
            String cause = null;
            for (String line : lines) {
                if (line.startsWith("Caused by: ")) {
                    cause = line;
                }
            }
            parts.add(lines[0] + (cause == null ? "" : " ... " + cause));
        }
        return String.join(" | ", parts);
    }
}
