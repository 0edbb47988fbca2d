package io.chronicle.bench.jmh;

import io.chronicle.catalog.RollupTable;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy.Tier;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.sinks.RollupColumns;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.types.Either;
import org.apache.iceberg.Schema;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.data.FlinkParquetWriters;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * One rollup row written into a local Parquet file of the {@code rollup_5m} table's schema and
 * properties, rolling over every {@link #ROWS_PER_FILE} rows (the file's close included). The
 * baseline as the tiers were written before: the sink's row converter, then Iceberg's Parquet
 * writer for Flink rows; the other straight from the rows into Parquet's columns
 * ({@link RollupColumns}, no row), as the tiers write now. The rows are the workload's series,
 * each with an aggregate of 20 samples (a real sketch), written again a window later.
 */
@State(Scope.Thread)
public class RollupRowsWriting extends MicroBenchmark {

    /** About what one 5m writer subtask holds between two checkpoints in the ingest benchmark. */
    static final int ROWS_PER_FILE = 25_000;
    private static final long WINDOW_MICROS = 300_000_000L;
    private static final int SAMPLES = 20;

    private final RollupTable table = new RollupTable(Tier.parse("tier", "5m"));
    private final Schema schema = table.schema();
    private final RowType rowType = FlinkSchemaUtil.convert(schema);
    private final RowConverters.RollupToRow toRow = new RowConverters.RollupToRow();
    private RollupRow[] rows;
    private Path folder;
    private RollingParquet baseline;
    private RollingParquet columns;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        NormalizingDeserializer<MetricPoint> deserializer = IngestPaths.points();
        ConsumerRecord<byte[], byte[]>[] records = Inputs.records(Inputs.POINTS_TOPIC, Inputs.points());
        rows = new RollupRow[records.length];
        Inputs.Last<Either<RejectedRecord, MetricPoint>> out = new Inputs.Last<>();
        Random random = new Random(7);
        for (int i = 0; i < records.length; i++) {
            deserializer.deserialize(records[i], out);
            MetricPoint point = out.record.right();
            RollupRow row = new RollupRow();
            row.tenant = point.tenant;
            row.metric = point.metric;
            row.tags = point.tags;
            row.seriesId = point.seriesId;
            row.windowStartMicros = Math.floorDiv(point.timestampMicros, WINDOW_MICROS) * WINDOW_MICROS;
            row.windowEndMicros = row.windowStartMicros + WINDOW_MICROS;
            row.counter = point.metric.endsWith("_total");
            long[] ts = new long[SAMPLES];
            double[] values = new double[SAMPLES];
            for (int s = 0; s < SAMPLES; s++) {
                ts[s] = row.windowStartMicros + s * (WINDOW_MICROS / SAMPLES);
                values[s] = point.value + random.nextGaussian();
            }
            row.aggregate = RollupAggregate.ofSortedSamples(ts, values, SAMPLES, row.counter, Double.NaN);
            rows[i] = row;
        }
        folder = java.nio.file.Files.createTempDirectory("rollup-rows-writing");
        baseline = new RollingParquet(folder, "rows", schema, table.properties(), ROWS_PER_FILE,
                type -> FlinkParquetWriters.buildWriter(rowType, type));
        columns = new RollingParquet(folder, "columns", schema, table.properties(), ROWS_PER_FILE,
                type -> new RollupColumns(table.tableName(), type));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        baseline.close();
        columns.close();
        try (var files = java.nio.file.Files.list(folder)) {
            for (Path file : files.toList()) {
                java.nio.file.Files.delete(file);
            }
        }
        java.nio.file.Files.delete(folder);
    }

    /** The next row: a series' row a window later than its last one. */
    private RollupRow next(RollingParquet writer) {
        long n = writer.written;
        RollupRow row = rows[(int) (n & Inputs.MASK)];
        long round = n >>> 12;
        RollupRow copy = new RollupRow();
        copy.tenant = row.tenant;
        copy.metric = row.metric;
        copy.tags = row.tags;
        copy.seriesId = row.seriesId;
        copy.windowStartMicros = row.windowStartMicros + round * WINDOW_MICROS;
        copy.windowEndMicros = copy.windowStartMicros + WINDOW_MICROS;
        copy.counter = row.counter;
        copy.aggregate = row.aggregate;
        return copy;
    }

    @Benchmark
    public long baselineFlinkRows() throws IOException {
        baseline.add(toRow.map(next(baseline)));
        return baseline.written;
    }

    @Benchmark
    public long rollupColumns() throws IOException {
        columns.add(next(columns));
        return columns.written;
    }
}
