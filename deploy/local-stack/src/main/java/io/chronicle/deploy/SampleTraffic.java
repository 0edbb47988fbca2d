package io.chronicle.deploy;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Realistic sample traffic for the local stack: host metrics (gauges that wander, counters that
 * grow and occasionally reset) for a few tenants, and a swarm of agents running traced tasks
 * through their lifecycle, with heartbeats. A small share of records is deliberately malformed so
 * the dead-letter path always has something to show.
 */
public final class SampleTraffic implements AutoCloseable {

    private static final long TICK_MILLIS = 100;
    private static final String[] TENANTS = {"default", "acme", "globex"};
    private static final String[] REGIONS = {"eu-west-1", "us-east-1"};
    private static final int HOSTS_PER_TENANT = 8;
    private static final int AGENTS = 24;
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
    private final Random random = new Random(42);
    private final List<Series> series = new ArrayList<>();
    private final PriorityQueue<PendingEvent> pendingEvents =
            new PriorityQueue<>((a, b) -> Long.compare(a.atMillis, b.atMillis));
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "sample-traffic"));
    private final AtomicLong pointsSent = new AtomicLong();
    private final AtomicLong eventsSent = new AtomicLong();
    private final AtomicLong malformedSent = new AtomicLong();
    private int nextSeries;
    private double pointCarry;
    private double traceCarry;
    private long lastHeartbeatMillis;

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
        String[] metrics = {"cpu_usage_percent", "memory_used_bytes", "http_requests_total",
            "http_request_duration_seconds", "disk_free_bytes"};
        for (String tenant : TENANTS) {
            for (int h = 0; h < HOSTS_PER_TENANT; h++) {
                for (String metric : metrics) {
                    series.add(new Series(tenant, metric, "host-" + h, REGIONS[h % REGIONS.length]));
                }
            }
        }
    }

    public void start() {
        ticker.scheduleAtFixedRate(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
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

    private void tick() {
        long now = System.currentTimeMillis();
        pointCarry += pointsPerSecond * TICK_MILLIS / 1000.0;
        for (; pointCarry >= 1; pointCarry--) {
            sendPoint(now);
        }
        traceCarry += tracesPerSecond * TICK_MILLIS / 1000.0;
        for (; traceCarry >= 1; traceCarry--) {
            scheduleTrace(now);
        }
        if (tracesPerSecond > 0 && now - lastHeartbeatMillis >= 5_000) {
            // A heartbeat reports the agent's busy and up time since its previous heartbeat.
            long uptime = lastHeartbeatMillis == 0 ? 5_000 : now - lastHeartbeatMillis;
            lastHeartbeatMillis = now;
            for (int a = 0; a < AGENTS; a++) {
                pendingEvents.add(new PendingEvent(now, event("agent-" + a, "agent.heartbeat",
                        "hb-agent-" + a, now, "{\"agent_id\":\"agent-" + a + "\",\"busy_ms\":"
                                + (long) (uptime * random.nextDouble()) + ",\"uptime_ms\":" + uptime + "}")));
            }
        }
        while (!pendingEvents.isEmpty() && pendingEvents.peek().atMillis <= now) {
            send(eventsTopic, pendingEvents.poll().json, eventsSent);
        }
    }

    private void sendPoint(long now) {
        Series s = series.get(nextSeries++ % series.size());
        String json = "{\"tenant\":\"" + s.tenant + "\",\"metric\":\"" + s.metric
                + "\",\"tags\":{\"host\":\"" + s.host + "\",\"region\":\"" + s.region
                + "\"},\"value\":" + s.next(random) + ",\"timestamp\":" + now + "}";
        send(pointsTopic, json, pointsSent);
    }

    /** Queues one task's lifecycle: created, assigned, started, then a terminal event. */
    private void scheduleTrace(long now) {
        String traceId = UUID.randomUUID().toString();
        String agent = "agent-" + random.nextInt(AGENTS);
        long assigned = now + 200 + random.nextInt(800);
        long started = assigned + 100 + random.nextInt(2_000);
        long finished = started + 1_000 + random.nextInt(20_000);
        String title = "Task " + traceId.substring(0, 8);
        pendingEvents.add(new PendingEvent(now, event("dispatch", "task.created", traceId, now,
                "{\"task_title\":\"" + title + "\",\"owner\":\"team-" + random.nextInt(4) + "\"}")));
        pendingEvents.add(new PendingEvent(assigned, event("dispatch", "task.assigned", traceId,
                assigned, "{\"agent_id\":\"" + agent + "\"}")));
        pendingEvents.add(new PendingEvent(started, event(agent, "task.started", traceId, started, "{}")));
        double outcome = random.nextDouble();
        if (outcome < 0.90) {
            pendingEvents.add(new PendingEvent(finished, event(agent, "task.completed", traceId,
                    finished, "{\"scoring_breakdown\":{\"quality\":" + random.nextInt(100) + "}}")));
        } else if (outcome < 0.97) {
            pendingEvents.add(new PendingEvent(finished, event(agent, "task.failed", traceId,
                    finished, "{\"error\":\"exit code " + (1 + random.nextInt(3)) + "\"}")));
        }
    }

    private static String event(String source, String type, String traceId, long atMillis,
            String metadata) {
        return "{\"event_id\":\"" + UUID.randomUUID() + "\",\"trace_id\":\"" + traceId
                + "\",\"source\":\"" + source + "\",\"event_type\":\"" + type
                + "\",\"timestamp\":\"" + Instant.ofEpochMilli(atMillis) + "\",\"metadata\":"
                + metadata + "}";
    }

    private void send(String topic, String json, AtomicLong counter) {
        String value = json;
        if (random.nextDouble() < malformedShare) {
            value = MALFORMED[random.nextInt(MALFORMED.length)];
            malformedSent.incrementAndGet();
        } else {
            counter.incrementAndGet();
        }
        producer.send(new ProducerRecord<>(topic, value.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** One series: gauges wander around a base, counters grow and now and then reset. */
    private static final class Series {
        final String tenant;
        final String metric;
        final String host;
        final String region;
        double value;

        Series(String tenant, String metric, String host, String region) {
            this.tenant = tenant;
            this.metric = metric;
            this.host = host;
            this.region = region;
            this.value = metric.endsWith("_bytes") ? 4e9 : metric.endsWith("_total") ? 0 : 40;
        }

        double next(Random random) {
            if (metric.endsWith("_total")) {
                value = random.nextInt(5_000) == 0 ? 0 : value + random.nextInt(20);
            } else if (metric.endsWith("_seconds")) {
                value = Math.max(0.001, 0.05 + random.nextGaussian() * 0.02);
            } else if (metric.endsWith("_bytes")) {
                value = Math.max(0, value + random.nextGaussian() * 1e7);
            } else {
                value = Math.min(100, Math.max(0, value + random.nextGaussian() * 2));
            }
            return Math.round(value * 1000) / 1000.0;
        }
    }

    private static final class PendingEvent {
        final long atMillis;
        final String json;

        PendingEvent(long atMillis, String json) {
            this.atMillis = atMillis;
            this.json = json;
        }
    }
}
