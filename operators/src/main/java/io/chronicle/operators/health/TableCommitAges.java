package io.chronicle.operators.health;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.util.Collector;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * On each tick (wall-clock millis), the seconds since each table the job writes was last
 * committed, as the series {@link HealthRules#COMMIT_AGE}: the commits of a running job, even an
 * idle one, keep it below a bound, so a growing age means commits keep failing (or checkpoints,
 * which they wait for). Ages count from when the job started watching at the earliest, so a job
 * started after a long stop is not taken for a failing one; that start survives the job's own
 * restarts (restored from its checkpoint when the attempt is a restart), so a job that fails to
 * commit and restarts over and over is seen for what it is. A catalog that cannot be read counts
 * as no commit.
 */
public class TableCommitAges extends RichFlatMapFunction<Long, MetricPoint> implements CheckpointedFunction {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TableCommitAges.class);

    private final CatalogLoader catalogLoader;
    private final String namespace;
    private final List<String> tables;
    private final StateLayout layout = new StateLayout("table commit-age health signal");

    private transient Catalog catalog;
    /** Tables loaded once and refreshed after: a refresh reads metadata only when it changed. */
    private transient Map<String, Table> loaded;
    private transient ListState<Long> watchingSinceState;
    private transient long watchingSinceMillis;
    private transient Map<String, Long> lastCommitMillis;
    private transient HealthPoints points;
    private transient Counter unreadable;

    public TableCommitAges(CatalogLoader catalogLoader, String namespace, List<String> tables) {
        this.catalogLoader = catalogLoader;
        this.namespace = namespace;
        this.tables = List.copyOf(tables);
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        layout.initialize(context);
        watchingSinceState = context.getOperatorStateStore().getListState(
                layout.reads(new ListStateDescriptor<>("commit-watch-since", Types.LONG)));
        watchingSinceMillis = watchStart(context.isRestored(), getRuntimeContext().getTaskInfo().getAttemptNumber(),
                watchingSinceState.get(), System.currentTimeMillis());
    }

    /**
     * When the watch started: now for a new job (attempt 0, perhaps from a savepoint after a stop),
     * the saved start for a restart of this one.
     */
    static long watchStart(boolean restored, int attemptNumber, Iterable<Long> saved, long nowMillis) {
        long since = nowMillis;
        if (restored && attemptNumber > 0) {
            for (Long s : saved) {
                since = Math.min(since, s);
            }
        }
        return since;
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        watchingSinceState.update(List.of(watchingSinceMillis));
        layout.snapshot();
    }

    @Override
    public void open(OpenContext openContext) {
        catalog = catalogLoader.loadCatalog();
        lastCommitMillis = new HashMap<>();
        loaded = new HashMap<>();
        points = new HealthPoints();
        unreadable = getRuntimeContext().getMetricGroup().counter("commitWatchUnreadable");
        layout.verify(getRuntimeContext());
    }

    @Override
    public void flatMap(Long tickMillis, Collector<MetricPoint> out) {
        for (String table : tables) {
            try {
                Table t = loaded.get(table);
                if (t == null) {
                    t = catalog.loadTable(TableIdentifier.of(namespace, table));
                    loaded.put(table, t);
                } else {
                    t.refresh();
                }
                Snapshot current = t.currentSnapshot();
                if (current != null) {
                    lastCommitMillis.put(table, current.timestampMillis());
                }
            } catch (RuntimeException e) {
                // Loaded afresh next time: the table may have been dropped and created again.
                loaded.remove(table);
                unreadable.inc();
                LOG.warn("Cannot read the last commit of table {}.{}: {}", namespace, table, e.toString());
            }
            long since = Math.max(watchingSinceMillis, lastCommitMillis.getOrDefault(table, Long.MIN_VALUE));
            TreeMap<String, String> tags = new TreeMap<>();
            tags.put("table", table);
            out.collect(points.gauge(HealthRules.SYSTEM_TENANT, HealthRules.COMMIT_AGE, tags, tickMillis,
                    Math.max(0L, tickMillis - since) / 1_000L));
        }
    }

    @Override
    public void close() throws Exception {
        if (catalog instanceof Closeable closeable) {
            closeable.close();
        }
    }
}
