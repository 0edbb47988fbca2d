package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import io.chronicle.operators.normalize.EventNormalizer;
import io.chronicle.operators.normalize.NormalizeFunction;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointNormalizer;
import io.chronicle.sinks.DeadLetterSink;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sources.KafkaSources;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.util.function.UnaryOperator;

/**
 * The ingest job: points and events from Kafka, normalized, into {@code points_raw} and
 * {@code events}; everything refused into {@code rejected} and the dead-letter topic. The job
 * takes its sources and dead-letter sink as arguments so tests run the same pipeline.
 */
public final class IngestJob {

    public static final String JOB_NAME = "chronicle-ingest";

    private final Configuration conf;
    private final Source<RawRecord, ?, ?> pointsSource;
    private final Source<RawRecord, ?, ?> eventsSource;
    private final Sink<RejectedRecord> deadLetterSink;
    private UnaryOperator<DataStream<RawRecord>> rawPointsTap = UnaryOperator.identity();

    public IngestJob(
            Configuration conf,
            Source<RawRecord, ?, ?> pointsSource,
            Source<RawRecord, ?, ?> eventsSource,
            Sink<RejectedRecord> deadLetterSink) {
        this.conf = conf;
        this.pointsSource = pointsSource;
        this.eventsSource = eventsSource;
        this.deadLetterSink = deadLetterSink;
    }

    /** The production wiring: Kafka sources and the Kafka dead-letter sink from configuration. */
    public static IngestJob fromConfig(Configuration conf) {
        return new IngestJob(
                conf,
                KafkaSources.forTopic(conf, conf.get(ChronicleOptions.TOPIC_POINTS)),
                KafkaSources.forTopic(conf, conf.get(ChronicleOptions.TOPIC_EVENTS)),
                // Transactional ids must not collide with another job's on the same brokers.
                DeadLetterSink.create(conf, conf.get(ChronicleOptions.KAFKA_GROUP_ID) + "-dead-letter"));
    }

    /** Test hook: a transformation applied to raw points before normalization. */
    IngestJob tapRawPoints(UnaryOperator<DataStream<RawRecord>> tap) {
        this.rawPointsTap = tap;
        return this;
    }

    /** Creates any missing table, then adds the pipeline to {@code env}. */
    public void build(StreamExecutionEnvironment env) throws IOException {
        ChronicleCatalogLoader catalogLoader = ChronicleCatalogLoader.from(conf);
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        TableBootstrap.ensureTables(catalogLoader, namespace,
                ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED);
        NormalizerSettings settings = NormalizerSettings.from(conf);

        DataStream<RawRecord> rawPoints = rawPointsTap.apply(
                env.fromSource(pointsSource, WatermarkStrategy.noWatermarks(), "kafka-points")
                        .uid("kafka-points"));
        SingleOutputStreamOperator<MetricPoint> points = rawPoints
                .process(new NormalizeFunction<>(new PointNormalizer(settings)),
                        TypeInformation.of(MetricPoint.class))
                .name("normalize-points")
                .uid("normalize-points");

        DataStream<RawRecord> rawEvents =
                env.fromSource(eventsSource, WatermarkStrategy.noWatermarks(), "kafka-events")
                        .uid("kafka-events");
        SingleOutputStreamOperator<Event> events = rawEvents
                .process(new NormalizeFunction<>(new EventNormalizer(settings)),
                        TypeInformation.of(Event.class))
                .name("normalize-events")
                .uid("normalize-events");

        DataStream<RejectedRecord> rejected = points.getSideOutput(NormalizeFunction.REJECTED)
                .union(events.getSideOutput(NormalizeFunction.REJECTED));

        IcebergSinks.append(points, new RowConverters.PointToRow(), ChronicleTable.POINTS_RAW,
                catalogLoader, namespace);
        IcebergSinks.append(events, new RowConverters.EventToRow(), ChronicleTable.EVENTS,
                catalogLoader, namespace);
        IcebergSinks.append(rejected, new RowConverters.RejectedToRow(), ChronicleTable.REJECTED,
                catalogLoader, namespace);
        rejected.sinkTo(deadLetterSink).name("dead-letter").uid("dead-letter");
    }

    public static void main(String[] args) throws Exception {
        Configuration conf = ChronicleConfig.fromArgs(args);
        StreamExecutionEnvironment env = JobEnvironment.create(conf);
        fromConfig(conf).build(env);
        env.execute(JOB_NAME);
    }
}
