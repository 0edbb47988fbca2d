package io.chronicle.bench.jmh;

import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
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
                conf, new Normalization<>(PointNormalizer.jacksonPath(NormalizerSettings.from(conf))), MetricPoint.class);
    }

    static NormalizingDeserializer<Event> events() {
        return IngestJob.eventsDeserializer(new Configuration());
    }
}
