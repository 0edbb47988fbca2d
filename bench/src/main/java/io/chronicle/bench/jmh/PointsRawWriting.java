package io.chronicle.bench.jmh;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableDefinition;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.sinks.PointColumns;
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

/**
 * One point written as a {@code points_raw} row: the sink's row converter, then Iceberg's Parquet
 * writer for Flink rows, as the Iceberg sink's writer runs them, into a local file that rolls over
 * every {@link #ROWS_PER_FILE} rows (the file's close, its last pages and footer, included). The
 * baseline writes with Chronicle's defaults for every table (format v2, Parquet with zstd, Iceberg's
 * other defaults); the second with {@code points_raw}'s own table properties; the third with those
 * properties, straight from the points into Parquet's columns ({@link PointColumns}, no row), as
 * the ingest job writes {@code points_raw}. The points
 * are the workload's, each written again with a later time and offset, so that repeating columns
 * repeat as they do in the job and unique ones stay unique.
 */
@State(Scope.Thread)
public class PointsRawWriting extends MicroBenchmark {

    /** About what one writer subtask holds between two 5 s checkpoints at 100,000 points/s. */
    static final int ROWS_PER_FILE = 250_000;
    private static final long SAMPLE_INTERVAL_MICROS = 15_000_000L;

    private final Schema schema = ChronicleTable.POINTS_RAW.schema();
    private final RowType rowType = FlinkSchemaUtil.convert(schema);
    private final RowConverters.PointToRow toRow = new RowConverters.PointToRow();
    private MetricPoint[] points;
    private Path folder;
    private RollingParquet baseline;
    private RollingParquet pointsRaw;
    private RollingParquet columns;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        NormalizingDeserializer<MetricPoint> deserializer = IngestPaths.points();
        ConsumerRecord<byte[], byte[]>[] records = Inputs.records(Inputs.POINTS_TOPIC, Inputs.points());
        points = new MetricPoint[records.length];
        Inputs.Last<Either<RejectedRecord, MetricPoint>> out = new Inputs.Last<>();
        for (int i = 0; i < records.length; i++) {
            deserializer.deserialize(records[i], out);
            points[i] = out.record.right();
        }
        folder = java.nio.file.Files.createTempDirectory("points-raw-writing");
        baseline = new RollingParquet(folder, "defaults", schema, TableDefinition.defaultProperties(), ROWS_PER_FILE,
                type -> FlinkParquetWriters.buildWriter(rowType, type));
        pointsRaw = new RollingParquet(folder, "points_raw", schema, ChronicleTable.POINTS_RAW.properties(),
                ROWS_PER_FILE, type -> FlinkParquetWriters.buildWriter(rowType, type));
        columns = new RollingParquet(folder, "columns", schema, ChronicleTable.POINTS_RAW.properties(), ROWS_PER_FILE,
                PointColumns::new);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        baseline.close();
        pointsRaw.close();
        columns.close();
        try (var files = java.nio.file.Files.list(folder)) {
            for (Path file : files.toList()) {
                java.nio.file.Files.delete(file);
            }
        }
        java.nio.file.Files.delete(folder);
    }

    /** The next point, a sample interval later than the same series' last one, at the next offset. */
    private MetricPoint next(RollingParquet writer) {
        long n = writer.written;
        MetricPoint point = points[(int) (n & Inputs.MASK)];
        long round = n >>> 12;
        MetricPoint copy = new MetricPoint();
        copy.tenant = point.tenant;
        copy.metric = point.metric;
        copy.tags = point.tags;
        copy.value = point.value + round;
        copy.timestampMicros = point.timestampMicros + round * SAMPLE_INTERVAL_MICROS;
        copy.seriesId = point.seriesId;
        copy.provenance = new Provenance(point.provenance.topic, point.provenance.partition, n, 0,
                point.provenance.ingestedAtMicros + n);
        return copy;
    }

    @Benchmark
    public long baselineTableDefaults() throws IOException {
        baseline.add(toRow.map(next(baseline)));
        return baseline.written;
    }

    @Benchmark
    public long pointsRaw() throws IOException {
        pointsRaw.add(toRow.map(next(pointsRaw)));
        return pointsRaw.written;
    }

    @Benchmark
    public long pointColumns() throws IOException {
        columns.add(next(columns));
        return columns.written;
    }
}
