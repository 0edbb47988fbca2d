package io.chronicle.sql.functions;

import io.chronicle.catalog.RollupTable;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupAggregate;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.AggregatePhaseStrategy;
import org.apache.flink.table.api.config.OptimizerConfigOptions;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.utils.TypeConversions;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static io.chronicle.sql.functions.TestSketches.exactQuantile;
import static io.chronicle.sql.functions.TestSketches.tolerance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

/**
 * The functions through Flink SQL in batch mode, registered under the names Chronicle's catalog
 * gives them, over a view with exactly the row type Flink reads from the {@code rollup_5m} Iceberg
 * table. Two hours of random samples of a gauge and a counter on three hosts are rolled up into
 * five-minute rows here, and every query result is held against statistics computed directly from
 * the samples. Aggregation runs in two phases, so partial sketches are merged.
 */
class SqlFunctionsITCase {

    private static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final int WINDOWS = 24;
    private static final List<String> HOSTS = List.of("a", "b", "c");
    private static final String GAUGE = "latency_ms";
    private static final String COUNTER = "requests_total";

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(io.chronicle.core.EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    private static StreamTableEnvironment sql;
    /** Raw samples by metric, then by host, in time order. */
    private static final Map<String, Map<String, List<Sample>>> SAMPLES = new TreeMap<>();

    private record Sample(Instant ts, double value) {}

    @BeforeAll
    static void setUp(@InjectClusterRESTAddress URI clusterRest) {
        Configuration conf = new Configuration();
        // Queries go to the shared cluster, as the gateway's do, not to a new one each.
        conf.set(DeploymentOptions.TARGET, "remote");
        conf.set(RestOptions.ADDRESS, clusterRest.getHost());
        conf.set(RestOptions.PORT, clusterRest.getPort());
        conf.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, 2);
        conf.set(OptimizerConfigOptions.TABLE_OPTIMIZER_AGG_PHASE_STRATEGY, AggregatePhaseStrategy.TWO_PHASE);
        // Hours are floored in the session's zone; the expected hours are UTC ones.
        conf.set(TableConfigOptions.LOCAL_TIME_ZONE, "UTC");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        sql = StreamTableEnvironment.create(env,
                EnvironmentSettings.newInstance().inBatchMode().withConfiguration(conf).build());
        ChronicleFunctions.all().forEach(sql::createTemporarySystemFunction);
        RollupTable table = new RollupTable(RollupPolicy.Tier.parse("tier", "5m"));
        // Rows as one bounded source: a VALUES clause would compile a projection per row.
        DataType rowType = TypeConversions.fromLogicalToDataType(FlinkSchemaUtil.convert(table.schema()));
        sql.createTemporaryView(table.tableName(), sql.fromDataStream(
                env.fromData(rollupRows(new Random(51)), ExternalTypeInfo.of(rowType))));
    }

    @Test
    void mergedSketchesGiveTheQuantilesOfAllSamplesOfAMetricWithinOnePercent() throws Exception {
        String query = "SELECT metric, sketch_quantile(sketch_merge(sketch), 0.5),"
                + " sketch_quantile(sketch_merge(sketch), 0.9), sketch_quantile(sketch_merge(sketch), 0.99)"
                + " FROM rollup_5m GROUP BY metric";
        assertThat(sql.explainSql(query)).as("partial sketches are merged")
                .contains("LocalSortAggregate(groupBy=[metric], select=[metric, Partial_sketch_merge(sketch)");
        Map<String, List<Double>> byMetric = new HashMap<>();
        for (Row row : rows(query)) {
            byMetric.put((String) row.getField(0), List.of(
                    (Double) row.getField(1), (Double) row.getField(2), (Double) row.getField(3)));
        }
        assertThat(byMetric).containsOnlyKeys(GAUGE, COUNTER);
        for (String metric : byMetric.keySet()) {
            double[] all = values(metric, START, START.plus(WINDOW.multipliedBy(WINDOWS)));
            double[] quantiles = {0.5, 0.9, 0.99};
            for (int i = 0; i < quantiles.length; i++) {
                double exact = exactQuantile(all, quantiles[i]);
                assertThat(byMetric.get(metric).get(i)).as("%s q=%s", metric, quantiles[i])
                        .isCloseTo(exact, within(tolerance(exact)));
            }
        }
    }

    @Test
    void theReadmeQueryGivesTheHourlyP99OfEachMetric() throws Exception {
        List<Row> rows = rows("SELECT metric, FLOOR(window_start TO HOUR) AS hour_start,"
                + " sketch_quantile(sketch_merge(sketch), 0.99) AS p99"
                + " FROM rollup_5m"
                + " GROUP BY metric, FLOOR(window_start TO HOUR)");
        assertThat(rows).hasSize(4);
        for (Row row : rows) {
            String metric = (String) row.getField(0);
            Instant hour = (Instant) row.getField(1);
            double exact = exactQuantile(values(metric, hour, hour.plus(Duration.ofHours(1))), 0.99);
            assertThat((Double) row.getField(2)).as("%s %s", metric, hour)
                    .isCloseTo(exact, within(tolerance(exact)));
        }
    }

    @Test
    void meanStddevAndRateOverAnHourOfRowsMatchTheSamples() throws Exception {
        List<Row> rows = rows("SELECT metric, tags['host'], FLOOR(window_start TO HOUR),"
                + " rollup_mean(SUM(value_sum), SUM(sample_count)),"
                + " rollup_stddev(SUM(value_sum), SUM(value_sum_squares), SUM(sample_count)),"
                + " rollup_rate(SUM(counter_increase), MIN(window_start), MAX(window_end))"
                + " FROM rollup_5m"
                + " GROUP BY metric, tags['host'], FLOOR(window_start TO HOUR)");
        assertThat(rows).hasSize(2 * HOSTS.size() * 2);
        for (Row row : rows) {
            String metric = (String) row.getField(0);
            List<Sample> samples = SAMPLES.get(metric).get((String) row.getField(1));
            Instant hour = (Instant) row.getField(2);
            Instant end = hour.plus(Duration.ofHours(1));
            double[] values = samples.stream().filter(s -> inRange(s, hour, end)).mapToDouble(Sample::value).toArray();
            double mean = Arrays.stream(values).sum() / values.length;
            double stddev = Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
            String what = metric + " " + row.getField(1) + " " + hour;
            assertThat((Double) row.getField(3)).as(what).isCloseTo(mean, within(Math.abs(mean) * 1e-12));
            assertThat((Double) row.getField(4)).as(what).isCloseTo(stddev, within(stddev * 1e-9));
            if (metric.equals(COUNTER)) {
                double rate = resetAwareIncrease(samples, hour, end) / 3_600;
                assertThat((Double) row.getField(5)).as(what).isCloseTo(rate, within(rate * 1e-12));
            } else {
                assertThat(row.getField(5)).as("gauges have no rate: " + what).isNull();
            }
        }
    }

    @Test
    void meanAndStddevOfSingleRowsMatchTheirSamples() throws Exception {
        List<Row> rows = rows("SELECT tags['host'], window_start,"
                + " rollup_mean(value_sum, sample_count), rollup_stddev(value_sum, value_sum_squares, sample_count)"
                + " FROM rollup_5m WHERE metric = '" + GAUGE + "'");
        assertThat(rows).hasSize(HOSTS.size() * WINDOWS);
        for (Row row : rows) {
            Instant start = (Instant) row.getField(1);
            double[] values = SAMPLES.get(GAUGE).get((String) row.getField(0)).stream()
                    .filter(s -> inRange(s, start, start.plus(WINDOW))).mapToDouble(Sample::value).toArray();
            double mean = Arrays.stream(values).sum() / values.length;
            double stddev = Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
            assertThat((Double) row.getField(2)).isCloseTo(mean, within(Math.abs(mean) * 1e-12));
            assertThat((Double) row.getField(3)).isCloseTo(stddev, within(stddev * 1e-9 + 1e-12));
        }
    }

    @Test
    void nullsGiveNull() throws Exception {
        List<Row> rows = rows("SELECT sketch_quantile(CAST(NULL AS BYTES), 0.5),"
                + " sketch_quantile(sketch_merge(sketch), CAST(NULL AS DOUBLE)),"
                + " sketch_merge(CASE WHEN metric = 'none' THEN sketch END),"
                + " rollup_rate(SUM(CASE WHEN metric = '" + GAUGE + "' THEN counter_increase END),"
                + " MIN(window_start), MAX(window_end)),"
                + " rollup_mean(SUM(value_sum), SUM(sample_count) - SUM(sample_count))"
                + " FROM rollup_5m");
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).isEqualTo(Row.of(null, null, null, null, null));
    }

    @Test
    void aLiteralQuantileOutsideZeroToOneFailsWhenTheQueryIsPlanned() {
        assertThatThrownBy(() -> sql.sqlQuery("SELECT sketch_quantile(sketch, 1.5) FROM rollup_5m"))
                .isInstanceOf(ValidationException.class)
                .rootCause().hasMessage("sketch_quantile: q must be between 0 and 1, got 1.5");
        assertThatThrownBy(() -> sql.sqlQuery("SELECT sketch_quantile(sketch, -0.5) FROM rollup_5m"))
                .isInstanceOf(ValidationException.class)
                .rootCause().hasMessage("sketch_quantile: q must be between 0 and 1, got -0.5");
    }

    @Test
    void aComputedQuantileOutsideZeroToOneFailsTheQueryNamingTheValue() throws Exception {
        Throwable thrown = catchThrowable(() -> rows(
                "SELECT sketch_quantile(sketch, CAST(sample_count AS DOUBLE) + 0.5) FROM rollup_5m"));
        assertThat(messages(thrown)).anyMatch(m -> m.matches(
                "sketch_quantile: q must be between 0 and 1, got [0-9]+\\.5"));
    }

    @Test
    void bytesThatAreNotASketchFailTheQueryNamingTheFunction() throws Exception {
        String notSketches = " FROM rollup_5m WHERE metric = '" + GAUGE + "'";
        Throwable thrown = catchThrowable(() -> rows(
                "SELECT sketch_quantile(CAST(metric AS BYTES), 0.5)" + notSketches));
        assertThat(messages(thrown)).anyMatch(m -> m.startsWith(
                "sketch_quantile: the argument (10 bytes) is not a sketch column of a rollup table."));
        Throwable merged = catchThrowable(() -> rows("SELECT sketch_merge(CAST(metric AS BYTES))" + notSketches));
        assertThat(messages(merged)).anyMatch(m -> m.startsWith(
                "sketch_merge: the argument (10 bytes) is not a sketch column of a rollup table."));
    }

    private static List<Row> rows(String query) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = sql.executeSql(query).collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    private static List<String> messages(Throwable thrown) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        return messages;
    }

    private static boolean inRange(Sample s, Instant from, Instant to) {
        return !s.ts().isBefore(from) && s.ts().isBefore(to);
    }

    private static double[] values(String metric, Instant from, Instant to) {
        return SAMPLES.get(metric).values().stream().flatMap(List::stream)
                .filter(s -> inRange(s, from, to)).mapToDouble(Sample::value).toArray();
    }

    /**
     * Every step between consecutive samples whose later sample lies in [from, to), a drop counting
     * the new value whole (a counter reset).
     */
    private static double resetAwareIncrease(List<Sample> samples, Instant from, Instant to) {
        double increase = 0;
        for (int i = 1; i < samples.size(); i++) {
            if (inRange(samples.get(i), from, to)) {
                double previous = samples.get(i - 1).value();
                double value = samples.get(i).value();
                increase += value >= previous ? value - previous : value;
            }
        }
        return increase;
    }

    /** Random samples, and the five-minute rollup rows of them, built as the ingest job builds them. */
    private static List<Row> rollupRows(Random random) {
        List<Row> rows = new ArrayList<>();
        for (String metric : List.of(GAUGE, COUNTER)) {
            boolean counter = metric.equals(COUNTER);
            for (String host : HOSTS) {
                List<Sample> samples = new ArrayList<>();
                double scale = Math.pow(10, HOSTS.indexOf(host));
                double total = random.nextInt(1_000);
                for (int w = 0; w < WINDOWS; w++) {
                    Instant windowStart = START.plus(WINDOW.multipliedBy(w));
                    int n = 5 + random.nextInt(40);
                    long[] micros = new long[n];
                    double[] values = new double[n];
                    long step = WINDOW.toNanos() / 1_000 / n;
                    for (int i = 0; i < n; i++) {
                        micros[i] = epochMicros(windowStart) + i * step + random.nextInt((int) step);
                        if (counter) {
                            // A reset in the middle of the second hour.
                            total = w == 18 && i == 0 ? random.nextInt(10) : total + random.nextInt(50);
                            values[i] = total;
                        } else {
                            values[i] = scale * (1 + random.nextDouble() * random.nextDouble() * 100);
                        }
                    }
                    double previous = samples.isEmpty() ? Double.NaN : samples.get(samples.size() - 1).value();
                    RollupAggregate a = RollupAggregate.ofSortedSamples(micros, values, n, counter, previous);
                    for (int i = 0; i < n; i++) {
                        samples.add(new Sample(instant(micros[i]), values[i]));
                    }
                    rows.add(Row.of("default", metric, Map.of("host", host), (long) (metric + host).hashCode(),
                            windowStart, windowStart.plus(WINDOW), a.count, a.totalSum(), a.min, a.max,
                            a.firstValue, instant(a.firstTsMicros), a.lastValue, instant(a.lastTsMicros),
                            a.totalSumSquares(), counter ? a.totalIncrease() : null, a.sketch));
                }
                SAMPLES.computeIfAbsent(metric, m -> new TreeMap<>()).put(host, samples);
            }
        }
        return rows;
    }

    private static long epochMicros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000);
    }
}
