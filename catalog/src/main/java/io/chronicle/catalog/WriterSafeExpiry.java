package io.chronicle.catalog;

import org.apache.iceberg.ExpireSnapshots;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.util.PropertyUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Iceberg's snapshot expiry, which never expires what a writing job stopped for less than
 * {@code grace} needs to restore ({@link RestorableWriters}): its cut-off moves back to the
 * oldest snapshot such a writer needs, computed on the metadata the expiry itself starts from, so
 * no writer commit can slip in between the check and the expiry.
 */
final class WriterSafeExpiry implements ExpireSnapshots {

    private static final Logger LOG = LoggerFactory.getLogger(WriterSafeExpiry.class);

    private final ExpireSnapshots expiry;
    private final Table table;
    private final Duration grace;
    private final LongSupplier clock;
    private Long olderThan;

    WriterSafeExpiry(ExpireSnapshots expiry, Table table, Duration grace, LongSupplier clock) {
        this.expiry = expiry;
        this.table = table;
        this.grace = grace;
        this.clock = clock;
    }

    @Override
    public ExpireSnapshots expireOlderThan(long timestampMillis) {
        olderThan = timestampMillis;
        return this;
    }

    @Override
    public List<Snapshot> apply() {
        guard();
        return expiry.apply();
    }

    @Override
    public void commit() {
        guard();
        expiry.commit();
    }

    private void guard() {
        long now = clock.getAsLong();
        long requested = olderThan != null ? olderThan : now - PropertyUtil.propertyAsLong(table.properties(),
                TableProperties.MAX_SNAPSHOT_AGE_MS, TableProperties.MAX_SNAPSHOT_AGE_MS_DEFAULT);
        OptionalLong keepSince = RestorableWriters.keepSince(table, now, grace);
        long cutOff = keepSince.isPresent() ? Math.min(requested, keepSince.getAsLong()) : requested;
        if (cutOff < requested) {
            LOG.info("Expiry of {} keeps snapshots since {} instead of {}: a writer's latest commit, needed on its restore",
                    table.name(), Instant.ofEpochMilli(cutOff), Instant.ofEpochMilli(requested));
        }
        expiry.expireOlderThan(cutOff);
    }

    @Override
    public ExpireSnapshots expireSnapshotId(long snapshotId) {
        expiry.expireSnapshotId(snapshotId);
        return this;
    }

    @Override
    public ExpireSnapshots retainLast(int numSnapshots) {
        expiry.retainLast(numSnapshots);
        return this;
    }

    @Override
    public ExpireSnapshots deleteWith(Consumer<String> deleteFunc) {
        expiry.deleteWith(deleteFunc);
        return this;
    }

    @Override
    public ExpireSnapshots executeDeleteWith(ExecutorService executorService) {
        expiry.executeDeleteWith(executorService);
        return this;
    }

    @Override
    public ExpireSnapshots planWith(ExecutorService executorService) {
        expiry.planWith(executorService);
        return this;
    }

    @Override
    public ExpireSnapshots cleanExpiredFiles(boolean clean) {
        expiry.cleanExpiredFiles(clean);
        return this;
    }

    @Override
    public ExpireSnapshots cleanupLevel(CleanupLevel level) {
        expiry.cleanupLevel(level);
        return this;
    }

    @Override
    public ExpireSnapshots cleanExpiredMetadata(boolean clean) {
        expiry.cleanExpiredMetadata(clean);
        return this;
    }
}
