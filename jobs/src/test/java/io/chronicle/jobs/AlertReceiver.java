package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A webhook receiver on 127.0.0.1 that accepts every request at once and records, for each alert
 * of each payload, when it arrived: keyed by alertname, then by {@code "<host> <status> <startsAt>"}.
 */
final class AlertReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Map<String, List<Long>>> arrivals = new HashMap<>();

    private AlertReceiver(HttpServer server) {
        this.server = server;
    }

    static AlertReceiver start() throws IOException {
        AlertReceiver receiver = new AlertReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        receiver.server.createContext("/hook", exchange -> {
            long now = System.nanoTime();
            JsonNode payload = JSON.readTree(exchange.getRequestBody().readAllBytes());
            receiver.record(payload, now);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.server.setExecutor(receiver.executor);
        receiver.server.start();
        return receiver;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    private synchronized void record(JsonNode payload, long arrivedNanos) {
        for (JsonNode alert : payload.path("alerts")) {
            JsonNode labels = alert.path("labels");
            String change = labels.path("host").asText() + " " + alert.path("status").asText() + " "
                    + alert.path("startsAt").asText();
            arrivals.computeIfAbsent(labels.path("alertname").asText(), k -> new HashMap<>())
                    .computeIfAbsent(change, k -> new ArrayList<>()).add(arrivedNanos);
        }
    }

    /** The changes of alert {@code alertname} received so far, each with its arrivals. */
    synchronized Map<String, List<Long>> received(String alertname) {
        Map<String, List<Long>> copy = new HashMap<>();
        arrivals.getOrDefault(alertname, Map.of()).forEach((change, times) -> copy.put(change, List.copyOf(times)));
        return copy;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
