package io.chronicle.trino;

import io.chronicle.catalog.CatalogProperties;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupFunctions;
import io.chronicle.services.S3Server;
import io.chronicle.services.TrinoServer;
import io.chronicle.sql.catalog.ChronicleCatalogOptions;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.table.catalog.CatalogDescriptor;
import org.apache.flink.table.runtime.typeutils.ExternalTypeInfo;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.utils.TypeConversions;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Chronicle's functions in Trino 476, with the plugin the build made, against Flink SQL on the same
 * rollup tier: a real S3 server and SQLite catalog holding {@code rollup_5m} rows built by
 * Chronicle's own aggregate from known samples, written by Flink in two commits (two snapshots).
 * The same queries through Flink SQL's {@code chronicle} catalog and through Trino's Iceberg
 * connector (configured from {@code deploy/trino/chronicle.properties}) give identical answers,
 * and those answers agree with statistics computed from the samples themselves. Then hostile
 * arguments, time travel, and an S3 outage, from Trino.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrinoPercentilesITCase {

    private static final Instant START = Instant.parse("2026-11-20T10:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final int WINDOWS = 12;
    /** The first commit holds the first windows, the second the rest. */
    private static final int FIRST_COMMIT_WINDOWS = 5;
    private static final List<String> HOSTS = List.of("a", "b", "c");
    private static final String GAUGE = "latency_ms";
    private static final String COUNTER = "requests_total";
    private static final double[] QUANTILES = {0.5, 0.9, 0.99};
    private static final Duration QUERY_DEADLINE = Duration.ofMinutes(3);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    static Path tempDir;

    private static S3Server s3;
    private static TrinoServer trino;
    private static Table table;
    private static TableEnvironment flink;
    /** Raw samples by metric, then host, in time order: the reference. */
    private static final Map<String, Map<String, List<double[]>>> SAMPLES = new TreeMap<>();

    @BeforeAll
    static void start(@InjectClusterRESTAddress URI clusterRest) throws Exception {
        // The template deploy/trino/run uses: the local stack's bucket, keys and catalog file.
        Path catalogDb = tempDir.resolve("catalog/chronicle.db");
        Files.createDirectories(catalogDb.getParent());
        s3 = S3Server.start(tempDir.resolve("s3"), 0);
        s3.createBucket("chronicle");
        Map<String, String> trinoCatalog = trinoCatalog(tempDir, s3.endpoint());
        // Trino starts while Flink writes the rows.
        Instant trinoStarted = Instant.now();
        trino = TrinoServer.start(new TrinoServer.Setup(
                Path.of(System.getProperty("trino.server.archive")),
                Path.of(System.getProperty("trino.install.dir")),
                Path.of(System.getProperty("trino.java.home")),
                Path.of(System.getProperty("trino.jvm.config")),
                Map.of("chronicle", jars(Path.of(System.getProperty("trino.plugin.dir"), "chronicle")),
                        "iceberg", List.of(Path.of(System.getProperty("sqlite.jdbc.jar")))),
                Map.of("chronicle", trinoCatalog),
                tempDir.resolve("trino")));
        Duration unpacked = Duration.between(trinoStarted, Instant.now());

        System.setProperty("aws.accessKeyId", s3.accessKey());
        System.setProperty("aws.secretAccessKey", s3.secretKey());
        Map<String, String> values = new HashMap<>();
        values.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + catalogDb);
        values.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), "s3://chronicle/warehouse");
        values.put(ChronicleOptions.S3_ENDPOINT.key(), s3.endpoint().toString());
        values.put(ChronicleOptions.S3_PATH_STYLE_ACCESS.key(), "true");
        values.put(ChronicleOptions.S3_ACCESS_KEY.key(), s3.accessKey());
        values.put(ChronicleOptions.S3_SECRET_KEY.key(), s3.secretKey());
        Configuration chronicle = ChronicleConfig.validated(Configuration.fromMap(values));
        RollupTable tier = new RollupTable(RollupPolicy.Tier.parse("tier", "5m"));
        ChronicleCatalogLoader loader = ChronicleCatalogLoader.from(chronicle);
        TableBootstrap.ensureTables(loader, "chronicle", tier);

        Configuration client = new Configuration();
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(RestOptions.ADDRESS, clusterRest.getHost());
        client.set(RestOptions.PORT, clusterRest.getPort());
        client.set(TableConfigOptions.LOCAL_TIME_ZONE, "UTC");
        List<Row> rows = rollupRows(new Random(476));
        int firstCommit = rows.size() * FIRST_COMMIT_WINDOWS / WINDOWS;
        write(chronicle, client, tier, rows.subList(0, firstCommit));
        write(chronicle, client, tier, rows.subList(firstCommit, rows.size()));
        table = loader.loadCatalog().loadTable(TableIdentifier.of("chronicle", tier.tableName()));

        flink = TableEnvironment.create(EnvironmentSettings.newInstance().inBatchMode().withConfiguration(client).build());
        flink.createCatalog("chronicle", CatalogDescriptor.of("chronicle",
                Configuration.fromMap(ChronicleCatalogOptions.of(chronicle))));
        flink.useCatalog("chronicle");

        trino.awaitReady();
        // The figures docs/trino.md quotes.
        System.out.printf("Trino ready %s after its start, of which %s to unpack and configure it%n",
                Duration.between(trinoStarted, Instant.now()), unpacked);
    }

    @AfterAll
    static void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        if (trino != null) {
            trino.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    @Order(1)
    void percentilesOfMergedSketchesAreTheSameInFlinkSqlAndTrinoAndWithinOnePercentOfTheSamples() throws Exception {
        StringBuilder select = new StringBuilder("SELECT metric, tags['host']");
        for (double q : QUANTILES) {
            select.append(", sketch_quantile(sketch_merge(sketch), ").append(q).append(")");
        }
        String perSeries = select + " FROM rollup_5m GROUP BY metric, tags['host']";
        String perMetric = select.toString().replace("tags['host']", "'all'") + " FROM rollup_5m GROUP BY metric";
        Map<String, Integer> groups = Map.of(perSeries, 2 * HOSTS.size(), perMetric, 2);
        for (String query : List.of(perSeries, perMetric)) {
            List<List<Object>> inFlink = flink(query);
            List<List<Object>> inTrino = trino(query);
            assertThat(inTrino).as(query).containsExactlyInAnyOrderElementsOf(inFlink);
            assertThat(inFlink).hasSize(groups.get(query));
            for (List<Object> row : inFlink) {
                double[] all = samples((String) row.get(0), (String) row.get(1));
                for (int i = 0; i < QUANTILES.length; i++) {
                    double exact = exactQuantile(all, QUANTILES[i]);
                    assertThat((Double) row.get(2 + i)).as("%s %s q=%s", row.get(0), row.get(1), QUANTILES[i])
                            .isCloseTo(exact, within(exact * 0.01 + 1e-12));
                }
            }
        }
    }

    @Test
    @Order(2)
    void meanStddevAndRateAreTheSameInFlinkSqlAndTrinoAndMatchTheSamples() throws Exception {
        String query = "SELECT metric, tags['host'],"
                + " rollup_mean(SUM(value_sum), SUM(sample_count)),"
                + " rollup_stddev(SUM(value_sum), SUM(value_sum_squares), SUM(sample_count)),"
                + " rollup_rate(SUM(counter_increase), MIN(window_start), MAX(window_end))"
                + " FROM rollup_5m GROUP BY metric, tags['host']";
        List<List<Object>> inFlink = flink(query);
        // Integer samples: every sum is exact, so no summation order can make the engines differ.
        assertThat(trino(query)).containsExactlyInAnyOrderElementsOf(inFlink);
        assertThat(inFlink).hasSize(2 * HOSTS.size());
        for (List<Object> row : inFlink) {
            String metric = (String) row.get(0);
            double[] values = samples(metric, (String) row.get(1));
            double mean = Arrays.stream(values).sum() / values.length;
            double stddev = Math.sqrt(Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
            assertThat((Double) row.get(2)).as("mean %s", row).isCloseTo(mean, within(Math.abs(mean) * 1e-12));
            assertThat((Double) row.get(3)).as("stddev %s", row).isCloseTo(stddev, within(stddev * 1e-9));
            if (metric.equals(COUNTER)) {
                // The counter only rises within the rows, from the first sample of the first window.
                double rate = (values[values.length - 1] - values[0]) / WINDOW.multipliedBy(WINDOWS).toSeconds();
                assertThat((Double) row.get(4)).as("rate %s", row).isCloseTo(rate, within(rate * 1e-12));
            } else {
                assertThat(row.get(4)).as("gauges have no rate").isNull();
            }
        }
    }

    @Test
    @Order(3)
    void nullsGiveNullInTrinoAsInFlinkSql() throws Exception {
        String query = "SELECT sketch_quantile(CAST(NULL AS VARBINARY), 0.5),"
                + " sketch_quantile(sketch_merge(sketch), CAST(NULL AS DOUBLE)),"
                + " sketch_merge(CASE WHEN metric = 'none' THEN sketch END),"
                + " rollup_rate(SUM(CASE WHEN metric = '" + GAUGE + "' THEN counter_increase END),"
                + " MIN(window_start), MAX(window_end)),"
                + " rollup_mean(SUM(value_sum), SUM(sample_count) - SUM(sample_count))"
                + " FROM rollup_5m";
        assertThat(trino(query)).containsExactly(Arrays.asList(null, null, null, null, null));
        assertThat(flink(query.replace("VARBINARY", "BYTES"))).containsExactly(Arrays.asList(null, null, null, null, null));
    }

    @Test
    @Order(4)
    void hostileArgumentsFailTheQueryNamingTheFunctionAndTrinoServesOn() throws Exception {
        Map<String, String> failures = new LinkedHashMap<>();
        failures.put("SELECT sketch_quantile(X'DEADBEEF', 0.5)",
                "sketch_quantile: the argument (4 bytes) is not a sketch column of a rollup table.");
        failures.put("SELECT sketch_quantile(X'', 0.5)",
                "sketch_quantile: the argument (0 bytes) is not a sketch column of a rollup table.");
        failures.put("SELECT sketch_merge(CAST(metric AS VARBINARY)) FROM rollup_5m",
                "sketch_merge: the argument (10 bytes) is not a sketch column of a rollup table.");
        failures.put("SELECT sketch_quantile(sketch, 1.5) FROM rollup_5m",
                RollupFunctions.quantileOutOfRange(1.5));
        failures.put("SELECT sketch_quantile(sketch, -0.5) FROM rollup_5m",
                RollupFunctions.quantileOutOfRange(-0.5));
        failures.put("SELECT sketch_quantile(sketch, nan()) FROM rollup_5m",
                RollupFunctions.quantileOutOfRange(Double.NaN));
        failures.put("SELECT rollup_mean(value_sum, -sample_count) FROM rollup_5m",
                "rollup_mean: count must not be negative, got -");
        failures.put("SELECT rollup_rate(counter_increase, window_end, window_start) FROM rollup_5m",
                "rollup_rate: window_end must be after window_start");
        for (Map.Entry<String, String> failure : failures.entrySet()) {
            assertThatThrownBy(() -> trino(failure.getKey())).as(failure.getKey())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining(failure.getValue());
        }
        // Random and corrupted bytes: each gives the quantile the codec gives here, or a user error
        // that TRY turns into NULL; anything else (a crash, an internal error) fails the query.
        Random random = new Random(77);
        double[] values = random.doubles(40, -100, 1_000).toArray();
        long[] ts = new long[values.length];
        byte[] valid = RollupAggregate.ofSortedSamples(ts, values, values.length, false, Double.NaN).sketch;
        List<String> literals = new ArrayList<>();
        List<List<Object>> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] bytes;
            if (i % 2 == 0) {
                bytes = new byte[1 + random.nextInt(60)];
                random.nextBytes(bytes);
            } else {
                bytes = valid.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
                }
            }
            literals.add("(" + i + ", X'" + HexFormat.of().formatHex(bytes) + "')");
            expected.add(Arrays.asList(i, quantileOrNull(bytes)));
        }
        List<List<Object>> answers = trino("SELECT i, TRY(sketch_quantile(b, 0.5))"
                + " FROM (VALUES " + String.join(", ", literals) + ") AS t(i, b) ORDER BY i");
        assertThat(answers).isEqualTo(expected);
        assertThat(expected).as("some decode, some are refused")
                .anyMatch(row -> row.get(1) == null).anyMatch(row -> row.get(1) != null);
        assertThat(trino("SELECT count(*) FROM rollup_5m")).containsExactly(List.of((long) 2 * HOSTS.size() * WINDOWS));
    }

    @Test
    @Order(5)
    void timeTravelReadsEachSnapshotsRows() throws Exception {
        List<Snapshot> snapshots = new ArrayList<>();
        table.snapshots().forEach(snapshots::add);
        assertThat(snapshots).as("one snapshot per commit").hasSize(2);
        Snapshot first = snapshots.get(0);
        Snapshot second = snapshots.get(1);
        String columns = "SELECT metric, tags['host'], to_unixtime(window_start), sample_count FROM rollup_5m";
        List<List<Object>> firstRows = rowsOfWindows(0, FIRST_COMMIT_WINDOWS);
        List<List<Object>> allRows = rowsOfWindows(0, WINDOWS);
        assertThat(trino(columns + " FOR VERSION AS OF " + first.snapshotId())).containsExactlyInAnyOrderElementsOf(firstRows);
        assertThat(trino(columns + " FOR VERSION AS OF " + second.snapshotId())).containsExactlyInAnyOrderElementsOf(allRows);
        assertThat(trino(columns + " FOR TIMESTAMP AS OF " + timestamp(first.timestampMillis())))
                .containsExactlyInAnyOrderElementsOf(firstRows);
        // Between the commits: the first snapshot's rows.
        assertThat(trino(columns + " FOR TIMESTAMP AS OF " + timestamp(second.timestampMillis() - 1)))
                .containsExactlyInAnyOrderElementsOf(firstRows);
        assertThat(trino(columns + " FOR TIMESTAMP AS OF " + timestamp(second.timestampMillis())))
                .containsExactlyInAnyOrderElementsOf(allRows);
        assertThatThrownBy(() -> trino(columns + " FOR TIMESTAMP AS OF " + timestamp(first.timestampMillis() - 1)))
                .isInstanceOf(SQLException.class).hasMessageContaining("No version history table");
        // Percentiles as of the first snapshot are those of its windows' samples.
        List<List<Object>> p99 = trino("SELECT sketch_quantile(sketch_merge(sketch), 0.99) FROM rollup_5m FOR VERSION AS OF "
                + first.snapshotId() + " WHERE metric = '" + GAUGE + "' AND tags['host'] = 'a'");
        double exact = exactQuantile(samplesOfWindows(GAUGE, "a", FIRST_COMMIT_WINDOWS), 0.99);
        assertThat((Double) p99.get(0).get(0)).isCloseTo(exact, within(exact * 0.01));
    }

    /**
     * First, before Trino has read the table: Trino keeps the files it read in memory (its Iceberg
     * connector's metadata cache takes data files too), so a query over files already read may
     * still answer while S3 is down.
     */
    @Test
    @Order(0)
    void aQueryFailsClearlyWhileS3IsDownAndAnswersOnceItIsBack() throws Exception {
        String query = "SELECT sum(sample_count) FROM rollup_5m";
        long samples = SAMPLES.values().stream().flatMap(byHost -> byHost.values().stream())
                .flatMap(List::stream).mapToLong(window -> window.length).sum();
        s3.stop();
        try {
            Instant started = Instant.now();
            CompletableFuture<List<List<Object>>> during = CompletableFuture.supplyAsync(() -> {
                try {
                    return trino(query);
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThatThrownBy(() -> during.get(QUERY_DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .as("fails, within %s, rather than hangs", QUERY_DEADLINE)
                    .cause().cause().isInstanceOf(SQLException.class)
                    .satisfies(e -> System.out.printf("Trino's query failed %s after S3 stopped: %s%n",
                            Duration.between(started, Instant.now()), e.getMessage()));
        } finally {
            s3.startAgain();
        }
        Instant deadline = Instant.now().plus(QUERY_DEADLINE);
        while (true) {
            try {
                assertThat(trino(query)).containsExactly(List.of(samples));
                return;
            } catch (SQLException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("Trino did not answer within " + QUERY_DEADLINE + " of S3's return", e);
                }
            }
        }
    }

    // --- the engines ---------------------------------------------------------------------------

    private static List<List<Object>> flink(String query) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = flink.executeSql(query).collect()) {
            it.forEachRemaining(row -> {
                List<Object> fields = new ArrayList<>();
                for (int i = 0; i < row.getArity(); i++) {
                    fields.add(row.getField(i));
                }
                rows.add(fields);
            });
        }
        return rows;
    }

    private static List<List<Object>> trino(String query) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", "test");
        try (Connection connection = DriverManager.getConnection(trino.jdbcUrl("chronicle", "chronicle"), properties);
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(query)) {
            List<List<Object>> rows = new ArrayList<>();
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(result.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        }
    }

    // --- the rows and the reference -------------------------------------------------------------

    /** Random integer samples and the five-minute rollup rows of them, built as the ingest job builds them. */
    private static List<Row> rollupRows(Random random) {
        List<Row> rows = new ArrayList<>();
        SAMPLES.clear();
        // Window by window, so the first commit holds whole windows of every series.
        Map<String, Double> totals = new HashMap<>();
        for (int w = 0; w < WINDOWS; w++) {
            Instant windowStart = START.plus(WINDOW.multipliedBy(w));
            for (String metric : List.of(GAUGE, COUNTER)) {
                boolean counter = metric.equals(COUNTER);
                for (String host : HOSTS) {
                    int n = 50 + random.nextInt(150);
                    long[] micros = new long[n];
                    double[] values = new double[n];
                    long step = WINDOW.toNanos() / 1_000 / n;
                    double scale = Math.pow(10, HOSTS.indexOf(host));
                    String series = metric + host;
                    for (int i = 0; i < n; i++) {
                        micros[i] = epochMicros(windowStart) + i * step;
                        if (counter) {
                            double total = totals.getOrDefault(series, 1_000.0) + random.nextInt(50);
                            totals.put(series, total);
                            values[i] = total;
                        } else {
                            values[i] = Math.floor(scale * (1 + random.nextDouble() * random.nextDouble() * 1_000));
                        }
                    }
                    List<double[]> previous = SAMPLES.computeIfAbsent(metric, m -> new TreeMap<>())
                            .computeIfAbsent(host, h -> new ArrayList<>());
                    double before = previous.isEmpty() ? Double.NaN : last(previous);
                    RollupAggregate a = RollupAggregate.ofSortedSamples(micros, values, n, counter, before);
                    previous.add(values);
                    rows.add(Row.of("default", metric, Map.of("host", host), (long) series.hashCode(),
                            windowStart, windowStart.plus(WINDOW), a.count, a.totalSum(), a.min, a.max,
                            a.firstValue, instant(a.firstTsMicros), a.lastValue, instant(a.lastTsMicros),
                            a.totalSumSquares(), counter ? a.totalIncrease() : null, a.sketch));
                }
            }
        }
        return rows;
    }

    /** Appends {@code rows} to the tier through Iceberg's writable Flink catalog, in one commit. */
    private static void write(Configuration chronicle, Configuration client, RollupTable tier, List<Row> rows)
            throws Exception {
        Configuration batch = new Configuration(client);
        batch.set(ExecutionOptions.RUNTIME_MODE, RuntimeExecutionMode.BATCH);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(batch);
        StreamTableEnvironment writer = StreamTableEnvironment.create(env,
                EnvironmentSettings.newInstance().inBatchMode().withConfiguration(batch).build());
        // Named as the jobs name it: a JDBC catalog keeps its tables under the catalog's name.
        writer.executeSql("CREATE CATALOG chronicle WITH (" + CatalogProperties.flinkSqlCatalogOptions(chronicle)
                .entrySet().stream().map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
                .collect(Collectors.joining(", ")) + ")");
        DataType rowType = TypeConversions.fromLogicalToDataType(FlinkSchemaUtil.convert(tier.schema()));
        writer.fromDataStream(env.fromData(rows, ExternalTypeInfo.of(rowType)))
                .executeInsert("chronicle.chronicle." + tier.tableName()).await();
    }

    private static double last(List<double[]> windows) {
        double[] values = windows.get(windows.size() - 1);
        return values[values.length - 1];
    }

    /** Every sample of a series ({@code host} "all": of every host), in time order per host. */
    private static double[] samples(String metric, String host) {
        return SAMPLES.get(metric).entrySet().stream()
                .filter(e -> host.equals("all") || e.getKey().equals(host))
                .flatMap(e -> e.getValue().stream()).flatMapToDouble(Arrays::stream).toArray();
    }

    private static double[] samplesOfWindows(String metric, String host, int windows) {
        return SAMPLES.get(metric).get(host).subList(0, windows).stream().flatMapToDouble(Arrays::stream).toArray();
    }

    /** (metric, host, window start in epoch seconds, count) of the rows of windows [from, to). */
    private static List<List<Object>> rowsOfWindows(int from, int to) {
        List<List<Object>> rows = new ArrayList<>();
        for (String metric : SAMPLES.keySet()) {
            for (String host : HOSTS) {
                List<double[]> windows = SAMPLES.get(metric).get(host);
                for (int w = from; w < to; w++) {
                    rows.add(List.of(metric, host, (double) START.plus(WINDOW.multipliedBy(w)).getEpochSecond(),
                            (long) windows.get(w).length));
                }
            }
        }
        return rows;
    }

    /** The value of rank {@code q · (n − 1)}, rounded down: the rank DDSketch estimates. */
    private static double exactQuantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.floor(q * (sorted.length - 1))];
    }

    private static Double quantileOrNull(byte[] bytes) {
        try {
            return RollupFunctions.sketchQuantile(bytes, 0.5);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String timestamp(long epochMillis) {
        return "TIMESTAMP '" + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(epochMillis)) + " UTC'";
    }

    private static Map<String, String> trinoCatalog(Path dataDir, URI s3Endpoint) throws Exception {
        Path template = Path.of(System.getProperty("trino.jvm.config")).resolveSibling("chronicle.properties");
        Map<String, String> properties = new LinkedHashMap<>();
        for (String line : Files.readAllLines(template)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            properties.put(line.substring(0, eq), line.substring(eq + 1).replace("@DATA_DIR@", dataDir.toString()));
        }
        properties.put("s3.endpoint", s3Endpoint.toString());
        return properties;
    }

    private static List<Path> jars(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    private static long epochMicros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1_000;
    }

    private static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000);
    }
}
