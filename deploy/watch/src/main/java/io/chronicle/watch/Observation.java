package io.chronicle.watch;

import java.util.List;
import java.util.Map;

/**
 * What one round of the watcher read, at one wall-clock instant. A target that could not be read
 * leaves its part null and is named in {@link #unreachable}, with why.
 *
 * @param jobs by watched job name; null when Flink could not be read
 * @param lags every partition of every watched group with a committed offset; null when Kafka
 *     could not be read
 * @param lastCommits each watched table's last commit, epoch millis, null for a table without
 *     one; the map null when the catalog could not be read
 */
public record Observation(long nowMillis, Map<String, Job> jobs, List<PartitionLag> lags,
        Map<String, Long> lastCommits, Map<Target, String> unreachable) {

    /**
     * One watched job, as Flink's REST API gives it.
     *
     * @param jobId null when {@link JobStatus#MISSING}
     * @param restarts the restarts of this job id so far; null when unknown (a finished job)
     * @param lastCheckpointMillis when its latest checkpoint completed; null when none has
     * @param lowestWatermarkMillis the lowest watermark of its tasks that have one; null when none has
     */
    public record Job(String name, String jobId, JobStatus status, long startMillis, Long restarts,
            Long lastCheckpointMillis, Long lowestWatermarkMillis) {

        public static Job missing(String name) {
            return new Job(name, null, JobStatus.MISSING, 0L, null, null, null);
        }
    }

    /** How far a consumer group's committed offset trails a partition's end. */
    public record PartitionLag(String group, String topic, int partition, long committed, long end) {
        public long lag() {
            return Math.max(0L, end - committed);
        }
    }
}
