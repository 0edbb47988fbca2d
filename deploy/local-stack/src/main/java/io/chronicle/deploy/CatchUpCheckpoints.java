package io.chronicle.deploy;

import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * After a restore, checkpoints a job back to back until its consumer group has committed the
 * offsets its topics had when it was submitted. Rows reach the tables on checkpoints, so the
 * records that arrived while the stack was down are then queryable as soon as the job has read
 * them, rather than up to a checkpoint interval later. The checkpoints are paced by the job's
 * progress, so few land before it has caught up. The periodic checkpoints go on as configured;
 * these stop once caught up, so they cost a few extra small commits per restart.
 */
final class CatchUpCheckpoints implements Runnable {

    /** A job that cannot catch up within this is left to its periodic checkpoints. */
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    /** Between tries while the job's tasks still restore, or a checkpoint failed. */
    private static final Duration RETRY = Duration.ofMillis(500);
    /** The longest pause between two of these checkpoints. */
    private static final Duration MAX_PAUSE = Duration.ofSeconds(2);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);

    private final MiniCluster flink;
    private final ChronicleJob job;
    private final JobID jobId;
    private final Admin admin;
    private final String group;
    private final Map<TopicPartition, Long> ends;

    private CatchUpCheckpoints(MiniCluster flink, ChronicleJob job, JobID jobId, Admin admin, String group,
            Map<TopicPartition, Long> ends) {
        this.flink = flink;
        this.job = job;
        this.jobId = jobId;
        this.admin = admin;
        this.group = group;
        this.ends = ends;
    }

    /**
     * The end offsets, now, of every partition {@code job}'s consumer group has committed: what
     * the job, restored, has to read before it has caught up; none if Kafka does not tell. Call
     * it before submitting the job.
     */
    static Map<TopicPartition, Long> targets(Configuration conf, ChronicleJob job) {
        try (Admin admin = admin(conf)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin
                    .listConsumerGroupOffsets(job.consumerGroup(conf)).partitionsToOffsetAndMetadata()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (committed.isEmpty()) {
                return Map.of();
            }
            return admin.listOffsets(committed.keySet().stream()
                            .collect(Collectors.toMap(Function.identity(), p -> OffsetSpec.latest())))
                    .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (Exception e) {
            // Only sooner rows are lost: the periodic checkpoints commit them all the same.
            System.err.println("Not checkpointing the " + job + " job early after its restore: " + e);
            return Map.of();
        }
    }

    /**
     * Starts catching up {@code jobId} to {@code ends} on a daemon thread, which ends once caught
     * up; none for nothing to catch up with, or where checkpoints are due every 2 s anyway.
     */
    static Optional<Thread> start(MiniCluster flink, Configuration conf, ChronicleJob job, JobID jobId,
            Map<TopicPartition, Long> ends) {
        // Periodic checkpoints as frequent as these would be leave nothing to gain.
        boolean periodicSooner = conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                .map(interval -> interval.compareTo(MAX_PAUSE) <= 0).orElse(false);
        if (ends.isEmpty() || periodicSooner) {
            return Optional.empty();
        }
        Thread thread = new Thread(new CatchUpCheckpoints(flink, job, jobId, admin(conf),
                job.consumerGroup(conf), ends), "catch-up-checkpoints-" + job);
        thread.setDaemon(true);
        thread.start();
        return Optional.of(thread);
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        long deadline = start + DEADLINE.toNanos();
        int checkpoints = 0;
        try (admin) {
            long initially = remaining();
            long left = initially;
            while (left > 0 && System.nanoTime() < deadline) {
                try {
                    // Completes when the checkpoint does; fails while the tasks still restore.
                    flink.triggerCheckpoint(jobId).get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                    checkpoints++;
                    left = remaining();
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    if (!flink.isRunning() || jobEnded()) {
                        return; // the stack is stopping
                    }
                    TimeUnit.MILLISECONDS.sleep(RETRY.toMillis());
                    continue;
                }
                // Not back to back: each checkpoint closes and commits files, CPU the catch-up
                // needs. The next one is due when the rest should have been read at the pace so far.
                double perSecond = (initially - left) / ((System.nanoTime() - start) / 1e9);
                long due = perSecond > 0 ? (long) (left / perSecond * 1000) : MAX_PAUSE.toMillis();
                TimeUnit.MILLISECONDS.sleep(Math.min(due, MAX_PAUSE.toMillis()));
            }
            if (left <= 0) {
                System.out.printf("The %s job caught up with the records that arrived while it was down,"
                        + " %.1f s after it was submitted (%d extra checkpoints)%n",
                        job, (System.nanoTime() - start) / 1e9, checkpoints);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("Stopped checkpointing the " + job + " job early after its restore: " + e);
        }
    }

    /** Records below the targets the group has not committed yet. */
    private long remaining() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        long left = 0;
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata at = committed.get(end.getKey());
            left += Math.max(0, end.getValue() - (at == null ? 0 : at.offset()));
        }
        return left;
    }

    private boolean jobEnded() {
        try {
            return flink.getJobStatus(jobId).get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isGloballyTerminalState();
        } catch (Exception e) {
            return true;
        }
    }

    private static Admin admin(Configuration conf) {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
    }
}
