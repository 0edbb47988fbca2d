package io.chronicle.catalog;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.RollupPolicy.Tier;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;

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

/**
 * Drops rollup rows older than their tenant's retention ({@code chronicle.rollup.retention}, resolved
 * tenant → domain → global by {@link RollupPolicy}). Cutoffs fall on UTC day boundaries and
 * rollup tables are partitioned by tenant and day, so every data file is wholly expired or wholly
 * kept: each table's expiry is one commit that only drops files and rewrites none.
 */
public final class RollupRetention {

    private static final long MICROS_PER_SECOND = 1_000_000L;

    private RollupRetention() {}

    /**
     * Where one tier's rows expire: a cutoff (or none: kept forever) for each tenant with settings
     * of its own, and one for all other tenants. Rows whose window starts before the cutoff go.
     */
    public record Cutoffs(Tier tier, SortedMap<String, Optional<Instant>> tenants, Optional<Instant> others) {

        public Cutoffs {
            tenants = new TreeMap<>(tenants);
        }

        /** Each tenant's retention of {@code tier} before {@code now}, floored to the UTC day. */
        public static Cutoffs of(RollupPolicy policy, Tier tier, Instant now) {
            SortedMap<String, Optional<Instant>> tenants = new TreeMap<>();
            for (String tenant : policy.overriddenTenants()) {
                tenants.put(tenant, policy.forTenant(tenant).retention(tier).map(keep -> cutoff(now, keep)));
            }
            return new Cutoffs(tier, tenants, policy.global().retention(tier).map(keep -> cutoff(now, keep)));
        }

        private static Instant cutoff(Instant now, Duration keep) {
            return now.minus(keep).truncatedTo(ChronoUnit.DAYS);
        }

        /** The rows to delete; empty when every tenant keeps the tier forever. */
        public Optional<Expression> filter() {
            List<Expression> terms = new ArrayList<>();
            tenants.forEach((tenant, cutoff) -> cutoff.ifPresent(c -> terms.add(Expressions.and(
                    Expressions.equal(RollupTable.TENANT, tenant), before(c)))));
            others.ifPresent(c -> terms.add(tenants.isEmpty()
                    ? before(c)
                    : Expressions.and(Expressions.notIn(RollupTable.TENANT, tenants.keySet().toArray()),
                            before(c))));
            return terms.stream().reduce(Expressions::or);
        }

        private static Expression before(Instant cutoff) {
            return Expressions.lessThan(RollupTable.WINDOW_START,
                    Math.multiplyExact(cutoff.getEpochSecond(), MICROS_PER_SECOND));
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

    /**
     * What expiring one table did. Without a snapshot nothing was old enough and nothing was
     * committed; otherwise the counts come from that snapshot's summary.
     */
    public record Expired(String table, Cutoffs cutoffs, Optional<Long> snapshotId,
            long deletedDataFiles, long deletedRecords, long removedDeleteFiles) {

        @Override
        public String toString() {
            String outcome = snapshotId
                    .map(id -> "snapshot " + id + ": deleted " + deletedDataFiles + " data files ("
                            + deletedRecords + " rows) and " + removedDeleteFiles + " delete files")
                    .orElse("nothing to expire");
            return table + ": " + outcome + " [" + cutoffs + "]";
        }
    }

    /** Opens the configured catalog, expires every rollup table in it, and closes it again. */
    public static List<Expired> expire(Configuration conf, Instant now) throws IOException {
        RollupPolicy policy = RollupPolicy.from(conf);
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        try {
            return expire(catalog, conf.get(ChronicleOptions.CATALOG_NAMESPACE), policy, now);
        } finally {
            if (catalog instanceof Closeable) {
                ((Closeable) catalog).close();
            }
        }
    }

    /** Expires the table of every tier in the policy; a tier with no table yet has nothing to expire. */
    public static List<Expired> expire(Catalog catalog, String namespace, RollupPolicy policy, Instant now) {
        List<Expired> results = new ArrayList<>();
        for (Tier tier : policy.chain()) {
            TableIdentifier id = TableIdentifier.of(namespace, tier.tableName());
            if (catalog.tableExists(id)) {
                results.add(expire(catalog.loadTable(id), Cutoffs.of(policy, tier, now)));
            }
        }
        return results;
    }

    /** Deletes the rows {@code cutoffs} expire in one commit, or commits nothing if none match. */
    public static Expired expire(Table table, Cutoffs cutoffs) {
        String name = cutoffs.tier().tableName();
        Optional<Expression> filter = cutoffs.filter();
        if (filter.isEmpty() || !anyFileMatches(table, filter.get())) {
            return new Expired(name, cutoffs, Optional.empty(), 0, 0, 0);
        }
        table.newDelete().deleteFromRowFilter(filter.get()).commit();
        Snapshot committed = table.currentSnapshot();
        Map<String, String> summary = committed.summary();
        return new Expired(name, cutoffs, Optional.of(committed.snapshotId()),
                count(summary, SnapshotSummary.DELETED_FILES_PROP),
                count(summary, SnapshotSummary.DELETED_RECORDS_PROP),
                count(summary, SnapshotSummary.REMOVED_DELETE_FILES_PROP));
    }

    /** Whether a scan with {@code filter} plans any file; a delete of none would commit an empty snapshot. */
    private static boolean anyFileMatches(Table table, Expression filter) {
        table.refresh();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).ignoreResiduals().planFiles()) {
            return tasks.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long count(Map<String, String> summary, String property) {
        return Long.parseLong(summary.getOrDefault(property, "0"));
    }
}
