package io.chronicle.sinks;

import io.chronicle.catalog.TableDefinition;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.MetadataColumns;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.RowDelta;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SerializableTable;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.PositionDelete;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.expressions.Binder;
import org.apache.iceberg.expressions.Evaluator;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.sink.RowDataTaskWriterFactory;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.TypeUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Replaces the rows of an append-only table that came from a range of Kafka offsets (its
 * {@code source_topic}, {@code source_partition} and {@code source_offset} columns) with the rows
 * of a replay of that range, in one Iceberg commit: readers see the old rows or the new ones,
 * never both or neither, and a replay run again replaces its own rows the same way.
 *
 * <p>The old rows go by position deletes, found by reading the provenance columns of only the
 * files whose column bounds may hold the range, so a reader applies them to those files alone
 * (an equality delete would be checked against every older file of the table, forever). The
 * commit fails if a file added or deleted since the deletes were planned may hold rows of the
 * range, or a file they point at is gone (compacted): then it plans again from the new snapshot.
 */
public final class ProvenanceReplace {

    static final String TOPIC = "source_topic";
    static final String PARTITION = "source_partition";
    static final String OFFSET = "source_offset";
    private static final long TARGET_FILE_BYTES = 128L * 1024 * 1024;

    private ProvenanceReplace() {}

    /** What a replace did. */
    /** {@code snapshotId} is the table's snapshot after it (-1: none; nothing to commit). */
    public record Result(String table, long snapshotId, int dataFilesAdded, int deleteFilesAdded,
            long rowsDeleted, int attempts) {}

    /**
     * The rows of {@code records} written into data files of {@code table} and not committed; at
     * the end of the (bounded) input, each file as (table name, Java-serialized {@link DataFile}).
     */
    public static <T> DataStream<Tuple2<String, byte[]>> uncommittedFiles(DataStream<T> records,
            RowConverter<T> toRow, TableDefinition definition, Table table) {
        RowType rowType = FlinkSchemaUtil.convert(table.schema());
        RowDataTaskWriterFactory writerFactory = new RowDataTaskWriterFactory(SerializableTable.copyOf(table),
                rowType, TARGET_FILE_BYTES, FileFormat.PARQUET, table.properties(), List.of(), false);
        String name = definition.tableName();
        return records
                .process(new ToTableRows<>(name, toRow, rowType), RowConverters.rowType(definition))
                .name("to-row-" + name)
                .uid("to-row-" + name)
                .transform("write-" + name, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO,
                        new DataFileWriterOperator(writerFactory))
                .uid("write-" + name)
                .map(file -> Tuple2.of(name, file),
                        Types.TUPLE(Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO))
                .name("files-of-" + name)
                .uid("files-of-" + name);
    }

    /**
     * The rows that came from {@code ranges} (topic to partition to offsets {@code [from, to)}):
     * an expression over the provenance columns.
     */
    public static Expression provenance(Map<String, SortedMap<Integer, long[]>> ranges) {
        Expression any = Expressions.alwaysFalse();
        for (Map.Entry<String, SortedMap<Integer, long[]>> topic : ranges.entrySet()) {
            for (Map.Entry<Integer, long[]> partition : topic.getValue().entrySet()) {
                any = Expressions.or(any, Expressions.and(
                        Expressions.and(Expressions.equal(TOPIC, topic.getKey()),
                                Expressions.equal(PARTITION, partition.getKey())),
                        Expressions.and(Expressions.greaterThanOrEqual(OFFSET, partition.getValue()[0]),
                                Expressions.lessThan(OFFSET, partition.getValue()[1]))));
            }
        }
        return any;
    }

    /**
     * Adds {@code newFiles} and deletes every row {@code replaced} selects, in one commit; tries
     * {@code attempts} times when files that may hold such rows change under it.
     */
    public static Result replace(Table table, Expression replaced, List<DataFile> newFiles, int attempts) {
        for (int attempt = 1; ; attempt++) {
            table.refresh();
            Snapshot base = table.currentSnapshot();
            Deletes deletes = base == null ? new Deletes(List.of(), Set.of(), 0)
                    : positionDeletes(table, base.snapshotId(), replaced);
            if (newFiles.isEmpty() && deletes.files().isEmpty()) {
                return new Result(table.name(), base == null ? -1 : base.snapshotId(), 0, 0, 0, attempt);
            }
            RowDelta delta = table.newRowDelta();
            newFiles.forEach(delta::addRows);
            deletes.files().forEach(delta::addDeletes);
            if (base != null) {
                delta.validateFromSnapshot(base.snapshotId())
                        .validateDataFilesExist(deletes.referenced())
                        .validateDeletedFiles();
            }
            delta.conflictDetectionFilter(replaced)
                    .validateNoConflictingDataFiles()
                    .validateNoConflictingDeleteFiles();
            try {
                delta.commit();
                return new Result(table.name(), table.currentSnapshot().snapshotId(), newFiles.size(),
                        deletes.files().size(), deletes.rows(), attempt);
            } catch (ValidationException e) {
                deletes.files().forEach(f -> table.io().deleteFile(f.location()));
                if (attempt >= attempts) {
                    throw e;
                }
            }
        }
    }

    /** Position deletes, the data files they point at and the rows they delete. */
    private record Deletes(List<DeleteFile> files, Set<String> referenced, long rows) {}

    private static Deletes positionDeletes(Table table, long snapshotId, Expression replaced) {
        Map<String, DataFile> files = new HashMap<>();
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan().useSnapshot(snapshotId).filter(replaced).planFiles()) {
            tasks.forEach(task -> files.put(task.file().location(), task.file()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (files.isEmpty()) {
            return new Deletes(List.of(), Set.of(), 0);
        }
        // The columns the expression reads, and where each row is.
        Schema read = TypeUtil.join(TypeUtil.select(table.schema(),
                        Binder.boundReferences(table.schema().asStruct(), List.of(replaced), true)),
                new Schema(MetadataColumns.FILE_PATH, MetadataColumns.ROW_POSITION));
        Evaluator selects = new Evaluator(read.asStruct(), replaced, true);
        // Per partition of the files, each file's positions, in the order a delete file needs.
        Map<String, SortedMap<String, List<Long>>> byPartition = new HashMap<>();
        long rows = 0;
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).useSnapshot(snapshotId)
                .where(replaced).project(read).build()) {
            for (Record record : records) {
                if (selects.eval(record)) {
                    DataFile file = files.get((String) record.getField(MetadataColumns.FILE_PATH.name()));
                    byPartition.computeIfAbsent(partitionKey(table, file), k -> new TreeMap<>())
                            .computeIfAbsent(file.location(), k -> new ArrayList<>())
                            .add((Long) record.getField(MetadataColumns.ROW_POSITION.name()));
                    rows++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<DeleteFile> deleteFiles = new ArrayList<>();
        Set<String> referenced = new HashSet<>();
        String operation = "replay-" + UUID.randomUUID();
        int fileNumber = 0;
        for (SortedMap<String, List<Long>> positions : byPartition.values()) {
            DataFile first = files.get(positions.firstKey());
            deleteFiles.add(writeDeletes(table, operation, fileNumber++, table.specs().get(first.specId()),
                    first.partition(), positions));
            referenced.addAll(positions.keySet());
        }
        return new Deletes(deleteFiles, referenced, rows);
    }

    private static String partitionKey(Table table, DataFile file) {
        return file.specId() + "/" + table.specs().get(file.specId()).partitionToPath(file.partition());
    }

    private static DeleteFile writeDeletes(Table table, String operation, int fileNumber, PartitionSpec spec,
            StructLike partition, SortedMap<String, List<Long>> positions) {
        EncryptedOutputFile out = OutputFileFactory.builderFor(table, fileNumber, 0)
                .operationId(operation)
                .suffix("deletes")
                .format(FileFormat.PARQUET)
                .build()
                .newOutputFile(spec, partition);
        PositionDeleteWriter<Record> writer = new GenericFileWriterFactory.Builder(table)
                .deleteFileFormat(FileFormat.PARQUET)
                .build()
                .newPositionDeleteWriter(out, spec, partition);
        PositionDelete<Record> delete = PositionDelete.create();
        try (writer) {
            positions.forEach((path, rows) -> {
                rows.sort(null);
                rows.forEach(pos -> writer.write(delete.set(path, pos, null)));
            });
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "Cannot write the delete file " + out.encryptingOutputFile().location(), e);
        }
        return writer.toDeleteFile();
    }
}
