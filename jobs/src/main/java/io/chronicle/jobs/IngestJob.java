package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.CommandLine;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import io.chronicle.operators.normalize.EventNormalizer;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointNormalizer;
import io.chronicle.operators.normalize.SplitRejected;
import io.chronicle.operators.rollup.SeriesChange;
import io.chronicle.operators.views.EventDeduplicator;
import io.chronicle.sinks.DeadLetterSink;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sources.EventTimeWatermarks;
import io.chronicle.sources.KafkaSources;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The ingest job: points and events from Kafka, normalized as they are read, into
 * {@code points_raw} and {@code events} (each event once); the rollup tiers from the points; the
 * traces and agent_metrics views from the events; everything refused (malformed, too late for
 * its rollup window or trace, over a tenant's series or a trace's events) into {@code rejected}
 * and the dead-letter topic.
 * The job takes its sources and dead-letter sink as arguments so tests run the same pipeline.
 */
public final class IngestJob {

    public static final String JOB_NAME = "chronicle-ingest";

    private final Configuration conf;
    private final Source<Either<RejectedRecord, MetricPoint>, ?, ?> pointsSource;
    private final Source<Either<RejectedRecord, Event>, ?, ?> eventsSource;
    private final Sink<RejectedRecord> deadLetterSink;
    private UnaryOperator<DataStream<Either<RejectedRecord, MetricPoint>>> pointsTap =
            UnaryOperator.identity();
    private UnaryOperator<DataStream<Either<RejectedRecord, Event>>> eventsTap =
            UnaryOperator.identity();

    public IngestJob(
            Configuration conf,
            Source<Either<RejectedRecord, MetricPoint>, ?, ?> pointsSource,
            Source<Either<RejectedRecord, Event>, ?, ?> eventsSource,
            Sink<RejectedRecord> deadLetterSink) {
        this.conf = conf;
        this.pointsSource = pointsSource;
        this.eventsSource = eventsSource;
        this.deadLetterSink = deadLetterSink;
    }

    /**
     * The production wiring: Kafka sources and the Kafka dead-letter sink from configuration;
     * sources that end at {@code chronicle.kafka.stopping-offsets} with {@code chronicle.kafka.bounded}.
     */
    public static IngestJob fromConfig(Configuration conf) {
        boolean bounded = conf.get(ChronicleOptions.KAFKA_BOUNDED);
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
        return new IngestJob(
                conf,
                bounded ? boundedPointsSource(conf, points) : pointsSource(conf, points),
                bounded ? boundedEventsSource(conf, events) : eventsSource(conf, events),
                // Transactional ids must not collide with another job's on the same brokers.
                DeadLetterSink.create(conf, conf.get(ChronicleOptions.KAFKA_GROUP_ID) + "-dead-letter"));
    }

    public static KafkaSource<Either<RejectedRecord, MetricPoint>> pointsSource(
            Configuration conf, String topic) {
        return KafkaSources.forTopic(conf, topic, pointNormalization(conf), MetricPoint.class);
    }

    /** A bounded read of the points topic, up to {@code chronicle.kafka.stopping-offsets}. */
    public static KafkaSource<Either<RejectedRecord, MetricPoint>> boundedPointsSource(
            Configuration conf, String topic) {
        return KafkaSources.bounded(conf, topic, pointNormalization(conf), MetricPoint.class);
    }

    /** A bounded read of the events topic, up to {@code chronicle.kafka.stopping-offsets}. */
    public static KafkaSource<Either<RejectedRecord, Event>> boundedEventsSource(
            Configuration conf, String topic) {
        return KafkaSources.bounded(conf, topic, eventNormalization(conf), Event.class);
    }

    /** The points source's deserializer, for reading the points topic the way the job does. */
    public static NormalizingDeserializer<MetricPoint> pointsDeserializer(Configuration conf) {
        return KafkaSources.deserializer(conf, pointNormalization(conf), MetricPoint.class);
    }

    /** The events source's deserializer, for reading the events topic the way the job does. */
    public static NormalizingDeserializer<Event> eventsDeserializer(Configuration conf) {
        return KafkaSources.deserializer(conf, eventNormalization(conf), Event.class);
    }

    public static Normalization<MetricPoint> pointNormalization(Configuration conf) {
        return new Normalization<>(new PointNormalizer(NormalizerSettings.from(conf)));
    }

    private static Normalization<Event> eventNormalization(Configuration conf) {
        return new Normalization<>(new EventNormalizer(NormalizerSettings.from(conf)));
    }

    public static KafkaSource<Either<RejectedRecord, Event>> eventsSource(
            Configuration conf, String topic) {
        return KafkaSources.forTopic(conf, topic, eventNormalization(conf), Event.class);
    }

    /** Test hook: a transformation applied to normalized points as they leave the source. */
    IngestJob tapPoints(UnaryOperator<DataStream<Either<RejectedRecord, MetricPoint>>> tap) {
        this.pointsTap = tap;
        return this;
    }

    /** Test hook: a transformation applied to normalized events as they leave the source. */
    IngestJob tapEvents(UnaryOperator<DataStream<Either<RejectedRecord, Event>>> tap) {
        this.eventsTap = tap;
        return this;
    }

    /** Creates any missing table, then adds the pipeline to {@code env}. */
    public void build(StreamExecutionEnvironment env) throws IOException {
        ChronicleCatalogLoader catalogLoader = ChronicleCatalogLoader.from(conf);
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        TableBootstrap.ensureTables(catalogLoader, namespace,
                ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED);
        EventTimeWatermarks.Settings watermarks = EventTimeWatermarks.Settings.from(conf);

        SingleOutputStreamOperator<MetricPoint> points = points(env, pointsSource, watermarks, pointsTap);

        SingleOutputStreamOperator<Event> normalizedEvents = eventsTap.apply(
                        env.fromSource(eventsSource,
                                        EventTimeWatermarks.perPartition(
                                                (Event e) -> Math.floorDiv(e.eventTimeMicros, 1_000L),
                                                watermarks),
                                        "kafka-events")
                                .uid("kafka-events"))
                .process(new SplitRejected<>(), TypeInformation.of(Event.class))
                .name("split-events")
                .uid("split-events");
        DataStream<Event> events = normalizedEvents
                .keyBy(EventDeduplicator::eventKey, Types.STRING)
                .process(new EventDeduplicator(conf.get(ChronicleOptions.EVENTS_DEDUP_TTL)),
                        TypeInformation.of(Event.class))
                .name("dedup-events")
                .uid("dedup-events");

        DataStream<RejectedRecord> rejected = points.getSideOutput(SplitRejected.REJECTED)
                .union(normalizedEvents.getSideOutput(SplitRejected.REJECTED));
        List<String> written = new ArrayList<>(List.of(ChronicleTable.POINTS_RAW.tableName(),
                ChronicleTable.EVENTS.tableName(), ChronicleTable.REJECTED.tableName()));
        DataStream<SeriesChange> seriesChanges = null;
        if (conf.get(ChronicleOptions.ROLLUP_ENABLED)) {
            RollupPipeline.Outputs rollups = RollupPipeline.build(points, conf, catalogLoader, namespace);
            rejected = rejected.union(rollups.rejected());
            seriesChanges = rollups.seriesChanges();
            RollupPolicy.from(conf).chain().forEach(tier -> written.add(tier.tableName()));
        }
        if (conf.get(ChronicleOptions.VIEWS_ENABLED)) {
            rejected = rejected.union(ViewsPipeline.build(events, conf, catalogLoader, namespace));
            written.addAll(List.of(ChronicleTable.TRACES.tableName(), ChronicleTable.AGENT_METRICS.tableName()));
        }
        if (conf.get(ChronicleOptions.ALERTS_ENABLED)) {
            DataStream<MetricPoint> watched = points;
            // The health signals run on wall-clock time: a replay of a bounded input has none.
            if (conf.get(ChronicleOptions.ALERTS_HEALTH_ENABLED)
                    && pointsSource.getBoundedness() == Boundedness.CONTINUOUS_UNBOUNDED) {
                written.addAll(List.of(ChronicleTable.ALERTS.tableName(), ChronicleTable.ANOMALIES.tableName()));
                watched = points.union(HealthPipeline.build(env, conf, rejected, seriesChanges,
                        catalogLoader, namespace, written));
            }
            AlertsPipeline.build(watched, conf, catalogLoader, namespace, watched != points);
        }

        IcebergSinks.append(points, new RowConverters.PointToRow(), ChronicleTable.POINTS_RAW,
                catalogLoader, namespace);
        IcebergSinks.append(events, new RowConverters.EventToRow(), ChronicleTable.EVENTS,
                catalogLoader, namespace);
        IcebergSinks.append(rejected,
                new RowConverters.RejectedToRow(conf.get(ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES)),
                ChronicleTable.REJECTED, catalogLoader, namespace);
        rejected.sinkTo(deadLetterSink).name("dead-letter").uid("dead-letter");
    }

    /**
     * The points of {@code source} with per-partition event-time watermarks; the records it
     * rejects are in the {@link SplitRejected#REJECTED} side output.
     */
    public static SingleOutputStreamOperator<MetricPoint> points(StreamExecutionEnvironment env,
            Source<Either<RejectedRecord, MetricPoint>, ?, ?> source, EventTimeWatermarks.Settings watermarks) {
        return points(env, source, watermarks, UnaryOperator.identity());
    }

    private static SingleOutputStreamOperator<MetricPoint> points(StreamExecutionEnvironment env,
            Source<Either<RejectedRecord, MetricPoint>, ?, ?> source, EventTimeWatermarks.Settings watermarks,
            UnaryOperator<DataStream<Either<RejectedRecord, MetricPoint>>> tap) {
        return tap.apply(env.fromSource(source,
                                EventTimeWatermarks.perPartition(
                                        (MetricPoint p) -> Math.floorDiv(p.timestampMicros, 1_000L),
                                        watermarks),
                                "kafka-points")
                        .uid("kafka-points"))
                .process(new SplitRejected<>(), TypeInformation.of(MetricPoint.class))
                .name("split-points")
                .uid("split-points");
    }

    static final String USAGE = String.join("\n",
            "usage: flink run chronicle-jobs-<version>-job.jar [--config FILE] [--KEY VALUE]...",
            "",
            "The ingest job: points and events from Kafka into points_raw, events and rejected, the",
            "rollup tiers, the traces and agent_metrics views, and alerts, as configured.",
            "",
            CommandLine.configurationUsage());

    public static void main(String[] args) throws Exception {
        Optional<JobEnvironment.Job> job =
                JobEnvironment.forMain(JOB_NAME, args, USAGE, System.out, System.err);
        if (job.isPresent()) {
            fromConfig(job.get().conf()).build(job.get().env());
            job.get().env().execute(JOB_NAME);
        }
    }
}
