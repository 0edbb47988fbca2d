package io.chronicle.operators.views;

import io.chronicle.core.TraceRow;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The summary a trace's row is derived from, against {@link TraceReplay}, the replay of every
 * event in event-time order: random traces (every lifecycle step, repeated steps, spans, equal
 * times, gaps just under, at and over the timeout, events in any order), every prefix of their
 * arrival; and what an event costs, which must not grow with the trace.
 */
class TraceSummaryTest {

    private static final long SECOND = 1_000_000L;
    private static final long TIMEOUT = 1_800 * SECOND;
    private static final long T0 = 1_790_000_000L * SECOND;
    private static final List<String> TYPES = List.of(TraceLifecycle.CREATED, TraceLifecycle.ASSIGNED,
            TraceLifecycle.STARTED, TraceLifecycle.COMPLETED, TraceLifecycle.FAILED, TraceLifecycle.TIMEOUT,
            "task.progress", "task.note");

    /** A random trace's events in arrival order. */
    static List<TraceFact> randomTrace(Random random) {
        int n = 1 + random.nextInt(random.nextBoolean() ? 8 : 40);
        List<TraceFact> facts = new ArrayList<>();
        long time = T0 + random.nextInt(1_000) * SECOND;
        for (int i = 0; i < n; i++) {
            int step = random.nextInt(100);
            if (step < 20) {
                time += 0; // an equal time
            } else if (step < 75) {
                time += (1 + random.nextInt(600)) * SECOND;
            } else if (step < 88) {
                time += TIMEOUT + random.nextInt(3) - 1; // just under, at, just over the timeout
            } else {
                time += TIMEOUT + (1 + random.nextInt(7_200)) * SECOND;
            }
            TraceFact f = new TraceFact();
            f.eventType = TYPES.get(random.nextInt(TYPES.size()));
            f.timeMicros = time;
            // Now and then the same id again: a redelivery the deduplication no longer remembers.
            f.eventId = !facts.isEmpty() && random.nextInt(15) == 0
                    ? facts.get(random.nextInt(facts.size())).eventId : "e" + random.nextInt(1_000_000);
            f.source = random.nextBoolean() ? "src-" + random.nextInt(3) : null;
            f.agentId = random.nextBoolean() ? "agent-" + random.nextInt(3) : null;
            f.taskTitle = random.nextInt(4) == 0 ? "title-" + i : null;
            f.owner = random.nextInt(4) == 0 ? "owner-" + i : null;
            f.error = random.nextInt(3) == 0 ? "error-" + i : null;
            f.scoringBreakdown = random.nextInt(4) == 0 ? "{\"q\":" + i + "}" : null;
            facts.add(f);
        }
        // Shuffled in time order a bit, or wholly.
        if (random.nextBoolean()) {
            Collections.shuffle(facts, random);
        } else {
            for (int i = 0; i + 1 < facts.size(); i++) {
                if (random.nextInt(3) == 0) {
                    Collections.swap(facts, i, i + 1);
                }
            }
        }
        return facts;
    }

    @Test
    void everyPrefixOfEveryArrivalOrderGivesTheReplaysRow() {
        Random random = new Random(20261204);
        int compared = 0;
        for (int t = 0; t < 3_000; t++) {
            List<TraceFact> facts = randomTrace(random);
            for (int n = 1; n <= facts.size(); n++) {
                List<TraceFact> prefix = facts.subList(0, n);
                long last = prefix.stream().mapToLong(f -> f.timeMicros).max().orElseThrow();
                long watermark = switch (random.nextInt(4)) {
                    case 0 -> Long.MIN_VALUE;
                    case 1 -> last + TIMEOUT;
                    case 2 -> last + TIMEOUT - 1;
                    default -> last + random.nextInt(3) * TIMEOUT;
                };
                TraceRow expected = TraceReplay.row("acme", "tr", prefix, TIMEOUT, watermark);
                TraceRow actual = TraceLifecycle.derive("acme", "tr", prefix, TIMEOUT, watermark);
                assertThat(actual).as("trace %d, %d of %s, watermark %d", t, n, facts, watermark)
                        .isEqualTo(expected);
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(30_000);
    }

    /**
     * 100,000 events of one trace in three orders: what an event reads and writes (bucket reads
     * and writes, the summary's serialized bytes) stays within a bound that does not depend on
     * how many came before.
     */
    @Test
    void anEventCostsTheSameWhateverTheTracesSize() throws IOException {
        TypeSerializer<TraceSummary> serializer =
                TypeInformation.of(TraceSummary.class).createSerializer(new SerializerConfigImpl());
        int n = 100_000;
        for (String order : List.of("in order", "reversed", "random with gaps")) {
            Random random = new Random(order.hashCode());
            long[] times = new long[n];
            for (int i = 0; i < n; i++) {
                // Gaps of a third of the timeout spread the trace over many buckets.
                times[i] = T0 + i * (order.equals("random with gaps") ? TIMEOUT / 3 : SECOND);
            }
            if (order.equals("reversed")) {
                for (int i = 0; i < n / 2; i++) {
                    long swap = times[i];
                    times[i] = times[n - 1 - i];
                    times[n - 1 - i] = swap;
                }
            } else if (order.startsWith("random")) {
                for (int i = n - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    long swap = times[i];
                    times[i] = times[j];
                    times[j] = swap;
                }
            }
            CountingBuckets buckets = new CountingBuckets();
            ActivityRuns runs = new ActivityRuns(buckets, TIMEOUT);
            TraceSummary summary = new TraceSummary();
            int maxAccesses = 0;
            int maxBytesEarly = 0;
            int maxBytesLate = 0;
            long totalAccesses = 0;
            DataOutputSerializer out = new DataOutputSerializer(4_096);
            List<TraceFact> all = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                TraceFact f = new TraceFact();
                f.eventType = i % 1_000 == 0 ? TYPES.get((i / 1_000) % 6) : "task.progress";
                f.eventId = "e" + i;
                f.timeMicros = times[i];
                f.taskTitle = i % 7 == 0 ? "title " + i : null;
                f.scoringBreakdown = i % 11 == 0 ? "{\"q\":" + i + "}" : null;
                all.add(f);
                buckets.accesses = 0;
                summary.add(f, runs);
                maxAccesses = Math.max(maxAccesses, buckets.accesses);
                totalAccesses += buckets.accesses;
                out.clear();
                serializer.serialize(summary, out);
                // Every step has its marks from the 6,000th event on: compare 10,000 events after
                // that with the last 10,000.
                if (i >= 10_000 && i < 20_000) {
                    maxBytesEarly = Math.max(maxBytesEarly, out.length());
                } else if (i >= n - 10_000) {
                    maxBytesLate = Math.max(maxBytesLate, out.length());
                }
            }
            // Path compression and union by size: a handful per event on average, a logarithmic
            // few at worst.
            assertThat((double) totalAccesses / n).as(order + ": bucket accesses per event").isLessThan(12);
            assertThat(maxAccesses).as(order + ": most bucket accesses by one event").isLessThanOrEqualTo(80);
            // The same marks, holding other events' ids and types: a few bytes either way.
            assertThat(maxBytesLate).as(order + ": summary bytes").isBetween(maxBytesEarly - 8, maxBytesEarly + 8);
            assertThat(maxBytesLate).isLessThan(1_024);
            long expectedBuckets = order.equals("random with gaps") ? n / 3 + 1 : n / 1_800 + 1;
            assertThat((long) buckets.map.size()).as(order + ": one bucket per timeout of event time")
                    .isBetween(expectedBuckets - 1, expectedBuckets + 1);
            assertThat(summary.row("acme", "tr", TIMEOUT, Long.MIN_VALUE)).as(order)
                    .isEqualTo(TraceReplay.row("acme", "tr", all, TIMEOUT, Long.MIN_VALUE));
        }
    }

    private static final class CountingBuckets implements ActivityRuns.Buckets {
        final Map<Long, TimeBucket> map = new HashMap<>();
        int accesses;

        @Override
        public TimeBucket get(long index) {
            accesses++;
            return map.get(index);
        }

        @Override
        public void put(long index, TimeBucket bucket) {
            accesses++;
            map.put(index, bucket);
        }
    }
}
