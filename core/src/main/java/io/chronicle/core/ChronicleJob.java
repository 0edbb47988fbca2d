package io.chronicle.core;

import io.chronicle.core.alerts.AlertReceivers;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which of Chronicle's Flink jobs a run is ({@code chronicle.job}). Raw ingest and each capability
 * after it run as jobs of their own, each reading Kafka itself under a consumer group of its own,
 * so that one failing, restarting or lagging never stops another: {@link #INGEST} writes the
 * record of truth ({@code points_raw}, {@code events}, {@code rejected}, the dead-letter topic)
 * and waits on nothing downstream. {@link #MAINTENANCE} keeps the tables compact and their
 * snapshots bounded; it reads no Kafka and writes no rows, so its failure stops no data. {@link #ALL}
 * is everything that reads Kafka in one job, for small deployments, backfills and tests, where one
 * failure stops everything; maintenance runs beside it as a job of its own.
 */
public enum ChronicleJob {
    ALL,
    INGEST,
    ROLLUPS,
    VIEWS,
    ALERTS,
    DELIVERY,
    MAINTENANCE;

    /** The Flink job name, stable: watchers and scripts find the job by it. */
    public String jobName() {
        return "chronicle-" + this;
    }

    /**
     * The consumer group this job reads under: {@code chronicle.kafka.group-id}, a dash and the
     * job's name. The all-in-one job reads under the ingest job's group: it is the ingest job with
     * the rest on board, the two never run side by side, and a deployment that moves from one to
     * the other keeps raw ingest's committed position.
     */
    public String consumerGroup(Configuration conf) {
        return conf.get(ChronicleOptions.KAFKA_GROUP_ID) + "-" + (this == ALL ? INGEST : this);
    }

    /** The capability option this job needs set, or null for the jobs that need none. */
    public ConfigOption<Boolean> capability() {
        switch (this) {
            case ROLLUPS:
                return ChronicleOptions.ROLLUP_ENABLED;
            case VIEWS:
                return ChronicleOptions.VIEWS_ENABLED;
            case ALERTS:
            case DELIVERY:
                return ChronicleOptions.ALERTS_ENABLED;
            case MAINTENANCE:
                return ChronicleOptions.MAINTENANCE_ENABLED;
            default:
                return null;
        }
    }

    /** Whether the job reads Kafka under a consumer group of its own ({@link #consumerGroup}). */
    public boolean readsKafka() {
        return this != MAINTENANCE;
    }

    /**
     * The jobs a deployment runs under {@code conf}: those that together do what {@link #ALL}
     * does (ingest, then each capability switched on, then delivery where alerts have a
     * receiver), then maintenance where it is switched on.
     */
    public static List<ChronicleJob> split(Configuration conf) {
        List<ChronicleJob> jobs = new ArrayList<>(List.of(INGEST));
        for (ChronicleJob job : List.of(ROLLUPS, VIEWS, ALERTS)) {
            if (conf.get(job.capability())) {
                jobs.add(job);
            }
        }
        if (conf.get(ChronicleOptions.ALERTS_ENABLED) && !AlertReceivers.from(conf).isEmpty()) {
            jobs.add(DELIVERY);
        }
        if (conf.get(ChronicleOptions.MAINTENANCE_ENABLED)) {
            jobs.add(MAINTENANCE);
        }
        return jobs;
    }

    /** Checks that {@code conf} can run this job; a failure names the option to change. */
    void validate(Configuration conf) {
        String option = ChronicleOptions.JOB.key();
        if (capability() != null && !conf.get(capability())) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': the " + this
                    + " job needs '" + capability().key() + "' true");
        }
        if (this == DELIVERY && AlertReceivers.from(conf).isEmpty()) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': the delivery"
                    + " job needs a receiver (chronicle.alerts.receivers.<name>.url)");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
