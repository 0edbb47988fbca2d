package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.Event;
import io.chronicle.core.EventFormat;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

import java.util.HashMap;
import java.util.Map;

/**
 * Decodes each record of the events topics in its topic's wire format
 * ({@code chronicle.topics.event-formats}), so lifecycle events and OTLP spans and logs feed one job.
 */
public final class EventDecoders implements RecordDecoder<Event> {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, RecordDecoder<Event>> byTopic = new HashMap<>();
    /** A topic not configured (read through a replay of an older range, say) is Chronicle's JSON. */
    private final RecordDecoder<Event> json;

    private EventDecoders(Map<String, EventFormat> formats, NormalizerSettings settings) {
        this.json = RecordDecoder.of(new Normalization<>(new EventNormalizer(settings)));
        formats.forEach((topic, format) -> byTopic.put(topic, switch (format) {
            case CHRONICLE_JSON -> json;
            case OTLP_PROTO_SPANS -> new OtlpEventsDecoder(settings, OtlpEventsDecoder.Signal.SPANS,
                    OtlpMetricsDecoder.Encoding.PROTOBUF);
            case OTLP_JSON_SPANS -> new OtlpEventsDecoder(settings, OtlpEventsDecoder.Signal.SPANS,
                    OtlpMetricsDecoder.Encoding.JSON);
            case OTLP_PROTO_LOGS -> new OtlpEventsDecoder(settings, OtlpEventsDecoder.Signal.LOGS,
                    OtlpMetricsDecoder.Encoding.PROTOBUF);
            case OTLP_JSON_LOGS -> new OtlpEventsDecoder(settings, OtlpEventsDecoder.Signal.LOGS,
                    OtlpMetricsDecoder.Encoding.JSON);
        }));
    }

    /** The decoders of the events topics {@code conf} names. */
    public static EventDecoders from(Configuration conf) {
        return new EventDecoders(ChronicleConfig.eventTopics(conf), NormalizerSettings.from(conf));
    }

    @Override
    public void decode(RawRecord raw, long ingestedAtMicros, Collector<Either<RejectedRecord, Event>> out) {
        byTopic.getOrDefault(raw.topic, json).decode(raw, ingestedAtMicros, out);
    }
}
