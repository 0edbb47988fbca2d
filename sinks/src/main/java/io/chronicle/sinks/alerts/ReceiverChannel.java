package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertReceivers.Delivery;
import io.chronicle.core.alerts.AlertReceivers.Receiver;
import io.chronicle.core.alerts.AlertReceivers.Type;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * One receiver's bounded queue and its sender. The writer's thread only enqueues; requests are
 * made one at a time from the writer's scheduler thread, asynchronously, so a slow or dead
 * receiver holds up neither the pipeline nor the other receivers. Order is kept per receiver: a
 * batch is retried until it is delivered or given up before the next one is sent.
 */
final class ReceiverChannel {

    private static final Logger LOG = LoggerFactory.getLogger(ReceiverChannel.class);
    private static final int BODY_IN_LOG = 200;

    /** Alerts sent in one request; resends carry firing alerts already delivered once. */
    private record Batch(List<AlertNotification> alerts, byte[] body, boolean resend) {}

    private final Receiver receiver;
    private final Delivery delivery;
    private final String externalUrl;
    private final AlertTracker tracker;
    private final HttpClient client;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier clock;
    private final Backoff backoff;
    private final TokenBucket bucket;
    private final CircuitBreaker breaker;
    private final Counter delivered;
    private final Counter failedAttempts;
    private final Counter dropped;

    private final ArrayDeque<AlertNotification> queue = new ArrayDeque<>();
    /** Batches cut from the queue (or resends), waiting for the one being sent. */
    private final ArrayDeque<Batch> ready = new ArrayDeque<>();
    private Batch current;
    private int attempts;
    private long notBefore;
    private boolean inFlight;
    private boolean resendDue;
    private ScheduledFuture<?> wakeup;
    /** The request under way, cancelled on close so a stalled receiver keeps no connection. */
    private CompletableFuture<HttpResponse<String>> inFlightExchange;
    private boolean closed;

    ReceiverChannel(Receiver receiver, String externalUrl, AlertTracker tracker, HttpClient client,
            ScheduledExecutorService scheduler, LongSupplier clock, MetricGroup metrics) {
        this.receiver = receiver;
        this.delivery = receiver.delivery;
        this.externalUrl = externalUrl;
        this.tracker = tracker;
        this.client = client;
        this.scheduler = scheduler;
        this.clock = clock;
        this.backoff = new Backoff(delivery.backoffInitial, delivery.backoffMax,
                delivery.backoffMultiplier, delivery.backoffJitter,
                () -> ThreadLocalRandom.current().nextDouble());
        this.bucket = new TokenBucket(delivery.rateLimit, clock.getAsLong());
        this.breaker = new CircuitBreaker(
                delivery.circuitBreakerFailures, delivery.circuitBreakerOpenDuration.toNanos());
        this.delivered = metrics.counter("delivered");
        this.failedAttempts = metrics.counter("failedAttempts");
        this.dropped = metrics.counter("dropped");
        metrics.gauge("circuitOpen", (Gauge<Integer>) () -> breaker.isOpen() ? 1 : 0);
        metrics.gauge("queued", (Gauge<Integer>) this::undeliveredCount);
    }

    String name() {
        return receiver.name;
    }

    /** Enqueues without waiting; when the queue is full its oldest alert is dropped. */
    synchronized void offer(AlertNotification n) {
        if (closed) {
            return;
        }
        if (queue.size() >= delivery.queueCapacity) {
            drop(List.of(queue.pollFirst()), "its queue is full (" + delivery.queueCapacity + ")");
        }
        queue.addLast(n);
        kick();
    }

    /** Sends the firing alerts again, ahead of the queue, once the request under way is done. */
    synchronized void requestResend() {
        resendDue = true;
        kick();
    }

    /** Alerts not yet accepted by the receiver, in sending order; resends are left out. */
    synchronized List<AlertNotification> undelivered() {
        List<AlertNotification> out = new ArrayList<>();
        if (current != null && !current.resend) {
            out.addAll(current.alerts);
        }
        ready.stream().filter(b -> !b.resend).forEach(b -> out.addAll(b.alerts));
        out.addAll(queue);
        return out;
    }

    synchronized int undeliveredCount() {
        return undelivered().size();
    }

    /** Waits until every alert enqueued so far is delivered or given up, or the deadline. */
    synchronized boolean awaitDelivered(long deadlineNanos) throws InterruptedException {
        while (!closed && undeliveredCount() > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    synchronized void close() {
        closed = true;
        if (wakeup != null) {
            wakeup.cancel(false);
        }
        if (inFlightExchange != null) {
            inFlightExchange.cancel(true);
        }
        notifyAll();
    }

    private void kick() {
        if (current == null && !closed) {
            onScheduler(this::pump);
        }
    }

    private void onScheduler(Runnable task) {
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException e) {
            // The writer is closing: what is left is in its last checkpoint or given up.
        }
    }

    private synchronized void pump() {
        if (closed || inFlight) {
            return;
        }
        long now = clock.getAsLong();
        if (current == null) {
            current = next();
            if (current == null) {
                notifyAll();
                return;
            }
            attempts = 0;
            notBefore = now;
        }
        long wait = Math.max(notBefore - now, Math.max(breaker.waitNanos(now), bucket.waitNanos(now)));
        if (wait > 0) {
            if (wakeup == null || wakeup.isDone()) {
                try {
                    wakeup = scheduler.schedule(this::pump, wait, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException e) {
                    // Closing; see onScheduler.
                }
            }
            return;
        }
        bucket.take(now);
        attempts++;
        inFlight = true;
        Batch batch = current;
        send(batch).whenComplete((r, e) -> onScheduler(() -> completed(batch, r, e)));
    }

    /**
     * One request, completed within the receiver's timeout, body included. HttpClient's own
     * request timeout ends once the response headers arrive, so a receiver that sends them and
     * then stalls would hold this receiver's queue for ever: past the deadline the exchange is
     * cancelled, which closes its connection, and the attempt counts as failed.
     */
    private CompletableFuture<HttpResponse<String>> send(Batch batch) {
        CompletableFuture<HttpResponse<String>> exchange;
        try {
            exchange = client.sendAsync(request(batch), HttpResponse.BodyHandlers.ofString());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        inFlightExchange = exchange;
        CompletableFuture<HttpResponse<String>> response = new CompletableFuture<>();
        ScheduledFuture<?> deadline;
        try {
            deadline = scheduler.schedule(() -> {
                if (response.completeExceptionally(new HttpTimeoutException(
                        "no complete response within " + delivery.timeout))) {
                    exchange.cancel(true);
                }
            }, delivery.timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Closing: the answer no longer matters.
            exchange.cancel(true);
            return CompletableFuture.failedFuture(e);
        }
        exchange.whenComplete((r, e) -> {
            deadline.cancel(false);
            if (e == null) {
                response.complete(r);
            } else {
                response.completeExceptionally(e);
            }
        });
        return response;
    }

    private synchronized void completed(Batch batch, HttpResponse<String> response, Throwable error) {
        inFlight = false;
        if (closed) {
            return;
        }
        long now = clock.getAsLong();
        int status = error == null ? response.statusCode() : 0;
        if (error == null && status / 100 == 2) {
            if (!batch.resend) {
                delivered.inc(batch.alerts.size());
            }
            if (breaker.onSuccess()) {
                LOG.info("Alert receiver '{}' answers again: circuit closed", receiver.name);
            }
            current = null;
        } else if (error == null && !retryable(status)) {
            failedAttempts.inc();
            // The receiver is up and refuses this payload; sending it again would not help.
            breaker.onSuccess();
            drop(batch, "rejected with HTTP " + status + ": " + excerpt(response.body()));
            current = null;
        } else {
            failedAttempts.inc();
            String why = error != null ? describe(error) : "HTTP " + status;
            if (breaker.onFailure(now)) {
                LOG.warn("Alert receiver '{}' failed {} requests in a row (last: {}): circuit open"
                                + " for {}", receiver.name, delivery.circuitBreakerFailures, why,
                        delivery.circuitBreakerOpenDuration);
            }
            if (attempts >= delivery.maxAttempts) {
                drop(batch, "gave up after " + attempts + " attempts, the last failing with " + why);
                current = null;
            } else {
                notBefore = now + Math.max(backoff.delayNanos(attempts), retryAfterNanos(response));
            }
        }
        pump();
    }

    /** The next batch: a due resend first, then the oldest queued alerts. */
    private Batch next() {
        if (ready.isEmpty() && resendDue) {
            resendDue = false;
            cut(tracker.firing(), true);
        }
        if (ready.isEmpty() && !queue.isEmpty()) {
            List<AlertNotification> taken = new ArrayList<>();
            while (taken.size() < delivery.maxBatchSize && !queue.isEmpty()) {
                taken.add(queue.pollFirst());
            }
            cut(taken, false);
        }
        return ready.pollFirst();
    }

    /** Webhook notifications carry one alertname each, as Alertmanager groups by alertname. */
    private void cut(List<AlertNotification> alerts, boolean resend) {
        if (receiver.type == Type.ALERTMANAGER) {
            for (int i = 0; i < alerts.size(); i += delivery.maxBatchSize) {
                List<AlertNotification> part =
                        List.copyOf(alerts.subList(i, Math.min(alerts.size(), i + delivery.maxBatchSize)));
                ready.addLast(new Batch(part, AlertPayloads.alertmanager(part), resend));
            }
            return;
        }
        Map<String, List<AlertNotification>> byName = new LinkedHashMap<>();
        for (AlertNotification n : alerts) {
            byName.computeIfAbsent(n.labels.get(AlertPayloads.ALERTNAME), k -> new ArrayList<>())
                    .add(n);
        }
        for (List<AlertNotification> group : byName.values()) {
            ready.addLast(new Batch(List.copyOf(group),
                    AlertPayloads.webhook(receiver.name, externalUrl, group), resend));
        }
    }

    private HttpRequest request(Batch batch) {
        HttpRequest.Builder request = HttpRequest.newBuilder(receiver.endpoint)
                .timeout(delivery.timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(batch.body));
        receiver.headers.forEach(request::setHeader);
        return request.build();
    }

    private void drop(Batch batch, String why) {
        if (batch.resend) {
            LOG.warn("Alert receiver '{}': resending {} firing alert(s) {} given up, they go again"
                    + " with the next resend: {}", receiver.name, batch.alerts.size(),
                    fingerprints(batch.alerts), why);
        } else {
            drop(batch.alerts, why);
        }
    }

    private void drop(List<AlertNotification> alerts, String why) {
        dropped.inc(alerts.size());
        LOG.warn("Alert receiver '{}' dropped {} alert(s) {}: {}", receiver.name, alerts.size(),
                fingerprints(alerts), why);
    }

    private static String fingerprints(List<AlertNotification> alerts) {
        return alerts.stream().map(n -> n.fingerprint + " " + n.state)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    /** Timeouts, rate limiting and server errors may pass; other refusals will not. */
    private static boolean retryable(int status) {
        return status == 408 || status == 429 || status >= 500;
    }

    /** A Retry-After in seconds on 429 or 503, no longer than the longest backoff. */
    private long retryAfterNanos(HttpResponse<String> response) {
        if (response == null || (response.statusCode() != 429 && response.statusCode() != 503)) {
            return 0;
        }
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                long seconds = Long.parseLong(v.trim());
                return Math.min(Duration.ofSeconds(Math.max(0, seconds)).toNanos(),
                        delivery.backoffMax.toNanos());
            } catch (NumberFormatException e) {
                return 0L;
            }
        }).orElse(0L);
    }

    private static String describe(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    private static String excerpt(String body) {
        if (body == null) {
            return "";
        }
        return body.length() <= BODY_IN_LOG ? body : body.substring(0, BODY_IN_LOG) + "...";
    }
}
