package io.chronicle.jobs;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Test records produced at an even pace from a thread of their own, so a job meets an outage
 * under load rather than idle. The producer is the caller's, long-lived as a production
 * producer is ({@link ItServices#producer()}, configured as docs/producing.md recommends): while
 * the broker is down a send blocks on the topics' metadata and records already sent wait in its
 * buffer, both for longer than the outage lasts, and all arrive once, in order, when the broker
 * is back. Each record's {@code topic/partition/offset} and the moment Kafka acknowledged it are
 * kept for the checks.
 */
final class SteadyTraffic implements AutoCloseable {

    /** The producer's metrics that show where pending records are. */
    private static final Set<String> PRODUCER_METRICS = Set.of("record-send-total", "record-retry-total",
            "record-error-total", "requests-in-flight", "waiting-threads", "buffer-available-bytes",
            "metadata-age", "connection-count", "bufferpool-wait-time-ns-total", "metadata-wait-time-ns-total");

    /** One record to produce: where, and what the job must make of it. */
    record Item(String topic, int partition, TestTraffic.Record record) {}

    private final List<Item> items;
    private final long kafkaTimestamp;
    private final Duration over;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, TestTraffic.Record> produced = new ConcurrentHashMap<>();
    private final Map<Item, Long> ackedNanos = new ConcurrentHashMap<>();
    private final CountDownLatch acked;
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread sender;

    private SteadyTraffic(List<Item> items, long kafkaTimestamp, Duration over,
            KafkaProducer<byte[], byte[]> producer) {
        this.items = items;
        this.kafkaTimestamp = kafkaTimestamp;
        this.over = over;
        this.producer = producer;
        this.acked = new CountDownLatch(items.size());
        this.sender = new Thread(this::send, "steady-traffic");
        sender.setDaemon(true);
    }

    /**
     * Starts sending {@code items} through {@code producer}, spread evenly over {@code over}, all
     * with one Kafka timestamp. The producer stays the caller's to close.
     */
    static SteadyTraffic start(KafkaProducer<byte[], byte[]> producer, List<Item> items, long kafkaTimestamp,
            Duration over) {
        SteadyTraffic traffic = new SteadyTraffic(List.copyOf(items), kafkaTimestamp, over, producer);
        traffic.sender.start();
        return traffic;
    }

    private void send() {
        long start = System.nanoTime();
        long step = over.toNanos() / Math.max(1, items.size());
        for (int i = 0; i < items.size(); i++) {
            long due = start + i * step;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                LockSupport.parkNanos(wait);
            }
            Item item = items.get(i);
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                    item.topic(), item.partition(), kafkaTimestamp, null, item.record().value);
            if (item.record().tenantHeader != null) {
                record.headers().add("tenant", item.record().tenantHeader.getBytes(StandardCharsets.UTF_8));
            }
            try {
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        failure.compareAndSet(null, error);
                    } else {
                        produced.put(metadata.topic() + "/" + metadata.partition() + "/" + metadata.offset(),
                                item.record());
                        ackedNanos.put(item, System.nanoTime());
                    }
                    acked.countDown();
                });
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                failure.compareAndSet(null, e);
                acked.countDown();
            }
        }
    }

    /** Waits until Kafka has acknowledged every record; fails if any could not be sent. */
    Map<String, TestTraffic.Record> awaitAcked(Duration deadline) throws Exception {
        if (!acked.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            // What the producer was doing tells a slow broker from a stuck or failing producer.
            Map<String, Object> metrics = new TreeMap<>();
            producer.metrics().forEach((name, metric) -> {
                if (name.group().equals("producer-metrics") && PRODUCER_METRICS.contains(name.name())) {
                    metrics.put(name.name(), metric.metricValue());
                }
            });
            throw new AssertionError("Kafka acknowledged " + produced.size() + " of " + items.size()
                    + " records within " + deadline + "; " + failed.get() + " failed, "
                    + (items.size() - produced.size() - failed.get()) + " pending; producer " + metrics,
                    failure.get());
        }
        if (failure.get() != null) {
            throw new AssertionError("a record could not be produced", failure.get());
        }
        return Map.copyOf(produced);
    }

    /** When Kafka acknowledged {@code item} ({@link System#nanoTime()}), or null if not yet. */
    Long ackedNanos(Item item) {
        return ackedNanos.get(item);
    }

    @Override
    public void close() throws InterruptedException {
        sender.interrupt();
        sender.join(TimeUnit.SECONDS.toMillis(10));
    }
}
