package io.chronicle.catalog;

import io.chronicle.core.RollupPolicy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;

/**
 * One retention round per tick, emitting a line per table it changed: every table's cutoffs planned at the wall clock and applied, table
 * by table. A table whose round fails (catalog or S3 unreachable, a commit that conflicts) is
 * logged and counted, and planned afresh next round; the job never fails for it.
 *
 * <p>Metrics (under the operator): {@code retentionRounds}, {@code retentionFailures} (tables whose
 * round failed), {@code retentionDeletedRows}, {@code retentionDroppedFiles},
 * {@code retentionRewrittenFiles}, and the gauge {@code retentionLastRoundMillis} (wall clock of
 * the last round in which every table succeeded).
 */
public final class RetentionFunction extends ProcessFunction<Long, String> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RetentionFunction.class);

    private final ReopeningCatalog catalog;
    private final String namespace;
    private final RollupPolicy policy;
    private final boolean rollupsEnabled;

    private transient Clock clock;
    private transient Counter rounds;
    private transient Counter failures;
    private transient Counter deletedRows;
    private transient Counter droppedFiles;
    private transient Counter rewrittenFiles;
    private transient volatile long lastRoundMillis;

    public RetentionFunction(CatalogLoader catalogLoader, String namespace, RollupPolicy policy,
            boolean rollupsEnabled) {
        this.catalog = new ReopeningCatalog(catalogLoader);
        this.namespace = namespace;
        this.policy = policy;
        this.rollupsEnabled = rollupsEnabled;
    }

    @Override
    public void open(OpenContext openContext) {
        clock = Clock.systemUTC();
        var group = getRuntimeContext().getMetricGroup();
        rounds = group.counter("retentionRounds");
        failures = group.counter("retentionFailures");
        deletedRows = group.counter("retentionDeletedRows");
        droppedFiles = group.counter("retentionDroppedFiles");
        rewrittenFiles = group.counter("retentionRewrittenFiles");
        group.gauge("retentionLastRoundMillis", () -> lastRoundMillis);
    }

    @Override
    public void processElement(Long tick, Context ctx, Collector<String> out) {
        Instant now = clock.instant();
        rounds.inc();
        boolean clean = true;
        try {
            for (Retention.Plan plan : Retention.plan(catalog.get(), namespace, policy, rollupsEnabled, now)) {
                try {
                    Retention.Result result = Retention.apply(plan);
                    deletedRows.inc(result.deletedRecords());
                    droppedFiles.inc(result.deletedDataFiles());
                    rewrittenFiles.inc(result.rewrittenDataFiles());
                    if (result.snapshotId().isPresent()) {
                        LOG.info("Retention: {}", result);
                        out.collect(result.toString());
                    }
                } catch (RuntimeException e) {
                    clean = false;
                    failures.inc();
                    LOG.warn("Retention of {} failed; it is planned again next round", plan.cutoffs().table(), e);
                }
            }
        } catch (RuntimeException e) {
            clean = false;
            failures.inc();
            LOG.warn("Retention round failed (catalog unreachable?); trying again next round", e);
            catalog.close();
        }
        if (clean) {
            lastRoundMillis = now.toEpochMilli();
        }
    }



    @Override
    public void close() {
        catalog.close();
    }
}
