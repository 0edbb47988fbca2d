package io.chronicle.bench.jmh;

import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.jobs.IngestJob;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointNormalizer;
import io.chronicle.sources.KafkaSources;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.configuration.Configuration;

/** The ingest job's Kafka deserializers, as its sources build them, with default options. */
final class IngestPaths {

    private IngestPaths() {}

    static NormalizingDeserializer<MetricPoint> points() {
        return IngestJob.pointsDeserializer(new Configuration());
    }

    /** The points deserializer with its normalizer's Jackson path alone, as before the byte reader. */
    static NormalizingDeserializer<MetricPoint> pointsByJackson() {
        Configuration conf = new Configuration();
        return KafkaSources.deserializer(
                conf, new Normalization<>(new JacksonPointNormalizer(NormalizerSettings.from(conf))), MetricPoint.class);
    }

    static NormalizingDeserializer<Event> events() {
        return IngestJob.eventsDeserializer(new Configuration());
    }

    /** {@link PointNormalizer} without its byte reader: every payload through Jackson. */
    private static final class JacksonPointNormalizer extends PointNormalizer {
        private static final long serialVersionUID = 1L;

        JacksonPointNormalizer(NormalizerSettings settings) {
            super(settings);
        }

        @Override
        protected MetricPoint readBytes(RawRecord raw, String headerTenant, long ingestedAtMicros) {
            return null;
        }
    }
}
