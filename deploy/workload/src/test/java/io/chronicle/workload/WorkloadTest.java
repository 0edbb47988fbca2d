package io.chronicle.workload;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointNormalizer;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class WorkloadTest {

    private static final int PARTITIONS = 4;
    private static final Pattern TIMESTAMP = Pattern.compile("\"timestamp\":(\\d+)");

    private static Workload workload(long seed) {
        return new Workload(20_003, 400, 3, Duration.ofSeconds(15), 0.02, Duration.ofSeconds(60), seed);
    }

    private static List<byte[]> records(Workload workload, List<Integer> seriesOut) {
        List<byte[]> records = new ArrayList<>();
        workload.generate((series, json) -> {
            records.add(json);
            seriesOut.add(series);
        });
        return records;
    }

    @Test
    void theSameSeedGivesTheSameRecordsAndAnotherSeedOthers() {
        List<byte[]> first = records(workload(7), new ArrayList<>());
        List<byte[]> again = records(workload(7), new ArrayList<>());
        List<byte[]> other = records(workload(8), new ArrayList<>());
        assertThat(again).hasSameSizeAs(first);
        for (int i = 0; i < first.size(); i++) {
            assertThat(again.get(i)).isEqualTo(first.get(i));
        }
        assertThat(Arrays.equals(other.get(0), first.get(0)) && Arrays.equals(other.get(1), first.get(1))).isFalse();
    }

    /**
     * Every record is a point the ingest job accepts; together they hold the asked-for counts,
     * the expected windows, tags the SQL side declares, and disorder within the stated bound.
     */
    @Test
    void everyRecordIsAGoodPointAndTheSummaryAndWindowsMatchThem() {
        Workload workload = workload(42);
        List<Integer> series = new ArrayList<>();
        List<byte[]> records = records(workload, series);
        Workload.Summary summary = workload.generate((s, json) -> { });
        Normalization<MetricPoint> normalization = new Normalization<>(new PointNormalizer(NormalizerSettings.defaults()));

        Set<Long> seriesIds = new HashSet<>();
        Set<List<Long>> windows5m = new HashSet<>();
        Set<List<Long>> windows1h = new HashSet<>();
        Map<Long, Integer> partitionOf = new HashMap<>();
        long[] latestMicros = new long[PARTITIONS];
        long maxDisorderMicros = 0;
        long behind = 0;
        for (int i = 0; i < records.size(); i++) {
            int partition = series.get(i) % PARTITIONS;
            Either<RejectedRecord, MetricPoint> normalized = normalization.normalize(
                    new RawRecord("bench", partition, i, 0, null, records.get(i)), System.currentTimeMillis() * 1_000);
            assertThat(normalized.isRight()).as("record %s", new String(records.get(i))).isTrue();
            MetricPoint p = normalized.right();
            assertThat(Workload.TAG_KEYS).containsAll(p.tags.keySet());
            seriesIds.add(p.seriesId);
            assertThat(partitionOf.computeIfAbsent(p.seriesId, id -> partition)).isEqualTo(partition);
            windows5m.add(List.of(p.seriesId, Math.floorDiv(p.timestampMicros, 300_000_000L)));
            windows1h.add(List.of(p.seriesId, Math.floorDiv(p.timestampMicros, 3_600_000_000L)));
            if (p.timestampMicros < latestMicros[partition]) {
                behind++;
                maxDisorderMicros = Math.max(maxDisorderMicros, latestMicros[partition] - p.timestampMicros);
            }
            latestMicros[partition] = Math.max(latestMicros[partition], p.timestampMicros);
        }

        assertThat(records).hasSize(20_003);
        assertThat(seriesIds).hasSize(400);
        assertThat(summary.points()).isEqualTo(20_003);
        assertThat(summary.series()).isEqualTo(400);
        assertThat(summary.tenants()).isEqualTo(3);
        assertThat(summary.bytes()).isEqualTo(records.stream().mapToLong(r -> r.length).sum());
        assertThat(workload.windows(Duration.ofMinutes(5))).isEqualTo(windows5m.size());
        assertThat(workload.windows(Duration.ofHours(1))).isEqualTo(windows1h.size());
        assertThat((double) summary.outOfOrder() / records.size()).isBetween(0.015, 0.025);
        assertThat(behind).isPositive();
        assertThat(maxDisorderMicros).isLessThanOrEqualTo(workload.maxDisorder().toNanos() / 1_000);
    }

    /**
     * The cursor gives the records {@code generate} hands out, each at its own timestamp unless
     * held back, and then at the start of the tick that releases it: never before its timestamp,
     * and never earlier than the record before.
     */
    @Test
    void theCursorGivesTheSameRecordsAtTimesThatNeverDecrease() {
        Workload workload = workload(42);
        List<byte[]> generated = records(workload, new ArrayList<>());
        RecordCursor cursor = workload.records();
        long previous = Long.MIN_VALUE;
        long later = 0;
        for (int i = 0; i < generated.size(); i++) {
            assertThat(cursor.next()).isTrue();
            assertThat(cursor.json()).isEqualTo(generated.get(i));
            long timestamp = timestampOf(cursor.json());
            assertThat(cursor.atMillis()).as("record %d", i).isGreaterThanOrEqualTo(Math.max(previous, timestamp));
            if (cursor.atMillis() > timestamp) {
                later++;
            }
            previous = cursor.atMillis();
        }
        assertThat(cursor.next()).isFalse();
        assertThat(later).isEqualTo(workload.generate((series, json) -> { }).outOfOrder());
    }

    @Test
    void aStartMovesEveryTimestampAndNothingElse() {
        Instant start = Instant.parse("2026-03-01T12:00:00Z");
        long shift = start.toEpochMilli() - Workload.START.toEpochMilli();
        Workload moved = new Workload(2_000, 50, 2, Duration.ofSeconds(15), 0.05, Duration.ofSeconds(60), 9, start);
        List<byte[]> original = records(new Workload(2_000, 50, 2, Duration.ofSeconds(15), 0.05, Duration.ofSeconds(60), 9),
                new ArrayList<>());
        List<byte[]> shifted = records(moved, new ArrayList<>());
        assertThat(shifted).hasSameSizeAs(original);
        for (int i = 0; i < original.size(); i++) {
            String expected = new String(original.get(i), StandardCharsets.UTF_8)
                    .replace("\"timestamp\":" + timestampOf(original.get(i)),
                            "\"timestamp\":" + (timestampOf(original.get(i)) + shift));
            assertThat(new String(shifted.get(i), StandardCharsets.UTF_8)).isEqualTo(expected);
        }
        assertThat(moved.eventMillisAfter(0)).isEqualTo(start.toEpochMilli());
    }

    private static long timestampOf(byte[] json) {
        Matcher m = TIMESTAMP.matcher(new String(json, StandardCharsets.UTF_8));
        assertThat(m.find()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The alerts suite dates its probes by this estimate, so they fall in with the load's event time. */
    @Test
    void theEventTimeEstimateNeverPassesTheLatestRecordAndTrailsItByLessThanTwoIntervals() {
        Workload workload = workload(42);
        long interval = Duration.ofSeconds(15).toMillis();
        long latest = Long.MIN_VALUE;
        List<byte[]> records = records(workload, new ArrayList<>());
        for (int i = 0; i < records.size(); i++) {
            latest = Math.max(latest, timestampOf(records.get(i)));
            long estimate = workload.eventMillisAfter(i + 1);
            assertThat(estimate).as("after %d records", i + 1).isLessThanOrEqualTo(latest);
            assertThat(latest - estimate).as("after %d records", i + 1).isLessThan(2 * interval);
        }
    }
}
