package io.chronicle.watch;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * After a job has restored from a checkpoint, checkpoints it until its consumer group has
 * committed the offsets its topics had once every task of it ran again (its first checkpoint).
 * Rows reach the tables on checkpoints, so
 * the records that arrived while the job was down are then queryable as soon as the job has read
 * them, rather than up to a checkpoint interval later. The checkpoints are paced by the job's
 * progress, so few land before it has caught up; the periodic checkpoints go on as configured,
 * and these stop once caught up, so they cost a few extra small commits per restore.
 */
public final class CatchUpCheckpoints implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(CatchUpCheckpoints.class);

    /** A job that cannot catch up within this is left to its periodic checkpoints. */
    private static final Duration DEADLINE = Duration.ofMinutes(5);
    /** Between tries while the job's tasks still restore, or a checkpoint failed. */
    private static final Duration RETRY = Duration.ofMillis(500);
    /** The longest pause between two of these checkpoints. */
    public static final Duration MAX_PAUSE = Duration.ofSeconds(2);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);

    /** Checkpoints one job: where it runs (a MiniCluster, a cluster's REST API) is the caller's. */
    public interface Checkpointer {
        /** Returns once a checkpoint has completed; throws while the job cannot take one. */
        void checkpoint(Duration deadline) throws Exception;

        /** True once the job has ended, or can no longer be reached: nothing left to catch up. */
        boolean ended();
    }

    private final String job;
    private final Checkpointer checkpointer;
    private final Admin admin;
    private final String group;
    private final Map<TopicPartition, Long> ends;

    private CatchUpCheckpoints(String job, Checkpointer checkpointer, Admin admin, String group,
            Map<TopicPartition, Long> ends) {
        this.job = job;
        this.checkpointer = checkpointer;
        this.admin = admin;
        this.group = group;
        this.ends = new HashMap<>(ends);
    }

    /**
     * The end offsets, now, of every partition {@code group} has committed: what its job, restored,
     * has to read before it has caught up; none if Kafka does not tell.
     */
    public static Map<TopicPartition, Long> targets(Configuration conf, String group) {
        try (Admin admin = admin(conf)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return committed.isEmpty() ? Map.of() : latestOffsets(admin, committed.keySet());
        } catch (Exception e) {
            // Only sooner rows are lost: the periodic checkpoints commit them all the same.
            LOG.warn("Not checkpointing {} early after its restore: {}", group, e.toString());
            return Map.of();
        }
    }

    /**
     * Catches {@code job} up to {@code ends} on a daemon thread, which ends once caught up; none
     * for nothing to catch up with.
     */
    public static Thread start(Configuration conf, String job, String group, Map<TopicPartition, Long> ends,
            Checkpointer checkpointer) {
        Thread thread = new Thread(new CatchUpCheckpoints(job, checkpointer, admin(conf), group, ends),
                "catch-up-checkpoints-" + job);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Override
    public void run() {
        long restored = System.nanoTime();
        long deadline = restored + DEADLINE.toNanos();
        // The pace of the catch-up, measured from here, sets the pause between checkpoints.
        long start = restored;
        int checkpoints = 0;
        try (admin) {
            long initially = remaining();
            long left = initially;
            while (left > 0 && System.nanoTime() < deadline) {
                try {
                    checkpointer.checkpoint(DEADLINE);
                    checkpoints++;
                    if (checkpoints == 1) {
                        // The first checkpoint taken is the first with every task running again:
                        // what arrived until then, while the job restored, is what it must catch up with.
                        ends.putAll(latestOffsets(admin, ends.keySet()));
                        start = System.nanoTime();
                        initially = remaining();
                    }
                    left = remaining();
                } catch (InterruptedException e) {
                    throw e;
                } catch (Exception e) {
                    if (checkpointer.ended()) {
                        return;
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
                LOG.info("{} caught up with the records that arrived while it was down, {} s after its restore"
                        + " ({} extra checkpoints)", job, String.format("%.1f", (System.nanoTime() - restored) / 1e9),
                        checkpoints);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Stopped checkpointing {} early after its restore: {}", job, e.toString());
        }
    }

    /** The end offsets, now, of {@code partitions}. */
    private static Map<TopicPartition, Long> latestOffsets(Admin admin, Collection<TopicPartition> partitions)
            throws Exception {
        return admin.listOffsets(partitions.stream()
                        .collect(Collectors.toMap(Function.identity(), p -> OffsetSpec.latest())))
                .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
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

    private static Admin admin(Configuration conf) {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
    }
}
