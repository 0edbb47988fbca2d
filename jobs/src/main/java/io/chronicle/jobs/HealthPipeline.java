package io.chronicle.jobs;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.operators.health.DeadLetterRate;
import io.chronicle.operators.health.SeriesCardinality;
import io.chronicle.operators.health.TableCommitAges;
import io.chronicle.operators.rollup.SeriesChange;
import io.chronicle.sources.InternalTopics;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.flink.CatalogLoader;

import java.time.Duration;
import java.util.List;

/**
 * The pipeline's health as series for the alert evaluator: each tenant's dead-letter rate, each
 * written table's time since its last commit, each tenant's and metric's active series. They are
 * measured in processing time, and the clock that paces them also carries a wall-clock watermark
 * into the evaluator, so absences and {@code for} durations come due even when every input is
 * idle, as Prometheus' would. Where the alerts run as a job of their own, the dead-letter rate
 * counts the dead-letter topic, and the active series come from the rollups job through the
 * health topic.
 */
final class HealthPipeline {

    private HealthPipeline() {}

    /**
     * The health series: the commit ages of {@code tables}, the dead-letter rate of the refused
     * records' tenants, and {@code cardinality} (null when no rollups measure it).
     */
    static DataStream<MetricPoint> build(StreamExecutionEnvironment env, Configuration conf,
            DataStream<String> deadLetterTenants, DataStream<MetricPoint> cardinality,
            CatalogLoader catalogLoader, String namespace, List<String> tables) {
        Duration interval = conf.get(ChronicleOptions.ALERTS_HEALTH_INTERVAL);
        DataStream<MetricPoint> commitAges = env
                .fromSource(clock(interval),
                        WatermarkStrategy.<Long>forMonotonousTimestamps().withTimestampAssigner((tick, ts) -> tick),
                        "health-clock")
                .uid("health-clock")
                .setParallelism(1)
                .flatMap(new TableCommitAges(catalogLoader, namespace, tables),
                        TypeInformation.of(MetricPoint.class))
                .name("health-commit-ages")
                .uid("health-commit-ages")
                .setParallelism(1);
        DataStream<MetricPoint> deadLetters = deadLetterTenants
                .keyBy(tenant -> tenant, Types.STRING)
                .process(new DeadLetterRate(interval), TypeInformation.of(MetricPoint.class))
                .name("health-dead-letter-rate")
                .uid("health-dead-letter-rate")
                .assignTimestampsAndWatermarks(ownWatermarks(interval))
                .name("health-dead-letter-rate-time")
                .uid("health-dead-letter-rate-time");
        DataStream<MetricPoint> health = commitAges.union(deadLetters);
        return cardinality == null ? health : health.union(cardinality);
    }

    /** Each tenant's and metric's active series, from the rollups' series changes, at their measurement time. */
    static DataStream<MetricPoint> cardinality(DataStream<SeriesChange> seriesChanges, Configuration conf) {
        Duration interval = conf.get(ChronicleOptions.ALERTS_HEALTH_INTERVAL);
        return seriesChanges
                .keyBy(change -> change.tenant, Types.STRING)
                .process(new SeriesCardinality(interval), TypeInformation.of(MetricPoint.class))
                .name("health-cardinality")
                .uid("health-cardinality")
                .assignTimestampsAndWatermarks(ownWatermarks(interval))
                .name("health-cardinality-time")
                .uid("health-cardinality-time");
    }

    /** The tenant of every message of the dead-letter topic, whichever job refused the record. */
    static DataStream<String> deadLetterTenants(StreamExecutionEnvironment env, Configuration jobConf) {
        return env.fromSource(InternalTopics.deadLetterTenants(jobConf), WatermarkStrategy.noWatermarks(),
                        "kafka-dead-letter")
                .uid("kafka-dead-letter");
    }

    /**
     * The health series of the health topic. Its partitions interleave the ticks of several
     * writers, so their order is only known to within an interval.
     */
    static DataStream<MetricPoint> fromHealthTopic(StreamExecutionEnvironment env, Configuration jobConf) {
        Duration interval = jobConf.get(ChronicleOptions.ALERTS_HEALTH_INTERVAL);
        return env.fromSource(InternalTopics.healthSeries(jobConf),
                        WatermarkStrategy.<MetricPoint>forBoundedOutOfOrderness(interval)
                                .withTimestampAssigner((point, ts) -> Math.floorDiv(point.timestampMicros, 1_000L))
                                .withIdleness(interval.multipliedBy(2)),
                        "kafka-health")
                .uid("kafka-health");
    }

    /**
     * Wall-clock watermarks in place of the input's: garbage on a topic that never had a valid
     * record holds the input's watermark back, and must not hold back the alerts too. Idle between
     * rejections, so a quiet tenant holds nothing back either.
     */
    private static WatermarkStrategy<MetricPoint> ownWatermarks(Duration interval) {
        return WatermarkStrategy.<MetricPoint>forMonotonousTimestamps()
                .withTimestampAssigner((point, ts) -> Math.floorDiv(point.timestampMicros, 1_000L))
                .withIdleness(interval.multipliedBy(2));
    }

    /** One tick, the wall-clock time in millis, per interval, for as long as the job runs. */
    private static DataGeneratorSource<Long> clock(Duration interval) {
        GeneratorFunction<Long, Long> now = index -> System.currentTimeMillis();
        return new DataGeneratorSource<>(now, Long.MAX_VALUE,
                RateLimiterStrategy.perSecond(1_000.0 / interval.toMillis()), Types.LONG);
    }
}
