package io.chronicle.core;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

import java.io.Serializable;
import java.time.Duration;

/**
 * The maintenance job's settings ({@code chronicle.maintenance.*}), read and checked once.
 * {@link ChronicleConfig#validated} builds one, so a bad value fails any program at start, naming
 * the option.
 */
public record MaintenanceSettings(
        Duration checkInterval,
        Duration compactionInterval,
        int compactionDataFiles,
        int compactionDeleteFiles,
        Duration snapshotsMaxAge,
        int snapshotsRetainLast,
        Duration snapshotsInterval,
        Duration orphansMinAge,
        Duration orphansInterval) implements Serializable {

    /**
     * The shortest orphan age allowed: a younger file may be one a checkpoint wrote and has not
     * committed yet, or one a job restored from a checkpoint is about to commit.
     */
    public static final Duration MIN_ORPHAN_AGE = Duration.ofHours(1);

    public static MaintenanceSettings from(Configuration conf) {
        Duration orphansMinAge = positive(conf, ChronicleOptions.MAINTENANCE_ORPHANS_MIN_AGE);
        if (orphansMinAge.compareTo(MIN_ORPHAN_AGE) < 0) {
            throw invalid(ChronicleOptions.MAINTENANCE_ORPHANS_MIN_AGE, "must be at least " + MIN_ORPHAN_AGE
                    + " (a younger file may belong to a commit in flight), got " + orphansMinAge);
        }
        return new MaintenanceSettings(
                atLeastASecond(conf, ChronicleOptions.MAINTENANCE_CHECK_INTERVAL),
                atLeastASecond(conf, ChronicleOptions.MAINTENANCE_COMPACTION_INTERVAL),
                atLeastOne(conf, ChronicleOptions.MAINTENANCE_COMPACTION_DATA_FILES),
                atLeastOne(conf, ChronicleOptions.MAINTENANCE_COMPACTION_DELETE_FILES),
                positive(conf, ChronicleOptions.MAINTENANCE_SNAPSHOTS_MAX_AGE),
                atLeastOne(conf, ChronicleOptions.MAINTENANCE_SNAPSHOTS_RETAIN_LAST),
                atLeastASecond(conf, ChronicleOptions.MAINTENANCE_SNAPSHOTS_INTERVAL),
                orphansMinAge,
                atLeastASecond(conf, ChronicleOptions.MAINTENANCE_ORPHANS_INTERVAL));
    }

    private static Duration positive(Configuration conf, ConfigOption<Duration> option) {
        Duration d = conf.get(option);
        if (d.isNegative() || d.isZero()) {
            throw invalid(option, "must be positive, got " + d);
        }
        return d;
    }

    /** Iceberg's triggers and rate limit count whole seconds and milliseconds; below a second is a slip. */
    private static Duration atLeastASecond(Configuration conf, ConfigOption<Duration> option) {
        Duration d = conf.get(option);
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw invalid(option, "must be at least 1 s, got " + d);
        }
        return d;
    }

    private static int atLeastOne(Configuration conf, ConfigOption<Integer> option) {
        int value = conf.get(option);
        if (value < 1) {
            throw invalid(option, "must be at least 1, got " + value);
        }
        return value;
    }

    private static IllegalArgumentException invalid(ConfigOption<?> option, String why) {
        return new IllegalArgumentException("Invalid value for option '" + option.key() + "': " + why);
    }
}
