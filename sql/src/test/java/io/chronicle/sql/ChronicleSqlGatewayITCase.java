package io.chronicle.sql;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.services.S3Server;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The SQL gateway over plain HTTP: a new session queries Chronicle's tables and calls Chronicle's
 * SQL functions at once, with no setup statements of its own, and gets the rows back.
 */
class ChronicleSqlGatewayITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(io.chronicle.core.EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    static Path tempDir;

    private static S3Server s3;
    private static ChronicleSqlGateway gateway;
    private static SqlGatewayClient client;

    @BeforeAll
    static void start(@InjectClusterRESTAddress URI clusterRest) throws Exception {
        s3 = S3Server.start(tempDir.resolve("s3"), 0);
        s3.createBucket("lake");
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> values = new HashMap<>();
        values.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + tempDir.resolve("chronicle.catalog.db"));
        values.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), "s3://lake/warehouse");
        values.put(ChronicleOptions.S3_ENDPOINT.key(), s3.endpoint().toString());
        values.put(ChronicleOptions.S3_PATH_STYLE_ACCESS.key(), "true");
        values.put(ChronicleOptions.S3_ACCESS_KEY.key(), s3.accessKey());
        values.put(ChronicleOptions.S3_SECRET_KEY.key(), s3.secretKey());
        values.put("sql-gateway.endpoint.rest.port", String.valueOf(port));
        values.put("execution.target", "remote");
        values.put("rest.address", clusterRest.getHost());
        values.put("rest.port", String.valueOf(clusterRest.getPort()));
        Configuration conf = ChronicleConfig.validated(Configuration.fromMap(values));
        // The table exactly as the jobs create it.
        TableBootstrap.ensureTables(ChronicleCatalogLoader.from(conf), "chronicle",
                ChronicleTable.POINTS_RAW);
        gateway = ChronicleSqlGateway.start(conf);
        client = new SqlGatewayClient("http://127.0.0.1:" + port, Duration.ofMinutes(2));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void aNewSessionQueriesChronicleTablesOverRest() throws Exception {
        String writer = client.openSession();
        client.execute(writer, "SET 'table.dml-sync' = 'true'");
        client.execute(writer, "INSERT INTO points_raw VALUES"
                + " ('default', 'cpu', MAP['host', 'a'], 1.0, TO_TIMESTAMP_LTZ(1795300000000, 3), 1, 't', 0, 0, TO_TIMESTAMP_LTZ(1795300000000, 3)),"
                + " ('default', 'cpu', MAP['host', 'b'], 2.0, TO_TIMESTAMP_LTZ(1795300000000, 3), 2, 't', 0, 1, TO_TIMESTAMP_LTZ(1795300000000, 3)),"
                + " ('default', 'mem', MAP['host', 'a'], 3.0, TO_TIMESTAMP_LTZ(1795300000000, 3), 3, 't', 0, 2, TO_TIMESTAMP_LTZ(1795300000000, 3))");
        client.closeSession(writer);

        // A fresh session: nothing but the gateway's own init has run in it.
        String reader = client.openSession();
        SqlGatewayClient.Result result = client.execute(reader,
                "SELECT metric, count(*) FROM chronicle.points_raw GROUP BY metric");
        List<String> rows = result.rows.stream()
                .map(r -> r.stream().map(JsonNode::asText).collect(Collectors.joining("=")))
                .sorted()
                .collect(Collectors.toList());
        assertThat(rows).containsExactly("cpu=2", "mem=1");
    }

    @Test
    void aNewSessionCallsChroniclesRollupFunctions() throws Exception {
        // The values 1..100 as two rollup rows of 50.
        byte[] low = sketchOf(1, 50);
        byte[] high = sketchOf(51, 100);
        String session = client.openSession();
        SqlGatewayClient.Result result = client.execute(session,
                "SELECT sketch_quantile(sketch_merge(sketch), 0.5),"
                        + " rollup_mean(SUM(value_sum), SUM(sample_count)),"
                        + " rollup_stddev(SUM(value_sum), SUM(value_sum_squares), SUM(sample_count)),"
                        + " rollup_rate(600.0, TO_TIMESTAMP_LTZ(1795300000000, 3), TO_TIMESTAMP_LTZ(1795300300000, 3))"
                        + " FROM (VALUES"
                        + " (X'" + HexFormat.of().formatHex(low) + "', 1275.0, 42925.0, CAST(50 AS BIGINT)),"
                        + " (X'" + HexFormat.of().formatHex(high) + "', 3775.0, 295425.0, CAST(50 AS BIGINT))"
                        + ") AS t(sketch, value_sum, value_sum_squares, sample_count)");
        client.closeSession(session);

        assertThat(result.rows).hasSize(1);
        List<JsonNode> row = result.rows.get(0);
        // DDSketch's median of 1..100 estimates the value of rank ⌊0.5 · 99⌋, which is 50, within 1 %.
        assertThat(row.get(0).asDouble()).isCloseTo(50.0, within(0.5));
        assertThat(row.get(1).asDouble()).isEqualTo(50.5);
        // The population standard deviation of 1..100: sqrt((100² − 1) / 12).
        assertThat(row.get(2).asDouble()).isCloseTo(Math.sqrt(9999.0 / 12), within(1e-9));
        assertThat(row.get(3).asDouble()).isEqualTo(2.0);
    }

    private static byte[] sketchOf(int from, int to) {
        int n = to - from + 1;
        long[] ts = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = i;
            values[i] = from + i;
        }
        return RollupAggregate.ofSortedSamples(ts, values, n, false, Double.NaN).sketch;
    }
}
