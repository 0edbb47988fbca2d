package io.chronicle.bench.jmh;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.operators.normalize.EventNormalizer;
import io.chronicle.operators.normalize.JsonNormalizer;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointNormalizer;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;

/** The ingest job's Kafka deserializers, built as its sources build them, with default options. */
final class IngestPaths {

    private IngestPaths() {}

    static NormalizingDeserializer<MetricPoint> points() {
        return deserializer(new PointNormalizer(NormalizerSettings.defaults()), MetricPoint.class);
    }

    static NormalizingDeserializer<Event> events() {
        return deserializer(new EventNormalizer(NormalizerSettings.defaults()), Event.class);
    }

    private static <T> NormalizingDeserializer<T> deserializer(JsonNormalizer<T> normalizer, Class<T> type) {
        return new NormalizingDeserializer<>(new Configuration().get(ChronicleOptions.INGEST_TENANT_HEADER),
                new Normalization<>(normalizer), TypeInformation.of(type));
    }
}
