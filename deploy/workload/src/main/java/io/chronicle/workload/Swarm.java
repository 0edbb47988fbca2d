package io.chronicle.workload;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.UUID;

/**
 * The seeded swarm workload: agents of several tenants running traced tasks through their
 * lifecycle, and each reporting a heartbeat every {@link #HEARTBEAT_INTERVAL}. Tasks arrive as a
 * Poisson process; the dispatcher creates and assigns each to an agent of its tenant, which starts
 * it and completes it (90 %) or fails it (7 %); the rest the dispatcher times out a minute after
 * creation, while still pending, assigned or in progress. So every trace ends in exactly one
 * terminal event and its events are legal in event-time order. Records come in event-time order
 * except for a share delivered up to a maximum delay late. Payloads are the JSON events the ingest
 * job's event normalizer accepts; the same settings give the same records.
 */
public final class Swarm {

    public static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
    /** How long after creating a task the dispatcher gives up on it. */
    public static final Duration TASK_TIMEOUT = Duration.ofMinutes(1);

    static final String CREATED = "task.created";
    static final String ASSIGNED = "task.assigned";
    static final String STARTED = "task.started";
    static final String COMPLETED = "task.completed";
    static final String FAILED = "task.failed";
    static final String TIMEOUT = "task.timeout";
    static final String HEARTBEAT = "agent.heartbeat";
    private static final String DISPATCHER = "dispatch";

    private static final double COMPLETED_SHARE = 0.90;
    private static final double FAILED_SHARE = 0.07;
    private static final String[] TITLES = {"Fix the build", "Triage an alert", "Review a pull request",
        "Summarize an incident", "Answer a support ticket", "Refactor a module", "Write release notes"};
    private static final String[] ERRORS = {"exit code 1", "exit code 137", "tool call rate limited",
        "context window exceeded", "tests failed"};
    private static final int OWNERS = 6;

    /**
     * What a generated swarm holds. Every trace ends {@code completed}, {@code failed} or
     * {@code timedOut}; {@code busyMillis} is the sum of the heartbeats' {@code busy_ms} (each
     * reports {@code uptime_ms} of one heartbeat interval).
     */
    public record Summary(long events, long traces, int agents, int tenants, long heartbeats,
            long completed, long failed, long timedOut, long busyMillis, long outOfOrder, long bytes,
            long spanSeconds, long maxDisorderSeconds) {}

    private final long traces;
    private final int agents;
    private final int tenants;
    private final double meanSpacingMillis;
    private final double outOfOrderShare;
    private final int maxDelayMillis;
    private final long seed;
    private final long startMillis;

    /** The swarm starting at {@link Workload#START}. */
    public Swarm(long traces, int agents, int tenants, double tracesPerSecond, double outOfOrderShare,
            Duration maxDelay, long seed) {
        this(traces, agents, tenants, tracesPerSecond, outOfOrderShare, maxDelay, seed, Workload.START);
    }

    /**
     * {@code traces} tasks, about {@code tracesPerSecond} of them created per second of event time
     * from {@code start} on, run by {@code agents} agents spread over {@code tenants} tenants;
     * {@code outOfOrderShare} of the events are delivered up to {@code maxDelay} later than their
     * time (keep it below the job's {@code chronicle.traces.terminal-grace}).
     */
    public Swarm(long traces, int agents, int tenants, double tracesPerSecond, double outOfOrderShare,
            Duration maxDelay, long seed, Instant start) {
        if (tenants < 1 || agents < tenants) {
            throw new IllegalArgumentException("every one of the " + tenants + " tenants needs an agent, but there are "
                    + agents + " agents");
        }
        if (!(tracesPerSecond > 0) || Double.isInfinite(tracesPerSecond)) {
            throw new IllegalArgumentException("traces per second must be positive, not " + tracesPerSecond);
        }
        if (maxDelay.toMillis() > Integer.MAX_VALUE || (outOfOrderShare > 0 && maxDelay.toMillis() < 1)) {
            throw new IllegalArgumentException("events delivered out of order need a delay from 1 ms to about 24 days,"
                    + " not " + maxDelay);
        }
        this.traces = traces;
        this.agents = agents;
        this.tenants = tenants;
        this.meanSpacingMillis = 1_000 / tracesPerSecond;
        this.outOfOrderShare = outOfOrderShare;
        this.maxDelayMillis = (int) maxDelay.toMillis();
        this.seed = seed;
        this.startMillis = start.toEpochMilli();
    }

    /** How far event time can go backwards along the records: the longest delivery delay. */
    public Duration maxDisorder() {
        return Duration.ofMillis(maxDelayMillis);
    }

    private static String agentName(int agent) {
        return String.format("agent-%03d", agent);
    }

    /** Generates every record into {@code out} as fast as possible. */
    public Summary generate(Output out) {
        return generate(out, Pacer.asFastAsPossible());
    }

    /** Generates every record into {@code out} at the pacer's pace. */
    public Summary generate(Output out, Pacer pacer) {
        Events records = new Events();
        pacer.run(records, out);
        return new Summary(records.events, traces, agents, tenants, records.heartbeats, records.completed,
                records.failed, records.timedOut, records.busyMillis, records.outOfOrder, records.bytes,
                Math.max(0, records.lastEventMillis - startMillis) / 1_000, maxDisorder().toSeconds());
    }

    /** The records one at a time, the same as {@link #generate} hands out. */
    public RecordCursor records() {
        return new Events();
    }

    /** A version-4 UUID drawn from the seeded random, so ids are unique yet reproducible. */
    private static String uuid(Random random) {
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }

    private record Pending(long deliverAtMillis, long sequence, int key, byte[] json) {}

    /**
     * The records in delivery order. Everything not yet generated lies at or after the frontier
     * (the next task's creation or the next heartbeat round), so a queued record due before it can
     * go out; otherwise the next task or heartbeat round is generated into the queue.
     */
    private final class Events extends CurrentRecord {
        private final Random random = new Random(seed);
        private final PriorityQueue<Pending> queue = new PriorityQueue<>(
                Comparator.comparingLong(Pending::deliverAtMillis).thenComparingLong(Pending::sequence));
        private final long[] heartbeatPhaseMillis = new long[agents];
        private final long intervalMillis = HEARTBEAT_INTERVAL.toMillis();
        private double nextTaskOffsetMillis;
        private long tasksMade;
        private long heartbeatRounds;
        private long sequence;
        private long lastEventMillis = Long.MIN_VALUE;
        /** Heartbeats go on until the last task event: the swarm is up while it works. */
        private long lastTaskEventMillis = Long.MIN_VALUE;
        private long events;
        private long heartbeats;
        private long completed;
        private long failed;
        private long timedOut;
        private long busyMillis;
        private long outOfOrder;
        private long bytes;

        Events() {
            for (int a = 0; a < agents; a++) {
                heartbeatPhaseMillis[a] = (long) (random.nextDouble() * intervalMillis);
            }
            nextTaskOffsetMillis = arrivalGap();
        }

        @Override
        public boolean next() {
            while (true) {
                long nextTask = tasksMade < traces ? startMillis + (long) nextTaskOffsetMillis : Long.MAX_VALUE;
                long roundStart = startMillis + heartbeatRounds * intervalMillis;
                long nextRound = tasksMade < traces || roundStart <= lastTaskEventMillis ? roundStart : Long.MAX_VALUE;
                Pending head = queue.peek();
                if (head != null && head.deliverAtMillis < Math.min(nextTask, nextRound)) {
                    queue.poll();
                    key = head.key;
                    json = head.json;
                    atMillis = head.deliverAtMillis;
                    return true;
                }
                if (nextTask == Long.MAX_VALUE && nextRound == Long.MAX_VALUE) {
                    return false;
                }
                if (nextRound <= nextTask) {
                    addHeartbeats(roundStart);
                    heartbeatRounds++;
                } else {
                    addTask(nextTask);
                    tasksMade++;
                    nextTaskOffsetMillis += arrivalGap();
                }
            }
        }

        private double arrivalGap() {
            return -Math.log(1 - random.nextDouble()) * meanSpacingMillis;
        }

        /** One task's lifecycle, from its creation at {@code createdMillis} to its terminal event. */
        private void addTask(long createdMillis) {
            int tenant = (int) (tasksMade % tenants);
            int agent = tenant + tenants * random.nextInt((agents - tenant + tenants - 1) / tenants);
            String traceId = uuid(random);
            int traceKey = (int) (tasksMade % Integer.MAX_VALUE);
            double outcome = random.nextDouble();
            // A task that times out got this far: 0 pending, 1 assigned, 2 in progress.
            int reached = outcome < COMPLETED_SHARE + FAILED_SHARE ? 2 : random.nextInt(3);
            long assignedMillis = createdMillis + 200 + random.nextInt(800);
            long startedMillis = assignedMillis + 100 + random.nextInt(2_000);
            long finishedMillis = startedMillis + 1_000 + random.nextInt(20_000);
            long timeoutMillis = createdMillis + TASK_TIMEOUT.toMillis();
            String agentName = agentName(agent);

            add(traceKey, tenant, traceId, DISPATCHER, CREATED, createdMillis,
                    "{\"task_title\":\"" + TITLES[random.nextInt(TITLES.length)] + " #" + tasksMade
                            + "\",\"owner\":\"team-" + random.nextInt(OWNERS) + "\"}");
            if (reached >= 1) {
                add(traceKey, tenant, traceId, DISPATCHER, ASSIGNED, assignedMillis,
                        "{\"agent_id\":\"" + agentName + "\"}");
            }
            if (reached >= 2) {
                add(traceKey, tenant, traceId, agentName, STARTED, startedMillis, "{}");
            }
            if (outcome < COMPLETED_SHARE) {
                add(traceKey, tenant, traceId, agentName, COMPLETED, finishedMillis,
                        "{\"scoring_breakdown\":{\"quality\":" + random.nextInt(101) + ",\"speed\":"
                                + random.nextInt(101) + "}}");
                completed++;
            } else if (outcome < COMPLETED_SHARE + FAILED_SHARE) {
                add(traceKey, tenant, traceId, agentName, FAILED, finishedMillis,
                        "{\"error\":\"" + ERRORS[random.nextInt(ERRORS.length)] + "\"}");
                failed++;
            } else {
                add(traceKey, tenant, traceId, DISPATCHER, TIMEOUT, timeoutMillis,
                        "{\"timeout_ms\":" + TASK_TIMEOUT.toMillis() + "}");
                timedOut++;
            }
            // The terminal event is the task's last: a timeout comes after any start.
            lastTaskEventMillis = Math.max(lastTaskEventMillis,
                    outcome < COMPLETED_SHARE + FAILED_SHARE ? finishedMillis : timeoutMillis);
        }

        /** Every agent's heartbeat of the round starting at {@code roundMillis}, each at its agent's phase. */
        private void addHeartbeats(long roundMillis) {
            for (int a = 0; a < agents; a++) {
                long busy = (long) (random.nextDouble() * intervalMillis);
                String agentName = agentName(a);
                add(a, a % tenants, "hb-" + agentName, agentName, HEARTBEAT, roundMillis + heartbeatPhaseMillis[a],
                        "{\"agent_id\":\"" + agentName + "\",\"busy_ms\":" + busy + ",\"uptime_ms\":" + intervalMillis + "}");
                busyMillis += busy;
                heartbeats++;
            }
        }

        /** Queues one event, for delivery at its time or, for a share of them, up to the maximum delay later. */
        private void add(int eventKey, int tenant, String traceId, String source, String type, long timeMillis,
                String metadata) {
            String schema = HEARTBEAT.equals(type) ? "heartbeat" : "task";
            byte[] payload = ("{\"tenant\":\"" + Tenants.name(tenant) + "\",\"event_id\":\"" + uuid(random)
                    + "\",\"trace_id\":\"" + traceId + "\",\"source\":\"" + source + "\",\"event_type\":\"" + type
                    + "\",\"timestamp\":\"" + Instant.ofEpochMilli(timeMillis) + "\",\"metadata\":" + metadata
                    + ",\"namespace\":\"swarm\",\"schema_id\":\"" + schema + "\",\"schema_version\":1}")
                    .getBytes(StandardCharsets.UTF_8);
            long deliverAt = timeMillis;
            if (random.nextDouble() < outOfOrderShare) {
                deliverAt += 1 + random.nextInt(maxDelayMillis);
                outOfOrder++;
            }
            queue.add(new Pending(deliverAt, sequence++, eventKey, payload));
            lastEventMillis = Math.max(lastEventMillis, timeMillis);
            bytes += payload.length;
            events++;
        }
    }
}
