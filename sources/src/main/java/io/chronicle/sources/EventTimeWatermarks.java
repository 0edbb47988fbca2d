package io.chronicle.sources;

import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.types.Either;

import java.io.Serializable;
import java.time.Duration;

/**
 * Event-time watermarks for normalized input. Given to the Kafka source, they are tracked per
 * partition and the source emits the minimum, so one partition that lags does not make the
 * others' points late; a partition idle for {@code idleness} is left out of the minimum until it
 * has records again. The watermark is the latest event time seen: out-of-order points are the
 * rollups' allowed lateness to absorb. Rejections carry their Kafka timestamp but never move
 * event time.
 */
public final class EventTimeWatermarks {

    private EventTimeWatermarks() {}

    /** The event time of a canonical record, epoch milliseconds. */
    @FunctionalInterface
    public interface EventTime<T> extends Serializable {
        long millis(T record);
    }

    public static <T> WatermarkStrategy<Either<RejectedRecord, T>> perPartition(
            EventTime<T> eventTime, Duration idleness) {
        WatermarkStrategy<Either<RejectedRecord, T>> strategy =
                WatermarkStrategy.<Either<RejectedRecord, T>>forGenerator(ctx -> new LatestSeen<>())
                        .withTimestampAssigner((record, kafkaTimestamp) -> record.isRight()
                                ? eventTime.millis(record.right())
                                : record.left().kafkaTimestampMillis);
        return idleness.isZero() ? strategy : strategy.withIdleness(idleness);
    }

    /** Emits the latest event time of canonical records seen so far. */
    private static final class LatestSeen<T> implements WatermarkGenerator<Either<RejectedRecord, T>> {
        private long latest = Long.MIN_VALUE;

        @Override
        public void onEvent(Either<RejectedRecord, T> record, long timestamp, WatermarkOutput out) {
            if (record.isRight() && timestamp > latest) {
                latest = timestamp;
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput out) {
            if (latest != Long.MIN_VALUE) {
                out.emitWatermark(new Watermark(latest));
            }
        }
    }
}
