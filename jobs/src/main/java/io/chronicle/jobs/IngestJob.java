package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.CommandLine;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.operators.health.DeadLetterRate;
import io.chronicle.operators.normalize.EventDecoders;
import io.chronicle.operators.normalize.Normalization;
import io.chronicle.operators.normalize.NormalizerSettings;
import io.chronicle.operators.normalize.PointDecoders;
import io.chronicle.operators.normalize.PointNormalizer;
import io.chronicle.operators.normalize.SplitRejected;
import io.chronicle.operators.rollup.SeriesChange;
import io.chronicle.operators.views.EventDeduplicator;
import io.chronicle.sinks.DeadLetterSink;
import io.chronicle.sinks.HealthTopic;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sinks.alerts.AlertDeliverySink;
import io.chronicle.sources.EventTimeWatermarks;
import io.chronicle.sources.InternalTopics;
import io.chronicle.sources.KafkaSources;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
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
import org.apache.iceberg.flink.CatalogLoader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Chronicle's jobs, the one {@code chronicle.job} names. The ingest job reads points and events
 * from Kafka, normalized as they are read, into {@code points_raw} and {@code events} (each event
 * once), and every record it refuses into {@code rejected} and the dead-letter topic. The rollups,
 * views and alerts jobs each read the topics they need themselves, under consumer groups of their
 * own, normalizing as ingest does (records ingest refuses they count and drop); what they refuse
 * themselves (too late for a window or a trace, over a tenant's series or a trace's events) they
 * write to {@code rejected} and the dead-letter topic too. The delivery job sends the alerts
 * topic to the HTTP receivers. The all-in-one job does all of that in one graph.
 *
 * <p>Every operator's uid is the same in whichever job it runs, so each split job can take its
 * operators' state from a savepoint of the all-in-one job, and no uid depends on configuration.
 * The job takes its sources and dead-letter sink as arguments so tests run the same pipeline.
 */
public final class IngestJob {

    /** Names the program in command-line errors, before the job is known. */
    static final String PROGRAM = "chronicle";

    private final Configuration conf;
    private final ChronicleJob job;
    private final Source<Either<RejectedRecord, MetricPoint>, ?, ?> pointsSource;
    private final Source<Either<RejectedRecord, Event>, ?, ?> eventsSource;
    private final Sink<RejectedRecord> deadLetterSink;
    private UnaryOperator<DataStream<Either<RejectedRecord, MetricPoint>>> pointsTap =
            UnaryOperator.identity();
    private UnaryOperator<DataStream<Either<RejectedRecord, Event>>> eventsTap =
            UnaryOperator.identity();

    /** The job {@code conf} names, reading the given sources and refusing into the given sink. */
    public IngestJob(
            Configuration conf,
            Source<Either<RejectedRecord, MetricPoint>, ?, ?> pointsSource,
            Source<Either<RejectedRecord, Event>, ?, ?> eventsSource,
            Sink<RejectedRecord> deadLetterSink) {
        this.conf = conf;
        this.job = conf.get(ChronicleOptions.JOB);
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
        List<String> points = List.copyOf(ChronicleConfig.pointTopics(conf).keySet());
        List<String> events = List.copyOf(ChronicleConfig.eventTopics(conf).keySet());
        return new IngestJob(
                conf,
                bounded ? boundedPointsSource(conf, points) : pointsSource(conf, points),
                bounded ? boundedEventsSource(conf, events) : eventsSource(conf, events),
                DeadLetterSink.create(conf, deadLetterTransactionalIdPrefix(conf)));
    }

    /** The Flink job name of the job {@code conf} names. */
    public static String jobName(Configuration conf) {
        return conf.get(ChronicleOptions.JOB).jobName();
    }

    /**
     * The dead-letter sink's transactional ids: a job's own, as they must not collide with
     * another job's on the same brokers, and the ingest job's those of the all-in-one job, whose
     * dead-letter state it takes over.
     */
    public static String deadLetterTransactionalIdPrefix(Configuration conf) {
        return conf.get(ChronicleOptions.JOB).consumerGroup(conf) + "-dead-letter";
    }

    /**
     * {@code conf} with the job's own consumer group in {@code chronicle.kafka.group-id}, where
     * the Kafka sources find it.
     */
    static Configuration readingAsJob(Configuration conf) {
        Configuration jobConf = new Configuration(conf);
        jobConf.set(ChronicleOptions.KAFKA_GROUP_ID, conf.get(ChronicleOptions.JOB).consumerGroup(conf));
        return jobConf;
    }

    public static KafkaSource<Either<RejectedRecord, MetricPoint>> pointsSource(
            Configuration conf, String topic) {
        return pointsSource(conf, List.of(topic));
    }

    /** The points topics, each read in its format ({@code chronicle.topics.point-formats}). */
    public static KafkaSource<Either<RejectedRecord, MetricPoint>> pointsSource(
            Configuration conf, List<String> topics) {
        return KafkaSources.forTopics(readingAsJob(conf), topics, PointDecoders.from(conf), MetricPoint.class);
    }

    /** A bounded read of the points topic, up to {@code chronicle.kafka.stopping-offsets}. */
    public static KafkaSource<Either<RejectedRecord, MetricPoint>> boundedPointsSource(
            Configuration conf, String topic) {
        return boundedPointsSource(conf, List.of(topic));
    }

    /** A bounded read of the points topics, up to {@code chronicle.kafka.stopping-offsets}. */
    public static KafkaSource<Either<RejectedRecord, MetricPoint>> boundedPointsSource(
            Configuration conf, List<String> topics) {
        return KafkaSources.bounded(readingAsJob(conf), topics, PointDecoders.from(conf), MetricPoint.class);
    }

    /** A bounded read of the events topic, up to {@code chronicle.kafka.stopping-offsets}. */
    public static KafkaSource<Either<RejectedRecord, Event>> boundedEventsSource(
            Configuration conf, String topic) {
        return boundedEventsSource(conf, List.of(topic));
    }

    /** A bounded read of the events topics, up to {@code chronicle.kafka.stopping-offsets}. */
    public static KafkaSource<Either<RejectedRecord, Event>> boundedEventsSource(
            Configuration conf, List<String> topics) {
        return KafkaSources.bounded(readingAsJob(conf), topics, EventDecoders.from(conf), Event.class);
    }

    public static KafkaSource<Either<RejectedRecord, Event>> eventsSource(
            Configuration conf, String topic) {
        return eventsSource(conf, List.of(topic));
    }

    /** The events topics, each read in its format ({@code chronicle.topics.event-formats}). */
    public static KafkaSource<Either<RejectedRecord, Event>> eventsSource(
            Configuration conf, List<String> topics) {
        return KafkaSources.forTopics(readingAsJob(conf), topics, EventDecoders.from(conf), Event.class);
    }

    /** The points source's deserializer, for reading the points topics the way the job does. */
    public static NormalizingDeserializer<MetricPoint> pointsDeserializer(Configuration conf) {
        return KafkaSources.deserializer(conf, PointDecoders.from(conf), MetricPoint.class);
    }

    /** The events source's deserializer, for reading the events topics the way the job does. */
    public static NormalizingDeserializer<Event> eventsDeserializer(Configuration conf) {
        return KafkaSources.deserializer(conf, EventDecoders.from(conf), Event.class);
    }

    public static Normalization<MetricPoint> pointNormalization(Configuration conf) {
        return new Normalization<>(new PointNormalizer(NormalizerSettings.from(conf)));
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

    /** The Flink job name of this job. */
    public String jobName() {
        return job.jobName();
    }

    /** Creates any missing table and topic, then adds the job's pipeline to {@code env}. */
    public void build(StreamExecutionEnvironment env) throws IOException {
        CatalogLoader catalogLoader = ChronicleCatalogLoader.from(conf);
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        switch (job) {
            case ALL:
                buildAll(env, catalogLoader, namespace);
                break;
            case INGEST:
                buildIngest(env, catalogLoader, namespace);
                break;
            case ROLLUPS:
                buildRollups(env, catalogLoader, namespace);
                break;
            case VIEWS:
                buildViews(env, catalogLoader, namespace);
                break;
            case ALERTS:
                buildAlerts(env, catalogLoader, namespace);
                break;
            case DELIVERY:
                buildDelivery(env);
                break;
            case MAINTENANCE:
                MaintenancePipeline.build(env, conf, catalogLoader, namespace);
                break;
            default:
                throw new IllegalStateException("No pipeline for the " + job + " job");
        }
    }

    private void buildAll(StreamExecutionEnvironment env, CatalogLoader catalogLoader, String namespace)
            throws IOException {
        TableBootstrap.ensureTables(catalogLoader, namespace,
                ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED);
        SingleOutputStreamOperator<MetricPoint> points = points(env);
        SingleOutputStreamOperator<Event> normalizedEvents = normalizedEvents(env);
        DataStream<Event> events = deduplicated(normalizedEvents);

        DataStream<RejectedRecord> rejected = points.getSideOutput(SplitRejected.REJECTED)
                .union(normalizedEvents.getSideOutput(SplitRejected.REJECTED));
        List<String> written = new ArrayList<>(rawTables());
        DataStream<SeriesChange> seriesChanges = null;
        if (conf.get(ChronicleOptions.ROLLUP_ENABLED)) {
            RollupPipeline.Outputs rollups = RollupPipeline.build(points, conf, catalogLoader, namespace);
            rejected = rejected.union(rollups.rejected());
            seriesChanges = rollups.seriesChanges();
            written.addAll(tierTables());
        }
        if (conf.get(ChronicleOptions.VIEWS_ENABLED)) {
            rejected = rejected.union(ViewsPipeline.build(events, conf, catalogLoader, namespace));
            written.addAll(viewTables());
        }
        if (conf.get(ChronicleOptions.ALERTS_ENABLED)) {
            DataStream<MetricPoint> health = null;
            // The health signals run on wall-clock time: a replay of a bounded input has none.
            if (conf.get(ChronicleOptions.ALERTS_HEALTH_ENABLED)
                    && pointsSource.getBoundedness() == Boundedness.CONTINUOUS_UNBOUNDED) {
                written.addAll(alertTables());
                DataStream<String> tenants = rejected
                        .map(DeadLetterRate::tenantOf, Types.STRING)
                        .name("health-dead-letter-tenants")
                        .uid("health-dead-letter-tenants");
                health = HealthPipeline.build(env, conf, tenants,
                        seriesChanges == null ? null : HealthPipeline.cardinality(seriesChanges, conf),
                        catalogLoader, namespace, written);
            }
            AlertsPipeline.build(points, health, readingAsJob(conf), catalogLoader, namespace, true);
        }
        writeRaw(points, events, catalogLoader, namespace);
        writeRejected(rejected, null, catalogLoader, namespace);
    }

    /** The record of truth, waiting on nothing downstream. */
    private void buildIngest(StreamExecutionEnvironment env, CatalogLoader catalogLoader, String namespace)
            throws IOException {
        TableBootstrap.ensureTables(catalogLoader, namespace,
                ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED);
        SingleOutputStreamOperator<MetricPoint> points = points(env);
        SingleOutputStreamOperator<Event> normalizedEvents = normalizedEvents(env);
        writeRaw(points, deduplicated(normalizedEvents), catalogLoader, namespace);
        writeRejected(points.getSideOutput(SplitRejected.REJECTED)
                .union(normalizedEvents.getSideOutput(SplitRejected.REJECTED)), null, catalogLoader, namespace);
    }

    /** The tiers; with health alerts on, each tenant's active series to the alerts job. */
    private void buildRollups(StreamExecutionEnvironment env, CatalogLoader catalogLoader, String namespace)
            throws IOException {
        TableBootstrap.ensureTables(catalogLoader, namespace, ChronicleTable.REJECTED);
        RollupPipeline.Outputs rollups = RollupPipeline.build(points(env), conf, catalogLoader, namespace);
        writeRejected(rollups.rejected(), ChronicleJob.ROLLUPS, catalogLoader, namespace);
        if (conf.get(ChronicleOptions.ALERTS_ENABLED) && conf.get(ChronicleOptions.ALERTS_HEALTH_ENABLED)
                && pointsSource.getBoundedness() == Boundedness.CONTINUOUS_UNBOUNDED) {
            HealthTopic.ensureTopic(conf);
            HealthPipeline.cardinality(rollups.seriesChanges(), conf)
                    .sinkTo(HealthTopic.sink(conf)).name("topic-health").uid("topic-health");
        }
    }

    private void buildViews(StreamExecutionEnvironment env, CatalogLoader catalogLoader, String namespace)
            throws IOException {
        TableBootstrap.ensureTables(catalogLoader, namespace, ChronicleTable.REJECTED);
        DataStream<RejectedRecord> refused = ViewsPipeline.build(
                deduplicated(normalizedEvents(env)), conf, catalogLoader, namespace);
        writeRejected(refused, ChronicleJob.VIEWS, catalogLoader, namespace);
    }

    /**
     * Alerting, and the health of every job: the commit ages of every table Chronicle writes, the
     * dead-letter rate from the dead-letter topic and the rollups' active series from the health
     * topic. Delivery is the delivery job's, so a stalled receiver never holds back evaluation.
     */
    private void buildAlerts(StreamExecutionEnvironment env, CatalogLoader catalogLoader, String namespace)
            throws IOException {
        SingleOutputStreamOperator<MetricPoint> points = points(env);
        DataStream<MetricPoint> health = null;
        if (conf.get(ChronicleOptions.ALERTS_HEALTH_ENABLED)) {
            List<String> written = new ArrayList<>(rawTables());
            DataStream<MetricPoint> cardinality = null;
            if (conf.get(ChronicleOptions.ROLLUP_ENABLED)) {
                written.addAll(tierTables());
                HealthTopic.ensureTopic(conf);
                cardinality = HealthPipeline.fromHealthTopic(env, readingAsJob(conf));
            }
            if (conf.get(ChronicleOptions.VIEWS_ENABLED)) {
                written.addAll(viewTables());
            }
            written.addAll(alertTables());
            health = HealthPipeline.build(env, conf,
                    HealthPipeline.deadLetterTenants(env, readingAsJob(conf)), cardinality,
                    catalogLoader, namespace, written);
        }
        AlertsPipeline.build(points, health, readingAsJob(conf), catalogLoader, namespace, false);
    }

    /**
     * The alerts topic to the HTTP receivers. Keyed by fingerprint, so all the changes of one
     * alert reach one writer, in the order the topic (keyed by fingerprint too) holds them.
     */
    private void buildDelivery(StreamExecutionEnvironment env) {
        AlertDeliverySink delivery = AlertDeliverySink.fromConfig(conf).orElseThrow(
                () -> new IllegalArgumentException("The delivery job needs a receiver"));
        env.fromSource(InternalTopics.alerts(readingAsJob(conf)), WatermarkStrategy.noWatermarks(), "kafka-alerts")
                .uid("kafka-alerts")
                .keyBy((AlertNotification a) -> a.fingerprint, Types.STRING)
                .sinkTo(delivery)
                .name(AlertsPipeline.DELIVERY_UID)
                .uid(AlertsPipeline.DELIVERY_UID);
    }

    private SingleOutputStreamOperator<MetricPoint> points(StreamExecutionEnvironment env) {
        return points(env, pointsSource, EventTimeWatermarks.Settings.from(conf), pointsTap);
    }

    private SingleOutputStreamOperator<Event> normalizedEvents(StreamExecutionEnvironment env) {
        return eventsTap.apply(
                        env.fromSource(eventsSource,
                                        EventTimeWatermarks.perPartition(
                                                (Event e) -> Math.floorDiv(e.eventTimeMicros, 1_000L),
                                                EventTimeWatermarks.Settings.from(conf)),
                                        "kafka-events")
                                .uid("kafka-events"))
                .process(new SplitRejected<>(), TypeInformation.of(Event.class))
                .name("split-events")
                .uid("split-events");
    }

    private DataStream<Event> deduplicated(DataStream<Event> events) {
        return events
                .keyBy(EventDeduplicator::eventKey, Types.STRING)
                .process(new EventDeduplicator(conf.get(ChronicleOptions.EVENTS_DEDUP_TTL)),
                        TypeInformation.of(Event.class))
                .name("dedup-events")
                .uid("dedup-events");
    }

    private void writeRaw(DataStream<MetricPoint> points, DataStream<Event> events,
            CatalogLoader catalogLoader, String namespace) {
        IcebergSinks.appendPoints(points, catalogLoader, namespace);
        IcebergSinks.append(events, new RowConverters.EventToRow(), ChronicleTable.EVENTS,
                catalogLoader, namespace);
    }

    /**
     * The refused records into {@code rejected} and the dead-letter topic. A job besides ingest
     * (and all) names its sinks after itself: several jobs append to the table and write the
     * topic, and each keeps its own pending commits and transactions.
     */
    private void writeRejected(DataStream<RejectedRecord> rejected, ChronicleJob own,
            CatalogLoader catalogLoader, String namespace) {
        String table = ChronicleTable.REJECTED.tableName();
        IcebergSinks.append(rejected,
                new RowConverters.RejectedToRow(conf.get(ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES)),
                ChronicleTable.REJECTED, catalogLoader, namespace, own == null ? table : table + "-" + own);
        String deadLetter = own == null ? "dead-letter" : "dead-letter-" + own;
        rejected.sinkTo(deadLetterSink).name(deadLetter).uid(deadLetter);
    }

    private static List<String> rawTables() {
        return List.of(ChronicleTable.POINTS_RAW.tableName(), ChronicleTable.EVENTS.tableName(),
                ChronicleTable.REJECTED.tableName());
    }

    private List<String> tierTables() {
        return RollupPolicy.from(conf).chain().stream().map(RollupPolicy.Tier::tableName).toList();
    }

    private static List<String> viewTables() {
        return List.of(ChronicleTable.TRACES.tableName(), ChronicleTable.AGENT_METRICS.tableName());
    }

    private static List<String> alertTables() {
        return List.of(ChronicleTable.ALERTS.tableName(), ChronicleTable.ANOMALIES.tableName());
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
            "One of Chronicle's jobs, as chronicle.job names it: ingest (points and events from Kafka",
            "into points_raw, events and rejected), rollups (the tiers), views (traces and",
            "agent_metrics), alerts (rules, alerts, anomalies and health), delivery (the alerts",
            "topic to the HTTP receivers) or maintenance (compaction, snapshot expiry and orphan",
            "removal of every table), each able to fail on its own; or all (the default), everything",
            "but maintenance in one job.",
            "",
            CommandLine.configurationUsage());

    public static void main(String[] args) throws Exception {
        Optional<JobEnvironment.Job> job =
                JobEnvironment.forMain(PROGRAM, args, USAGE, System.out, System.err);
        if (job.isPresent()) {
            IngestJob ingest = fromConfig(job.get().conf());
            ingest.build(job.get().env());
            job.get().env().execute(ingest.jobName());
        }
    }
}
