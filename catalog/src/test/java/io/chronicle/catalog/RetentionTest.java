package io.chronicle.catalog;

import io.chronicle.catalog.Retention.Plan;
import io.chronicle.catalog.Retention.Result;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.RollupPolicy.Tier;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Retention of tables that are not partitioned by tenant (points_raw, rejected) against a real
 * Iceberg JDBC catalog on SQLite, files in memory: every day's rows of all tenants share one file,
 * so per-tenant cutoffs cut through files. What remains is compared with cutoffs worked out by
 * hand from the configuration below.
 */
class RetentionTest {

    private static final Instant NOW = Instant.parse("2026-11-15T10:30:00Z");
    private static final Instant FIRST_DAY = Instant.parse("2026-11-03T00:00:00Z");
    private static final int DAYS = 13;
    private static final List<String> TENANTS = List.of("a", "b", "c", "d");

    /**
     * points_raw: global 7 d, tenant a 2 d, domain eu (tenant c) 10 d; b has settings of its own
     * but keeps the global retention; d is named nowhere. rejected: global 30 d, a 3 d.
     */
    private static final Map<String, String> POLICY = Map.of(
            "chronicle.rollup.enabled", "false",
            "chronicle.rollup.tenants.a.retention.points_raw", "2 d",
            "chronicle.rollup.tenants.a.retention.rejected", "3 d",
            "chronicle.rollup.tenants.b.allowed-lateness", "1 min",
            "chronicle.rollup.domains.eu.tenants", "c",
            "chronicle.rollup.domains.eu.retention.points_raw", "10 d");

    /** NOW minus each retention, floored to the UTC day. */
    private static final Map<String, Instant> RAW_CUTOFFS = Map.of(
            "a", Instant.parse("2026-11-13T00:00:00Z"),
            "b", Instant.parse("2026-11-08T00:00:00Z"),
            "c", Instant.parse("2026-11-05T00:00:00Z"),
            "d", Instant.parse("2026-11-08T00:00:00Z"));

    @TempDir
    Path dir;

    private Configuration conf;
    private Catalog catalog;
    private Table raw;
    private Table rejected;

    @BeforeEach
    void createTables() {
        Map<String, String> values = new HashMap<>(POLICY);
        values.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("chronicle.catalog.db"));
        values.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), dir.resolve("warehouse").toUri().toString());
        values.put(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "io-impl", "org.apache.iceberg.inmemory.InMemoryFileIO");
        conf = ChronicleConfig.validated(Configuration.fromMap(values));
        catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        Map<String, Table> tables = TableBootstrap.ensureTables(catalog,
                conf.get(ChronicleOptions.CATALOG_NAMESPACE), ChronicleTable.POINTS_RAW, ChronicleTable.REJECTED);
        raw = tables.get("points_raw");
        rejected = tables.get("rejected");
    }

    @AfterEach
    void closeCatalog() throws IOException {
        ((Closeable) catalog).close();
    }

    @Test
    void perTenantCutoffsInsideSharedDayPartitionsKeepExactlyEachTenantsRows() throws IOException {
        writeEveryDay(raw);
        Set<String> before = rows(raw);
        Set<String> untouchedFiles = filesOfDaysFrom(raw, Instant.parse("2026-11-13T00:00:00Z"));

        List<Result> dry = Retention.run(conf, NOW, true);
        assertThat(rows(raw)).isEqualTo(before);
        List<Result> results = Retention.run(conf, NOW, false);

        Set<String> kept = keptOf(before, RAW_CUTOFFS);
        assertThat(rows(raw)).isEqualTo(kept);
        Result rawResult = results.stream().filter(r -> r.table().equals("points_raw")).findFirst().orElseThrow();
        // Days before c's cutoff expire for everyone: dropped; days up to a's cutoff are rewritten.
        assertThat(rawResult.deletedRecords()).isEqualTo(before.size() - kept.size());
        assertThat(rawResult.deletedDataFiles()).isEqualTo(2);
        assertThat(rawResult.rewrittenDataFiles()).isEqualTo(8);
        Result dryRaw = dry.stream().filter(r -> r.table().equals("points_raw")).findFirst().orElseThrow();
        assertThat(dryRaw.snapshotId()).isEmpty();
        assertThat(List.of(dryRaw.deletedRecords(), dryRaw.deletedDataFiles(), dryRaw.rewrittenDataFiles()))
                .containsExactly(rawResult.deletedRecords(), 2L, 8L);
        // Days no tenant's cutoff reaches are never rewritten.
        assertThat(filesOfDaysFrom(raw, Instant.parse("2026-11-13T00:00:00Z"))).isEqualTo(untouchedFiles);

        long snapshot = raw.currentSnapshot().snapshotId();
        assertThat(Retention.run(conf, NOW, false)).allSatisfy(r -> assertThat(r.snapshotId()).isEmpty());
        raw.refresh();
        assertThat(raw.currentSnapshot().snapshotId()).isEqualTo(snapshot);
    }

    @Test
    void rowsAppendedWhileARoundRunsAreKeptAndExpireNextRound() throws IOException {
        writeEveryDay(raw);
        Set<String> before = rows(raw);
        Plan plan = Retention.plan(catalog, conf.get(ChronicleOptions.CATALOG_NAMESPACE),
                RollupPolicy.from(conf), false, NOW).stream()
                .filter(p -> p.cutoffs().table().equals("points_raw")).findFirst().orElseThrow();

        // A writer commits while the round is planned: a's row is already past its cutoff.
        Instant late = Instant.parse("2026-11-10T06:00:00Z");
        raw.newAppend().appendFile(dataFile(raw, List.of(point("a", late), point("b", late)))).commit();
        Retention.apply(plan);

        Set<String> expected = keptOf(before, RAW_CUTOFFS);
        expected.add("a " + late);
        expected.add("b " + late);
        assertThat(rows(raw)).isEqualTo(expected);

        Retention.run(conf, NOW, false);
        expected.remove("a " + late);
        assertThat(rows(raw)).isEqualTo(expected);
    }

    @Test
    void aRoundWhoseFilesChangedMeanwhileCommitsNothingAndTheNextIsExact() throws IOException {
        writeEveryDay(raw);
        Set<String> before = rows(raw);
        RollupPolicy policy = RollupPolicy.from(conf);
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        Plan first = planOf(Retention.plan(catalog, namespace, policy, false, NOW), "points_raw");
        Plan second = planOf(Retention.plan(catalog, namespace, policy, false, NOW), "points_raw");

        Retention.apply(first);
        Set<String> afterFirst = rows(raw);
        assertThatThrownBy(() -> Retention.apply(second)).isInstanceOf(ValidationException.class);

        assertThat(rows(raw)).isEqualTo(afterFirst).isEqualTo(keptOf(before, RAW_CUTOFFS));
    }

    @Test
    void rowsWithoutATenantFollowTheGlobalRetention() throws IOException {
        Instant old = Instant.parse("2026-10-01T12:00:00Z");
        Instant recent = Instant.parse("2026-11-14T12:00:00Z");
        Instant week = Instant.parse("2026-11-08T12:00:00Z");
        rejected.newAppend().appendFile(dataFile(rejected, List.of(
                refused(null, old), refused("a", old), refused("b", old)))).commit();
        rejected.newAppend().appendFile(dataFile(rejected, List.of(
                refused(null, week), refused("a", week), refused("b", week)))).commit();
        rejected.newAppend().appendFile(dataFile(rejected, List.of(
                refused(null, recent), refused("a", recent)))).commit();

        Retention.run(conf, NOW, false);

        // Global 30 d: before 2026-10-16; a: 3 d, before 2026-11-12.
        assertThat(rows(rejected)).containsExactlyInAnyOrder(
                "null " + week, "b " + week, "null " + recent, "a " + recent);
    }

    @Test
    void rawPointsWaitForEveryTierOfTheirTenant() {
        RollupPolicy policy = RollupPolicy.from(Configuration.fromMap(Map.of(
                "chronicle.rollup.tiers", "5m;1h",
                "chronicle.rollup.allowed-lateness", "10 min",
                "chronicle.rollup.tenants.solo.tiers", "5m")));
        Tier t5m = Tier.parse("t", "5m");
        Tier t1h = Tier.parse("t", "1h");
        Map<Tier, Optional<Instant>> progress = Map.of(
                t5m, Optional.of(Instant.parse("2026-11-15T00:09:00Z")),
                t1h, Optional.of(Instant.parse("2026-11-11T00:10:00Z")));

        // 1h complete through 2026-11-11T00:00 (00:10 less 10 min lateness): the 7 d cutoff holds.
        assertThat(Retention.rawCutoff(policy.global(), NOW, true, progress))
                .contains(Instant.parse("2026-11-08T00:00:00Z"));
        // Seven days later the 1h tier's progress holds the cutoff back to its day.
        assertThat(Retention.rawCutoff(policy.global(), Instant.parse("2026-11-22T10:30:00Z"), true, progress))
                .contains(Instant.parse("2026-11-11T00:00:00Z"));
        // 1h lags at 2026-11-11T00:10: 00:00 less lateness is 2026-11-10T23:59:59 and its day.
        assertThat(Retention.rawCutoff(policy.global(), Instant.parse("2026-11-25T00:00:00Z"), true,
                Map.of(t5m, progress.get(t5m), t1h, Optional.of(Instant.parse("2026-11-11T00:09:59Z")))))
                .contains(Instant.parse("2026-11-10T00:00:00Z"));
        // A tenant without the 1h tier waits only for 5m.
        assertThat(Retention.rawCutoff(policy.forTenant("solo"), Instant.parse("2026-11-22T10:30:00Z"), true, progress))
                .contains(Instant.parse("2026-11-14T00:00:00Z"));
        // A tier that never recorded progress holds everything; with rollups off nothing waits.
        assertThat(Retention.rawCutoff(policy.global(), NOW, true, Map.of(t5m, progress.get(t5m)))).isEmpty();
        assertThat(Retention.rawCutoff(policy.global(), NOW, false, Map.of()))
                .contains(Instant.parse("2026-11-08T00:00:00Z"));
    }

    private static Plan planOf(List<Plan> plans, String table) {
        return plans.stream().filter(p -> p.cutoffs().table().equals(table)).findFirst().orElseThrow();
    }

    /** One file per day, with a row of each tenant at midnight and at noon. */
    private static void writeEveryDay(Table table) throws IOException {
        for (int d = 0; d < DAYS; d++) {
            Instant day = FIRST_DAY.plus(d, ChronoUnit.DAYS);
            List<Record> rows = new ArrayList<>();
            for (String tenant : TENANTS) {
                rows.add(point(tenant, day));
                rows.add(point(tenant, day.plus(12, ChronoUnit.HOURS)));
            }
            table.newAppend().appendFile(dataFile(table, rows)).commit();
        }
    }

    private static Set<String> filesOfDaysFrom(Table table, Instant from) throws IOException {
        table.refresh();
        Set<String> files = new TreeSet<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            for (FileScanTask task : tasks) {
                long days = ((Number) task.file().partition().get(0, Integer.class)).longValue();
                if (!Instant.EPOCH.plus(days, ChronoUnit.DAYS).isBefore(from)) {
                    files.add(task.file().location());
                }
            }
        }
        return files;
    }

    private static Set<String> keptOf(Set<String> rows, Map<String, Instant> cutoffs) {
        return rows.stream().filter(r -> {
            String[] parts = r.split(" ");
            return !Instant.parse(parts[1]).isBefore(cutoffs.get(parts[0]));
        }).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Every live row as {@code "tenant time"}. */
    private static Set<String> rows(Table table) throws IOException {
        table.refresh();
        String time = table.name().endsWith("rejected") ? "rejected_at" : "ts";
        Set<String> rows = new TreeSet<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record r : records) {
                rows.add(r.getField("tenant") + " " + ((OffsetDateTime) r.getField(time)).toInstant());
            }
        }
        return rows;
    }

    private static Record point(String tenant, Instant ts) {
        OffsetDateTime at = ts.atOffset(ZoneOffset.UTC);
        GenericRecord r = GenericRecord.create(ChronicleTable.POINTS_RAW.schema());
        r.setField("tenant", tenant);
        r.setField("metric", "cpu");
        r.setField("tags", Map.of("host", "h1"));
        r.setField("value", 1.0);
        r.setField("ts", at);
        r.setField("series_id", 7L);
        r.setField("source_topic", "points");
        r.setField("source_partition", 0);
        r.setField("source_offset", 1L);
        r.setField("ingested_at", at);
        return r;
    }

    private static Record refused(String tenant, Instant at) {
        OffsetDateTime time = at.atOffset(ZoneOffset.UTC);
        GenericRecord r = GenericRecord.create(ChronicleTable.REJECTED.schema());
        r.setField("reason_code", "invalid_json");
        r.setField("reason", "bad");
        r.setField("tenant", tenant);
        r.setField("kafka_timestamp", time);
        r.setField("source_topic", "points");
        r.setField("source_partition", 0);
        r.setField("source_offset", 1L);
        r.setField("rejected_at", time);
        return r;
    }

    /** {@code rows}, all of one partition, written as one data file. */
    private static DataFile dataFile(Table table, List<Record> rows) throws IOException {
        PartitionKey partition = new PartitionKey(table.spec(), table.schema());
        partition.partition(new InternalRecordWrapper(table.schema().asStruct()).wrap(rows.get(0)));
        DataWriter<Record> writer = new GenericFileWriterFactory.Builder(table)
                .dataFileFormat(FileFormat.PARQUET)
                .build()
                .newDataWriter(OutputFileFactory.builderFor(table, 1, System.nanoTime()).format(FileFormat.PARQUET)
                        .build().newOutputFile(table.spec(), partition), table.spec(), partition);
        try (writer) {
            rows.forEach(writer::write);
        }
        return writer.toDataFile();
    }
}
