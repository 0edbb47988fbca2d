package io.chronicle.bench;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.jobs.IngestJob;
import io.chronicle.jobs.RollupPipeline;
import io.chronicle.operators.normalize.SplitRejected;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sources.EventTimeWatermarks;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chronicle's rollup pipeline as the ingest job runs it: the normalizing Kafka source with
 * per-partition watermarks, rejections split off, the 5m tier from the points and the 1h tier
 * merged from it, each into its Iceberg table, and every rejection into {@code rejected}. The
 * source ends at the offsets that are latest when the job starts.
 */
final class ChronicleRollups implements Variant {

    private final BenchEnvironment env;
    private final String topic;
    private final long points;

    ChronicleRollups(BenchEnvironment env, String topic, long points) {
        this.env = env;
        this.topic = topic;
        this.points = points;
    }

    @Override
    public String name() {
        return "chronicle";
    }

    @Override
    public Report.Run run(int round) throws Exception {
        String run = "chronicle_" + round;
        Configuration conf = env.chronicleConf(run, topic);
        ChronicleCatalogLoader catalogLoader = ChronicleCatalogLoader.from(conf);
        TableBootstrap.ensureTables(catalogLoader, run, ChronicleTable.REJECTED);
        StreamExecutionEnvironment flink = new StreamExecutionEnvironment(env.jobConf(conf, run));
        SingleOutputStreamOperator<MetricPoint> normalized = IngestJob.points(flink,
                IngestJob.boundedPointsSource(conf, topic), EventTimeWatermarks.Settings.from(conf));
        DataStream<RejectedRecord> rejected = normalized.getSideOutput(SplitRejected.REJECTED)
                .union(RollupPipeline.build(normalized, conf, catalogLoader, run).rejected());
        IcebergSinks.append(rejected, new RowConverters.RejectedToRow(conf.get(ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES)),
                ChronicleTable.REJECTED, catalogLoader, run);

        BenchEnvironment.JobTimes times = env.runJob(() -> flink.executeAsync("bench-" + run));

        Map<String, Long> counts = new LinkedHashMap<>();
        try (IcebergCounts tables = new IcebergCounts(catalogLoader, run)) {
            counts.put(RollupSuite.ROWS_5M, tables.rows("rollup_5m"));
            counts.put(RollupSuite.SAMPLES_5M, tables.sum("rollup_5m", "sample_count"));
            counts.put(RollupSuite.ROWS_1H, tables.rows("rollup_1h"));
            counts.put(RollupSuite.REJECTED, tables.rows(ChronicleTable.REJECTED.tableName()));
        }
        return new Report.Run(name(), round, points, times, counts);
    }
}
