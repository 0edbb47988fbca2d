package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every hostile kind through the job's own deserializers, as its Kafka source reads them: the
 * outcome written down for it, and never an exception. The integration test drives the same kinds
 * through the running job.
 */
class HostileRecordsTest {

    @Test
    void everyKindGetsItsOutcomeFromTheJobsDeserializers() {
        Configuration conf = new Configuration();
        NormalizingDeserializer<MetricPoint> points = IngestJob.pointsDeserializer(conf);
        NormalizingDeserializer<Event> events = IngestJob.eventsDeserializer(conf);
        List<HostileRecords.Kind> kinds = HostileRecords.all(
                System.currentTimeMillis(), ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.defaultValue());
        List<String> wrong = new ArrayList<>();
        long offset = 0;
        for (HostileRecords.Kind kind : kinds) {
            RecordHeaders headers = new RecordHeaders();
            kind.headers().forEach((name, values) -> values.forEach(v -> headers.add(name, v)));
            ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("topic", 0, offset++,
                    kind.kafkaTimestampMillis(), TimestampType.CREATE_TIME, 0,
                    kind.value() == null ? -1 : kind.value().length, null, kind.value(), headers, Optional.empty());
            List<Either<RejectedRecord, ?>> out = new ArrayList<>();
            if (kind.topic() == HostileRecords.Topic.POINTS) {
                points.deserialize(record, collector(out));
            } else {
                events.deserialize(record, collector(out));
            }
            assertThat(out).as(kind.name()).hasSize(1);
            String outcome = out.get(0).isRight()
                    ? (kind.topic() == HostileRecords.Topic.POINTS ? HostileRecords.POINTS_RAW : HostileRecords.EVENTS)
                    : out.get(0).left().reasonCode;
            if (!outcome.equals(kind.expected())) {
                wrong.add(kind.name() + ": expected " + kind.expected() + ", got " + outcome
                        + (out.get(0).isLeft() ? " (" + out.get(0).left().message + ")" : ""));
            }
        }
        assertThat(wrong).as("kinds whose outcome differs").isEmpty();
        assertThat(kinds).as("kinds of hostile input").hasSizeGreaterThanOrEqualTo(60);
    }

    @SuppressWarnings("unchecked")
    private static <T> Collector<Either<RejectedRecord, T>> collector(List<Either<RejectedRecord, ?>> out) {
        return new Collector<>() {
            @Override
            public void collect(Either<RejectedRecord, T> record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}
