package io.chronicle.watch;

import io.chronicle.core.ChronicleJob;
import io.chronicle.core.WatchSettings;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Notices, from outside the clusters, each watched job that reads Kafka restoring its state, and
 * catches it up with {@link CatchUpCheckpoints} through its cluster's REST API. A restore is the
 * job's count of restores going up (a restart, which Flink restores from the latest checkpoint),
 * or a job first seen after the watcher started that restored at its submission (resubmitted from
 * a checkpoint or savepoint). It looks every {@link #POLL}, on a thread of its own, apart from the
 * watcher's rounds, so a restore is caught up within a second of it.
 */
final class RestoreCatchUp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreCatchUp.class);
    static final Duration POLL = Duration.ofSeconds(1);

    private final Configuration conf;
    private final FlinkRest flink;
    private final long startMillis;
    /** The consumer group of each watched job that reads Kafka, by job name. */
    private final Map<String, String> groups = new LinkedHashMap<>();
    /** Restores seen so far, by job id. */
    private final Map<String, Long> restores = new HashMap<>();
    private final Map<String, Thread> catchingUp = new ConcurrentHashMap<>();
    private final ScheduledExecutorService poll;

    RestoreCatchUp(Configuration conf, WatchSettings settings, FlinkRest flink, long startMillis) {
        this.conf = conf;
        this.flink = flink;
        this.startMillis = startMillis;
        for (ChronicleJob job : ChronicleJob.values()) {
            if (job.readsKafka() && settings.jobs.contains(job.jobName())) {
                groups.put(job.jobName(), job.consumerGroup(conf));
            }
        }
        this.poll = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chronicle-watch-restores");
            t.setDaemon(true);
            return t;
        });
        if (!groups.isEmpty()) {
            poll.scheduleWithFixedDelay(this::look, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One look at every watched job; nothing it meets may end the schedule. */
    private void look() {
        try {
            catchingUp.values().removeIf(thread -> !thread.isAlive());
            for (Map.Entry<String, FlinkRest.Listed> found : flink.findAnswering(groups.keySet()).entrySet()) {
                FlinkRest.Listed job = found.getValue();
                if (job.status() != JobStatus.RUNNING) {
                    continue;
                }
                long restored = flink.restored(job);
                Long before = restores.put(job.id(), restored);
                boolean restoredSinceSeen = before != null ? restored > before
                        : restored > 0 && job.startMillis() >= startMillis;
                if (restoredSinceSeen && !catchingUp.containsKey(job.id())) {
                    catchUp(found.getKey(), job);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The watcher's rounds report what cannot be read; here it only delays a catch-up.
            LOG.debug("Looking for restored jobs failed", e);
        }
    }

    private void catchUp(String name, FlinkRest.Listed job) {
        String group = groups.get(name);
        Map<TopicPartition, Long> ends = CatchUpCheckpoints.targets(conf, group);
        if (ends.isEmpty()) {
            return;
        }
        LOG.info("{} ({}) restored its state: checkpointing it until {} has committed what arrived meanwhile",
                name, job.id(), group);
        catchingUp.put(job.id(), CatchUpCheckpoints.start(conf, name, group, ends, new CatchUpCheckpoints.Checkpointer() {
            @Override
            public void checkpoint(Duration deadline) throws Exception {
                flink.checkpoint(job, deadline);
            }

            @Override
            public boolean ended() {
                try {
                    return flink.status(job).isTerminal();
                } catch (Exception e) {
                    return true;
                }
            }
        }));
    }

    @Override
    public void close() {
        poll.shutdownNow();
        catchingUp.values().forEach(Thread::interrupt);
    }
}
