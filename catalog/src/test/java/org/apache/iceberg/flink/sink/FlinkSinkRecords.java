package org.apache.iceberg.flink.sink;

import org.apache.iceberg.SnapshotRef;
import org.apache.iceberg.Table;

/**
 * What Iceberg's Flink sink finds in a table's snapshots when a writer restores: the last
 * checkpoint it committed. Here, in the sink's package, because Iceberg keeps it package-private.
 */
public final class FlinkSinkRecords {

    private FlinkSinkRecords() {}

    public static long maxCommittedCheckpointId(Table table, String jobId, String operatorId) {
        return SinkUtil.getMaxCommittedCheckpointId(table, jobId, operatorId, SnapshotRef.MAIN_BRANCH);
    }
}
