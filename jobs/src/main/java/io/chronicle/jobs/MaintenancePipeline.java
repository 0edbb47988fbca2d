package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.catalog.TableDefinition;
import io.chronicle.catalog.TableMaintenanceTasks;
import io.chronicle.catalog.WriterSafeTableLoader;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MaintenanceSettings;
import io.chronicle.core.RollupPolicy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.maintenance.api.TableMaintenance;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The maintenance job: Iceberg's Flink table maintenance on every table the enabled jobs write,
 * each table watched by a source of its own that reads its new snapshots, with its tasks
 * ({@link TableMaintenanceTasks}) run one at a time under the table's lock; and every table's
 * retention ({@link RetentionPipeline}). Snapshot expiry keeps every writer's latest commit for as
 * long as orphan files are kept ({@link WriterSafeTableLoader}): a writer stopped for less can be
 * restored from its checkpoint without committing it twice.
 *
 * <p>The lock is the one Iceberg keeps inside the job (its JobManager coordinates the tasks of
 * each table), not one in a database: it protects the tasks of one job from each other, which is
 * all a lock factory's lock does too (a job started afresh clears it), it works with every catalog
 * type, and an outage of the catalog's database cannot fail it. Writers need no lock: Iceberg's
 * optimistic commits serialize them with the maintenance commits.
 */
public final class MaintenancePipeline {

    /**
     * Every maintenance operator's uid ends with this and the table's name (Iceberg puts the
     * operator's own name before), so a uid never depends on the settings.
     */
    static final String UID_PREFIX = "maintenance-";

    private MaintenancePipeline() {}

    /** Creates any missing table, then adds the maintenance of each to {@code env}. */
    public static void build(StreamExecutionEnvironment env, Configuration conf, CatalogLoader catalogLoader,
            String namespace) throws IOException {
        MaintenanceSettings settings = MaintenanceSettings.from(conf);
        List<TableDefinition> tables = maintainedTables(conf);
        TableBootstrap.ensureTables(catalogLoader, namespace, tables.toArray(TableDefinition[]::new));
        for (TableDefinition table : tables) {
            TableMaintenance.forTable(env, WriterSafeTableLoader.fromCatalog(catalogLoader,
                            TableIdentifier.of(namespace, table.tableName()), settings.orphansMinAge()))
                    .uidSuffix(UID_PREFIX + table.tableName())
                    .rateLimit(settings.checkInterval())
                    .lockCheckDelay(settings.checkInterval())
                    .add(TableMaintenanceTasks.all(settings))
                    .append();
        }
        // In this job: the rows retention deletes leave S3 through the compaction and snapshot
        // expiry above.
        RetentionPipeline.attach(env, conf, catalogLoader, namespace);
    }

    /** The tables the jobs enabled under {@code conf} write: raw ingest's, then each capability's. */
    static List<TableDefinition> maintainedTables(Configuration conf) {
        List<TableDefinition> tables = new ArrayList<>(
                List.of(ChronicleTable.POINTS_RAW, ChronicleTable.EVENTS, ChronicleTable.REJECTED));
        if (conf.get(ChronicleOptions.ROLLUP_ENABLED)) {
            RollupPolicy.from(conf).chain().stream().map(RollupTable::new).forEach(tables::add);
        }
        if (conf.get(ChronicleOptions.VIEWS_ENABLED)) {
            tables.add(ChronicleTable.TRACES);
            tables.add(ChronicleTable.AGENT_METRICS);
        }
        if (conf.get(ChronicleOptions.ALERTS_ENABLED)) {
            tables.add(ChronicleTable.ALERTS);
            tables.add(ChronicleTable.ANOMALIES);
        }
        return tables;
    }
}
