package io.chronicle.deploy;

import io.chronicle.workload.Pacer;
import io.chronicle.workload.RecordCursor;
import io.chronicle.workload.Swarm;
import io.chronicle.workload.Workload;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Realistic sample traffic for the local stack, from the benchmarks' seeded generators: host
 * metrics of three tenants (gauges that wander, counters that grow and now and then reset) and a
 * swarm of agents running traced tasks through their lifecycle, with heartbeats. Records are
 * stamped from the moment traffic starts and sent when the clock reaches their times, a few of
 * them late. Each start takes a new seed, so a restarted stack sends new traces and event ids. A
 * small share of records is replaced by malformed ones so the dead-letter path always has
 * something to show.
 */
public final class SampleTraffic implements AutoCloseable {

    private static final int TENANTS = 3;
    /** Eight hosts per tenant, each with the workload's 36 series. */
    private static final int SERIES = 24 * 36;
    private static final int AGENTS = 24;
    private static final double LATE_SHARE = 0.01;
    /** Within the rollups' default allowed lateness (5 minutes), so late points still count. */
    private static final Duration MAX_DELAY = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final String[] MALFORMED = {
        "{\"metric\":\"cpu_usage_percent\",\"value\":",
        "{\"metric\":\"cpu usage\",\"value\":1}",
        "{\"metric\":\"memory_used_bytes\",\"value\":\"lots\"}",
        "{\"metric\":\"disk_free_bytes\",\"value\":NaN}",
        "{\"event_type\":\"task.created\",\"metadata\":{}}",
        "not json",
    };

    private final KafkaProducer<byte[], byte[]> producer;
    private final String pointsTopic;
    private final String eventsTopic;
    private final int pointsPerSecond;
    private final int tracesPerSecond;
    private final double malformedShare;
    private final List<Thread> senders = new ArrayList<>();
    private final AtomicLong pointsSent = new AtomicLong();
    private final AtomicLong eventsSent = new AtomicLong();
    private final AtomicLong malformedSent = new AtomicLong();
    private volatile boolean stopped;

    public SampleTraffic(String bootstrapServers, String pointsTopic, String eventsTopic,
            int pointsPerSecond, int tracesPerSecond, double malformedShare) {
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.ACKS_CONFIG, "all"),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.pointsTopic = pointsTopic;
        this.eventsTopic = eventsTopic;
        this.pointsPerSecond = pointsPerSecond;
        this.tracesPerSecond = tracesPerSecond;
        this.malformedShare = malformedShare;
    }

    /** Starts sending points and events, each from a thread of its own, until closed. */
    public void start() {
        long seed = System.currentTimeMillis();
        Instant now = Instant.ofEpochMilli(seed);
        if (pointsPerSecond > 0) {
            // Every series samples once an interval, so this interval gives the asked-for rate.
            Duration interval = Duration.ofMillis(Math.max(1, SERIES * 1_000L / pointsPerSecond));
            Workload points = new Workload(Long.MAX_VALUE, SERIES, TENANTS, interval, LATE_SHARE, MAX_DELAY, seed, now);
            startSender("sample-points", points.records(), pointsTopic, pointsSent, new Random(seed + 1));
        }
        if (tracesPerSecond > 0) {
            Swarm swarm = new Swarm(Long.MAX_VALUE, AGENTS, TENANTS, tracesPerSecond, LATE_SHARE, MAX_DELAY, seed, now);
            startSender("sample-events", swarm.records(), eventsTopic, eventsSent, new Random(seed + 2));
        }
    }

    public long pointsSent() {
        return pointsSent.get();
    }

    public long eventsSent() {
        return eventsSent.get();
    }

    public long malformedSent() {
        return malformedSent.get();
    }

    private void startSender(String name, RecordCursor records, String topic, AtomicLong sent, Random malformed) {
        Thread sender = new Thread(() -> Pacer.atRecordTimes().run(records,
                (key, json) -> send(topic, json, sent, malformed), () -> stopped), name);
        senders.add(sender);
        sender.start();
    }

    private void send(String topic, byte[] json, AtomicLong sent, Random malformed) {
        byte[] value = json;
        if (malformed.nextDouble() < malformedShare) {
            value = MALFORMED[malformed.nextInt(MALFORMED.length)].getBytes(StandardCharsets.UTF_8);
            malformedSent.incrementAndGet();
        } else {
            sent.incrementAndGet();
        }
        try {
            producer.send(new ProducerRecord<>(topic, value));
        } catch (IllegalStateException | KafkaException e) {
            // A sender still blocked in send() when close() gave up waiting: stopping, not a failure.
            if (!stopped) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        try {
            for (Thread sender : senders) {
                sender.join(STOP_TIMEOUT.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(STOP_TIMEOUT);
    }
}
