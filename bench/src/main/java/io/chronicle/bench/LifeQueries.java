package io.chronicle.bench;

import io.chronicle.sql.catalog.ChronicleCatalogOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.table.catalog.CatalogDescriptor;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The life suite's fixed queries, the same text in Trino and in Flink SQL (batch, Chronicle's
 * catalog, on the bench's cluster): a scan of all of points_raw, a per-series aggregate over 30
 * days of the 1h tier, and a lookup of one trace. Each answer is reduced to what the suite checks
 * against its reference and across engines and deployments.
 */
final class LifeQueries {

    /** The queries, by their names in the report. */
    enum Query { RAW, TIER, TRACE }

    /** Relative difference allowed between sums of doubles added up in different orders. */
    private static final double SUM_TOLERANCE = 1e-9;

    /**
     * What a query answered: exact figures (counts, ids, states), and sums of doubles compared
     * with a tolerance, as engines add them up in different orders.
     */
    record Answer(List<Object> exact, double[] sums) {

        boolean agrees(Answer other) {
            if (!exact.equals(other.exact) || sums.length != other.sums.length) {
                return false;
            }
            for (int i = 0; i < sums.length; i++) {
                double scale = Math.max(1, Math.max(Math.abs(sums[i]), Math.abs(other.sums[i])));
                if (Math.abs(sums[i] - other.sums[i]) > SUM_TOLERANCE * scale) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return exact + (sums.length == 0 ? "" : " " + Arrays.toString(sums));
        }
    }

    /** A query's median time over the runs, and its answer (the same in every run, or a failure). */
    record Timed(double medianMillis, Answer answer) {}

    private final BenchTrino trino;
    private final TableEnvironment flink;
    private final int trinoRuns;
    private final int flinkRuns;

    LifeQueries(BenchTrino trino, BenchEnvironment env, Configuration chronicleConf, int parallelism,
            int trinoRuns, int flinkRuns) throws Exception {
        this.trino = trino;
        this.trinoRuns = trinoRuns;
        this.flinkRuns = flinkRuns;
        // Chronicle's SQL catalog takes S3 keys from the default credentials chain, never its options.
        System.setProperty("aws.accessKeyId", env.s3().accessKey());
        System.setProperty("aws.secretAccessKey", env.s3().secretKey());
        Configuration client = new Configuration();
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(RestOptions.ADDRESS, "127.0.0.1");
        client.set(RestOptions.PORT, env.restPort());
        client.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        client.set(TableConfigOptions.LOCAL_TIME_ZONE, "UTC");
        this.flink = TableEnvironment.create(EnvironmentSettings.newInstance().inBatchMode()
                .withConfiguration(client).build());
        flink.createCatalog(BenchTrino.CATALOG, CatalogDescriptor.of(BenchTrino.CATALOG,
                Configuration.fromMap(ChronicleCatalogOptions.of(chronicleConf))));
        flink.useCatalog(BenchTrino.CATALOG);
    }

    /** The query's text for {@code namespace}; the 30 days of the tier end at {@code tierEnd}. */
    static String sql(Query query, String namespace, Instant tierEnd, String traceId, boolean trinoDialect) {
        String prefix = trinoDialect ? BenchTrino.CATALOG + "." + namespace + "." : namespace + ".";
        return switch (query) {
            case RAW -> "SELECT count(*), sum(`value`) FROM " + prefix + "points_raw";
            case TIER -> "SELECT series_id, sum(sample_count), sum(value_sum) FROM " + prefix + "rollup_1h"
                    + " WHERE window_start >= " + timestamp(tierEnd.minus(LifeWorkload.DAY.multipliedBy(30)), trinoDialect)
                    + " AND window_start < " + timestamp(tierEnd, trinoDialect) + " GROUP BY series_id";
            case TRACE -> "SELECT trace_id, status, span_count FROM " + prefix + "traces WHERE trace_id = '"
                    + traceId + "'";
        };
    }

    /** A timestamp with time zone literal: Trino's ISO-8601 form, Flink's from epoch milliseconds. */
    private static String timestamp(Instant at, boolean trinoDialect) {
        return trinoDialect ? "from_iso8601_timestamp('" + at + "')" : "TO_TIMESTAMP_LTZ(" + at.toEpochMilli() + ", 3)";
    }

    Timed trino(Query query, String namespace, Instant tierEnd, String traceId) throws Exception {
        String text = sql(query, namespace, tierEnd, traceId, true).replace('`', '"');
        return timed(query, trinoRuns, () -> trino.query(text));
    }

    Timed flink(Query query, String namespace, Instant tierEnd, String traceId) throws Exception {
        String text = sql(query, namespace, tierEnd, traceId, false);
        return timed(query, flinkRuns, () -> {
            List<List<Object>> rows = new ArrayList<>();
            try (CloseableIterator<Row> it = flink.executeSql(text).collect()) {
                it.forEachRemaining(row -> {
                    List<Object> fields = new ArrayList<>();
                    for (int i = 0; i < row.getArity(); i++) {
                        fields.add(row.getField(i));
                    }
                    rows.add(fields);
                });
            }
            return rows;
        });
    }

    private interface Rows {
        List<List<Object>> get() throws Exception;
    }

    private static Timed timed(Query query, int runs, Rows rows) throws Exception {
        double[] millis = new double[runs];
        Answer answer = null;
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            List<List<Object>> result = rows.get();
            millis[i] = (System.nanoTime() - start) / 1e6;
            Answer now = answer(query, result);
            if (answer != null && !answer.agrees(now)) {
                throw new IllegalStateException(query + " answered " + answer + ", then " + now);
            }
            answer = now;
        }
        Arrays.sort(millis);
        double median = runs % 2 == 1 ? millis[runs / 2] : (millis[runs / 2 - 1] + millis[runs / 2]) / 2;
        return new Timed(median, answer);
    }

    /**
     * The raw scan: its count and sum. The tier: the series it found, their samples and the sum
     * of their values. The trace: how many rows, and the first one's status and span count.
     */
    static Answer answer(Query query, List<List<Object>> rows) {
        return switch (query) {
            case RAW -> new Answer(List.of(number(rows.get(0).get(0)).longValue()),
                    new double[] {rows.get(0).get(1) == null ? 0 : number(rows.get(0).get(1)).doubleValue()});
            case TIER -> {
                long samples = 0;
                double sum = 0;
                for (List<Object> row : rows) {
                    samples += number(row.get(1)).longValue();
                    sum += number(row.get(2)).doubleValue();
                }
                yield new Answer(List.of((long) rows.size(), samples), new double[] {sum});
            }
            case TRACE -> new Answer(rows.isEmpty() ? List.of(0L) : List.of((long) rows.size(),
                    String.valueOf(rows.get(0).get(1)), number(rows.get(0).get(2)).longValue()), new double[0]);
        };
    }

    private static Number number(Object value) {
        return (Number) Objects.requireNonNull(value);
    }
}
