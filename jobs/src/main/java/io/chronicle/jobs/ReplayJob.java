package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.CommandLine;
import io.chronicle.core.Event;
import io.chronicle.core.KafkaPosition;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.operators.normalize.EventDecoders;
import io.chronicle.operators.normalize.PointDecoders;
import io.chronicle.operators.normalize.SplitRejected;
import io.chronicle.operators.views.EventDeduplicator;
import io.chronicle.operators.views.ReplayDeduplicator;
import io.chronicle.sinks.DataFileWriterOperator;
import io.chronicle.sinks.ProvenanceReplace;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sources.KafkaPositions;
import io.chronicle.sources.KafkaSources;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.types.Either;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.source.IcebergSource;

import java.io.Closeable;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Replays a range of the points and events topics into {@code points_raw}, {@code events} and
 * {@code rejected}, replacing what the range wrote before: a bounded batch job normalizes the
 * range's records as the ingest job does and writes data files without committing them; then
 * each table gets one Iceberg commit that adds them and deletes the rows whose provenance is in
 * the range ({@link ProvenanceReplace}). Any number of replays of a range, and a replay that
 * failed part way and is run again, leave each table as one replay does.
 *
 * <p>Events are deduplicated as the live job did: of the range's events with one id the first in
 * Kafka is kept, unless the table holds the id outside the range. The rows of {@code rejected}
 * that the rollups and the traces view refused ({@link #REFUSED_DOWNSTREAM}) are kept: the replay
 * does not run them. The dead-letter topic is not written again; the rollup tiers of the range
 * are rebuilt by {@code RollupAdmin rebuild}; the views are left as they are.
 */
public final class ReplayJob {

    static final String PROGRAM = "ReplayJob";

    /** Commits tried per table when files that may hold rows of the range change under one. */
    static final int COMMIT_ATTEMPTS = 10;

    /** Reasons given after normalization, by operators a replay does not run. */
    static final List<RejectReason> REFUSED_DOWNSTREAM =
            List.of(RejectReason.TOO_LATE, RejectReason.TOO_MANY_EVENTS, RejectReason.CARDINALITY_LIMIT);

    static final List<Class<? extends KafkaPosition>> FROM_FORMS =
            List.of(KafkaPosition.Earliest.class, KafkaPosition.Timestamp.class, KafkaPosition.Offsets.class);

    static final String USAGE = String.join("\n",
            "usage: flink run -c io.chronicle.jobs.ReplayJob chronicle-jobs-<version>-job.jar \\",
            "           --from POSITION --to POSITION [--config FILE] [--KEY VALUE]...",
            "",
            "Replays the offsets [--from, --to) of the points and events topics into points_raw, events",
            "and rejected, replacing the rows those offsets wrote before, one commit per table; run",
            "again, it gives the same tables. POSITION is earliest (--from only), latest (--to only),",
            "timestamp:<ISO-8601 instant or epoch ms> (Kafka record timestamps), or",
            "topic:partition:offset,... (with --from, only the partitions named are replayed; with --to,",
            "the others end at the latest offsets). Rebuild the rollup tiers of the range afterwards",
            "(RollupAdmin rebuild). Give the options the ingest job runs with.",
            "",
            CommandLine.configurationUsage());

    private ReplayJob() {}

    /** Topic to partition to the offsets {@code [from, to)} replayed. */
    public record Range(SortedMap<String, SortedMap<Integer, long[]>> byTopic) implements Serializable {

        /** The range's offsets of one topic (empty if none). */
        public SortedMap<Integer, long[]> of(String topic) {
            return byTopic.getOrDefault(topic, new TreeMap<>());
        }

        boolean contains(String topic, int partition, long offset) {
            long[] fromTo = of(topic).get(partition);
            return fromTo != null && offset >= fromTo[0] && offset < fromTo[1];
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder();
            byTopic.forEach((topic, partitions) -> partitions.forEach((p, fromTo) ->
                    out.append(out.length() == 0 ? "" : ", ").append(topic).append(':').append(p)
                            .append(" [").append(fromTo[0]).append(", ").append(fromTo[1]).append(')')));
            return out.length() == 0 ? "nothing" : out.toString();
        }
    }

    /** The offsets between two positions of the points and events topics, on the brokers. */
    public static Range resolve(Configuration conf, KafkaPosition from, KafkaPosition to) throws Exception {
        SortedMap<String, SortedMap<Integer, long[]>> byTopic = new TreeMap<>();
        List<String> topics = new ArrayList<>(ChronicleConfig.pointTopics(conf).keySet());
        topics.addAll(ChronicleConfig.eventTopics(conf).keySet());
        for (String topic : topics) {
            SortedMap<Integer, long[]> offsets = KafkaPositions.resolve(conf, topic, from, to);
            if (!offsets.isEmpty()) {
                byTopic.put(topic, offsets);
            }
        }
        return new Range(byTopic);
    }

    /** Replays {@code range}; {@code env} runs the batch job. One result per table. */
    public static List<ProvenanceReplace.Result> run(StreamExecutionEnvironment env, Configuration conf,
            Range range) throws Exception {
        return run(env, conf, range, table -> {});
    }

    /** As {@link #run(StreamExecutionEnvironment, Configuration, Range)}; tests fail {@code beforeCommit}. */
    static List<ProvenanceReplace.Result> run(StreamExecutionEnvironment env, Configuration conf, Range range,
            Consumer<String> beforeCommit) throws Exception {
        ChronicleCatalogLoader catalogLoader = ChronicleCatalogLoader.from(conf);
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        Catalog catalog = catalogLoader.loadCatalog();
        try {
            Map<String, Table> tables = TableBootstrap.ensureTables(catalog, namespace,
                    ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED);
            Map<String, List<byte[]>> written = write(env, conf, range, catalogLoader, namespace, tables);
            Expression replaced = ProvenanceReplace.provenance(range.byTopic());
            List<String> codes = new ArrayList<>();
            REFUSED_DOWNSTREAM.forEach(r -> codes.add(r.code()));
            Map<String, Expression> replacedIn = Map.of(
                    ChronicleTable.POINTS_RAW.tableName(), replaced,
                    ChronicleTable.EVENTS.tableName(), replaced,
                    ChronicleTable.REJECTED.tableName(),
                    Expressions.and(replaced, Expressions.notIn("reason_code", codes.toArray())));
            List<ProvenanceReplace.Result> results = new ArrayList<>();
            for (ChronicleTable table : List.of(ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED)) {
                String name = table.tableName();
                beforeCommit.accept(name);
                results.add(ProvenanceReplace.replace(tables.get(name), replacedIn.get(name),
                        DataFileWriterOperator.dataFiles(written.getOrDefault(name, List.of())), COMMIT_ATTEMPTS));
            }
            return results;
        } finally {
            if (catalog instanceof Closeable) {
                ((Closeable) catalog).close();
            }
        }
    }

    /** Runs the batch job; each table's data files, written and not committed. */
    private static Map<String, List<byte[]>> write(StreamExecutionEnvironment env, Configuration conf, Range range,
            ChronicleCatalogLoader catalogLoader, String namespace, Map<String, Table> tables) throws Exception {
        List<DataStream<Tuple2<String, byte[]>>> files = new ArrayList<>();
        List<DataStream<RejectedRecord>> rejected = new ArrayList<>();

        DataStream<Either<RejectedRecord, MetricPoint>> read = null;
        for (String pointsTopic : ChronicleConfig.pointTopics(conf).keySet()) {
            if (range.of(pointsTopic).isEmpty()) {
                continue;
            }
            String name = read == null ? "kafka-points" : "kafka-points-" + pointsTopic;
            DataStream<Either<RejectedRecord, MetricPoint>> topic = env
                    .fromSource(KafkaSources.range(conf, pointsTopic, range.of(pointsTopic),
                                    PointDecoders.from(conf), MetricPoint.class),
                            WatermarkStrategy.noWatermarks(), name)
                    .uid(name);
            read = read == null ? topic : read.union(topic);
        }
        if (read != null) {
            SingleOutputStreamOperator<MetricPoint> points = read
                    .process(new SplitRejected<>(), TypeInformation.of(MetricPoint.class))
                    .name("split-points")
                    .uid("split-points");
            rejected.add(points.getSideOutput(SplitRejected.REJECTED));
            files.add(ProvenanceReplace.uncommittedFiles(points, new RowConverters.PointToRow(),
                    ChronicleTable.POINTS_RAW, tables.get(ChronicleTable.POINTS_RAW.tableName())));
        }

        DataStream<Either<RejectedRecord, Event>> readEvents = null;
        for (String eventsTopic : ChronicleConfig.eventTopics(conf).keySet()) {
            if (range.of(eventsTopic).isEmpty()) {
                continue;
            }
            String name = readEvents == null ? "kafka-events" : "kafka-events-" + eventsTopic;
            DataStream<Either<RejectedRecord, Event>> topic = env
                    .fromSource(KafkaSources.range(conf, eventsTopic, range.of(eventsTopic),
                                    EventDecoders.from(conf), Event.class),
                            WatermarkStrategy.noWatermarks(), name)
                    .uid(name);
            readEvents = readEvents == null ? topic : readEvents.union(topic);
        }
        if (readEvents != null) {
            SingleOutputStreamOperator<Event> normalized = readEvents
                    .process(new SplitRejected<>(), TypeInformation.of(Event.class))
                    .name("split-events")
                    .uid("split-events");
            rejected.add(normalized.getSideOutput(SplitRejected.REJECTED));
            Table eventsTable = tables.get(ChronicleTable.EVENTS.tableName());
            DataStream<Event> events = normalized
                    .keyBy(EventDeduplicator::eventKey, Types.STRING)
                    .connect(idsOutside(env, range, eventsTable, catalogLoader, namespace)
                            .keyBy(key -> key, Types.STRING))
                    .process(new ReplayDeduplicator(), TypeInformation.of(Event.class))
                    .name("dedup-events")
                    .uid("dedup-events");
            files.add(ProvenanceReplace.uncommittedFiles(events, new RowConverters.EventToRow(),
                    ChronicleTable.EVENTS, eventsTable));
        }

        if (!rejected.isEmpty()) {
            DataStream<RejectedRecord> all = rejected.get(0);
            for (DataStream<RejectedRecord> more : rejected.subList(1, rejected.size())) {
                all = all.union(more);
            }
            files.add(ProvenanceReplace.uncommittedFiles(all,
                    new RowConverters.RejectedToRow(conf.get(ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES)),
                    ChronicleTable.REJECTED, tables.get(ChronicleTable.REJECTED.tableName())));
        }
        Map<String, List<byte[]>> byTable = new HashMap<>();
        if (files.isEmpty()) {
            return byTable;
        }
        DataStream<Tuple2<String, byte[]>> all = files.get(0);
        for (DataStream<Tuple2<String, byte[]>> more : files.subList(1, files.size())) {
            all = all.union(more);
        }
        try (CloseableIterator<Tuple2<String, byte[]>> it = all.executeAndCollect("chronicle-replay")) {
            it.forEachRemaining(f -> byTable.computeIfAbsent(f.f0, t -> new ArrayList<>()).add(f.f1));
        }
        return byTable;
    }

    /** The event keys of the events table's rows outside the range, as it is now. */
    private static DataStream<String> idsOutside(StreamExecutionEnvironment env, Range range, Table events,
            ChronicleCatalogLoader catalogLoader, String namespace) {
        if (events.currentSnapshot() == null) {
            return env.fromData(List.of(), Types.STRING);
        }
        org.apache.iceberg.Schema ids = events.schema()
                .select("tenant", "event_id", "source_topic", "source_partition", "source_offset");
        IcebergSource<RowData> source = IcebergSource.forRowData()
                .tableLoader(TableLoader.fromCatalog(catalogLoader,
                        TableIdentifier.of(namespace, ChronicleTable.EVENTS.tableName())))
                .streaming(false)
                .useSnapshotId(events.currentSnapshot().snapshotId())
                .project(ids)
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "events-table",
                        InternalTypeInfo.of(FlinkSchemaUtil.convert(ids)))
                .uid("events-table")
                .flatMap(new KeysOutside(range), Types.STRING)
                .name("ids-outside-range")
                .uid("ids-outside-range");
    }

    /** A row's event key, when the row did not come from the range. */
    private static final class KeysOutside implements FlatMapFunction<RowData, String> {
        private static final long serialVersionUID = 1L;

        private final Range range;

        KeysOutside(Range range) {
            this.range = range;
        }

        @Override
        public void flatMap(RowData row, Collector<String> out) {
            if (!range.contains(row.getString(2).toString(), row.getInt(3), row.getLong(4))) {
                out.collect(EventDeduplicator.eventKey(row.getString(0).toString(), row.getString(1).toString()));
            }
        }
    }

    /** The environment of a replay: {@code env} in batch mode (a bounded job, without checkpoints). */
    static StreamExecutionEnvironment batch(StreamExecutionEnvironment env, Configuration conf) {
        Configuration batch = new Configuration(conf);
        batch.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        env.configure(batch);
        return env;
    }

    public static void main(String[] args) throws Exception {
        run(args, System.out, System.err);
    }

    /** Parses the arguments, replays, and prints the range and what each table's commit did. */
    static void run(String[] args, PrintStream out, PrintStream err) throws Exception {
        Map<String, String> own = new HashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--from") || args[i].equals("--to")) {
                if (i + 1 == args.length) {
                    throw usageError(err, "Option '" + args[i] + "' needs a value");
                }
                if (own.put(args[i].substring(2), args[++i]) != null) {
                    throw usageError(err, "Option '" + args[i - 1] + "' is given twice");
                }
            } else {
                rest.add(args[i]);
            }
        }
        if (CommandLine.wantsHelp(args, 0)) {
            out.println(USAGE);
            return;
        }
        KafkaPosition from;
        KafkaPosition to;
        try {
            for (String required : List.of("from", "to")) {
                if (!own.containsKey(required)) {
                    throw new IllegalArgumentException("Option '--" + required + "' is required");
                }
            }
            from = KafkaPosition.parse("--from", own.get("from"), FROM_FORMS);
            to = KafkaPosition.parse("--to", own.get("to"), KafkaPosition.ENDS);
        } catch (IllegalArgumentException e) {
            throw usageError(err, e.getMessage());
        }
        JobEnvironment.Job job = JobEnvironment.forMain(PROGRAM, rest.toArray(new String[0]), USAGE, out, err)
                .orElseThrow();
        Configuration conf = job.conf();
        Range range = resolve(conf, from, to);
        out.println("Replaying " + range);
        for (ProvenanceReplace.Result result : run(batch(job.env(), conf), conf, range)) {
            out.println(result.table() + ": " + (result.snapshotId() < 0 ? "nothing to replace"
                    : result.rowsDeleted() + " rows replaced by " + result.dataFilesAdded() + " data files in snapshot "
                            + result.snapshotId()));
        }
    }

    private static IllegalArgumentException usageError(PrintStream err, String message) {
        CommandLine.printError(err, PROGRAM, message, USAGE);
        return new IllegalArgumentException(message);
    }
}
