package io.chronicle.bench.jmh;

import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectedRecord;
import io.chronicle.jobs.IngestJob;
import io.chronicle.operators.normalize.EventNormalizer;
import io.chronicle.operators.normalize.JsonNormalizer;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointNormalizer;
import io.chronicle.sources.KafkaSources;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.function.Function;

/** The ingest job's Kafka deserializers, as its sources build them, with default options. */
final class IngestPaths {

    private IngestPaths() {}

    static NormalizingDeserializer<MetricPoint> points() {
        return IngestJob.pointsDeserializer(new Configuration());
    }

    /** The points deserializer with its normalizer's Jackson path alone, as before the byte reader. */
    static NormalizingDeserializer<MetricPoint> pointsByJackson() {
        return byJackson(PointNormalizer::jacksonPath, MetricPoint.class);
    }

    static NormalizingDeserializer<Event> events() {
        return IngestJob.eventsDeserializer(new Configuration());
    }

    /** The events deserializer with its normalizer's Jackson path alone, as before the byte reader. */
    static NormalizingDeserializer<Event> eventsByJackson() {
        return byJackson(EventNormalizer::jacksonPath, Event.class);
    }

    /**
     * What {@code deserializer} reads from {@code record}, checked to be accepted and to be the
     * record {@code jacksonPath} reads (but for the instant each was read at).
     */
    static <T> T readAlike(ConsumerRecord<byte[], byte[]> record, NormalizingDeserializer<T> deserializer,
            NormalizingDeserializer<T> jacksonPath, Function<T, Provenance> provenance) {
        T read = accepted(deserializer, record, "rejected ");
        T byJackson = accepted(jacksonPath, record, "the Jackson path rejected ");
        provenance.apply(byJackson).ingestedAtMicros = provenance.apply(read).ingestedAtMicros;
        if (!read.equals(byJackson)) {
            throw new IllegalStateException(read + " differs from the Jackson path's " + byJackson);
        }
        return read;
    }

    private static <T> T accepted(NormalizingDeserializer<T> deserializer, ConsumerRecord<byte[], byte[]> record,
            String refused) {
        Inputs.Last<Either<RejectedRecord, T>> out = new Inputs.Last<>();
        deserializer.deserialize(record, out);
        if (out.record.isLeft()) {
            throw new IllegalStateException(refused + out.record.left());
        }
        return out.record.right();
    }

    private static <T> NormalizingDeserializer<T> byJackson(
            Function<NormalizerSettings, ? extends JsonNormalizer<T>> jacksonPath, Class<T> type) {
        Configuration conf = new Configuration();
        NormalizerSettings settings = NormalizerSettings.from(conf);
        return KafkaSources.deserializer(conf, RecordDecoder.of(new Normalization<>(jacksonPath.apply(settings))), type);
    }
}
