package io.chronicle.jobs;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Test records produced at an even pace from a thread of their own, so a job meets an outage
 * under load rather than idle. The producer is idempotent with unbounded retries within Kafka's
 * delivery timeout: records sent while the broker is down wait in its buffer and arrive once,
 * in order, when it is back. Each record's {@code topic/partition/offset} and the moment Kafka
 * acknowledged it are kept for the checks.
 */
final class SteadyTraffic implements AutoCloseable {

    /** One record to produce: where, and what the job must make of it. */
    record Item(String topic, int partition, TestTraffic.Record record) {}

    private final List<Item> items;
    private final long kafkaTimestamp;
    private final Duration over;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, TestTraffic.Record> produced = new ConcurrentHashMap<>();
    private final Map<Item, Long> ackedNanos = new ConcurrentHashMap<>();
    private final CountDownLatch acked;
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

    /** Starts sending {@code items} spread evenly over {@code over}, all with one Kafka timestamp. */
    static SteadyTraffic start(ItServices services, List<Item> items, long kafkaTimestamp, Duration over) {
        SteadyTraffic traffic = new SteadyTraffic(List.copyOf(items), kafkaTimestamp, over, services.producer());
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
                        failure.compareAndSet(null, error);
                    } else {
                        produced.put(metadata.topic() + "/" + metadata.partition() + "/" + metadata.offset(),
                                item.record());
                        ackedNanos.put(item, System.nanoTime());
                    }
                    acked.countDown();
                });
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                acked.countDown();
            }
        }
    }

    /** Waits until Kafka has acknowledged every record; fails if any could not be sent. */
    Map<String, TestTraffic.Record> awaitAcked(Duration deadline) throws Exception {
        if (!acked.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("Kafka acknowledged " + produced.size() + " of " + items.size()
                    + " records within " + deadline);
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
        producer.close(Duration.ofSeconds(10));
    }
}
