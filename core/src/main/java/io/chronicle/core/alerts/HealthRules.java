package io.chronicle.core.alerts;

import io.chronicle.core.ChronicleOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The pipeline's health as alerting rules over the health series the job measures itself: the
 * same evaluator, lifecycle, outputs and receivers as any rule. A rule of the same name from the
 * rules topic replaces one of these, and a tombstone for it switches it off.
 */
public final class HealthRules {

    /** The tenant of health series that concern no tenant (the tables' commits). */
    public static final String SYSTEM_TENANT = "chronicle";
    /** The tenant a record refused before its tenant was known counts under. */
    public static final String UNKNOWN_TENANT = "unknown";
    /** Records sent to the dead-letter path per second, per tenant. */
    public static final String DEAD_LETTERS = "chronicle_dead_letters_per_second";
    /** Seconds since the table (tag {@code table}) was last committed. */
    public static final String COMMIT_AGE = "chronicle_table_commit_age_seconds";
    /** Active series of a tenant. */
    public static final String TENANT_SERIES = "chronicle_tenant_active_series";
    /** Active series of one metric (tag {@code metric_name}) of a tenant. */
    public static final String METRIC_SERIES = "chronicle_metric_active_series";

    /**
     * Every health series' metric name. Producers may not write points of these names under any
     * tenant: the health rules select them in every tenant, so such a point could fire or resolve
     * a health alert.
     */
    public static final Set<String> METRICS = Set.of(DEAD_LETTERS, COMMIT_AGE, TENANT_SERIES, METRIC_SERIES);

    /** Iceberg's Flink committer commits an unchanged table every this many checkpoints. */
    static final int CHECKPOINTS_PER_EMPTY_COMMIT = 10;

    private HealthRules() {}

    /** The health rules for {@code conf}; a bound that cannot work fails naming its option. */
    public static List<AlertRule> from(Configuration conf) {
        Duration healthFor = conf.get(ChronicleOptions.ALERTS_HEALTH_FOR);
        Duration maxCommitAge = maxCommitAge(conf);
        double deadLetterRate = conf.get(ChronicleOptions.ALERTS_HEALTH_DEAD_LETTER_RATE);
        RuleLimits limits = RuleLimits.from(conf);
        if (!(deadLetterRate >= 0)) {
            throw new IllegalArgumentException("Option '" + ChronicleOptions.ALERTS_HEALTH_DEAD_LETTER_RATE.key()
                    + "' must be zero or more, not " + deadLetterRate);
        }
        return List.of(
                rule("ChronicleDeadLetterRate", DEAD_LETTERS, deadLetterRate, healthFor, "warning",
                        "Tenant {{ $labels.tenant }} sends {{ $value }} records per second to the dead-letter path",
                        limits),
                rule("ChronicleSinkCommitsFailing", COMMIT_AGE, maxCommitAge.toSeconds(), Duration.ZERO, "critical",
                        "Table {{ $labels.table }} has not been committed for {{ $value }} s", limits),
                rule("ChronicleTenantCardinality", TENANT_SERIES,
                        positive(conf, ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_TENANT.key(),
                                conf.get(ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_TENANT)),
                        healthFor, "warning", "Tenant {{ $labels.tenant }} has {{ $value }} active series", limits),
                rule("ChronicleMetricCardinality", METRIC_SERIES,
                        positive(conf, ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_METRIC.key(),
                                conf.get(ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_METRIC)),
                        healthFor, "warning",
                        "Metric {{ $labels.metric_name }} of tenant {{ $labels.tenant }} has {{ $value }} active series",
                        limits));
    }

    /**
     * The commit age bound: as set, which must exceed what an idle healthy job reaches, or by
     * default 10 minutes, raised to 15 checkpoint intervals where checkpoints are further apart.
     */
    static Duration maxCommitAge(Configuration conf) {
        Duration interval = conf.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).orElse(null);
        Duration maxCommitAge = conf.get(ChronicleOptions.ALERTS_HEALTH_MAX_COMMIT_AGE);
        if (interval == null) {
            return maxCommitAge;
        }
        Duration idleCommits = interval.multipliedBy(CHECKPOINTS_PER_EMPTY_COMMIT);
        if (!conf.contains(ChronicleOptions.ALERTS_HEALTH_MAX_COMMIT_AGE)) {
            Duration roomy = interval.multipliedBy(CHECKPOINTS_PER_EMPTY_COMMIT + CHECKPOINTS_PER_EMPTY_COMMIT / 2);
            return roomy.compareTo(maxCommitAge) > 0 ? roomy : maxCommitAge;
        }
        if (maxCommitAge.compareTo(idleCommits) <= 0) {
            throw new IllegalArgumentException("Option '" + ChronicleOptions.ALERTS_HEALTH_MAX_COMMIT_AGE.key()
                    + "' (" + maxCommitAge.toSeconds() + " s) must exceed " + CHECKPOINTS_PER_EMPTY_COMMIT
                    + " checkpoint intervals ('" + CheckpointingOptions.CHECKPOINTING_INTERVAL.key() + "' is "
                    + interval.toSeconds() + " s): a healthy job commits an idle table only that often");
        }
        return maxCommitAge;
    }

    private static long positive(Configuration conf, String option, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("Option '" + option + "' must be positive, not " + value);
        }
        return value;
    }

    private static AlertRule rule(String name, String metric, double above, Duration holdsFor, String severity,
            String summary, RuleLimits limits) {
        return AlertRules.parseRule(String.format(Locale.ROOT, """
                {"name": "%s", "selector": "%s", "threshold": {"above": %s}, "for": "%dms",
                 "labels": {"severity": "%s", "source": "chronicle"},
                 "annotations": {"summary": "%s"}}
                """, name, metric, Double.toString(above), holdsFor.toMillis(), severity, summary), limits);
    }
}
