package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.data.FlinkParquetWriters;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.inmemory.InMemoryFileIO;
import org.apache.iceberg.io.InputFile;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.types.Conversions;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link PointsRawWriter} against a real Iceberg table (in-memory catalog and files): what it
 * writes reads back as the points, with the metrics Iceberg's own writer of rows gives the same
 * rows, one partition per UTC day.
 */
class PointsRawWriterTest {

    private static final long DAY_MICROS = 86_400_000_000L;
    private static final String[] WORDS = {"cpu", "mem", "π≈3.14", "日本語", "", "a b", "x".repeat(300), "quote\"'\\"};

    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final CountedMetrics metrics = new CountedMetrics();

    @BeforeEach
    void setUp() {
        catalog.initialize("test", Map.of());
        catalog.createNamespace(Namespace.of("chronicle"));
    }

    @Test
    void everyPointReadsBackAsItsRowInItsDaysPartition() throws IOException {
        Table table = pointsRaw(Map.of());
        List<MetricPoint> points = points(new Random(11), 5_000);

        commit(table, write(table, points));

        assertReadBackByDay(table, points);
    }

    /** The table holds exactly the points' rows, each day's in files of that day's partition. */
    private static void assertReadBackByDay(Table table, List<MetricPoint> points) throws IOException {
        assertThat(rows(table)).containsExactlyInAnyOrderElementsOf(points.stream().map(PointsRawWriterTest::row).toList());
        Map<Long, Long> rowsPerDay = points.stream().collect(Collectors.groupingBy(
                p -> Math.floorDiv(p.timestampMicros, DAY_MICROS), TreeMap::new, Collectors.counting()));
        assertThat(rowsPerDay(table)).isEqualTo(rowsPerDay);
        assertEveryFileHoldsOnlyItsDay(table);
    }

    /** Each data file's rows, by the day of its partition. */
    private static Map<Long, Long> rowsPerDay(Table table) throws IOException {
        table.refresh();
        Map<Long, Long> rows = new TreeMap<>();
        try (var tasks = table.newScan().planFiles()) {
            tasks.forEach(task -> rows.merge((long) task.file().partition().get(0, Integer.class),
                    task.file().recordCount(), Long::sum));
        }
        return rows;
    }

    /** Every row of a file lies in the file's day, by the file's bounds of ts. */
    private static void assertEveryFileHoldsOnlyItsDay(Table table) throws IOException {
        table.refresh();
        int ts = id(table, "ts");
        try (var tasks = table.newScan().includeColumnStats().planFiles()) {
            for (var task : tasks) {
                long day = task.file().partition().get(0, Integer.class);
                long lowest = Conversions.fromByteBuffer(Types.TimestampType.withZone(), task.file().lowerBounds().get(ts));
                long highest = Conversions.fromByteBuffer(Types.TimestampType.withZone(), task.file().upperBounds().get(ts));
                assertThat(Math.floorDiv(lowest, DAY_MICROS)).isEqualTo(day);
                assertThat(Math.floorDiv(highest, DAY_MICROS)).isEqualTo(day);
            }
        }
    }

    @Test
    void pointsAtTheEdgesOfADayGoToThatDaysFile() throws IOException {
        Table table = pointsRaw(Map.of());
        long[] offsets = {-1, 0, 1, DAY_MICROS / 2, DAY_MICROS - 1, DAY_MICROS, DAY_MICROS - 1, 0, -1};
        List<MetricPoint> points = new ArrayList<>();
        Random random = new Random(22);
        for (long day = -2; day <= 2; day++) {
            for (long offset : offsets) {
                MetricPoint p = points(random, 1).get(0);
                p.timestampMicros = day * DAY_MICROS + offset;
                points.add(p);
            }
        }

        commit(table, write(table, points));

        assertReadBackByDay(table, points);
    }

    @Test
    void filesCarryTheMetricsIcebergsOwnWriterGivesTheSameRows() throws IOException {
        Table table = pointsRaw(Map.of());
        List<MetricPoint> points = points(new Random(12), 3_000).stream()
                .peek(p -> p.timestampMicros = Math.floorMod(p.timestampMicros, DAY_MICROS) + 20_000 * DAY_MICROS)
                .toList();

        List<DataFile> ours = write(table, points);
        DataFile iceberg = icebergsOwn(table, points);

        assertThat(ours).hasSize(1);
        DataFile file = ours.get(0);
        assertThat(file.recordCount()).isEqualTo(iceberg.recordCount()).isEqualTo(points.size());
        assertThat(file.partition().get(0, Integer.class)).isEqualTo(iceberg.partition().get(0, Integer.class));
        assertThat(file.valueCounts()).isEqualTo(iceberg.valueCounts());
        assertThat(file.nullValueCounts()).isEqualTo(iceberg.nullValueCounts());
        assertThat(file.nanValueCounts()).isEqualTo(iceberg.nanValueCounts());
        assertThat(file.lowerBounds()).isEqualTo(iceberg.lowerBounds());
        assertThat(file.upperBounds()).isEqualTo(iceberg.upperBounds());
        assertThat(file.lowerBounds()).containsKeys(id(table, "ts"), id(table, "value"), id(table, "tenant"));
    }

    /**
     * No reader prunes by a map's entries (Iceberg keeps no bounds of them either), so the
     * table's files keep no Parquet statistics of them, unless the table asks for them.
     */
    @Test
    void theTagsEntriesHaveNoParquetStatisticsUnlessTheTableAsksForThem() throws IOException {
        List<MetricPoint> points = points(new Random(14), 2_000).stream()
                .peek(p -> p.timestampMicros = Math.floorMod(p.timestampMicros, DAY_MICROS))
                .toList();
        Table table = pointsRaw(Map.of());
        Map<String, Boolean> byDefault = ParquetFooters.columnsWithStatistics(table.io(), write(table, points).get(0));
        assertThat(byDefault).containsEntry("tags.key_value.key", false).containsEntry("tags.key_value.value", false)
                .containsEntry("tenant", true).containsEntry("metric", true).containsEntry("series_id", true)
                .containsEntry("ts", true).containsEntry("source_topic", true);

        catalog.dropTable(TableIdentifier.of("chronicle", ChronicleTable.POINTS_RAW.tableName()));
        Table asked = pointsRaw(Map.of(
                TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "tags.key", "true",
                TableProperties.PARQUET_COLUMN_STATS_ENABLED_PREFIX + "tags.value", "true"));
        assertThat(ParquetFooters.columnsWithStatistics(asked.io(), write(asked, points).get(0)))
                .containsEntry("tags.key_value.key", true).containsEntry("tags.key_value.value", true);
    }

    @Test
    void aFileRollsOverAtTheTablesTargetSize() throws IOException {
        Table table = pointsRaw(Map.of(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, "1"));
        List<MetricPoint> points = points(new Random(13), 4_500).stream()
                .peek(p -> p.timestampMicros = Math.floorMod(p.timestampMicros, DAY_MICROS))
                .toList();

        List<DataFile> files = write(table, points);
        commit(table, files);

        assertThat(files).extracting(DataFile::recordCount).containsExactly(1_000L, 1_000L, 1_000L, 1_000L, 500L);
        assertThat(rows(table)).containsExactlyInAnyOrderElementsOf(points.stream().map(PointsRawWriterTest::row).toList());
    }

    @Test
    void pointsTheFileCouldNotHoldAreSkippedAndCountedAndTheRestWritten() throws IOException {
        Table table = pointsRaw(Map.of());
        List<MetricPoint> good = points(new Random(14), 10);
        MetricPoint noMetric = points(new Random(15), 1).get(0);
        noMetric.metric = null;
        MetricPoint tagWithoutValue = points(new Random(16), 1).get(0);
        tagWithoutValue.tags = new HashMap<>(Map.of("host", "a"));
        tagWithoutValue.tags.put("region", null);
        MetricPoint noProvenance = points(new Random(17), 1).get(0);
        noProvenance.provenance = null;
        List<MetricPoint> all = new ArrayList<>(good);
        all.add(3, noMetric);
        all.add(5, tagWithoutValue);
        all.add(7, noProvenance);
        all.add(8, null);

        commit(table, write(table, all));

        assertThat(rows(table)).containsExactlyInAnyOrderElementsOf(good.stream().map(PointsRawWriterTest::row).toList());
        assertThat(metrics.count(ToTableRows.ROWS_SKIPPED)).isEqualTo(4);
    }

    @Test
    void aColumnAddedToTheTableIsWrittenAsNullAndFieldsAreFoundByName() throws IOException {
        Table table = pointsRaw(Map.of());
        table.updateSchema().addColumn("note", Types.StringType.get()).commit();
        table.refresh();
        List<MetricPoint> points = points(new Random(18), 100);

        commit(table, write(table, points));

        assertThat(rows(table)).containsExactlyInAnyOrderElementsOf(points.stream().map(PointsRawWriterTest::row).toList());
        try (CloseableIterable<Record> rows = IcebergGenerics.read(table).select("note").build()) {
            rows.forEach(r -> assertThat(r.getField("note")).isNull());
        }
    }

    @Test
    void aColumnOfAnotherTypeIsRefusedNamingIt() {
        Table table = pointsRaw(Map.of());
        table.updateSchema().deleteColumn("source_topic").commit();
        table.updateSchema().renameColumn("source_partition", "source_topic").commit();

        assertThatThrownBy(() -> PointColumns.requireWritable(table.schema()))
                .hasMessageContaining("column 'source_topic'").hasMessageContaining("BINARY");
    }

    @Test
    void aRequiredColumnChronicleCannotFillIsRefusedNamingIt() {
        Table table = pointsRaw(Map.of());
        table.updateSchema().allowIncompatibleChanges().addRequiredColumn("owner", Types.StringType.get()).commit();
        table.refresh();

        assertThatThrownBy(() -> PointColumns.requireWritable(table.schema()))
                .hasMessageContaining("required column 'owner'");
        assertThatThrownBy(() -> write(table, points(new Random(19), 1)))
                .hasMessageContaining("required column 'owner'");
    }

    @Test
    void filesNotHandedToTheCommitterAreDeletedOnClose() throws IOException {
        Table table = recording(pointsRaw(Map.of(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, "1")));
        PointsRawWriter writer = new PointsRawWriter(table, 0, 0, metrics);
        for (MetricPoint point : points(new Random(20), 2_500)) {
            writer.write(point, null);
        }
        List<DataFile> handedOver = Arrays.asList(writer.prepareCommit().iterator().next().dataFiles());
        List<String> before = files(table);
        for (MetricPoint point : points(new Random(21), 1_500)) {
            // One day's: a file rolled over (closed, not handed over) and one still open.
            point.timestampMicros = Math.floorMod(point.timestampMicros, DAY_MICROS);
            writer.write(point, null);
        }
        List<String> written = files(table);

        writer.close();

        assertThat(written.size()).isGreaterThan(before.size());
        assertThat(files(table)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(before).containsAll(handedOver.stream().map(DataFile::location).toList());
    }

    @Test
    void aWriterWhoseStorageWentAwayFailsAndTheRestoredOneWritesEveryPointOnce() throws IOException {
        Table healthy = pointsRaw(Map.of(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, "1"));
        FailingFileIO storage = new FailingFileIO();
        Table table = withIo(healthy, storage);
        List<MetricPoint> points = points(new Random(23), 2_500).stream()
                .peek(p -> p.timestampMicros = Math.floorMod(p.timestampMicros, DAY_MICROS))
                .toList();

        // The first attempt: its first file is finished while the storage is gone.
        List<String> before = files(table);
        PointsRawWriter failed = new PointsRawWriter(table, 0, 0, metrics);
        storage.gone = true;
        assertThatThrownBy(() -> {
            for (MetricPoint point : points) {
                failed.write(point, null);
            }
        }).hasStackTraceContaining("the storage is gone");
        storage.gone = false;
        failed.close();
        assertThat(files(table)).as("files the failed attempt left").containsExactlyInAnyOrderElementsOf(before);

        // Restored: the same points again, as Flink replays them from the last checkpoint.
        List<DataFile> files = write(table, points);
        commit(table, files);

        assertThat(rows(table)).containsExactlyInAnyOrderElementsOf(points.stream().map(PointsRawWriterTest::row).toList());
        assertThat(files).extracting(DataFile::recordCount).containsExactly(1_000L, 1_000L, 500L);
    }

    private Table pointsRaw(Map<String, String> extra) {
        ChronicleTable definition = ChronicleTable.POINTS_RAW;
        Schema schema = definition.schema();
        Map<String, String> properties = new HashMap<>(definition.properties());
        properties.putAll(extra);
        return catalog.buildTable(TableIdentifier.of("chronicle", definition.tableName()), schema)
                .withPartitionSpec(definition.spec(schema))
                .withSortOrder(definition.sortOrder(schema))
                .withProperties(properties)
                .create();
    }

    private List<DataFile> write(Table table, List<MetricPoint> points) throws IOException {
        PointsRawWriter writer = new PointsRawWriter(table, 0, 0, metrics);
        for (MetricPoint point : points) {
            writer.write(point, null);
        }
        List<WriteResult> results = List.copyOf(writer.prepareCommit());
        writer.close();
        assertThat(results).hasSize(1);
        return Arrays.asList(results.get(0).dataFiles());
    }

    /** The same points through Iceberg's writer of Flink rows, as the sink of every other table. */
    private static DataFile icebergsOwn(Table table, List<MetricPoint> points) throws IOException {
        PartitionKey key = new PartitionKey(table.spec(), table.schema());
        key.partition(new PointStruct(table.schema()).of(points.get(0)));
        var file = table.io().newOutputFile(table.location() + "/data/reference.parquet");
        RowConverters.PointToRow toRow = new RowConverters.PointToRow();
        DataWriter<RowData> writer = Parquet.writeData(file)
                .forTable(table)
                .withSpec(table.spec())
                .withPartition(key)
                .createWriterFunc(type -> FlinkParquetWriters.buildWriter(FlinkSchemaUtil.convert(table.schema()), type))
                .overwrite()
                .build();
        try (writer) {
            for (MetricPoint point : points) {
                writer.write(toRow.map(point));
            }
        }
        return writer.toDataFile();
    }

    private static void commit(Table table, List<DataFile> files) {
        AppendFiles append = table.newAppend();
        files.forEach(append::appendFile);
        append.commit();
    }

    private static List<String> rows(Table table) throws IOException {
        table.refresh();
        List<String> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                Map<String, String> tags = new TreeMap<>();
                ((Map<?, ?>) r.getField("tags")).forEach((k, v) -> tags.put(k.toString(), v.toString()));
                rows.add(String.join("|", r.getField("tenant").toString(), r.getField("metric").toString(),
                        tags.toString(), Long.toHexString(Double.doubleToRawLongBits((Double) r.getField("value"))),
                        Long.toString(micros(r, "ts")), r.getField("series_id").toString(),
                        r.getField("source_topic").toString(), r.getField("source_partition").toString(),
                        r.getField("source_offset").toString(), Long.toString(micros(r, "ingested_at")),
                        String.valueOf(r.getField("source_index"))));
            }
        }
        return rows;
    }

    /** The row a point must read back as, computed from the point alone. */
    private static String row(MetricPoint p) {
        return String.join("|", p.tenant, p.metric, new TreeMap<>(p.tags).toString(),
                Long.toHexString(Double.doubleToRawLongBits(p.value)), Long.toString(p.timestampMicros),
                Long.toString(p.seriesId), p.provenance.topic, Integer.toString(p.provenance.partition),
                Long.toString(p.provenance.offset), Long.toString(p.provenance.ingestedAtMicros),
                Integer.toString(p.provenance.index));
    }

    private static long micros(Record r, String column) {
        return ChronoUnit.MICROS.between(OffsetDateTime.parse("1970-01-01T00:00:00Z"), (OffsetDateTime) r.getField(column));
    }

    private static int id(Table table, String column) {
        return table.schema().findField(column).fieldId();
    }

    /** The data files the table's storage holds now. */
    private static List<String> files(Table table) {
        return RecordingFileIO.CREATED.stream()
                .filter(location -> location.startsWith(table.location() + "/data/"))
                .filter(((InMemoryFileIO) table.io())::fileExists).toList();
    }

    /** The table, its files created through a {@link RecordingFileIO}. */
    private static Table recording(Table table) {
        return withIo(table, new RecordingFileIO());
    }

    /** The table, its files written through {@code io}. */
    static Table withIo(Table table, FileIO io) {
        TableOperations ops = ((HasTableOperations) table).operations();
        return new BaseTable(new TableOperations() {
            @Override
            public TableMetadata current() {
                return ops.current();
            }

            @Override
            public TableMetadata refresh() {
                return ops.refresh();
            }

            @Override
            public void commit(TableMetadata base, TableMetadata metadata) {
                ops.commit(base, metadata);
            }

            @Override
            public FileIO io() {
                return io;
            }

            @Override
            public String metadataFileLocation(String fileName) {
                return ops.metadataFileLocation(fileName);
            }

            @Override
            public LocationProvider locationProvider() {
                return ops.locationProvider();
            }
        }, table.name());
    }

    /** In-memory files whose storage can be taken away: a file then fails as it is finished. */
    static final class FailingFileIO extends RecordingFileIO {
        volatile boolean gone;

        @Override
        public OutputFile newOutputFile(String location) {
            OutputFile file = super.newOutputFile(location);
            return new OutputFile() {
                @Override
                public PositionOutputStream create() {
                    return failing(file.create());
                }

                @Override
                public PositionOutputStream createOrOverwrite() {
                    return failing(file.createOrOverwrite());
                }

                @Override
                public String location() {
                    return file.location();
                }

                @Override
                public InputFile toInputFile() {
                    return file.toInputFile();
                }
            };
        }

        private PositionOutputStream failing(PositionOutputStream stream) {
            return new PositionOutputStream() {
                @Override
                public long getPos() throws IOException {
                    return stream.getPos();
                }

                @Override
                public void write(int b) throws IOException {
                    stream.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    stream.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    if (gone) {
                        throw new IOException("the storage is gone");
                    }
                    stream.close();
                }
            };
        }
    }

    /** In-memory files that remember every file created, so a test can see which are left. */
    static class RecordingFileIO extends InMemoryFileIO {
        static final List<String> CREATED = new CopyOnWriteArrayList<>();

        @Override
        public OutputFile newOutputFile(String location) {
            CREATED.add(location);
            return super.newOutputFile(location);
        }
    }

    /** Points of every shape the normalizer lets through: strings of any script, any tags, days on both sides of 1970. */
    private static List<MetricPoint> points(Random random, int n) {
        List<MetricPoint> points = new ArrayList<>(n);
        double[] values = {0.0, -0.0, 1.5, -1e300, 1e-300, Double.MAX_VALUE, -Double.MIN_VALUE, 42};
        for (int i = 0; i < n; i++) {
            MetricPoint p = new MetricPoint();
            p.tenant = WORDS[random.nextInt(3)];
            p.metric = WORDS[random.nextInt(WORDS.length)];
            Map<String, String> tags = new LinkedHashMap<>();
            for (int t = random.nextInt(4); t > 0; t--) {
                tags.put(WORDS[random.nextInt(WORDS.length)] + t, WORDS[random.nextInt(WORDS.length)]);
            }
            p.tags = tags;
            p.value = random.nextInt(4) == 0 ? values[random.nextInt(values.length)] : random.nextGaussian() * 1e6;
            p.timestampMicros = (random.nextInt(6) - 2) * DAY_MICROS + random.nextLong(DAY_MICROS);
            p.seriesId = random.nextLong();
            p.provenance = new Provenance(random.nextBoolean() ? "points" : "points-b", random.nextInt(12),
                    random.nextLong(Long.MAX_VALUE), random.nextInt(3), 1_795_300_000_000_000L + i);
            points.add(p);
        }
        return points;
    }
}
