package io.chronicle.jobs;

import io.chronicle.catalog.RetentionFunction;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.flink.CatalogLoader;

import java.time.Duration;

/**
 * Retention of every table, applied continuously: a tick every {@code chronicle.retention.interval}
 * (the first at start) to one operator that plans and commits each table's round
 * ({@link RetentionFunction}). Its own source, so it neither waits on nor holds back anything else
 * in the job it is attached to.
 */
public final class RetentionPipeline {

    private RetentionPipeline() {}

    /** Adds retention to {@code env}'s job; returns a line per table changed, for logs or tests. */
    public static DataStream<String> attach(StreamExecutionEnvironment env, Configuration conf,
            CatalogLoader catalogLoader, String namespace) {
        Duration interval = conf.get(ChronicleOptions.RETENTION_INTERVAL);
        RollupPolicy policy = RollupPolicy.from(conf);
        double ticksPerSecond = 1_000.0 / interval.toMillis();
        DataGeneratorSource<Long> ticks = new DataGeneratorSource<>(
                tick -> tick, Long.MAX_VALUE, RateLimiterStrategy.perSecond(ticksPerSecond), Types.LONG);
        return env.fromSource(ticks, WatermarkStrategy.noWatermarks(), "retention-ticks")
                .setParallelism(1)
                .uid("retention-ticks")
                .process(new RetentionFunction(catalogLoader, namespace, policy,
                        conf.get(ChronicleOptions.ROLLUP_ENABLED)), Types.STRING)
                .setParallelism(1)
                .name("retention")
                .uid("retention");
    }
}
