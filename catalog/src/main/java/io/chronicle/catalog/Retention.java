package io.chronicle.catalog;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.RollupPolicy.Settings;
import io.chronicle.core.RollupPolicy.Tier;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.RewriteFiles;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.expressions.StrictMetricsEvaluator;
import org.apache.iceberg.formats.FormatModelRegistry;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericDeleteFilter;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Evaluator;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

/**
 * Retention of every Chronicle table, per tenant ({@link RollupPolicy}: tenant → domain →
 * global). Cutoffs fall on UTC days. A table's round is planned against one snapshot, then
 * committed once:
 *
 * <ul>
 *   <li>when every matching file is wholly expired (the rollup tiers, partitioned by tenant and
 *       day, always; the other tables when no tenant's cutoff cuts through a file), a
 *       metadata-only {@code DeleteFiles} drops them;</li>
 *   <li>otherwise the wholly expired files are dropped and each file holding expired and kept rows
 *       is rewritten with its kept rows, in one {@code RewriteFiles} validated from the planned
 *       snapshot and carrying its data sequence number, so rows appended meanwhile are untouched,
 *       equality deletes committed meanwhile still apply, and a delete or compaction of the same
 *       files fails the commit, to be planned again next round.</li>
 * </ul>
 *
 * <p>Raw points also wait for their tiers: a tenant's points_raw cutoff never passes the UTC day of
 * the earliest window any of its tiers has not yet committed ({@link TierProgress}); a tier that
 * has never recorded its progress keeps all of them.
 */
public final class Retention {

    /** Snapshot summary key naming the cutoffs a retention commit applied. */
    public static final String SUMMARY_PROPERTY = "chronicle.retention";

    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final String POINTS_RAW = ChronicleTable.POINTS_RAW.tableName();

    private Retention() {}

    /** Which column says whose a row is and which its age. */
    public record Columns(String tenant, String time) {}

    /** The columns retention reads in each of Chronicle's tables; every rollup tier's are the tiers'. */
    public static Columns columnsOf(ChronicleTable table) {
        return switch (table) {
            case POINTS_RAW, ANOMALIES -> new Columns("tenant", "ts");
            case EVENTS -> new Columns("tenant", "event_time");
            case REJECTED -> new Columns("tenant", "rejected_at");
            case TRACES -> new Columns("tenant", "last_event_time");
            case AGENT_METRICS -> new Columns("tenant", "metric_date");
            case ALERTS -> new Columns("tenant", "changed_at");
        };
    }

    private static final Columns TIER_COLUMNS = new Columns(RollupTable.TENANT, RollupTable.WINDOW_START);

    /**
     * Where one table's rows expire: a cutoff (or none: kept) for each tenant with settings of its
     * own, and one for all other tenants (and rows without a tenant). Rows older than it go.
     */
    public record Cutoffs(String table, Columns columns, SortedMap<String, Optional<Instant>> tenants,
            Optional<Instant> others) {

        public Cutoffs {
            tenants = new TreeMap<>(tenants);
        }

        /** {@code cutoff} of each tenant's settings. */
        public static Cutoffs of(String table, Columns columns, RollupPolicy policy,
                Function<Settings, Optional<Instant>> cutoff) {
            SortedMap<String, Optional<Instant>> tenants = new TreeMap<>();
            for (String tenant : policy.overriddenTenants()) {
                tenants.put(tenant, cutoff.apply(policy.forTenant(tenant)));
            }
            return new Cutoffs(table, columns, tenants, cutoff.apply(policy.global()));
        }

        /** The rows to delete; empty when every tenant keeps the table. */
        public Optional<Expression> filter(Schema schema) {
            Type timeType = schema.findType(columns.time());
            List<Expression> terms = new ArrayList<>();
            tenants.forEach((tenant, cutoff) -> cutoff.ifPresent(c -> terms.add(Expressions.and(
                    Expressions.equal(columns.tenant(), tenant), before(timeType, c)))));
            others.ifPresent(c -> terms.add(tenants.isEmpty()
                    ? before(timeType, c)
                    : Expressions.and(Expressions.or(
                                    Expressions.isNull(columns.tenant()),
                                    Expressions.notIn(columns.tenant(), tenants.keySet().toArray())),
                            before(timeType, c))));
            Optional<Instant> earliest = others;
            for (Optional<Instant> cutoff : tenants.values()) {
                earliest = earliest.flatMap(e -> cutoff.map(c -> c.isBefore(e) ? c : e));
            }
            // Implied by the terms above, but lets a file of several tenants, all past every
            // cutoff, be seen as wholly expired from its statistics alone.
            earliest.ifPresent(e -> terms.add(before(timeType, e)));
            return terms.stream().reduce(Expressions::or);
        }

        private Expression before(Type timeType, Instant cutoff) {
            if (timeType.typeId() == Type.TypeID.DATE) {
                return Expressions.lessThan(columns.time(), (int) (cutoff.getEpochSecond() / 86_400L));
            }
            return Expressions.lessThan(columns.time(), Math.multiplyExact(cutoff.getEpochSecond(), MICROS_PER_SECOND));
        }

        /** For people: {@code tenant a before 2026-11-14T00:00:00Z, tenant b kept, others ...}. */
        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            tenants.forEach((tenant, cutoff) -> parts.add("tenant " + tenant + describe(cutoff)));
            parts.add((tenants.isEmpty() ? "all tenants" : "other tenants") + describe(others));
            return String.join(", ", parts);
        }

        private static String describe(Optional<Instant> cutoff) {
            return cutoff.map(c -> " before " + c).orElse(" kept");
        }
    }

    /** {@code now} less {@code keep}, floored to the UTC day. */
    static Instant cutoff(Instant now, Duration keep) {
        return now.minus(keep).truncatedTo(ChronoUnit.DAYS);
    }

    /**
     * Each tenant's points_raw cutoff: its retention, held back to the UTC day of the first window
     * a tier it writes has not committed (lateness counted). A tier without progress keeps all.
     */
    static Optional<Instant> rawCutoff(Settings settings, Instant now, boolean rollupsEnabled,
            Map<Tier, Optional<Instant>> tierWatermarks) {
        Optional<Instant> cutoff = settings.retention(POINTS_RAW).map(keep -> cutoff(now, keep));
        if (cutoff.isEmpty() || !rollupsEnabled) {
            return cutoff;
        }
        Instant held = cutoff.get();
        for (Tier tier : settings.tiers()) {
            Optional<Instant> watermark = tierWatermarks.getOrDefault(tier, Optional.empty());
            if (watermark.isEmpty()) {
                return Optional.empty();
            }
            long completeMicros = watermark.get().toEpochMilli() * 1_000L - settings.allowedLatenessMicros();
            // Every window ending at or before this has been committed.
            long windowEnd = Math.floorDiv(completeMicros, tier.micros()) * tier.micros();
            Instant complete = Instant.ofEpochSecond(Math.floorDiv(windowEnd, MICROS_PER_SECOND))
                    .truncatedTo(ChronoUnit.DAYS);
            if (complete.isBefore(held)) {
                held = complete;
            }
        }
        return Optional.of(held);
    }

    /** One table's cutoffs, its table, and what a round would do there. */
    public record Plan(Table table, Cutoffs cutoffs, Optional<Snapshot> start, Optional<Expression> filter,
            List<DataFile> whole, List<FileScanTask> partial) {

        public boolean nothingToDo() {
            return whole.isEmpty() && partial.isEmpty();
        }
    }

    /** What one table's round did (or, dry, would do). */
    public record Result(String table, Cutoffs cutoffs, Optional<Long> snapshotId, boolean dryRun,
            long deletedDataFiles, long rewrittenDataFiles, long deletedRecords, long removedDeleteFiles) {

        @Override
        public String toString() {
            String outcome;
            if (deletedDataFiles + rewrittenDataFiles == 0) {
                outcome = "nothing to delete";
            } else {
                outcome = (dryRun ? "would delete " : "snapshot " + snapshotId.orElseThrow() + ": deleted ")
                        + deletedRecords + " rows: " + deletedDataFiles + " data files dropped, "
                        + rewrittenDataFiles + " rewritten with their kept rows"
                        + (removedDeleteFiles > 0 ? ", " + removedDeleteFiles + " delete files dropped" : "");
            }
            return table + ": " + outcome + " [" + cutoffs + "]";
        }
    }

    /** Every table's cutoffs at {@code now}: tiers first, then Chronicle's tables, those that exist. */
    public static List<Plan> plan(Catalog catalog, String namespace, RollupPolicy policy,
            boolean rollupsEnabled, Instant now) {
        List<Plan> plans = new ArrayList<>();
        Map<Tier, Optional<Instant>> tierWatermarks = new TreeMap<>();
        for (Tier tier : policy.chain()) {
            TableIdentifier id = TableIdentifier.of(namespace, tier.tableName());
            if (catalog.tableExists(id)) {
                Table table = catalog.loadTable(id);
                tierWatermarks.put(tier, TierProgress.watermark(table));
                plans.add(plan(table, Cutoffs.of(tier.tableName(), TIER_COLUMNS, policy,
                        s -> s.retention(tier).map(keep -> cutoff(now, keep)))));
            }
        }
        for (ChronicleTable definition : ChronicleTable.values()) {
            TableIdentifier id = TableIdentifier.of(namespace, definition.tableName());
            if (!catalog.tableExists(id)) {
                continue;
            }
            String name = definition.tableName();
            Function<Settings, Optional<Instant>> cutoff = definition == ChronicleTable.POINTS_RAW
                    ? s -> rawCutoff(s, now, rollupsEnabled, tierWatermarks)
                    : s -> s.retention(name).map(keep -> cutoff(now, keep));
            plans.add(plan(catalog.loadTable(id), Cutoffs.of(name, columnsOf(definition), policy, cutoff)));
        }
        return plans;
    }

    /** The files of {@code table}'s current snapshot that hold rows {@code cutoffs} expire. */
    public static Plan plan(Table table, Cutoffs cutoffs) {
        table.refresh();
        Snapshot start = table.currentSnapshot();
        Optional<Expression> filter = cutoffs.filter(table.schema());
        if (start == null || filter.isEmpty()) {
            return new Plan(table, cutoffs, Optional.ofNullable(start), filter, List.of(), List.of());
        }
        StrictMetricsEvaluator allExpire = new StrictMetricsEvaluator(table.schema(), filter.get());
        List<DataFile> whole = new ArrayList<>();
        List<FileScanTask> partial = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().useSnapshot(start.snapshotId())
                .filter(filter.get()).ignoreResiduals().includeColumnStats().planFiles()) {
            for (FileScanTask task : tasks) {
                if (allExpire.eval(task.file())) {
                    whole.add(task.file());
                } else {
                    partial.add(task);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Plan(table, cutoffs, Optional.of(start), filter, whole, partial);
    }

    /** Opens the configured catalog, plans every table, applies (or, dry, counts) each plan, and closes it. */
    public static List<Result> run(Configuration conf, Instant now, boolean dryRun) throws IOException {
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        try {
            List<Result> results = new ArrayList<>();
            for (Plan plan : plan(catalog, conf.get(ChronicleOptions.CATALOG_NAMESPACE),
                    RollupPolicy.from(conf), conf.get(ChronicleOptions.ROLLUP_ENABLED), now)) {
                results.add(dryRun ? dryRun(plan) : apply(plan));
            }
            return results;
        } finally {
            if (catalog instanceof Closeable) {
                ((Closeable) catalog).close();
            }
        }
    }

    /** What {@link #apply} would delete, reading the files it would rewrite; commits nothing. */
    public static Result dryRun(Plan plan) {
        long rows = plan.whole().stream().mapToLong(DataFile::recordCount).sum();
        long rewritten = 0;
        long dropped = plan.whole().size();
        for (FileScanTask task : plan.partial()) {
            Split split = split(plan, task, false);
            rows += split.expired();
            if (split.kept() == 0 && split.expired() > 0) {
                dropped++;
            } else if (split.expired() > 0) {
                rewritten++;
            }
        }
        return new Result(plan.cutoffs().table(), plan.cutoffs(), Optional.empty(), true, dropped, rewritten, rows, 0);
    }

    /**
     * Commits {@code plan}: one metadata-only delete, or one rewrite validated from the planned
     * snapshot. A commit that conflicts throws, and the files it wrote are deleted again.
     */
    public static Result apply(Plan plan) {
        Table table = plan.table();
        String name = plan.cutoffs().table();
        if (plan.nothingToDo()) {
            return new Result(name, plan.cutoffs(), Optional.empty(), false, 0, 0, 0, 0);
        }
        if (plan.partial().isEmpty()) {
            table.newDelete().deleteFromRowFilter(plan.filter().orElseThrow())
                    .set(SUMMARY_PROPERTY, plan.cutoffs().toString())
                    .commit();
            Map<String, String> summary = table.currentSnapshot().summary();
            return new Result(name, plan.cutoffs(), Optional.of(table.currentSnapshot().snapshotId()), false,
                    count(summary, SnapshotSummary.DELETED_FILES_PROP), 0,
                    count(summary, SnapshotSummary.DELETED_RECORDS_PROP),
                    count(summary, SnapshotSummary.REMOVED_DELETE_FILES_PROP));
        }
        Snapshot start = plan.start().orElseThrow();
        RewriteFiles rewrite = table.newRewrite()
                .validateFromSnapshot(start.snapshotId())
                .dataSequenceNumber(start.sequenceNumber());
        long rows = 0;
        long dropped = 0;
        long rewritten = 0;
        for (DataFile file : plan.whole()) {
            rewrite.deleteFile(file);
            rows += file.recordCount();
            dropped++;
        }
        List<DataFile> written = new ArrayList<>();
        try {
            for (FileScanTask task : plan.partial()) {
                Split split = split(plan, task, true);
                if (split.expired() == 0) {
                    continue;
                }
                rewrite.deleteFile(task.file());
                rows += split.expired();
                if (split.written() == null) {
                    dropped++;
                } else {
                    written.add(split.written());
                    rewrite.addFile(split.written());
                    rewritten++;
                }
            }
            if (dropped + rewritten == 0) {
                return new Result(name, plan.cutoffs(), Optional.empty(), false, 0, 0, 0, 0);
            }
            rewrite.set(SUMMARY_PROPERTY, plan.cutoffs().toString()).commit();
        } catch (RuntimeException e) {
            written.forEach(f -> table.io().deleteFile(f.location()));
            throw e;
        }
        return new Result(name, plan.cutoffs(), Optional.of(table.currentSnapshot().snapshotId()), false,
                dropped, rewritten, rows, 0);
    }

    /** A file's rows split by the cutoffs; with {@code write}, its kept rows written to a new file. */
    private record Split(long expired, long kept, DataFile written) {}

    private static Split split(Plan plan, FileScanTask task, boolean write) {
        Table table = plan.table();
        Schema schema = table.schema();
        Evaluator expired = new Evaluator(schema.asStruct(), plan.filter().orElseThrow());
        InternalRecordWrapper internal = new InternalRecordWrapper(schema.asStruct());
        GenericDeleteFilter deletes = new GenericDeleteFilter(table.io(), task, schema, schema);
        Schema read = deletes.requiredSchema();
        long expiredRows = 0;
        long keptRows = 0;
        DataWriter<Record> writer = null;
        try (CloseableIterable<Record> rows = deletes.filter(FormatModelRegistry
                .<Record, Object>readBuilder(task.file().format(), Record.class,
                        table.io().newInputFile(task.file().location()))
                .project(read)
                .build())) {
            for (Record row : rows) {
                if (expired.eval(internal.wrap(row))) {
                    expiredRows++;
                    continue;
                }
                keptRows++;
                if (write) {
                    if (writer == null) {
                        writer = newWriter(table, task);
                    }
                    writer.write(asTableRow(schema, row));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DataFile written = null;
        if (writer != null) {
            try {
                writer.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            written = expiredRows > 0 ? writer.toDataFile() : null;
            if (written == null) {
                table.io().deleteFile(writer.toDataFile().location());
            }
        }
        return new Split(expiredRows, keptRows, written);
    }

    private static DataWriter<Record> newWriter(Table table, FileScanTask task) {
        FileFormat format = task.file().format();
        OutputFileFactory files = OutputFileFactory.builderFor(table, 0, 0)
                .format(format)
                .operationId("retention-" + UUID.randomUUID())
                .build();
        return new GenericFileWriterFactory.Builder(table)
                .dataFileFormat(format)
                .build()
                .newDataWriter(files.newOutputFile(task.spec(), task.file().partition()), task.spec(),
                        task.file().partition());
    }

    /** The row without the columns the delete filter read besides the table's (row positions). */
    private static Record asTableRow(Schema schema, Record row) {
        GenericRecord copy = GenericRecord.create(schema);
        List<Types.NestedField> fields = schema.columns();
        for (int i = 0; i < fields.size(); i++) {
            copy.set(i, row.getField(fields.get(i).name()));
        }
        return copy;
    }

    private static long count(Map<String, String> summary, String property) {
        return Long.parseLong(summary.getOrDefault(property, "0"));
    }
}
