package io.chronicle.bench.jmh;

import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.jobs.IngestJob;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.configuration.Configuration;

/** The ingest job's Kafka deserializers, as its sources build them, with default options. */
final class IngestPaths {

    private IngestPaths() {}

    static NormalizingDeserializer<MetricPoint> points() {
        return IngestJob.pointsDeserializer(new Configuration());
    }

    static NormalizingDeserializer<Event> events() {
        return IngestJob.eventsDeserializer(new Configuration());
    }
}
