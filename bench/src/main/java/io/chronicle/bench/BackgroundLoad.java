package io.chronicle.bench;

import io.chronicle.workload.Pacer;
import io.chronicle.workload.Workload;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Steady load beside the alerts suite's probes: the seeded workload produced at a fixed rate from
 * a thread of its own, through a producer that batches as a busy agent's does, each series into
 * one partition. Closing it stops the sending; the rest of the workload is skipped.
 */
final class BackgroundLoad implements AutoCloseable {

    private final Workload workload;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Thread thread;
    private final AtomicLong handed = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private volatile boolean stopped;
    private volatile boolean exhausted;

    private BackgroundLoad(Workload workload, KafkaProducer<byte[], byte[]> producer, String topic,
            int partitions, int pointsPerSecond) {
        this.workload = workload;
        this.producer = producer;
        this.thread = new Thread(() -> {
            Pacer.perSecond(pointsPerSecond).run(workload.records(), (series, json) -> {
                handed.incrementAndGet();
                producer.send(new ProducerRecord<>(topic, series % partitions, null, json), (metadata, e) -> {
                    if (e == null) {
                        acked.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                });
            }, () -> stopped);
            exhausted = !stopped;
        }, "background-load");
    }

    static BackgroundLoad start(BenchEnvironment env, Workload workload, String topic, int partitions,
            int pointsPerSecond) {
        BackgroundLoad load = new BackgroundLoad(workload, env.batchingProducer(), topic, partitions, pointsPerSecond);
        load.thread.start();
        return load;
    }

    /** About where the load's event time stands. */
    long eventMillis() {
        return workload.eventMillisAfter(handed.get());
    }

    /** Points the broker has acknowledged. */
    long acked() {
        return acked.get();
    }

    long failed() {
        return failed.get();
    }

    Exception firstFailure() {
        return firstFailure.get();
    }

    /** Whether the workload ran out before the load was stopped. */
    boolean exhausted() {
        return exhausted;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join();
        producer.close();
    }
}
