package io.chronicle.sinks.alerts;

import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertReceivers;
import io.chronicle.core.alerts.AlertReceivers.Receiver;
import org.apache.flink.metrics.MetricGroup;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Alert notifications to every configured HTTP receiver: each change that receivers should hear
 * of (firing, resolved, not a repeat) goes into each receiver's bounded queue and is delivered on
 * the dispatcher's own threads, with retries, backoff, rate limit, circuit breaker and the resend
 * of firing alerts. The job's alert sink delivers through one, and so does the watcher, a process
 * of its own.
 */
public final class AlertDispatcher implements AutoCloseable {

    private final AlertTracker tracker = new AlertTracker();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService httpExecutor;
    private final Map<String, ReceiverChannel> channels = new LinkedHashMap<>();

    /**
     * @param metrics each receiver's metrics go into its group {@code receiver <name>}
     * @param threadName prefix of the dispatcher's thread names
     * @param clock nanoseconds of a monotonic clock
     */
    AlertDispatcher(AlertReceivers receivers, MetricGroup metrics, String threadName,
            LongSupplier clock) {
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon(threadName));
        this.httpExecutor = Executors.newCachedThreadPool(daemon(threadName + "-http"));
        Duration connectTimeout = receivers.receivers().stream().map(r -> r.delivery.timeout)
                .max(Duration::compareTo).orElse(Duration.ofSeconds(10));
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(httpExecutor)
                .build();
        for (Receiver receiver : receivers.receivers()) {
            channels.put(receiver.name, new ReceiverChannel(receiver, receivers.externalUrl(),
                    tracker, client, scheduler, clock, metrics.addGroup("receiver", receiver.name)));
        }
    }

    /**
     * Starts resending firing alerts to the receivers that want it; once, after a writer has
     * restored what its checkpoint held.
     */
    void startResending(AlertReceivers receivers) {
        for (Receiver receiver : receivers.receivers()) {
            long every = receiver.delivery.resendInterval.toNanos();
            if (every > 0) {
                ReceiverChannel channel = channels.get(receiver.name);
                scheduler.scheduleWithFixedDelay(
                        channel::requestResend, every, every, TimeUnit.NANOSECONDS);
            }
        }
    }

    /** A dispatcher with nothing to restore, resending at once. */
    public static AlertDispatcher start(AlertReceivers receivers, MetricGroup metrics,
            String threadName, LongSupplier clock) {
        AlertDispatcher dispatcher = new AlertDispatcher(receivers, metrics, threadName, clock);
        dispatcher.startResending(receivers);
        return dispatcher;
    }

    /**
     * Queues {@code n} (which must carry a fingerprint and is kept, not copied) for every receiver
     * unless it repeats the alert's last state or is one receivers never hear of (pending,
     * inactive); returns whether it was queued.
     */
    public boolean dispatch(AlertNotification n) {
        return decide(n) == AlertTracker.Decision.DELIVER;
    }

    AlertTracker.Decision decide(AlertNotification n) {
        AlertTracker.Decision decision = tracker.observe(n);
        if (decision == AlertTracker.Decision.DELIVER) {
            channels.values().forEach(c -> c.offer(n));
        }
        return decision;
    }

    /** Alerts not yet accepted, summed over the receivers. */
    public int undeliveredCount() {
        return channels.values().stream().mapToInt(ReceiverChannel::undeliveredCount).sum();
    }

    Map<String, ReceiverChannel> channels() {
        return channels;
    }

    List<AlertNotification> trackedSnapshot() {
        return tracker.snapshot();
    }

    void restoreTracked(Collection<AlertNotification> tracked) {
        tracker.restore(tracked);
    }

    @Override
    public void close() {
        channels.values().forEach(ReceiverChannel::close);
        scheduler.shutdownNow();
        httpExecutor.shutdownNow();
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
