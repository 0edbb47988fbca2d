package io.chronicle.catalog;

import io.chronicle.core.MaintenanceSettings;
import org.apache.iceberg.flink.maintenance.api.DeleteOrphanFiles;
import org.apache.iceberg.flink.maintenance.api.ExpireSnapshots;
import org.apache.iceberg.flink.maintenance.api.MaintenanceTaskBuilder;
import org.apache.iceberg.flink.maintenance.api.RewriteDataFiles;

import java.util.List;

/**
 * The maintenance tasks of a Chronicle table, in the order Iceberg's table maintenance runs them
 * (compaction, then snapshot expiry, then orphan removal, each under the table's lock). The order
 * is part of the operators' uids: append tasks, never reorder them.
 */
public final class TableMaintenanceTasks {

    /**
     * A data file with at least this many delete files is rewritten with them applied: every
     * reader applies every delete file to it until then, and the rows they delete keep their
     * storage. Upsert tables add an equality-delete file per changed tenant each checkpoint;
     * append tables get deletes from rollup rebuilds and retention.
     */
    static final int DELETE_FILE_THRESHOLD = 1;
    /**
     * Rewrite groups committed separately: a failed commit (a concurrent delete of the same
     * files) loses only its group, and readers see compacted files sooner.
     */
    static final int PARTIAL_PROGRESS_MAX_COMMITS = 10;

    private TableMaintenanceTasks() {}

    /**
     * The tasks of every table under {@code settings}: each table's kind shows in what it commits,
     * so the same triggers compact append tables by their data files and upsert tables by their
     * delete files.
     */
    public static List<MaintenanceTaskBuilder<?>> all(MaintenanceSettings settings) {
        return List.of(compaction(settings), snapshotExpiry(settings), orphanRemoval(settings));
    }

    /**
     * Bin-packs small files and applies deletes, started by new data files (append tables) or new
     * delete files (upsert tables, rebuilt or retained ranges). Rewritten files keep the data
     * sequence number of the snapshot the rewrite started from, so equality deletes the writing
     * job commits meanwhile still apply to them and the rewrite need not fail on them.
     */
    static RewriteDataFiles.Builder compaction(MaintenanceSettings settings) {
        return RewriteDataFiles.builder()
                .deleteFileThreshold(DELETE_FILE_THRESHOLD)
                .partialProgressEnabled(true)
                .partialProgressMaxCommits(PARTIAL_PROGRESS_MAX_COMMITS)
                .scheduleOnInterval(settings.compactionInterval())
                .scheduleOnDataFileCount(settings.compactionDataFiles())
                .scheduleOnEqDeleteFileCount(settings.compactionDeleteFiles())
                .scheduleOnPosDeleteFileCount(settings.compactionDeleteFiles());
    }

    static ExpireSnapshots.Builder snapshotExpiry(MaintenanceSettings settings) {
        return ExpireSnapshots.builder()
                .maxSnapshotAge(settings.snapshotsMaxAge())
                .retainLast(settings.snapshotsRetainLast())
                .scheduleOnInterval(settings.snapshotsInterval());
    }

    /** Lists the table's location by prefix through its FileIO (S3), with no Hadoop file system. */
    static DeleteOrphanFiles.Builder orphanRemoval(MaintenanceSettings settings) {
        return DeleteOrphanFiles.builder()
                .usePrefixListing(true)
                .minAge(settings.orphansMinAge())
                .scheduleOnInterval(settings.orphansInterval());
    }
}
