package io.chronicle.bench;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.Retention;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.jobs.IngestJob;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One of the life suite's two deployments, in a catalog namespace of its own: Chronicle's
 * all-in-one job (rollup tiers and the traces view on, alerts off) reading the shared topics under
 * a consumer group of its own, and, with maintenance, the maintenance job beside it with its time
 * settings compressed to the simulated day. Retention is applied by the suite at each day's end
 * with the simulated now, through the same {@link Retention#plan} and {@link Retention#apply} the
 * maintenance job's retention operator calls with the wall clock.
 */
final class LifeRun implements AutoCloseable {

    /** The tables measured each day, by their short names in the report. */
    static final Map<String, String> TABLES = tables();
    /** A retention commit that loses to a concurrent compaction is planned again, as the operator's next round would. */
    private static final int RETENTION_ATTEMPTS = 5;
    /** The 5m tier's retention here: short enough for its curve to level off within the default days. */
    static final String TIER_RETENTION_TIER = "5m";
    static final String TIER_RETENTION = "14 d";

    final String name;
    final String namespace;
    final boolean maintenance;
    final Configuration conf;
    private final BenchEnvironment env;
    private final Catalog catalog;
    private final List<JobClient> jobs = new ArrayList<>();
    /** Rows retention deleted so far, by table. */
    private final Map<String, Long> retained = new LinkedHashMap<>();

    LifeRun(BenchEnvironment env, String name, boolean maintenance, String pointsTopic, Duration dayLength) {
        this.env = env;
        this.name = name;
        this.namespace = "life_" + name;
        this.maintenance = maintenance;
        Configuration conf = env.chronicleConf(namespace, pointsTopic);
        conf.set(ChronicleOptions.ROLLUP_ENABLED, true);
        conf.set(ChronicleOptions.VIEWS_ENABLED, true);
        conf.set(ChronicleOptions.ALERTS_ENABLED, false);
        conf.set(ChronicleOptions.ROLLUP_RETENTION, Map.of(TIER_RETENTION_TIER, TIER_RETENTION));
        conf.set(ChronicleOptions.MAINTENANCE_ENABLED, maintenance);
        // Days come in bursts with pauses between them (longer on the days with queries). With the
        // default 30 s, every partition goes idle in a pause, the first one read afterwards drives
        // event time alone, and the others' first points of the day become too late for the tiers.
        // A live deployment's partitions never pause for a day's worth of event time.
        conf.set(ChronicleOptions.INGEST_WATERMARK_IDLENESS, Duration.ofHours(1));
        compress(conf, dayLength);
        this.conf = conf;
        this.catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
    }

    /**
     * The maintenance job's time settings as fractions of the simulated day, in the proportions
     * of their defaults to a real day (a check a minute, compaction and snapshot expiry hourly,
     * snapshots kept a day); none below a second. The orphan age cannot follow: below an hour of
     * wall time a file may still be a commit in flight. Its own retention operator would cut by
     * the wall clock; it runs once at its start, on empty tables, and not again within the run.
     */
    static void compress(Configuration conf, Duration dayLength) {
        conf.set(ChronicleOptions.MAINTENANCE_CHECK_INTERVAL, atLeastASecond(dayLength.dividedBy(1_440)));
        conf.set(ChronicleOptions.MAINTENANCE_COMPACTION_INTERVAL, atLeastASecond(dayLength.dividedBy(24)));
        conf.set(ChronicleOptions.MAINTENANCE_SNAPSHOTS_MAX_AGE, dayLength);
        conf.set(ChronicleOptions.MAINTENANCE_SNAPSHOTS_INTERVAL, atLeastASecond(dayLength.dividedBy(24)));
        conf.set(ChronicleOptions.MAINTENANCE_ORPHANS_INTERVAL, dayLength);
        conf.set(ChronicleOptions.MAINTENANCE_ORPHANS_MIN_AGE, Duration.ofHours(1));
        conf.set(ChronicleOptions.RETENTION_INTERVAL, Duration.ofDays(3_650));
    }

    private static Duration atLeastASecond(Duration d) {
        return d.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : d;
    }

    /** Starts the all-in-one job and, with maintenance, the maintenance job; returns once all run. */
    void start() throws Exception {
        for (ChronicleJob job : maintenance ? List.of(ChronicleJob.ALL, ChronicleJob.MAINTENANCE)
                : List.of(ChronicleJob.ALL)) {
            Configuration jobConf = new Configuration(conf);
            jobConf.set(ChronicleOptions.JOB, job);
            StreamExecutionEnvironment flink = new StreamExecutionEnvironment(
                    env.jobConf(jobConf, namespace + "_" + job));
            IngestJob.fromConfig(jobConf).build(flink);
            String jobName = "life-" + name + "-" + job;
            jobs.add(env.startJob(() -> flink.executeAsync(jobName)));
        }
    }

    /** Fails when one of the run's jobs has stopped. */
    void checkRunning() throws Exception {
        for (JobClient job : jobs) {
            if (env.state(job).isGloballyTerminalState()) {
                throw new IllegalStateException(namespace + ": job " + job.getJobID() + " ended " + env.state(job)
                        + "; see the log");
            }
        }
    }

    Catalog catalog() {
        return catalog;
    }

    Table table(String table) {
        return catalog.loadTable(TableIdentifier.of(namespace, table));
    }

    long rows(String table) {
        return TableStats.committedRecords(table(table));
    }

    /** Rows retention has deleted from {@code table} so far. */
    long retained(String table) {
        return retained.getOrDefault(table, 0L);
    }

    /**
     * Every table's retention at {@code now}, each table's round planned afresh when its commit
     * loses to a concurrent one; returns each table's cutoff for all tenants (empty: kept), which
     * for points_raw may be held back to the earliest window a tier has not committed.
     */
    Map<String, Optional<Instant>> applyRetention(Instant now) {
        Map<String, Optional<Instant>> cutoffs = new LinkedHashMap<>();
        Map<String, Long> deleted = new LinkedHashMap<>();
        RollupPolicy policy = RollupPolicy.from(conf);
        for (Retention.Plan plan : Retention.plan(catalog, namespace, policy, true, now)) {
            cutoffs.put(plan.cutoffs().table(), plan.cutoffs().others());
            Retention.Plan current = plan;
            for (int attempt = 1; ; attempt++) {
                try {
                    Retention.Result result = Retention.apply(current);
                    deleted.merge(result.table(), result.deletedRecords(), Long::sum);
                    break;
                } catch (RuntimeException e) {
                    if (attempt == RETENTION_ATTEMPTS) {
                        throw new IllegalStateException(namespace + ": retention of " + plan.cutoffs().table()
                                + " failed " + attempt + " times", e);
                    }
                    current = Retention.plan(current.table(), current.cutoffs());
                }
            }
        }
        deleted.forEach((table, rows) -> retained.merge(table, rows, Long::sum));
        return cutoffs;
    }

    /** The shape of each measured table now. */
    Map<String, TableShape> shapes() {
        Map<String, TableShape> shapes = new LinkedHashMap<>();
        TABLES.forEach((alias, table) -> shapes.put(alias, TableShape.of(table(table))));
        return shapes;
    }

    private static Map<String, String> tables() {
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put("raw", ChronicleTable.POINTS_RAW.tableName());
        tables.put("5m", "rollup_5m");
        tables.put("1h", "rollup_1h");
        tables.put("traces", ChronicleTable.TRACES.tableName());
        tables.put("events", ChronicleTable.EVENTS.tableName());
        return tables;
    }

    @Override
    public void close() throws IOException {
        for (JobClient job : jobs) {
            try {
                job.cancel().get();
            } catch (Exception e) {
                System.err.println("Could not cancel " + job.getJobID() + ": " + e);
            }
        }
        if (catalog instanceof Closeable closeable) {
            closeable.close();
        }
    }
}
