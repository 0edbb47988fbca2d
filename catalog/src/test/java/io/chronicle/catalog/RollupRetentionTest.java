package io.chronicle.catalog;

import io.chronicle.catalog.Retention.Cutoffs;
import io.chronicle.catalog.Retention.Result;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.RollupPolicy.Tier;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DeleteFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention against a real Iceberg JDBC catalog on SQLite, with Parquet files in memory:
 * rows of several tenants and days are written, expired at a fixed instant, and what remains is
 * compared with cutoffs worked out by hand from the configuration below.
 */
class RollupRetentionTest {

    private static final Tier T5M = Tier.parse("t", "5m");
    private static final Tier T1H = Tier.parse("t", "1h");
    private static final Instant NOW = Instant.parse("2026-11-15T10:30:00Z");
    private static final Instant FIRST_DAY = Instant.parse("2026-11-03T00:00:00Z");
    private static final int DAYS = 13;
    private static final List<String> TENANTS = List.of("a", "b", "c", "d");

    /**
     * Global 5m: 3 d. Tenant a: 5m 1 d, 1h 2 d. Tenant b has settings of its own but inherits the
     * global retention. Domain eu (tenant c): 5m 10 d. Tenant d is named nowhere. 1h has no global
     * retention, so only tenant a's 1h rows ever expire.
     */
    private static final Map<String, String> POLICY = Map.of(
            "chronicle.rollup.tiers", "5m;1h",
            "chronicle.rollup.retention.5m", "3 d",
            "chronicle.rollup.tenants.a.retention.5m", "1 d",
            "chronicle.rollup.tenants.a.retention.1h", "2 d",
            "chronicle.rollup.tenants.b.allowed-lateness", "1 min",
            "chronicle.rollup.domains.eu.tenants", "c",
            "chronicle.rollup.domains.eu.retention.5m", "10 d");

    /** NOW minus each retention, floored to the UTC day; absent means kept. */
    private static final Map<String, Instant> CUTOFFS_5M = Map.of(
            "a", Instant.parse("2026-11-14T00:00:00Z"),
            "b", Instant.parse("2026-11-12T00:00:00Z"),
            "c", Instant.parse("2026-11-05T00:00:00Z"),
            "d", Instant.parse("2026-11-12T00:00:00Z"));
    private static final Map<String, Instant> CUTOFFS_1H = Map.of(
            "a", Instant.parse("2026-11-13T00:00:00Z"));

    @TempDir
    Path dir;

    private Configuration conf;
    private Catalog catalog;
    private Table rollup5m;
    private Table rollup1h;

    @BeforeEach
    void createTables() throws IOException {
        conf = configuration(POLICY);
        catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        Map<String, Table> tables = TableBootstrap.ensureTables(catalog,
                conf.get(ChronicleOptions.CATALOG_NAMESPACE), new RollupTable(T5M), new RollupTable(T1H));
        rollup5m = tables.get("rollup_5m");
        rollup1h = tables.get("rollup_1h");
    }

    @AfterEach
    void closeCatalog() throws IOException {
        ((Closeable) catalog).close();
    }

    /**
     * The test's catalog: SQLite in the temp dir. Files are kept in memory (per warehouse path, so
     * per test): Hadoop's local file system needs libraries the project leaves out.
     */
    private Configuration configuration(Map<String, String> policy) {
        Map<String, String> values = new HashMap<>(policy);
        values.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("chronicle.catalog.db"));
        values.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), dir.resolve("warehouse").toUri().toString());
        values.put(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "io-impl",
                "org.apache.iceberg.inmemory.InMemoryFileIO");
        return ChronicleConfig.validated(Configuration.fromMap(values));
    }

    @Test
    void expiresWholeDaysBeforeEachTenantsCutoffAndKeepsTheRest() throws IOException {
        int filesPerTable = writeEveryTenantAndDay(rollup5m, "23:55");
        writeEveryTenantAndDay(rollup1h, "23:00");
        Set<String> rows5m = rows(rollup5m);
        Set<String> rows1h = rows(rollup1h);
        assertThat(rows5m).hasSize(filesPerTable * 2);

        List<Result> results = Retention.run(conf, NOW, false);

        Set<String> kept5m = keptOf(rows5m, CUTOFFS_5M);
        Set<String> kept1h = keptOf(rows1h, CUTOFFS_1H);
        assertThat(rows(rollup5m)).isEqualTo(kept5m);
        assertThat(rows(rollup1h)).isEqualTo(kept1h);
        assertThat(results).extracting(Result::table).containsExactly("rollup_5m", "rollup_1h");
        assertDeleted(results.get(0), rows5m.size() - kept5m.size());
        assertDeleted(results.get(1), rows1h.size() - kept1h.size());
        // Flooring to the day: a's 5m cutoff is 2026-11-14T00:00, not NOW minus one day.
        assertThat(kept5m).contains("a 2026-11-14T00:00:00Z").doesNotContain("a 2026-11-13T23:55:00Z");
    }

    /** Every file holds one tenant's day, two rows each: whole files go, row count = 2 × files. */
    private static void assertDeleted(Result result, int rowsGone) {
        assertThat(result.snapshotId()).isPresent();
        assertThat(result.deletedRecords()).isEqualTo(rowsGone);
        assertThat(result.deletedDataFiles()).isEqualTo(rowsGone / 2);
        assertThat(result.removedDeleteFiles()).isZero();
    }

    @Test
    void secondRunFindsNothingAndCommitsNothing() throws IOException {
        writeEveryTenantAndDay(rollup5m, "23:55");
        writeEveryTenantAndDay(rollup1h, "23:00");
        Retention.run(conf, NOW, false);
        long snapshot5m = currentSnapshot(rollup5m);
        long snapshot1h = currentSnapshot(rollup1h);

        List<Result> again = Retention.run(conf, NOW, false);

        assertThat(again).allSatisfy(r -> {
            assertThat(r.snapshotId()).isEmpty();
            assertThat(r.deletedDataFiles()).isZero();
            assertThat(r.deletedRecords()).isZero();
        });
        assertThat(currentSnapshot(rollup5m)).isEqualTo(snapshot5m);
        assertThat(currentSnapshot(rollup1h)).isEqualTo(snapshot1h);
    }

    @Test
    void tierWithoutRetentionForAnyTenantIsNeverTouched() throws IOException {
        Configuration keepAll = configuration(Map.of("chronicle.rollup.tiers", "5m;1h"));
        writeEveryTenantAndDay(rollup5m, "23:55");
        long before = currentSnapshot(rollup5m);
        Set<String> rowsBefore = rows(rollup5m);

        List<Result> results = Retention.run(keepAll, NOW, false);

        assertThat(results).allSatisfy(r -> assertThat(r.snapshotId()).isEmpty());
        assertThat(currentSnapshot(rollup5m)).isEqualTo(before);
        assertThat(rows(rollup5m)).isEqualTo(rowsBefore);
    }

    @Test
    void deleteFilesOfExpiredDaysGoWithTheirDataAndOthersStillApply() throws IOException {
        Instant expiredDay = Instant.parse("2026-11-10T00:00:00Z");
        Instant keptDay = Instant.parse("2026-11-13T00:00:00Z");
        for (Instant day : List.of(expiredDay, keptDay)) {
            rollup5m.newAppend().appendFile(dataFile(rollup5m,
                    List.of(row("d", day), row("d", day.plus(5, ChronoUnit.MINUTES))))).commit();
            // As a rebuild does: an equality delete of the day's first window.
            rollup5m.newRowDelta().addDeletes(equalityDelete(rollup5m, "d", day)).commit();
        }

        Result result = Retention.apply(Retention.plan(rollup5m, cutoffs5m(RollupPolicy.from(conf))));

        assertThat(rows(rollup5m)).containsExactly("d 2026-11-13T00:05:00Z");
        assertThat(result.deletedDataFiles()).isEqualTo(1);
        assertThat(result.deletedRecords()).isEqualTo(2);
        assertThat(result.removedDeleteFiles()).isEqualTo(1);
    }

    @Test
    void cutoffsNameEveryTenantWithSettingsAndEveryoneElse() {
        RollupPolicy policy = RollupPolicy.from(conf);

        assertThat(cutoffs5m(policy)).hasToString(
                "tenant a before 2026-11-14T00:00:00Z, tenant b before 2026-11-12T00:00:00Z,"
                        + " tenant c before 2026-11-05T00:00:00Z, other tenants before 2026-11-12T00:00:00Z");
        assertThat(Cutoffs.of("rollup_1h", COLUMNS, policy,
                s -> s.retention(T1H).map(keep -> Retention.cutoff(NOW, keep)))).hasToString(
                "tenant a before 2026-11-13T00:00:00Z, tenant b kept, tenant c kept, other tenants kept");
        assertThat(cutoffs5m(RollupPolicy.from(new Configuration())).filter(rollup5m.schema())).isEmpty();
    }

    private static final Retention.Columns COLUMNS = new Retention.Columns(RollupTable.TENANT, RollupTable.WINDOW_START);

    private static Cutoffs cutoffs5m(RollupPolicy policy) {
        return Cutoffs.of("rollup_5m", COLUMNS, policy, s -> s.retention(T5M).map(keep -> Retention.cutoff(NOW, keep)));
    }

    /** One file per tenant and day, with that day's midnight window and the one at {@code lastWindow}. */
    private int writeEveryTenantAndDay(Table table, String lastWindow) throws IOException {
        AppendFiles append = table.newAppend();
        int files = 0;
        for (String tenant : TENANTS) {
            for (int d = 0; d < DAYS; d++) {
                Instant day = FIRST_DAY.plus(d, ChronoUnit.DAYS);
                Instant last = Instant.parse(day.toString().substring(0, 11) + lastWindow + ":00Z");
                append.appendFile(dataFile(table, List.of(row(tenant, day), row(tenant, last))));
                files++;
            }
        }
        append.commit();
        return files;
    }

    /** The rows whose window starts at or after their tenant's cutoff (no cutoff: all). */
    private static Set<String> keptOf(Set<String> rows, Map<String, Instant> cutoffs) {
        return rows.stream().filter(r -> {
            String[] parts = r.split(" ");
            Instant cutoff = cutoffs.get(parts[0]);
            return cutoff == null || !Instant.parse(parts[1]).isBefore(cutoff);
        }).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every live row as {@code "tenant window_start"}. */
    private static Set<String> rows(Table table) throws IOException {
        table.refresh();
        Set<String> rows = new TreeSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                rows.add(r.getField(RollupTable.TENANT) + " "
                        + ((OffsetDateTime) r.getField(RollupTable.WINDOW_START)).toInstant());
            }
        }
        return rows;
    }

    private static long currentSnapshot(Table table) {
        table.refresh();
        return table.currentSnapshot().snapshotId();
    }

    private static Record row(String tenant, Instant windowStart) {
        OffsetDateTime start = windowStart.atOffset(ZoneOffset.UTC);
        GenericRecord r = GenericRecord.create(new RollupTable(T5M).schema());
        r.setField(RollupTable.TENANT, tenant);
        r.setField("metric", "cpu");
        r.setField("tags", Map.of("host", "h1"));
        r.setField("series_id", 7L);
        r.setField(RollupTable.WINDOW_START, start);
        r.setField("window_end", start.plusMinutes(5));
        r.setField("sample_count", 1L);
        r.setField("value_sum", 1.0);
        r.setField("value_min", 1.0);
        r.setField("value_max", 1.0);
        r.setField("value_first", 1.0);
        r.setField("first_ts", start);
        r.setField("value_last", 1.0);
        r.setField("last_ts", start);
        r.setField("value_sum_squares", 1.0);
        r.setField("sketch", ByteBuffer.wrap(new byte[] {1}));
        return r;
    }

    /** {@code rows}, all of one partition, written as one data file. */
    private static DataFile dataFile(Table table, List<Record> rows) throws IOException {
        PartitionKey partition = partitionOf(table, rows.get(0));
        DataWriter<Record> writer = new GenericFileWriterFactory.Builder(table)
                .dataFileFormat(FileFormat.PARQUET)
                .build()
                .newDataWriter(files(table).newOutputFile(table.spec(), partition), table.spec(), partition);
        try (writer) {
            rows.forEach(writer::write);
        }
        return writer.toDataFile();
    }

    private static DeleteFile equalityDelete(Table table, String tenant, Instant windowStart)
            throws IOException {
        Schema deleteSchema = table.schema().select(RollupTable.WINDOW_START);
        PartitionKey partition = partitionOf(table, row(tenant, windowStart));
        EqualityDeleteWriter<Record> writer = new GenericFileWriterFactory.Builder(table)
                .deleteFileFormat(FileFormat.PARQUET)
                .equalityFieldIds(new int[] {deleteSchema.findField(RollupTable.WINDOW_START).fieldId()})
                .equalityDeleteRowSchema(deleteSchema)
                .build()
                .newEqualityDeleteWriter(files(table).newOutputFile(table.spec(), partition),
                        table.spec(), partition);
        try (writer) {
            writer.write(GenericRecord.create(deleteSchema)
                    .copy(RollupTable.WINDOW_START, windowStart.atOffset(ZoneOffset.UTC)));
        }
        return writer.toDeleteFile();
    }

    private static PartitionKey partitionOf(Table table, Record row) {
        PartitionKey key = new PartitionKey(table.spec(), table.schema());
        key.partition(new InternalRecordWrapper(table.schema().asStruct()).wrap(row));
        return key;
    }

    private static OutputFileFactory files(Table table) {
        return OutputFileFactory.builderFor(table, 1, System.nanoTime()).format(FileFormat.PARQUET).build();
    }
}
