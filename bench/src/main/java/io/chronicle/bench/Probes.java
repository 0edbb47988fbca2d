package io.chronicle.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * The probe series of the alerts suite and the rule that watches them. Probe series
 * {@code bench_probe{probe="p-NNN"}} take turns: step 2k sends one of them above the rule's
 * threshold, which fires its alert on that point ({@code for: 0s}), and step 2k + 1 brings it back
 * below, which resolves it, so the series can fire again on its next turn. Each point's alert state
 * change is known before it is sent and found again on the alerts topic by its key: the probe and
 * the point's event time, which the change carries as {@code changedAt}.
 */
final class Probes {

    static final String RULE = "LatencyProbe";
    static final String METRIC = "bench_probe";
    static final double THRESHOLD = 100;
    static final String FIRING = "firing";
    static final String RESOLVED = "resolved";

    /** A probe point: the alert state it causes, the key of that change, its partition, its payload. */
    record Point(String status, String key, int partition, byte[] json) {}

    /** An alert state change of the probe rule, read back from the alerts topic. */
    record Change(String status, String key) {}

    private final int partitions;
    private final long[] lastMillis;

    Probes(int count, int partitions) {
        this.partitions = partitions;
        this.lastMillis = new long[count];
    }

    /** The rule as a message of the rules topic carries it. */
    static String rule() {
        return "{\"name\":\"" + RULE + "\",\"selector\":\"" + METRIC + "{probe=~\\\"p-[0-9]+\\\"}\","
                + "\"threshold\":{\"above\":" + THRESHOLD + "},\"for\":\"0s\"}";
    }

    /**
     * The point of step {@code step} at about {@code eventMillis}: later than its series' previous
     * point, since the evaluator skips a point older than the last one of its alert.
     */
    Point point(long step, long eventMillis) {
        int probe = (int) (step / 2 % lastMillis.length);
        boolean trigger = step % 2 == 0;
        long millis = Math.max(eventMillis, lastMillis[probe] + 1);
        lastMillis[probe] = millis;
        String name = name(probe);
        String json = "{\"tenant\":\"default\",\"metric\":\"" + METRIC + "\",\"tags\":{\"probe\":\"" + name
                + "\"},\"value\":" + (trigger ? THRESHOLD + 50 : THRESHOLD - 50) + ",\"timestamp\":" + millis + "}";
        return new Point(trigger ? FIRING : RESOLVED, key(name, millis), probe % partitions,
                json.getBytes(StandardCharsets.UTF_8));
    }

    /** A message of the alerts topic as a change of a probe's alert; empty for any other rule's. */
    static Optional<Change> read(JsonNode alert) {
        JsonNode probe = alert.path("labels").path("probe");
        if (!RULE.equals(alert.path("rule").asText()) || !probe.isTextual()) {
            return Optional.empty();
        }
        long millis = Instant.parse(alert.path("changedAt").asText()).toEpochMilli();
        return Optional.of(new Change(alert.path("status").asText(), key(probe.asText(), millis)));
    }

    private static String name(int probe) {
        return String.format("p-%03d", probe);
    }

    private static String key(String probe, long millis) {
        return probe + "@" + millis;
    }
}
