package io.chronicle.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Follows the alerts topic from a thread of its own and times each probe alert's change as its
 * poll returns it, on the same clock the probes were sent by.
 */
final class AlertListener implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean closed;

    /** Starts following {@code topic} from its start; {@code samples} by the alert status they time. */
    AlertListener(KafkaConsumer<byte[], byte[]> consumer, String topic, Map<String, LatencySamples> samples) {
        this.consumer = consumer;
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        // Resolves the positions now, so the first poll fetches at once.
        partitions.forEach(consumer::position);
        this.thread = new Thread(() -> {
            try {
                while (!closed) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                    long now = System.nanoTime();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        Probes.read(JSON.readTree(r.value())).ifPresent(change -> {
                            LatencySamples s = samples.get(change.status());
                            if (s != null) {
                                s.received(change.key(), now);
                            }
                        });
                    }
                }
            } catch (WakeupException e) {
                // close() woke the poll up.
            } catch (IOException | RuntimeException e) {
                failure.set(e);
            } finally {
                consumer.close();
            }
        }, "alert-listener");
        thread.start();
    }

    /** What stopped the listener before it was closed, if anything. */
    Exception failure() {
        return failure.get();
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        consumer.wakeup();
        thread.join();
    }
}
