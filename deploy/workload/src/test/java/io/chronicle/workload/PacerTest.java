package io.chronicle.workload;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class PacerTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long EPOCH_MILLIS = 1_000_000;

    /** Time that passes only while the pacer waits. */
    private static final class FakeClock implements Pacer.Clock {
        long nanos;
        final List<Long> waits = new ArrayList<>();

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public long currentTimeMillis() {
            return EPOCH_MILLIS + nanos / MS;
        }

        @Override
        public void park(long waitNanos) {
            waits.add(waitNanos);
            nanos += waitNanos;
        }
    }

    /** Records at the given times, keyed by their position. */
    private static RecordCursor recordsAt(long... atMillis) {
        return new RecordCursor() {
            int position = -1;

            @Override
            public boolean next() {
                return ++position < atMillis.length;
            }

            @Override
            public int key() {
                return position;
            }

            @Override
            public byte[] json() {
                return new byte[] {(byte) position};
            }

            @Override
            public long atMillis() {
                return atMillis[position];
            }
        };
    }

    @Test
    void asFastAsPossibleHandsEveryRecordInOrderWithoutWaiting() {
        FakeClock clock = new FakeClock();
        List<Integer> keys = new ArrayList<>();
        long handed = Pacer.asFastAsPossible().withClock(clock)
                .run(recordsAt(EPOCH_MILLIS + 50_000, EPOCH_MILLIS + 60_000, EPOCH_MILLIS + 70_000),
                        (key, json) -> keys.add(key));
        assertThat(handed).isEqualTo(3);
        assertThat(keys).containsExactly(0, 1, 2);
        assertThat(clock.waits).isEmpty();
    }

    /** At 1,000 records/s, record n goes at n ms: never more than 5 ms early, never late. */
    @Test
    void perSecondHandsRecordNAtItsTurnWithinTheAllowedEarliness() {
        FakeClock clock = new FakeClock();
        List<Long> handedAt = new ArrayList<>();
        long handed = Pacer.perSecond(1_000).withClock(clock)
                .run(recordsAt(new long[100]), (key, json) -> handedAt.add(clock.nanos));
        assertThat(handed).isEqualTo(100);
        for (int n = 0; n < 100; n++) {
            assertThat(handedAt.get(n)).as("record %d", n).isBetween(n * MS - Pacer.MAX_AHEAD_NANOS, n * MS);
        }
        assertThat(clock.nanos).isBetween(99 * MS - Pacer.MAX_AHEAD_NANOS, 99 * MS);
    }

    @Test
    void atRecordTimesHandsEachRecordAtItsOwnTimeAndOverdueOnesAtOnce() {
        FakeClock clock = new FakeClock();
        long[] at = {EPOCH_MILLIS - 300, EPOCH_MILLIS, EPOCH_MILLIS + 40, EPOCH_MILLIS + 42, EPOCH_MILLIS + 1_250};
        List<Long> handedAtMillis = new ArrayList<>();
        Pacer.atRecordTimes().withClock(clock).run(recordsAt(at), (key, json) -> handedAtMillis.add(clock.currentTimeMillis()));
        assertThat(handedAtMillis).hasSize(at.length);
        assertThat(handedAtMillis.get(0)).isEqualTo(EPOCH_MILLIS);
        for (int n = 1; n < at.length; n++) {
            assertThat(handedAtMillis.get(n)).as("record %d", n).isBetween(at[n] - 5, at[n]);
        }
        assertThat(clock.waits).allSatisfy(wait -> assertThat(wait).isLessThanOrEqualTo(Pacer.MAX_WAIT_NANOS));
    }

    /** A stop seen while waiting ends the run before the waited-for record goes out. */
    @Test
    void aStopWhileWaitingEndsTheRunWithinOneWait() {
        FakeClock clock = new FakeClock();
        List<Integer> keys = new ArrayList<>();
        long handed = Pacer.atRecordTimes().withClock(clock)
                .run(recordsAt(EPOCH_MILLIS, EPOCH_MILLIS + 60_000, EPOCH_MILLIS + 60_001),
                        (key, json) -> keys.add(key), () -> clock.nanos >= 250 * MS);
        assertThat(handed).isEqualTo(1);
        assertThat(keys).containsExactly(0);
        assertThat(clock.nanos).isLessThanOrEqualTo(250 * MS + Pacer.MAX_WAIT_NANOS);
    }
}
