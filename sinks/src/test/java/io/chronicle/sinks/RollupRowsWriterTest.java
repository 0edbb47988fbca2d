package io.chronicle.sinks;

import io.chronicle.catalog.RollupTable;
import io.chronicle.core.RollupPolicy.Tier;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
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
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RollupRowsWriter} against a real Iceberg table (in-memory catalog and files): what it
 * writes reads back as the rows, one partition per tenant and UTC day, with the metrics Iceberg's
 * own writer of Flink rows gives the same rows.
 */
class RollupRowsWriterTest {

    private static final long DAY_MICROS = 86_400_000_000L;
    private static final long FIVE_MINUTES = 300_000_000L;
    private static final String[] WORDS = {"cpu", "mem", "π≈3.14", "日本語", "", "a b", "x".repeat(300), "quote\"'\\"};

    private final InMemoryCatalog catalog = new InMemoryCatalog();
    private final CountedMetrics metrics = new CountedMetrics();

    @BeforeEach
    void setUp() {
        catalog.initialize("test", Map.of());
        catalog.createNamespace(Namespace.of("chronicle"));
    }

    @Test
    void everyRowReadsBackAsItselfInItsTenantsAndDaysPartition() throws IOException {
        Table table = tier(Map.of());
        List<RollupRow> rows = rows(new Random(31), 4_000);

        commit(table, write(table, rows));

        assertReadBackByPartition(table, rows);
    }

    @Test
    void rowsAlternatingBetweenTenantsAndDaysEachLandInTheirOwnPartition() throws IOException {
        Table table = tier(Map.of());
        List<RollupRow> rows = new ArrayList<>();
        Random random = new Random(32);
        long[] starts = {-FIVE_MINUTES, 0, DAY_MICROS - FIVE_MINUTES, DAY_MICROS, 0, -FIVE_MINUTES};
        for (int i = 0; i < 60; i++) {
            RollupRow r = rows(random, 1).get(0);
            r.tenant = WORDS[i % 3];
            r.windowStartMicros = starts[i % starts.length];
            r.windowEndMicros = r.windowStartMicros + FIVE_MINUTES;
            rows.add(r);
        }

        commit(table, write(table, rows));

        assertReadBackByPartition(table, rows);
    }

    @Test
    void filesCarryTheMetricsIcebergsOwnWriterGivesTheSameRows() throws IOException {
        Table table = tier(Map.of());
        List<RollupRow> rows = rows(new Random(33), 3_000).stream()
                .peek(r -> {
                    r.tenant = "acme";
                    r.windowStartMicros = Math.floorMod(r.windowStartMicros, DAY_MICROS) + 20_000 * DAY_MICROS;
                })
                .toList();

        List<DataFile> ours = write(table, rows);
        DataFile iceberg = icebergsOwn(table, rows);

        assertThat(ours).hasSize(1);
        DataFile file = ours.get(0);
        assertThat(file.recordCount()).isEqualTo(iceberg.recordCount()).isEqualTo(rows.size());
        assertThat(file.partition().get(0, String.class)).isEqualTo(iceberg.partition().get(0, String.class));
        assertThat(file.partition().get(1, Integer.class)).isEqualTo(iceberg.partition().get(1, Integer.class));
        assertThat(file.valueCounts()).isEqualTo(iceberg.valueCounts());
        assertThat(file.nullValueCounts()).isEqualTo(iceberg.nullValueCounts());
        assertThat(file.nanValueCounts()).isEqualTo(iceberg.nanValueCounts());
        assertThat(file.lowerBounds()).isEqualTo(iceberg.lowerBounds());
        assertThat(file.upperBounds()).isEqualTo(iceberg.upperBounds());
        assertThat(file.nanValueCounts()).containsKeys(id(table, "value_min"), id(table, "counter_increase"));
        assertThat(file.nullValueCounts().get(id(table, "counter_increase"))).isPositive();
    }

    @Test
    void rowsTheFileCouldNotHoldAreSkippedAndCountedAndTheRestWritten() throws IOException {
        Table table = tier(Map.of());
        List<RollupRow> good = rows(new Random(34), 10);
        RollupRow noMetric = rows(new Random(35), 1).get(0);
        noMetric.metric = null;
        RollupRow tagWithoutValue = rows(new Random(36), 1).get(0);
        tagWithoutValue.tags = new HashMap<>(Map.of("host", "a"));
        tagWithoutValue.tags.put("region", null);
        RollupRow noSketch = rows(new Random(37), 1).get(0);
        noSketch.aggregate.sketch = null;
        RollupRow noAggregate = rows(new Random(38), 1).get(0);
        noAggregate.aggregate = null;
        List<RollupRow> all = new ArrayList<>(good);
        all.add(2, noMetric);
        all.add(4, tagWithoutValue);
        all.add(6, noSketch);
        all.add(8, noAggregate);
        all.add(9, null);

        commit(table, write(table, all));

        assertThat(read(table)).containsExactlyInAnyOrderElementsOf(good.stream().map(RollupRowsWriterTest::expected).toList());
        assertThat(metrics.count(ToTableRows.ROWS_SKIPPED)).isEqualTo(5);
    }

    @Test
    void aColumnAddedToTheTableIsWrittenAsNull() throws IOException {
        Table table = tier(Map.of());
        table.updateSchema().addColumn("note", Types.StringType.get()).commit();
        table.refresh();
        List<RollupRow> rows = rows(new Random(39), 100);

        commit(table, write(table, rows));

        assertThat(read(table)).containsExactlyInAnyOrderElementsOf(rows.stream().map(RollupRowsWriterTest::expected).toList());
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).select("note").build()) {
            records.forEach(r -> assertThat(r.getField("note")).isNull());
        }
    }

    @Test
    void aTableNoRollupRowCanFillIsRefusedNamingTheColumn() {
        Table otherType = tier(Map.of());
        otherType.updateSchema().deleteColumn("value_first").commit();
        otherType.updateSchema().renameColumn("sample_count", "value_first").commit();
        assertThatThrownBy(() -> RollupRowsWriter.requireWritable(otherType))
                .hasMessageContaining("column 'value_first'").hasMessageContaining("DOUBLE");

        catalog.dropTable(TableIdentifier.of("chronicle", "rollup_5m"));
        Table requiredIncrease = tier(Map.of());
        requiredIncrease.updateSchema().allowIncompatibleChanges().requireColumn("counter_increase").commit();
        assertThatThrownBy(() -> RollupRowsWriter.requireWritable(requiredIncrease))
                .hasMessageContaining("column 'counter_increase' is required");

        catalog.dropTable(TableIdentifier.of("chronicle", "rollup_5m"));
        Table byValue = tier(Map.of());
        byValue.updateSpec().addField("sample_count").commit();
        assertThatThrownBy(() -> RollupRowsWriter.requireWritable(byValue))
                .hasMessageContaining("column 'sample_count'");
    }

    @Test
    void aWriterWhoseStorageWentAwayFailsAndTheRestoredOneWritesEveryRowOnce() throws IOException {
        PointsRawWriterTest.FailingFileIO storage = new PointsRawWriterTest.FailingFileIO();
        Table table = PointsRawWriterTest.withIo(tier(Map.of(TableProperties.WRITE_TARGET_FILE_SIZE_BYTES, "1")), storage);
        List<RollupRow> rows = rows(new Random(40), 2_500).stream()
                .peek(r -> {
                    r.tenant = "acme";
                    r.windowStartMicros = Math.floorMod(r.windowStartMicros, DAY_MICROS);
                })
                .toList();

        RollupRowsWriter failed = new RollupRowsWriter(table, 0, 0, metrics);
        storage.gone = true;
        assertThatThrownBy(() -> {
            for (RollupRow row : rows) {
                failed.write(row, null);
            }
        }).hasStackTraceContaining("the storage is gone");
        storage.gone = false;
        failed.close();

        // Restored: the same rows again, as the tier emits them again from the last checkpoint.
        List<DataFile> files = write(table, rows);
        commit(table, files);

        assertThat(read(table)).containsExactlyInAnyOrderElementsOf(rows.stream().map(RollupRowsWriterTest::expected).toList());
        assertThat(files).extracting(DataFile::recordCount).containsExactly(1_000L, 1_000L, 500L);
    }

    private Table tier(Map<String, String> extra) {
        RollupTable definition = new RollupTable(Tier.parse("test", "5m"));
        Schema schema = definition.schema();
        Map<String, String> properties = new HashMap<>(definition.properties());
        properties.putAll(extra);
        return catalog.buildTable(TableIdentifier.of("chronicle", definition.tableName()), schema)
                .withPartitionSpec(definition.spec(schema))
                .withSortOrder(definition.sortOrder(schema))
                .withProperties(properties)
                .create();
    }

    private List<DataFile> write(Table table, List<RollupRow> rows) throws IOException {
        RollupRowsWriter writer = new RollupRowsWriter(table, 0, 0, metrics);
        for (RollupRow row : rows) {
            writer.write(row, null);
        }
        List<WriteResult> results = List.copyOf(writer.prepareCommit());
        writer.close();
        assertThat(results).hasSize(1);
        return Arrays.asList(results.get(0).dataFiles());
    }

    /** The same rows through Iceberg's writer of Flink rows, as the tiers were written before. */
    private static DataFile icebergsOwn(Table table, List<RollupRow> rows) throws IOException {
        PartitionKey key = new PartitionKey(table.spec(), table.schema());
        RowConverters.RollupToRow toRow = new RowConverters.RollupToRow();
        key.partition(new RollupStruct(table.schema()).of(rows.get(0)));
        var file = table.io().newOutputFile(table.location() + "/data/reference.parquet");
        DataWriter<RowData> writer = Parquet.writeData(file)
                .forTable(table)
                .withSpec(table.spec())
                .withPartition(key)
                .createWriterFunc(type -> FlinkParquetWriters.buildWriter(FlinkSchemaUtil.convert(table.schema()), type))
                .overwrite()
                .build();
        try (writer) {
            for (RollupRow row : rows) {
                writer.write(toRow.map(row));
            }
        }
        return writer.toDataFile();
    }

    private static void commit(Table table, List<DataFile> files) {
        AppendFiles append = table.newAppend();
        files.forEach(append::appendFile);
        append.commit();
    }

    /** The table holds exactly the rows, each in files of its tenant's and day's partition. */
    private static void assertReadBackByPartition(Table table, List<RollupRow> rows) throws IOException {
        assertThat(read(table)).containsExactlyInAnyOrderElementsOf(rows.stream().map(RollupRowsWriterTest::expected).toList());
        Map<String, Long> perPartition = rows.stream().collect(Collectors.groupingBy(
                r -> r.tenant + "/" + Math.floorDiv(r.windowStartMicros, DAY_MICROS), TreeMap::new, Collectors.counting()));
        assertThat(rowsPerPartition(table)).isEqualTo(perPartition);
    }

    /** Each data file's rows, by its partition's tenant and day. */
    private static Map<String, Long> rowsPerPartition(Table table) throws IOException {
        table.refresh();
        Map<String, Long> rows = new TreeMap<>();
        try (var tasks = table.newScan().planFiles()) {
            tasks.forEach(task -> rows.merge(task.file().partition().get(0, String.class) + "/"
                    + task.file().partition().get(1, Integer.class), task.file().recordCount(), Long::sum));
        }
        return rows;
    }

    private static List<String> read(Table table) throws IOException {
        table.refresh();
        List<String> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                Map<String, String> tags = new TreeMap<>();
                ((Map<?, ?>) r.getField("tags")).forEach((k, v) -> tags.put(k.toString(), v.toString()));
                Double increase = (Double) r.getField("counter_increase");
                ByteBuffer sketch = (ByteBuffer) r.getField("sketch");
                byte[] sketchBytes = new byte[sketch.remaining()];
                sketch.duplicate().get(sketchBytes);
                rows.add(String.join("|", r.getField("tenant").toString(), r.getField("metric").toString(),
                        tags.toString(), r.getField("series_id").toString(),
                        Long.toString(micros(r, "window_start")), Long.toString(micros(r, "window_end")),
                        r.getField("sample_count").toString(), bits((Double) r.getField("value_sum")),
                        bits((Double) r.getField("value_min")), bits((Double) r.getField("value_max")),
                        bits((Double) r.getField("value_first")), Long.toString(micros(r, "first_ts")),
                        bits((Double) r.getField("value_last")), Long.toString(micros(r, "last_ts")),
                        bits((Double) r.getField("value_sum_squares")), increase == null ? "null" : bits(increase),
                        HexFormat.of().formatHex(sketchBytes)));
            }
        }
        return rows;
    }

    /** The row a rollup row must read back as, computed from its fields alone. */
    private static String expected(RollupRow r) {
        RollupAggregate a = r.aggregate;
        return String.join("|", r.tenant, r.metric, new TreeMap<>(r.tags).toString(), Long.toString(r.seriesId),
                Long.toString(r.windowStartMicros), Long.toString(r.windowEndMicros), Long.toString(a.count),
                bits(a.sum + a.sumCompensation), bits(a.min), bits(a.max), bits(a.firstValue),
                Long.toString(a.firstTsMicros), bits(a.lastValue), Long.toString(a.lastTsMicros),
                bits(a.sumSquares + a.sumSquaresCompensation),
                r.counter ? bits(a.increase + a.increaseCompensation) : "null", HexFormat.of().formatHex(a.sketch));
    }

    private static String bits(double v) {
        return Long.toHexString(Double.doubleToRawLongBits(v));
    }

    private static long micros(Record r, String column) {
        return ChronoUnit.MICROS.between(OffsetDateTime.parse("1970-01-01T00:00:00Z"), (OffsetDateTime) r.getField(column));
    }

    private static int id(Table table, String column) {
        return table.schema().findField(column).fieldId();
    }

    /** Rows of every shape a tier makes: strings of any script, any tags, counters and gauges, days on both sides of 1970. */
    private static List<RollupRow> rows(Random random, int n) {
        List<RollupRow> rows = new ArrayList<>(n);
        double[] values = {0.0, -0.0, 1.5, -1e300, 1e-300, Double.MAX_VALUE, -Double.MIN_VALUE, 42, Double.NaN};
        for (int i = 0; i < n; i++) {
            RollupRow r = new RollupRow();
            r.tenant = WORDS[random.nextInt(3)];
            r.metric = WORDS[random.nextInt(WORDS.length)];
            Map<String, String> tags = new LinkedHashMap<>();
            for (int t = random.nextInt(4); t > 0; t--) {
                tags.put(WORDS[random.nextInt(WORDS.length)] + t, WORDS[random.nextInt(WORDS.length)]);
            }
            r.tags = tags;
            r.seriesId = random.nextLong();
            r.windowStartMicros = (random.nextInt(6) - 2) * DAY_MICROS + random.nextLong(DAY_MICROS / FIVE_MINUTES) * FIVE_MINUTES;
            r.windowEndMicros = r.windowStartMicros + FIVE_MINUTES;
            r.counter = random.nextBoolean();
            RollupAggregate a = new RollupAggregate();
            a.count = 1 + random.nextInt(1_000);
            a.sum = value(random, values);
            a.sumCompensation = random.nextBoolean() ? 0 : random.nextGaussian() * 1e-9;
            a.min = value(random, values);
            a.max = value(random, values);
            a.firstValue = value(random, values);
            a.firstTsMicros = r.windowStartMicros + random.nextLong(FIVE_MINUTES);
            a.lastValue = value(random, values);
            a.lastTsMicros = r.windowStartMicros + random.nextLong(FIVE_MINUTES);
            a.sumSquares = Math.abs(value(random, values));
            a.increase = Math.abs(value(random, values));
            a.sketch = new byte[1 + random.nextInt(64)];
            random.nextBytes(a.sketch);
            r.aggregate = a;
            rows.add(r);
        }
        return rows;
    }

    private static double value(Random random, double[] values) {
        return random.nextInt(4) == 0 ? values[random.nextInt(values.length)] : random.nextGaussian() * 1e6;
    }
}
