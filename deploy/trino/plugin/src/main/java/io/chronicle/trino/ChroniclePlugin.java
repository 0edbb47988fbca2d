package io.chronicle.trino;

import io.trino.spi.Plugin;

import java.util.Set;

/**
 * Chronicle's SQL functions over the rollup tables for Trino: {@code sketch_quantile},
 * {@code sketch_merge}, {@code rollup_mean}, {@code rollup_stddev} and {@code rollup_rate}, as
 * Flink SQL offers them, computed by the same code ({@code io.chronicle.core.rollup.RollupFunctions}).
 */
public final class ChroniclePlugin implements Plugin {

    @Override
    public Set<Class<?>> getFunctions() {
        return Set.of(RollupScalarFunctions.class, SketchMergeAggregation.class);
    }
}
