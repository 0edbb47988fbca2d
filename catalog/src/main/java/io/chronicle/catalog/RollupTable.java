package io.chronicle.catalog;

import io.chronicle.core.RollupPolicy.Tier;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.types.Types;

import java.util.Map;

import static org.apache.iceberg.types.Types.NestedField.optional;
import static org.apache.iceberg.types.Types.NestedField.required;

/**
 * The table of one rollup tier ({@code rollup_5m}, {@code rollup_1h}, ...): one row per tenant,
 * series and window, append-only. Partitioned by tenant and day of the window, so retention per
 * tenant and a rebuild of whole days replace whole files.
 */
public final class RollupTable implements TableDefinition {

    public static final String WINDOW_START = "window_start";
    public static final String TENANT = "tenant";

    private final Tier tier;

    public RollupTable(Tier tier) {
        this.tier = tier;
    }

    public Tier tier() {
        return tier;
    }

    @Override
    public String tableName() {
        return tier.tableName();
    }

    @Override
    public Schema schema() {
        return new Schema(
                required(1, TENANT, Types.StringType.get()),
                required(2, "metric", Types.StringType.get()),
                required(3, "tags", Types.MapType.ofRequired(
                        4, 5, Types.StringType.get(), Types.StringType.get())),
                required(6, "series_id", Types.LongType.get()),
                required(7, WINDOW_START, Types.TimestampType.withZone()),
                required(8, "window_end", Types.TimestampType.withZone()),
                required(9, "sample_count", Types.LongType.get()),
                required(10, "value_sum", Types.DoubleType.get()),
                required(11, "value_min", Types.DoubleType.get()),
                required(12, "value_max", Types.DoubleType.get()),
                required(13, "value_first", Types.DoubleType.get()),
                required(14, "first_ts", Types.TimestampType.withZone()),
                required(15, "value_last", Types.DoubleType.get()),
                required(16, "last_ts", Types.TimestampType.withZone()),
                required(17, "value_sum_squares", Types.DoubleType.get(),
                        "sum of squared values, for the exact standard deviation"),
                optional(18, "counter_increase", Types.DoubleType.get(),
                        "reset-aware increase for counters; null for gauges"),
                required(19, "sketch", Types.BinaryType.get(),
                        "DDSketch of the values, 1 % relative accuracy; see sketch_quantile()"));
    }

    @Override
    public PartitionSpec spec(Schema schema) {
        return PartitionSpec.builderFor(schema).identity(TENANT).day(WINDOW_START).build();
    }

    @Override
    public SortOrder sortOrder(Schema schema) {
        return SortOrder.builderFor(schema).asc("metric").asc("series_id").asc(WINDOW_START).build();
    }

    @Override
    public Map<String, String> properties() {
        return TableDefinition.seriesProperties();
    }

    @Override
    public String toString() {
        return tableName();
    }
}
