package io.chronicle.catalog;

import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.exceptions.ValidationException;
import org.apache.iceberg.formats.FormatModelRegistry;
import org.apache.iceberg.flink.sink.SinkUtil;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.util.SnapshotUtil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Rolls a table back to an earlier snapshot of its current lineage, in one commit that also keeps
 * the table's Flink writers consistent, and says where the rows it removed came from so they can
 * be written again.
 *
 * <p>Iceberg's Flink sink records its job id, operator id and the last checkpoint it committed in
 * each snapshot's summary, and on a restore re-commits the checkpoints it finds no record of.
 * Rolled back, those records would be gone, and a writer restoring from its last checkpoint would
 * commit again files the rollback removed (or fail on manifests it already deleted). So the
 * rollback's commit adds, after the snapshot it returns to, one empty snapshot per writer of the
 * removed snapshots carrying that writer's last committed checkpoint: a writer running or restored
 * goes on from there and commits only what it reads afterwards.
 */
public final class TableRollback {

    /** Set on the writers' snapshots of a rollback: the snapshot that was current before it. */
    public static final String ROLLED_BACK_FROM = "chronicle.rollback.from-snapshot-id";

    /** Attempts when another commit lands between the plan and the rollback's commit. */
    static final int ATTEMPTS = 5;

    private static final List<String> PROVENANCE = List.of("source_topic", "source_partition", "source_offset");
    private static final String WINDOW_START = "window_start";

    private TableRollback() {}

    /** Where a rollback returns to. */
    public sealed interface Target permits ToSnapshot, ToTime {
        Snapshot resolve(Table table, Instant now);
    }

    /** The snapshot with this id, which must be in the table's current lineage. */
    public record ToSnapshot(long id) implements Target {
        @Override
        public Snapshot resolve(Table table, Instant now) {
            Snapshot snapshot = TableSnapshots.byId(table, id);
            if (!SnapshotUtil.isAncestorOf(table, id)) {
                throw new IllegalArgumentException(String.format(
                        "Snapshot %d of table %s is not in its current lineage (it was itself rolled back):"
                                + " roll back only to an ancestor of the current snapshot", id, table.name()));
            }
            return snapshot;
        }
    }

    /** The newest snapshot of the current lineage committed at or before this time. */
    public record ToTime(Instant time) implements Target {
        @Override
        public Snapshot resolve(Table table, Instant now) {
            return TableSnapshots.ancestorAt(table, time, now);
        }
    }

    /**
     * A Flink job's Iceberg committer that wrote a removed snapshot, with the last checkpoint it
     * committed; the operator id is null for sinks that record none.
     */
    public record Writer(String jobId, String operatorId, long checkpointId) {}

    /**
     * What a rollback does: from {@code head} back to {@code target}, removing {@code removed}
     * (newest first) and keeping {@code writers} at their checkpoints.
     */
    public record Plan(Snapshot target, Snapshot head, List<Snapshot> removed, List<Writer> writers) {}

    /**
     * Where the removed rows came from: per topic and partition the offsets {@code [from, to)},
     * for tables with provenance; the window starts {@code [from, to]} (epoch ms), for rollup tiers.
     */
    public record RemovedRows(long rows, SortedMap<String, SortedMap<Integer, long[]>> offsets, long[] windows) {}

    /** A rollback done: its plan, the writers' snapshots, and where the removed rows came from. */
    public record Result(Plan plan, List<Long> writerSnapshots, RemovedRows removedRows) {}

    /** The rollback of {@code table} to {@code target}; changes nothing. */
    public static Plan plan(Table table, Target target, Instant now) {
        Snapshot head = table.currentSnapshot();
        if (head == null) {
            throw new IllegalArgumentException("Table " + table.name() + " has no snapshot yet: nothing to roll back");
        }
        Snapshot to = target.resolve(table, now);
        if (to.snapshotId() == head.snapshotId()) {
            throw new IllegalArgumentException(String.format(
                    "Snapshot %d is the current snapshot of table %s: nothing to roll back", to.snapshotId(), table.name()));
        }
        List<Snapshot> removed = new ArrayList<>();
        SnapshotUtil.ancestorsBetween(table, head.snapshotId(), to.snapshotId()).forEach(removed::add);
        // Newest first: a writer's first snapshot met is its last committed checkpoint.
        Map<String, Writer> writers = new LinkedHashMap<>();
        for (Snapshot snapshot : removed) {
            Map<String, String> summary = snapshot.summary();
            String job = summary.get(SinkUtil.FLINK_JOB_ID);
            String checkpoint = summary.get(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID);
            if (job != null && checkpoint != null) {
                String operator = summary.get(SinkUtil.OPERATOR_ID);
                writers.putIfAbsent(job + "/" + operator, new Writer(job, operator, Long.parseLong(checkpoint)));
            }
        }
        return new Plan(to, head, List.copyOf(removed), List.copyOf(writers.values()));
    }

    /**
     * Rolls {@code table} back to {@code target} in one commit, with its writers' snapshots; if
     * another commit lands meanwhile, plans again (it is rolled back too). Returns what was done.
     */
    public static Result rollBack(Table table, Target target, Instant now) {
        for (int attempt = 1; ; attempt++) {
            table.refresh();
            Plan plan = plan(table, target, now);
            RemovedRows rows = removedRows(table, plan);
            Table guarded = new BaseTable(new HeadGuard(((HasTableOperations) table).operations(),
                    plan.head().snapshotId()), table.name());
            Transaction transaction = guarded.newTransaction();
            transaction.manageSnapshots().rollbackTo(plan.target().snapshotId()).commit();
            for (Writer writer : plan.writers()) {
                AppendFiles record = transaction.newAppend()
                        .set(SinkUtil.FLINK_JOB_ID, writer.jobId())
                        .set(SinkUtil.MAX_COMMITTED_CHECKPOINT_ID, Long.toString(writer.checkpointId()))
                        .set(ROLLED_BACK_FROM, Long.toString(plan.head().snapshotId()));
                if (writer.operatorId() != null) {
                    record.set(SinkUtil.OPERATOR_ID, writer.operatorId());
                }
                record.commit();
            }
            try {
                transaction.commitTransaction();
            } catch (HeadMoved e) {
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException("Table " + table.name() + " got a new commit during each of "
                            + ATTEMPTS + " attempts to roll it back; nothing was changed", e);
                }
                continue;
            }
            table.refresh();
            List<Long> writerSnapshots = new ArrayList<>();
            for (Snapshot s = table.currentSnapshot(); s.snapshotId() != plan.target().snapshotId();
                    s = table.snapshot(s.parentId())) {
                writerSnapshots.add(0, s.snapshotId());
            }
            return new Result(plan, writerSnapshots, rows);
        }
    }

    /** Reads the provenance (or window starts) of the rows the plan's removed snapshots added. */
    static RemovedRows removedRows(Table table, Plan plan) {
        Schema schema = table.schema();
        boolean provenance = PROVENANCE.stream().allMatch(c -> schema.findField(c) != null);
        boolean windows = schema.findField(WINDOW_START) != null;
        Schema projection = provenance ? schema.select(PROVENANCE) : windows ? schema.select(WINDOW_START) : null;
        SortedMap<String, SortedMap<Integer, long[]>> offsets = new TreeMap<>();
        long[] windowRange = null;
        long rows = 0;
        for (Snapshot snapshot : plan.removed()) {
            for (DataFile file : snapshot.addedDataFiles(table.io())) {
                rows += file.recordCount();
                if (projection == null) {
                    continue;
                }
                try (CloseableIterable<Record> records = FormatModelRegistry
                        .<Record, Schema>readBuilder(file.format(), Record.class, table.io().newInputFile(file.location()))
                        .project(projection)
                        .build()) {
                    for (Record r : records) {
                        if (provenance) {
                            long offset = (Long) r.getField("source_offset");
                            offsets.computeIfAbsent((String) r.getField("source_topic"), t -> new TreeMap<>())
                                    .merge((Integer) r.getField("source_partition"), new long[] {offset, offset + 1},
                                            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
                        } else {
                            long start = ((OffsetDateTime) r.getField(WINDOW_START)).toInstant().toEpochMilli();
                            windowRange = windowRange == null ? new long[] {start, start}
                                    : new long[] {Math.min(windowRange[0], start), Math.max(windowRange[1], start)};
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return new RemovedRows(rows, offsets, windowRange);
    }

    /** Refuses the commit when the table's current snapshot is no longer the planned head. */
    private static final class HeadMoved extends ValidationException {
        private static final long serialVersionUID = 1L;

        HeadMoved(String message) {
            super(message);
        }
    }

    /** The table's operations, committing only while the current snapshot is {@code head}. */
    private static final class HeadGuard implements TableOperations {
        private final TableOperations ops;
        private final long head;

        HeadGuard(TableOperations ops, long head) {
            this.ops = ops;
            this.head = head;
        }

        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
            Snapshot current = base.currentSnapshot();
            if (current == null || current.snapshotId() != head) {
                throw new HeadMoved("the current snapshot is no longer " + head);
            }
            ops.commit(base, metadata);
        }

        @Override
        public TableMetadata current() {
            return ops.current();
        }

        @Override
        public TableMetadata refresh() {
            return ops.refresh();
        }

        @Override
        public FileIO io() {
            return ops.io();
        }

        @Override
        public EncryptionManager encryption() {
            return ops.encryption();
        }

        @Override
        public String metadataFileLocation(String fileName) {
            return ops.metadataFileLocation(fileName);
        }

        @Override
        public LocationProvider locationProvider() {
            return ops.locationProvider();
        }

        @Override
        public long newSnapshotId() {
            return ops.newSnapshotId();
        }

        @Override
        public boolean requireStrictCleanup() {
            return ops.requireStrictCleanup();
        }
    }
}
