package io.chronicle.bench;

import io.chronicle.catalog.ChronicleTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What {@code points_raw}'s rows would cost on storage written otherwise: the same rows, read back
 * from the table, written again into a scratch table per variant (one Parquet file per day, as a
 * full compaction leaves them), each variant's data files measured per row. The variants change
 * one thing at a time from the table as it is: the order of the rows, zstd's level, the Parquet
 * dictionary's size and page version, the columns kept.
 */
final class StorageVariants {

    /** Where a point came from in Kafka and when it was written: kept for audits and replays. */
    static final List<String> PROVENANCE = List.of("source_topic", "source_partition", "source_offset", "ingested_at");
    /** What a series table would hold once per series instead of once per point. */
    static final List<String> SERIES_COLUMNS = List.of("metric", "tags");
    private static final Comparator<Record> TABLE_ORDER = Comparator
            .comparing((Record r) -> (String) r.getField("tenant"))
            .thenComparing(r -> (String) r.getField("metric"))
            .thenComparingLong(r -> (Long) r.getField("series_id"))
            .thenComparing(r -> (OffsetDateTime) r.getField("ts"));

    /** One way to write the rows. */
    record Variant(String name, boolean sorted, List<String> dropped, Map<String, String> properties) {}

    /** One variant's figures: its data files, bytes and rows, and the series table's bytes where it has one. */
    record Figures(String variant, long files, long bytes, long rows, long seriesTableBytes) {

        double bytesPerPoint() {
            return rows == 0 ? Double.NaN : (double) (bytes + seriesTableBytes) / rows;
        }
    }

    static List<Variant> variants() {
        Map<String, String> none = Map.of();
        return List.of(
                new Variant("as read back (file order), table settings", false, List.of(), none),
                new Variant("sorted by tenant, metric, series, ts", true, List.of(), none),
                new Variant("sorted, zstd level 9", true, List.of(),
                        Map.of(TableProperties.PARQUET_COMPRESSION_LEVEL, "9")),
                new Variant("sorted, zstd level 19", true, List.of(),
                        Map.of(TableProperties.PARQUET_COMPRESSION_LEVEL, "19")),
                new Variant("sorted, Parquet's 2 MiB dictionary", true, List.of(),
                        Map.of(TableProperties.PARQUET_DICT_SIZE_BYTES, String.valueOf(2 * 1024 * 1024))),
                // Version 2 pages fall back to delta encodings (DELTA_BINARY_PACKED for ts and the
                // other longs) where the dictionary does not serve; Iceberg offers no per-column
                // encoding, so BYTE_STREAM_SPLIT for value is out of reach through the table.
                new Variant("sorted, Parquet v2 pages (delta encodings)", true, List.of(),
                        Map.of(TableProperties.PARQUET_PAGE_VERSION, "v2")),
                new Variant("sorted, no provenance columns", true, PROVENANCE, none),
                new Variant("sorted, no provenance, metric and tags in a series table", true,
                        concat(PROVENANCE, SERIES_COLUMNS), none),
                new Variant("sorted, no provenance, series table, zstd level 9", true,
                        concat(PROVENANCE, SERIES_COLUMNS), Map.of(TableProperties.PARQUET_COMPRESSION_LEVEL, "9")),
                new Variant("sorted, no provenance, series table, zstd 9, v2 pages", true,
                        concat(PROVENANCE, SERIES_COLUMNS), Map.of(TableProperties.PARQUET_COMPRESSION_LEVEL, "9",
                                TableProperties.PARQUET_PAGE_VERSION, "v2")));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Writes {@code source}'s rows once per variant into tables of {@code namespace}; returns each one's figures. */
    static List<Figures> measure(Catalog catalog, Table source, String namespace) throws IOException {
        if (catalog instanceof SupportsNamespaces namespaces && !namespaces.namespaceExists(Namespace.of(namespace))) {
            namespaces.createNamespace(Namespace.of(namespace));
        }
        List<Record> rows = read(source);
        List<Record> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(StorageVariants::day).thenComparing(TABLE_ORDER));
        // The files come back in no order; by day keeps each partition's rows together as written.
        rows.sort(Comparator.comparingLong(StorageVariants::day));
        List<Figures> figures = new ArrayList<>();
        int i = 0;
        for (Variant variant : variants()) {
            Schema schema = ChronicleTable.POINTS_RAW.schema();
            List<String> kept = schema.columns().stream().map(f -> f.name())
                    .filter(n -> !variant.dropped().contains(n)).toList();
            Schema projected = schema.select(kept);
            Map<String, String> properties = new HashMap<>(ChronicleTable.POINTS_RAW.properties());
            properties.putAll(variant.properties());
            Table table = catalog.createTable(TableIdentifier.of(namespace, "variant_" + i++), projected,
                    PartitionSpec.builderFor(projected).day("ts").build(), properties);
            TableFiles written = write(table, variant.sorted() ? sorted : rows);
            long seriesBytes = 0;
            if (variant.dropped().containsAll(SERIES_COLUMNS)) {
                seriesBytes = seriesTable(catalog, namespace, "variant_" + (i - 1) + "_series", rows, properties);
            }
            figures.add(new Figures(variant.name(), written.files(), written.bytes(), written.rows(), seriesBytes));
        }
        return figures;
    }

    /** The series table: one row per series (tenant, series_id, metric, tags), sorted, in one file. */
    private static long seriesTable(Catalog catalog, String namespace, String name, List<Record> rows,
            Map<String, String> properties) {
        Schema schema = ChronicleTable.POINTS_RAW.schema().select("tenant", "metric", "tags", "series_id");
        Map<Long, Record> series = new LinkedHashMap<>();
        for (Record row : rows) {
            series.computeIfAbsent((Long) row.getField("series_id"), id -> {
                GenericRecord one = GenericRecord.create(schema);
                for (var field : schema.columns()) {
                    one.setField(field.name(), row.getField(field.name()));
                }
                return one;
            });
        }
        List<Record> ordered = new ArrayList<>(series.values());
        ordered.sort(Comparator.comparing((Record r) -> (String) r.getField("tenant"))
                .thenComparing(r -> (String) r.getField("metric"))
                .thenComparingLong(r -> (Long) r.getField("series_id")));
        Table table = catalog.createTable(TableIdentifier.of(namespace, name), schema, PartitionSpec.unpartitioned(),
                properties);
        return write(table, ordered).bytes();
    }

    /** Every row of the table's current snapshot, each series' tags map shared among its rows. */
    private static List<Record> read(Table table) throws IOException {
        table.refresh();
        List<Record> rows = new ArrayList<>();
        Map<Long, Object> tags = new HashMap<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record record : records) {
                Record copy = record.copy();
                copy.setField("tags", tags.computeIfAbsent((Long) copy.getField("series_id"), id -> copy.getField("tags")));
                rows.add(copy);
            }
        }
        return rows;
    }

    private static long day(Record row) {
        return ((OffsetDateTime) row.getField("ts")).toEpochSecond() / 86_400;
    }

    /** Writes {@code rows}, clustered by partition, one file per partition, in one commit. */
    private static TableFiles write(Table table, List<Record> rows) {
        Schema schema = table.schema();
        PartitionSpec spec = table.spec();
        OutputFileFactory files = OutputFileFactory.builderFor(table, 0, 0)
                .format(FileFormat.PARQUET).operationId("variant-" + UUID.randomUUID()).build();
        GenericFileWriterFactory writers = new GenericFileWriterFactory.Builder(table)
                .dataFileFormat(FileFormat.PARQUET).build();
        InternalRecordWrapper wrapper = new InternalRecordWrapper(schema.asStruct());
        PartitionKey key = new PartitionKey(spec, schema);
        List<DataFile> written = new ArrayList<>();
        DataWriter<Record> writer = null;
        String current = null;
        try {
            for (Record row : rows) {
                GenericRecord projected = GenericRecord.create(schema);
                for (var field : schema.columns()) {
                    projected.setField(field.name(), row.getField(field.name()));
                }
                key.partition(wrapper.wrap(projected));
                String partition = spec.partitionToPath(key);
                if (!partition.equals(current)) {
                    if (writer != null) {
                        writer.close();
                        written.add(writer.toDataFile());
                    }
                    current = partition;
                    // An unpartitioned table's files go in its data folder itself.
                    PartitionKey of = spec.isUnpartitioned() ? null : key.copy();
                    writer = writers.newDataWriter(of == null ? files.newOutputFile() : files.newOutputFile(spec, of),
                            spec, of);
                }
                writer.write(projected);
            }
            if (writer != null) {
                writer.close();
                written.add(writer.toDataFile());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AppendFiles append = table.newAppend();
        written.forEach(append::appendFile);
        append.commit();
        return TableFiles.of(written);
    }
}
