package io.chronicle.sinks;

import io.chronicle.core.MetricPoint;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.flink.sink.IcebergStreamWriterMetrics;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.util.PropertyUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Writes points into {@code points_raw}'s Parquet data files straight from the points
 * ({@link PointColumns}), with no Flink row between, and hands the files to Iceberg's committer at
 * each checkpoint as Iceberg's own writer does: one {@link WriteResult} per checkpoint. One file is
 * open per partition of the table's spec; a file rolls over at the table's target file size.
 *
 * <p>A point the file could not hold (a missing tenant, metric, tags, tag key or value, topic) is
 * left out, logged with its coordinates and counted in {@value ToTableRows#ROWS_SKIPPED}, as
 * {@link ToTableRows} does for the other tables: the normalizer keeps such points out, so this
 * fires only on a bug, and a bug must not stop ingest.
 */
final class PointsRawWriter implements CommittingSinkWriter<MetricPoint, WriteResult> {

    private static final Logger LOG = LoggerFactory.getLogger(PointsRawWriter.class);
    /** As Iceberg's rolling writers: a file's length is looked at every so many rows, not each. */
    private static final int ROWS_BETWEEN_SIZE_CHECKS = 1_000;
    private static final long DAY_MICROS = 86_400_000_000L;

    private final Table table;
    private final PartitionSpec spec;
    private final long targetFileBytes;
    private final OutputFileFactory files;
    private final PartitionKey partition;
    private final PointStruct row;
    private final Map<PartitionKey, PartitionFile> open = new HashMap<>();
    private final List<DataFile> done = new ArrayList<>();
    private final IcebergStreamWriterMetrics metrics;
    private final Counter skipped;
    /**
     * Whether the spec is {@code day(ts)} alone (points_raw's own): then a point of the same UTC day
     * as the last one goes to its file with no partition computed (Iceberg's day transform goes
     * through {@code OffsetDateTime}), and the day's range comes from the partition Iceberg computed.
     */
    private final boolean byDayOfTs;
    private long dayStart = Long.MAX_VALUE;
    private long dayEnd = Long.MIN_VALUE;
    private PartitionFile dayFile;

    PointsRawWriter(Table table, int subtask, int attempt, MetricGroup metricGroup) {
        this.table = table;
        this.spec = table.spec();
        this.targetFileBytes = PropertyUtil.propertyAsLong(table.properties(),
                TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
        this.files = OutputFileFactory.builderFor(table, subtask, attempt)
                .format(FileFormat.PARQUET)
                .defaultSpec(spec)
                .build();
        this.partition = new PartitionKey(spec, table.schema());
        this.row = new PointStruct(table.schema());
        this.metrics = new IcebergStreamWriterMetrics(metricGroup, table.name());
        this.skipped = metricGroup.counter(ToTableRows.ROWS_SKIPPED);
        this.byDayOfTs = spec.fields().size() == 1
                && "day".equals(spec.fields().get(0).transform().toString())
                && "ts".equals(table.schema().findColumnName(spec.fields().get(0).sourceId()));
    }

    @Override
    public void write(MetricPoint point, Context context) throws IOException {
        String problem = problem(point);
        if (problem != null) {
            skipped.inc();
            LOG.warn("Skipped a record for table {}: {} {}; counted in {}", table.name(),
                    point == null || point.provenance == null ? "(no coordinates)" : RecordCoordinates.of(point.provenance),
                    problem, ToTableRows.ROWS_SKIPPED);
            return;
        }
        long ts = point.timestampMicros;
        if (ts >= dayStart && ts < dayEnd) {
            dayFile.write(point);
            return;
        }
        partition.partition(row.of(point));
        PartitionFile file = open.get(partition);
        if (file == null) {
            PartitionKey key = partition.copy();
            file = new PartitionFile(key);
            open.put(key, file);
        }
        if (byDayOfTs) {
            long day = partition.get(0, Integer.class);
            dayStart = day * DAY_MICROS;
            dayEnd = dayStart + DAY_MICROS;
            dayFile = file;
        }
        file.write(point);
    }

    private void forgetDay() {
        dayStart = Long.MAX_VALUE;
        dayEnd = Long.MIN_VALUE;
        dayFile = null;
    }

    /** Why the point's row cannot be written, or null when it can. */
    static String problem(MetricPoint point) {
        if (point == null) {
            return "is null";
        }
        if (point.tenant == null || point.metric == null || point.tags == null || point.provenance == null
                || point.provenance.topic == null) {
            return "has no value for a required column (tenant, metric, tags or source_topic)";
        }
        for (Map.Entry<String, String> tag : point.tags.entrySet()) {
            if (tag.getKey() == null || tag.getValue() == null) {
                return "has an entry without a value in the map column 'tags'";
            }
        }
        return null;
    }

    @Override
    public void flush(boolean endOfInput) {
        // Files are handed over in prepareCommit, at the checkpoint or at the end of the input.
    }

    @Override
    public Collection<WriteResult> prepareCommit() throws IOException {
        long start = System.nanoTime();
        for (PartitionFile file : open.values()) {
            file.close();
        }
        open.clear();
        forgetDay();
        WriteResult result = WriteResult.builder().addDataFiles(done).build();
        done.clear();
        metrics.updateFlushResult(result);
        metrics.flushDuration(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        return List.of(result);
    }

    /** Files not handed to the committer are deleted: no commit will ever name them. */
    @Override
    public void close() {
        List<String> unclaimed = new ArrayList<>();
        for (PartitionFile file : open.values()) {
            file.abandon().ifPresent(unclaimed::add);
        }
        open.clear();
        forgetDay();
        done.forEach(file -> unclaimed.add(file.location()));
        done.clear();
        for (String location : unclaimed) {
            try {
                table.io().deleteFile(location);
            } catch (RuntimeException e) {
                LOG.warn("Could not delete the uncommitted data file {} of {}; orphan file removal will",
                        location, table.name(), e);
            }
        }
    }

    /** The open file of one partition; rolls over to a new one at the target size. */
    private final class PartitionFile {
        private final PartitionKey key;
        private DataWriter<MetricPoint> writer;
        private String location;
        private long rows;

        PartitionFile(PartitionKey key) {
            this.key = key;
        }

        void write(MetricPoint point) throws IOException {
            if (writer == null) {
                open();
            }
            writer.write(point);
            if (++rows % ROWS_BETWEEN_SIZE_CHECKS == 0 && writer.length() >= targetFileBytes) {
                close();
            }
        }

        private void open() throws IOException {
            EncryptedOutputFile file = files.newOutputFile(spec, key);
            location = file.encryptingOutputFile().location();
            rows = 0;
            writer = Parquet.writeData(file)
                    .forTable(table)
                    .withSpec(spec)
                    .withPartition(key)
                    .withKeyMetadata(file.keyMetadata())
                    .createWriterFunc(PointColumns::new)
                    .overwrite()
                    .build();
        }

        void close() throws IOException {
            if (writer != null) {
                writer.close();
                done.add(writer.toDataFile());
                writer = null;
            }
        }

        /** The open file's location, closed without being handed over, to be deleted. */
        Optional<String> abandon() {
            if (writer == null) {
                return Optional.empty();
            }
            try {
                writer.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("Could not close the uncommitted data file {} of {}", location, table.name(), e);
            }
            writer = null;
            return Optional.of(location);
        }
    }
}
