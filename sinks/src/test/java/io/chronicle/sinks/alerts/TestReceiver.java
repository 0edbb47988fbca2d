package io.chronicle.sinks.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;

/**
 * An HTTP receiver on 127.0.0.1 recording every request. {@code statusOf} answers the n-th
 * request (from 0); {@link #holdFirst()} keeps the first request waiting until
 * {@link #release()}, so a test can queue alerts behind it and know how they will be batched.
 */
final class TestReceiver implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One request as received. */
    record Request(String method, String path, Headers headers, JsonNode body, long arrivedNanos,
            int status) {}

    private final HttpServer server;
    private final IntUnaryOperator statusOf;
    private final List<Request> requests = new ArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile boolean holdFirst;
    private int arrivals;

    TestReceiver(IntUnaryOperator statusOf) throws IOException {
        this(0, statusOf);
    }

    TestReceiver(int port, IntUnaryOperator statusOf) throws IOException {
        this.statusOf = statusOf;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "test-receiver");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    static TestReceiver accepting() throws IOException {
        return new TestReceiver(n -> 200);
    }

    TestReceiver holdFirst() {
        holdFirst = true;
        return this;
    }

    void release() {
        released.countDown();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        long arrived = System.nanoTime();
        int index;
        synchronized (this) {
            index = arrivals++;
            notifyAll();
        }
        if (index == 0 && holdFirst) {
            try {
                released.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int status = statusOf.applyAsInt(index);
        synchronized (this) {
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders(), JSON.readTree(body), arrived, status));
            notifyAll();
        }
        byte[] answer = (status / 100 == 2 ? "" : "refused").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    /** Waits until the first request has arrived (and, with {@link #holdFirst()}, is held). */
    synchronized void awaitHeld() throws InterruptedException {
        awaitUntil(() -> arrivals > 0, () -> "the first request never arrived");
    }

    /** Waits until {@code count} requests have been answered, failing after ten seconds. */
    synchronized List<Request> awaitRequests(int count) throws InterruptedException {
        awaitUntil(() -> requests.size() >= count,
                () -> "expected " + count + " requests, got " + requests.size());
        return new ArrayList<>(requests);
    }

    private void awaitUntil(BooleanSupplier done, Supplier<String> failure) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError(failure.get());
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized List<Request> requests() {
        return new ArrayList<>(requests);
    }

    /** Every alert of the accepted requests, in arrival order, as {@code fingerprint status}. */
    synchronized List<String> accepted() {
        List<String> out = new ArrayList<>();
        for (Request r : requests) {
            if (r.status / 100 == 2) {
                for (JsonNode alert : r.body.isArray() ? r.body : r.body.get("alerts")) {
                    String status = alert.has("status") ? alert.get("status").asText()
                            : alert.has("endsAt") ? "resolved" : "firing";
                    out.add(alert.get("labels").get("instance").asText() + " " + status);
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
