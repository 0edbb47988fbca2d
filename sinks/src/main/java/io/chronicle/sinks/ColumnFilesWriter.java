package io.chronicle.sinks;

import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionField;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.flink.sink.IcebergStreamWriterMetrics;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetValueWriter;
import org.apache.iceberg.util.PropertyUtil;
import org.apache.parquet.schema.MessageType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Writes records into an Iceberg table's Parquet data files straight from the records (a
 * {@link RecordColumns} per file), with no Flink row between, and hands the files to Iceberg's
 * committer at each checkpoint as Iceberg's own writer does: one {@link WriteResult} per
 * checkpoint. One file is open per partition of the table's spec; a file rolls over at the
 * table's target file size. A record of the same UTC day of its table's time column, and the
 * same values of the other partition columns, as the last record goes to the last one's file with
 * no partition computed (Iceberg's day transform goes through {@code OffsetDateTime}), when the
 * spec partitions by that day and by identity alone.
 *
 * <p>A record the file could not hold (a required column without a value) is left out, logged
 * with its coordinates and counted in {@value ToTableRows#ROWS_SKIPPED}, as {@link ToTableRows}
 * does for the other tables: the operators before keep such records out, so this fires only on a
 * bug, and a bug must not stop the job.
 *
 * @param <T> the records, one per row
 */
abstract class ColumnFilesWriter<T> implements CommittingSinkWriter<T, WriteResult> {

    private static final Logger LOG = LoggerFactory.getLogger(ColumnFilesWriter.class);
    /** As Iceberg's rolling writers: a file's length is looked at every so many rows, not each. */
    private static final int ROWS_BETWEEN_SIZE_CHECKS = 1_000;
    private static final long DAY_MICROS = 86_400_000_000L;

    private final Table table;
    private final PartitionSpec spec;
    private final long targetFileBytes;
    private final OutputFileFactory files;
    private final Function<MessageType, ParquetValueWriter<?>> columns;
    private final PartitionKey partition;
    private final Map<PartitionKey, PartitionFile> open = new HashMap<>();
    private final List<DataFile> done = new ArrayList<>();
    private final IcebergStreamWriterMetrics metrics;
    private final Counter skipped;
    private final Function<T, StructLike> asRow;
    private final DayPartitions<T> days;
    /** The position of the day in the spec's partitions, or -1 when the spec allows no shortcut. */
    private final int dayField;
    private long dayStart = Long.MAX_VALUE;
    private long dayEnd = Long.MIN_VALUE;
    private Object lastBesidesDay;
    private PartitionFile lastFile;

    /**
     * How a record's partition is found without computing it: the table's time column the spec
     * takes the day of, the identity columns it may partition by besides, and the record's values
     * of both.
     */
    record DayPartitions<T>(String timeColumn, ToLongFunction<T> timeMicros, List<String> identityColumns,
            Function<T, Object> besidesDay) {}

    /**
     * @param columns the record's Parquet writer for a file's schema
     * @param asRow the record seen as a row of the table's schema, for computing its partition
     */
    ColumnFilesWriter(Table table, int subtask, int attempt, MetricGroup metricGroup,
            Function<MessageType, ParquetValueWriter<?>> columns, Function<T, StructLike> asRow,
            DayPartitions<T> days) {
        this.table = table;
        this.spec = table.spec();
        this.targetFileBytes = PropertyUtil.propertyAsLong(table.properties(),
                TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
        this.files = OutputFileFactory.builderFor(table, subtask, attempt)
                .format(FileFormat.PARQUET)
                .defaultSpec(spec)
                .build();
        this.columns = columns;
        this.partition = new PartitionKey(spec, table.schema());
        this.metrics = new IcebergStreamWriterMetrics(metricGroup, table.name());
        this.skipped = metricGroup.counter(ToTableRows.ROWS_SKIPPED);
        this.asRow = asRow;
        this.days = days;
        this.dayField = dayField(table, days);
    }

    /** The day's position when every partition of the spec is the day of the time column or an identity column, else -1. */
    private static int dayField(Table table, DayPartitions<?> days) {
        List<PartitionField> fields = table.spec().fields();
        int day = -1;
        for (int i = 0; i < fields.size(); i++) {
            PartitionField field = fields.get(i);
            String column = table.schema().findColumnName(field.sourceId());
            if ("day".equals(field.transform().toString()) && days.timeColumn().equals(column) && day < 0) {
                day = i;
            } else if (!field.transform().isIdentity() || !days.identityColumns().contains(column)) {
                return -1;
            }
        }
        return day;
    }

    /** Why the record's row cannot be written, or null when it can. */
    abstract String problem(T record);

    /** Where the record came from, for the log of a skipped one. */
    abstract String coordinates(T record);

    @Override
    public final void write(T record, Context context) throws IOException {
        String problem = problem(record);
        if (problem != null) {
            skipped.inc();
            LOG.warn("Skipped a record for table {}: {} {}; counted in {}", table.name(),
                    record == null ? "(no coordinates)" : coordinates(record), problem, ToTableRows.ROWS_SKIPPED);
            return;
        }
        fileOf(record).write(record);
    }

    /** Why a map of tags cannot be written, or null when it can. */
    static String tagsProblem(Map<String, String> tags) {
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            if (tag.getKey() == null || tag.getValue() == null) {
                return "has an entry without a value in the map column 'tags'";
            }
        }
        return null;
    }

    private PartitionFile fileOf(T record) {
        long time = days.timeMicros().applyAsLong(record);
        if (time >= dayStart && time < dayEnd && Objects.equals(days.besidesDay().apply(record), lastBesidesDay)) {
            return lastFile;
        }
        partition.partition(asRow.apply(record));
        PartitionFile file = open.get(partition);
        if (file == null) {
            PartitionKey key = partition.copy();
            file = new PartitionFile(key);
            open.put(key, file);
        }
        if (dayField >= 0) {
            dayStart = file.key.get(dayField, Integer.class) * DAY_MICROS;
            dayEnd = dayStart + DAY_MICROS;
            lastBesidesDay = days.besidesDay().apply(record);
            lastFile = file;
        }
        return file;
    }

    /** Every file was closed: the last one is no longer open. */
    private void forgetFiles() {
        dayStart = Long.MAX_VALUE;
        dayEnd = Long.MIN_VALUE;
        lastBesidesDay = null;
        lastFile = null;
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
        forgetFiles();
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
        forgetFiles();
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
        private DataWriter<T> writer;
        private String location;
        private long rows;

        PartitionFile(PartitionKey key) {
            this.key = key;
        }

        void write(T record) throws IOException {
            if (writer == null) {
                open();
            }
            writer.write(record);
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
                    .createWriterFunc(columns)
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
