package io.chronicle.sources;

import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.types.Either;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A partition's watermark against sequences whose right watermark is known: ordered streams,
 * lone outliers ahead of them, a backfill after a record stamped with the present, the wall-clock
 * cap, rejections, idleness; and long random streams against a reference that counts rather than
 * sorts.
 */
class EventTimeWatermarksTest {

    private static final long HOUR = 3_600_000L;
    /** 2026-11-22T00:00:00Z in epoch milliseconds: the wall clock of these tests. */
    private static final long NOW = 1_795_305_600_000L;

    private long wallClock = NOW;

    /** What the generator emits, in order. */
    private static final class Recorded implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        boolean idle;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
            idle = false;
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }

        Long last() {
            return watermarks.isEmpty() ? null : watermarks.get(watermarks.size() - 1);
        }
    }

    private final Recorded out = new Recorded();

    private WatermarkGenerator<Either<RejectedRecord, Long>> generator(int window, int outliers) {
        return new EventTimeWatermarks.RecentEventTimes<>(window, outliers, 2 * 60_000L, () -> wallClock);
    }

    /** Feeds each event time as a canonical record, emitting after each; returns the watermarks. */
    private List<Long> feed(WatermarkGenerator<Either<RejectedRecord, Long>> g, long... eventTimes) {
        List<Long> after = new ArrayList<>();
        for (long t : eventTimes) {
            g.onEvent(Either.Right(t), t, out);
            g.onPeriodicEmit(out);
            after.add(out.last());
        }
        return after;
    }

    @Test
    void anOrderedStreamTrailsItsNewestRecordByTheOutliersAllowed() {
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(8, 2);
        assertThat(feed(g, t(1), t(2), t(3), t(4), t(5), t(6), t(7), t(8), t(9), t(10), t(11)))
                .containsExactly(null, null, t(1), t(2), t(3), t(4), t(5), t(6), t(7), t(8), t(9));
    }

    @Test
    void noOutliersAllowedFollowsTheLatestEventTime() {
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(1, 0);
        assertThat(feed(g, t(5), t(3), t(9), t(7))).containsExactly(t(5), t(5), t(9), t(9));
    }

    @Test
    void aLoneRecordDated23HoursAheadDoesNotMoveTheWatermark() {
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(64, 4);
        long ahead = t(10) + 23 * HOUR;
        List<Long> marks = feed(g, t(1), t(2), t(3), t(4), t(5), t(6), ahead, t(7), t(8), t(9), t(10));
        // From the outlier on, the watermark is one record further back than the newest records'
        // own: the outlier takes one of the four places, as long as it is in the window.
        assertThat(marks).containsExactly(null, null, null, null, t(1), t(2), t(3), t(4), t(5), t(6), t(7));
        // The outlier leaves the window after 64 more records; until then it is one of the four.
        for (int i = 11; i <= 80; i++) {
            feed(g, t(i));
        }
        assertThat(out.last()).isEqualTo(t(76));
    }

    @Test
    void aRecordStampedWithThePresentBeforeABackfillLeavesEventTimeWithTheBackfill() {
        // A record without a timestamp takes the Kafka timestamp (now); the backfill that follows
        // is two days old, in order, a minute apart.
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(64, 4);
        long backfill = NOW - 48 * HOUR;
        long[] times = new long[90];
        times[0] = NOW;
        for (int i = 1; i < times.length; i++) {
            times[i] = backfill + i * 60_000L;
        }
        List<Long> marks = feed(g, times);
        assertThat(marks.subList(0, 4)).containsOnlyNulls();
        assertThat(marks.get(4)).as("the first watermark is the backfill's first record").isEqualTo(times[1]);
        for (int i = 5; i < times.length; i++) {
            // Four records ahead of it: the present one and three of the backfill, then four of the backfill.
            assertThat(marks.get(i)).as("after record %d", i).isEqualTo(times[i - (i < 64 ? 3 : 4)]);
        }
    }

    @Test
    void moreOutliersThanAllowedWithinTheWindowMoveItAndOnesLongGoneDoNot() {
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(4, 1);
        long x = t(1000);
        long y = t(2000);
        long z = t(3000);
        assertThat(feed(g, t(1), t(2), x, t(3), t(4), t(5), t(6), y, z))
                .containsExactly(null, t(1), t(2), t(3), t(4), t(5), t(5), t(6), y);
    }

    @Test
    void neverAheadOfTheWallClockByMoreThanTheSkew() {
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(2, 0);
        long ahead = NOW + HOUR;
        feed(g, ahead, ahead);
        assertThat(out.last()).isEqualTo(NOW + 2 * 60_000L);
        wallClock = NOW + 30 * 60_000L;
        g.onPeriodicEmit(out);
        assertThat(out.last()).isEqualTo(NOW + 32 * 60_000L);
        wallClock = NOW + 2 * HOUR;
        g.onPeriodicEmit(out);
        assertThat(out.last()).isEqualTo(ahead);
        // A wall clock set back does not take the watermark back.
        wallClock = NOW;
        g.onPeriodicEmit(out);
        assertThat(out.last()).isEqualTo(ahead);
    }

    @Test
    void neverGoesBackForABackfillBehindIt() {
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(4, 1);
        feed(g, t(100), t(101), t(102), t(103));
        assertThat(feed(g, t(50), t(51), t(52), t(53), t(104)))
                .containsExactly(t(102), t(102), t(102), t(102), t(102));
    }

    @Test
    void rejectionsNeverMoveEventTime() {
        WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(2, 0);
        feed(g, t(10));
        RejectedRecord rejected = new RejectedRecord();
        g.onEvent(Either.Left(rejected), NOW, out);
        g.onPeriodicEmit(out);
        assertThat(out.watermarks).containsOnly(t(10));
    }

    @Test
    void aPartitionQuietForTheIdlenessIsMarkedIdleAndWakesWithItsWatermark() {
        ManualClock activity = new ManualClock(TimeUnit.SECONDS.toNanos(1));
        WatermarkGenerator<Either<RejectedRecord, Long>> g = EventTimeWatermarks.<Long>perPartition(
                        t -> t, new EventTimeWatermarks.Settings(Duration.ofSeconds(30), 8, 1, Duration.ofMinutes(2)))
                .createWatermarkGenerator(context(activity));
        feed(g, t(1), t(2), t(3));
        assertThat(out.last()).isEqualTo(t(2));
        g.onPeriodicEmit(out);
        activity.advanceTime(Duration.ofSeconds(29));
        g.onPeriodicEmit(out);
        assertThat(out.idle).isFalse();
        activity.advanceTime(Duration.ofSeconds(2));
        g.onPeriodicEmit(out);
        assertThat(out.idle).as("quiet for longer than the idleness").isTrue();
        feed(g, t(4));
        assertThat(out.idle).isFalse();
        assertThat(out.last()).isEqualTo(t(3));
    }

    @Test
    void followsACountingReferenceOverLongRandomStreams() {
        Random random = new Random(13);
        for (int run = 0; run < 200; run++) {
            int window = 1 + random.nextInt(40);
            int outliers = random.nextInt(window);
            WatermarkGenerator<Either<RejectedRecord, Long>> g = generator(window, outliers);
            Deque<Long> recent = new ArrayDeque<>();
            long expected = Long.MIN_VALUE;
            long base = NOW - 10 * HOUR;
            for (int i = 0; i < 500; i++) {
                base += random.nextInt(2_000);
                long t = random.nextInt(20) == 0
                        ? base + random.nextInt(20) * HOUR - 10 * HOUR
                        : base - random.nextInt(30_000);
                g.onEvent(Either.Right(t), t, out);
                recent.addLast(t);
                if (recent.size() > window) {
                    recent.removeFirst();
                }
                boolean emit = random.nextInt(3) == 0;
                if (emit) {
                    g.onPeriodicEmit(out);
                    expected = Math.max(expected, reference(recent, outliers));
                    long cap = wallClock + 2 * 60_000L;
                    Long want = expected == Long.MIN_VALUE ? null : Math.min(expected, cap);
                    assertThat(out.last()).as("run %d record %d", run, i).isEqualTo(want);
                }
            }
            out.watermarks.clear();
        }
    }

    /** The latest time with more than {@code outliers} of the recent records at or after it. */
    private static long reference(Deque<Long> recent, int outliers) {
        long best = Long.MIN_VALUE;
        for (long candidate : recent) {
            int atOrAfter = 0;
            for (long t : recent) {
                if (t >= candidate) {
                    atOrAfter++;
                }
            }
            if (atOrAfter > outliers && candidate > best) {
                best = candidate;
            }
        }
        return best;
    }

    @Test
    void refusesAWindowThatCannotHoldItsOutliers() {
        assertThatThrownBy(() -> generator(4, 4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> generator(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The time of the i-th minute of the test's data: two days before the wall clock. */
    private static long t(long minute) {
        return NOW - 48 * HOUR + minute * 60_000L;
    }

    private static WatermarkGeneratorSupplier.Context context(RelativeClock activity) {
        return new WatermarkGeneratorSupplier.Context() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public RelativeClock getInputActivityClock() {
                return activity;
            }
        };
    }
}
