package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.TableStats;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.jobs.TimedTraffic.Expected;
import io.chronicle.jobs.TimedTraffic.Point;
import io.chronicle.jobs.TimedTraffic.Trace;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Row;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.chronicle.jobs.TimedTraffic.PARTITIONS;
import static io.chronicle.jobs.TimedTraffic.count;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * History backfilled into a live stack, as docs/producing.md describes it: while the ingest job
 * runs on the live topics, two-day-old points and traces are produced to topics of their own, read
 * by a bounded run of the ingest job ({@code chronicle.kafka.bounded}, rollups and alerts off),
 * and the rollup tiers are rebuilt for the history's range from {@code points_raw}. Both tiers'
 * rows and the traces of history and of the live stream then equal a reference computed here,
 * and nothing is {@code too_late}.
 */
class BackfillITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(4);
    private static final long FIVE_MINUTES = 300 * TimedTraffic.SECOND;
    private static final long HOUR = 3_600 * TimedTraffic.SECOND;
    private static final int LIVE_TRACES = 20;
    private static final int OLD_TRACES = 40;

    @Test
    void historyFromItsOwnTopicsAndARebuildLandsInTheLiveTablesWithNothingTooLate() throws Exception {
        String run = "backfill";
        Configuration conf = services.chronicleConf(run, Map.of(ChronicleOptions.ALERTS_ENABLED.key(), "false"));
        Configuration history = new Configuration(conf);
        history.set(ChronicleOptions.TOPIC_POINTS, "history-points-" + run);
        history.set(ChronicleOptions.TOPIC_EVENTS, "history-events-" + run);
        history.set(ChronicleOptions.KAFKA_GROUP_ID, "it-" + run + "-history");
        history.set(ChronicleOptions.KAFKA_BOUNDED, true);
        history.set(ChronicleOptions.ROLLUP_ENABLED, false);
        for (Configuration c : List.of(conf, history)) {
            services.kafka.createTopic(c.get(ChronicleOptions.TOPIC_POINTS), PARTITIONS, false);
            services.kafka.createTopic(c.get(ChronicleOptions.TOPIC_EVENTS), PARTITIONS, false);
        }
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant from = now.minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.HOURS);
        Instant to = from.plus(Duration.ofHours(1));
        Random random = new Random(29);
        List<Point> live = TimedTraffic.points(micros(now.minus(Duration.ofMinutes(30))),
                micros(now.minus(Duration.ofMinutes(15))), random);
        List<Trace> liveTraces = TimedTraffic.traces("live-", now.minus(Duration.ofMinutes(90)).toEpochMilli(),
                LIVE_TRACES, random);
        List<Point> old = TimedTraffic.points(micros(from), micros(to), random);
        List<Trace> oldTraces = TimedTraffic.traces("old-", from.toEpochMilli(), OLD_TRACES, random);
        Map<List<Object>, Expected> live5m = TimedTraffic.expected(live, FIVE_MINUTES);
        Map<List<Object>, Expected> old5m = TimedTraffic.expected(old, FIVE_MINUTES);
        // The live hours written: those whose end plus the lateness (5 min) the flush passes.
        Instant liveEventTime = now.minus(Duration.ofMinutes(1));
        Map<List<Object>, Expected> live1h = new HashMap<>(TimedTraffic.expected(live, HOUR));
        live1h.keySet().removeIf(k -> ((Instant) k.get(2)).plus(Duration.ofMinutes(65)).isAfter(liveEventTime));

        StreamExecutionEnvironment env = JobEnvironment.create(services.jobConf(conf, run));
        env.setParallelism(2);
        IngestJob.fromConfig(conf).build(env);
        JobClient job = env.executeAsync(IngestJob.jobName(conf));
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
            Table fiveMinutes = catalog.loadTable(TableIdentifier.of("chronicle", "rollup_5m"));
            Table hourly = catalog.loadTable(TableIdentifier.of("chronicle", "rollup_1h"));
            Table rejected = catalog.loadTable(TableIdentifier.of("chronicle", "rejected"));

            TimedTraffic.send(producer, conf.get(ChronicleOptions.TOPIC_POINTS), live);
            // Live event time then passes every live window plus its lateness.
            for (int p = 0; p < PARTITIONS; p++) {
                List<Point> flush = new ArrayList<>();
                for (int i = 0; i <= ChronicleOptions.INGEST_WATERMARK_OUTLIERS.defaultValue(); i++) {
                    flush.add(new Point("flush", "p" + p, micros(liveEventTime) + i, 0));
                }
                TimedTraffic.send(producer, conf.get(ChronicleOptions.TOPIC_POINTS), p, flush);
            }
            TimedTraffic.sendEvents(producer, conf.get(ChronicleOptions.TOPIC_EVENTS), TimedTraffic.events(liveTraces));
            ItServices.waitUntil("the live windows and traces", DEADLINE,
                    () -> TableStats.committedRecords(fiveMinutes) >= live5m.size()
                            && TableStats.committedRecords(hourly) >= live1h.size()
                            && count(conf, "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')")
                            == LIVE_TRACES);

            // History, on topics of its own, through a bounded run while the live job goes on.
            TimedTraffic.send(producer, history.get(ChronicleOptions.TOPIC_POINTS), old);
            TimedTraffic.sendEvents(producer, history.get(ChronicleOptions.TOPIC_EVENTS), TimedTraffic.events(oldTraces));
            StreamExecutionEnvironment backfill = JobEnvironment.create(services.jobConf(history, run + "-history"));
            backfill.setParallelism(2);
            IngestJob.fromConfig(history).build(backfill);
            backfill.execute("backfill");

            Configuration rebuild = new Configuration(conf);
            rebuild.set(PipelineOptions.GENERIC_TYPES, false);
            RollupRebuild.run(rebuild, "5m", from, to);
            RollupRebuild.run(rebuild, "1h", from, to);

            long seen = System.currentTimeMillis();
            ItServices.waitUntil("a commit of the rejected table after the backfill", DEADLINE, () -> {
                rejected.refresh();
                Snapshot current = rejected.currentSnapshot();
                return current != null && current.timestampMillis() > seen;
            });
        } finally {
            job.cancel().get();
        }

        Map<List<Object>, Expected> all5m = new HashMap<>(live5m);
        all5m.putAll(old5m);
        TimedTraffic.assertRollups(conf, "rollup_5m", "tenant <> 'flush'", all5m);
        Map<List<Object>, Expected> all1h = new HashMap<>(live1h);
        all1h.putAll(TimedTraffic.expected(old, HOUR));
        TimedTraffic.assertRollups(conf, "rollup_1h", "tenant <> 'flush'", all1h);
        Map<String, Row> traces = TimedTraffic.traceRows(conf);
        assertThat(traces).hasSize(LIVE_TRACES + OLD_TRACES);
        TimedTraffic.assertTraces(traces, liveTraces);
        TimedTraffic.assertTraces(traces, oldTraces);
        assertThat(TimedTraffic.rejections(conf)).as("nothing refused, too_late least of all").isEmpty();
        assertThat(count(conf, "SELECT count(*) FROM points_raw WHERE tenant <> 'flush'"))
                .isEqualTo((long) live.size() + old.size());
        assertThat(count(conf, "SELECT count(*) FROM events")).isEqualTo(4L * (LIVE_TRACES + OLD_TRACES));
    }

    private static long micros(Instant t) {
        return t.toEpochMilli() * 1_000L;
    }
}
