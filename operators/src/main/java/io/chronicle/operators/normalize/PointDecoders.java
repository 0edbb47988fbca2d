package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.PointFormat;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RecordDecoder;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;

import java.util.HashMap;
import java.util.Map;

/**
 * Decodes each record of the points topics in its topic's wire format
 * ({@code chronicle.topics.point-formats}), so topics of different producers feed one job.
 */
public final class PointDecoders implements RecordDecoder<MetricPoint> {

    private static final long serialVersionUID = 1L;

    private final HashMap<String, RecordDecoder<MetricPoint>> byTopic = new HashMap<>();
    /** A topic not configured (read through a replay of an older range, say) is Chronicle's JSON. */
    private final RecordDecoder<MetricPoint> json;

    private PointDecoders(Map<String, PointFormat> formats, Configuration conf) {
        NormalizerSettings settings = NormalizerSettings.from(conf);
        this.json = RecordDecoder.of(new Normalization<>(new PointNormalizer(settings)));
        int maxUncompressed = conf.get(ChronicleOptions.PROMETHEUS_MAX_UNCOMPRESSED_BYTES);
        OtlpTranslation otlp = OtlpTranslation.from(conf);
        formats.forEach((topic, format) -> byTopic.put(topic, switch (format) {
            case CHRONICLE_JSON -> json;
            case INFLUX_LINE -> new InfluxLineDecoder(settings, conf.get(ChronicleOptions.INFLUX_PRECISION));
            case PROMETHEUS_REMOTE_WRITE ->
                    new RemoteWriteDecoder(settings, RemoteWriteDecoder.Version.V1, maxUncompressed);
            case PROMETHEUS_REMOTE_WRITE_V2 ->
                    new RemoteWriteDecoder(settings, RemoteWriteDecoder.Version.V2, maxUncompressed);
            case OTLP_PROTO -> new OtlpMetricsDecoder(settings, OtlpMetricsDecoder.Encoding.PROTOBUF, otlp);
            case OTLP_JSON -> new OtlpMetricsDecoder(settings, OtlpMetricsDecoder.Encoding.JSON, otlp);
        }));
    }

    /** The decoders of the points topics {@code conf} names. */
    public static PointDecoders from(Configuration conf) {
        return new PointDecoders(ChronicleConfig.pointTopics(conf), conf);
    }

    @Override
    public void decode(RawRecord raw, long ingestedAtMicros, Collector<Either<RejectedRecord, MetricPoint>> out) {
        byTopic.getOrDefault(raw.topic, json).decode(raw, ingestedAtMicros, out);
    }
}
