package io.chronicle.sources;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;

import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * Event-time watermarks for normalized input. Given to the Kafka source, they are tracked per
 * partition and the source emits the minimum, so one partition that lags does not make the
 * others' points late; a partition idle for {@code idleness} is left out of the minimum until it
 * has records again.
 *
 * <p>A partition's watermark is the {@code (outliers + 1)}-th latest event time among its last
 * {@code window} canonical records ({@link RecentEventTimes}), so a few records far ahead of the
 * stream around them (a missing timestamp replaced by the Kafka timestamp during a backfill, a
 * producer clock that jumped) do not make the records after them late. It never runs ahead of
 * the wall clock by more than {@code maxAhead}, whatever the records say. Out-of-order points
 * behind it are the rollups' allowed lateness to absorb. Rejections carry their Kafka timestamp
 * but never move event time.
 */
public final class EventTimeWatermarks {

    private EventTimeWatermarks() {}

    /** The event time of a canonical record, epoch milliseconds. */
    @FunctionalInterface
    public interface EventTime<T> extends Serializable {
        long millis(T record);
    }

    /** How watermarks follow a partition's event times. */
    public record Settings(Duration idleness, int window, int outliers, Duration maxAhead)
            implements Serializable {

        public static Settings from(Configuration conf) {
            return new Settings(conf.get(ChronicleOptions.INGEST_WATERMARK_IDLENESS),
                    conf.get(ChronicleOptions.INGEST_WATERMARK_WINDOW),
                    conf.get(ChronicleOptions.INGEST_WATERMARK_OUTLIERS),
                    conf.get(ChronicleOptions.INGEST_MAX_FUTURE_SKEW));
        }
    }

    public static <T> WatermarkStrategy<Either<RejectedRecord, T>> perPartition(
            EventTime<T> eventTime, Settings settings) {
        int window = settings.window();
        int outliers = settings.outliers();
        long maxAheadMillis = settings.maxAhead().toMillis();
        WatermarkStrategy<Either<RejectedRecord, T>> strategy =
                WatermarkStrategy.<Either<RejectedRecord, T>>forGenerator(ctx -> new RecentEventTimes<>(
                                window, outliers, maxAheadMillis, System::currentTimeMillis))
                        .withTimestampAssigner((record, kafkaTimestamp) -> record.isRight()
                                ? eventTime.millis(record.right())
                                : record.left().kafkaTimestampMillis);
        Duration idleness = settings.idleness();
        return idleness.isZero() ? strategy : strategy.withIdleness(idleness);
    }

    /**
     * Emits the {@code (outliers + 1)}-th latest event time of the last {@code window} canonical
     * records, capped at the wall clock plus {@code maxAheadMillis}, and never less than it
     * emitted before.
     *
     * <p>Up to {@code outliers} records ahead of the stream within any {@code window} consecutive
     * records leave the watermark where the records around them put it; once {@code window}
     * records have followed an outlier it is forgotten. The price: on an ordered stream the
     * watermark trails the newest event by {@code outliers} records, and a partition emits no
     * watermark (holding back the source's, unless it goes idle) until it has read
     * {@code outliers + 1} records, after a restore too. Each record costs one array write; the
     * order statistic is taken at each periodic emission that follows new records, by sorting a
     * copy of the window.
     */
    static final class RecentEventTimes<T> implements WatermarkGenerator<Either<RejectedRecord, T>> {
        /** Ring buffer of the latest event times; filled from index 0 while it is not yet full. */
        private final long[] recent;
        private final long[] sorted;
        private final int outliers;
        private final long maxAheadMillis;
        private final LongSupplier wallClockMillis;
        private int next;
        private int filled;
        private boolean changed;
        /** The order statistic, never lowered. */
        private long watermark = Long.MIN_VALUE;
        private long emitted = Long.MIN_VALUE;

        RecentEventTimes(int window, int outliers, long maxAheadMillis, LongSupplier wallClockMillis) {
            if (window < 1 || outliers < 0 || outliers >= window) {
                throw new IllegalArgumentException(
                        "outliers must be from 0 to window - 1: window " + window + ", outliers " + outliers);
            }
            this.recent = new long[window];
            this.sorted = new long[window];
            this.outliers = outliers;
            this.maxAheadMillis = maxAheadMillis;
            this.wallClockMillis = wallClockMillis;
        }

        @Override
        public void onEvent(Either<RejectedRecord, T> record, long timestamp, WatermarkOutput out) {
            if (record.isRight()) {
                recent[next] = timestamp;
                next = next + 1 == recent.length ? 0 : next + 1;
                filled = Math.min(filled + 1, recent.length);
                changed = true;
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput out) {
            if (changed && filled > outliers) {
                System.arraycopy(recent, 0, sorted, 0, filled);
                Arrays.sort(sorted, 0, filled);
                watermark = Math.max(watermark, sorted[filled - 1 - outliers]);
                changed = false;
            }
            if (watermark != Long.MIN_VALUE) {
                long now = wallClockMillis.getAsLong();
                long cap = maxAheadMillis > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + maxAheadMillis;
                // A wall clock set back must not take the watermark back with it.
                emitted = Math.max(emitted, Math.min(watermark, cap));
                out.emitWatermark(new Watermark(emitted));
            }
        }
    }
}
