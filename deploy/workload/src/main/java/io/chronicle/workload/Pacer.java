package io.chronicle.workload;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Hands a cursor's records to an output at a pace: as fast as possible, at a target rate in
 * records per second, or each at its own time on the wall clock, as live producers send them.
 * It waits only when more than a few milliseconds ahead of schedule (shorter sleeps overshoot),
 * and while waiting looks at its stop signal at least every 100 ms.
 */
public final class Pacer {

    /** A record this close to its turn goes at once. */
    static final long MAX_AHEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** The longest single wait, so a stop signal is seen soon. */
    static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Time as the pacer sees it; the system's, or a test's. */
    interface Clock {
        long nanoTime();

        long currentTimeMillis();

        void park(long nanos);
    }

    private static final Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long currentTimeMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public void park(long nanos) {
            LockSupport.parkNanos(nanos);
        }
    };

    /** How far ahead of its turn the record about to be handed is, in nanoseconds. */
    @FunctionalInterface
    private interface Schedule {
        long aheadNanos(Clock clock, long startNanos, long handed, RecordCursor record);
    }

    private final Schedule schedule;
    private final Clock clock;

    private Pacer(Schedule schedule, Clock clock) {
        this.schedule = schedule;
        this.clock = clock;
    }

    /** Every record at once, one after the other. */
    public static Pacer asFastAsPossible() {
        return new Pacer((clock, start, handed, record) -> 0, SYSTEM);
    }

    /** Record n at n / {@code recordsPerSecond} seconds after the start, whatever the records' times. */
    public static Pacer perSecond(double recordsPerSecond) {
        if (!(recordsPerSecond > 0) || Double.isInfinite(recordsPerSecond)) {
            throw new IllegalArgumentException("records per second must be positive, not " + recordsPerSecond);
        }
        double nanosPerRecord = 1e9 / recordsPerSecond;
        return new Pacer(
                (clock, start, handed, record) -> start + (long) (handed * nanosPerRecord) - clock.nanoTime(),
                SYSTEM);
    }

    /** Each record when the wall clock reaches its {@link RecordCursor#atMillis()}; records already due go at once. */
    public static Pacer atRecordTimes() {
        return new Pacer(
                (clock, start, handed, record) -> TimeUnit.MILLISECONDS.toNanos(record.atMillis() - clock.currentTimeMillis()),
                SYSTEM);
    }

    /** The same pace on another clock. */
    Pacer withClock(Clock other) {
        return new Pacer(schedule, other);
    }

    /** Hands every record, each in its turn; returns how many. */
    public long run(RecordCursor records, Output out) {
        return run(records, out, () -> false);
    }

    /**
     * Hands records, each in its turn, until the cursor ends or {@code stop} says so (looked at
     * before each record and while waiting); returns how many it handed.
     */
    public long run(RecordCursor records, Output out, BooleanSupplier stop) {
        long startNanos = clock.nanoTime();
        long handed = 0;
        while (!stop.getAsBoolean() && records.next()) {
            if (!awaitTurn(records, startNanos, handed, stop)) {
                break;
            }
            out.accept(records.key(), records.json());
            handed++;
        }
        return handed;
    }

    /** Waits until the record is due; false if stopped first. */
    private boolean awaitTurn(RecordCursor record, long startNanos, long handed, BooleanSupplier stop) {
        while (true) {
            long ahead = schedule.aheadNanos(clock, startNanos, handed, record);
            if (ahead <= MAX_AHEAD_NANOS) {
                return true;
            }
            if (stop.getAsBoolean()) {
                return false;
            }
            clock.park(Math.min(ahead, MAX_WAIT_NANOS));
        }
    }
}
