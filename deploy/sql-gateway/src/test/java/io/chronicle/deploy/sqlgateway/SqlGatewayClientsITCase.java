package io.chronicle.deploy.sqlgateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.EmbeddedCluster;
import io.chronicle.services.ChildProcess;
import io.chronicle.sql.catalog.SampleTables;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink's own SQL gateway, configured as the local stack runs it, and three of its clients: plain
 * REST, Flink's SQL client (2.1.0, a child JVM on its own classpath) in gateway mode, and Flink's
 * JDBC driver (likewise). Each reaches Chronicle's tables and functions with no setup of its own
 * and returns exactly the rows the test wrote.
 */
class SqlGatewayClientsITCase {

    private static final Duration CLIENT_TIMEOUT = Duration.ofMinutes(3);
    /** deploy/sql-client: the SQL client's configuration folder and Chronicle's init file. */
    private static final Path SQL_CLIENT_DIR = Path.of(System.getProperty("chronicle.sql-client.dir"));

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    static Path tempDir;

    private static GatewayFixture fixture;

    @BeforeAll
    static void start(@InjectClusterRESTAddress URI clusterRest) throws Exception {
        fixture = GatewayFixture.start(tempDir, clusterRest);
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aNewRestSessionStartsInChroniclesNamespaceInBatchModeAndQueriesAtOnce() throws Exception {
        SqlGatewayClient rest = fixture.rest;
        String session = rest.openSession();
        try {
            assertThat(rest.sessionConfig(session)).containsEntry("execution.runtime-mode", "batch");
            assertThat(single(rest.execute(session, "SHOW CURRENT CATALOG"))).isEqualTo("chronicle");
            assertThat(single(rest.execute(session, "SHOW CURRENT DATABASE"))).isEqualTo("chronicle");
            long start = System.nanoTime();
            List<String> counts = strings(rest.execute(session,
                    "SELECT metric, count(*) FROM chronicle.points_raw GROUP BY metric ORDER BY metric"));
            System.out.printf("first query through the gateway: %.1f s%n", (System.nanoTime() - start) / 1e9);
            assertThat(counts).isEqualTo(SampleTables.countsPerMetric());
            start = System.nanoTime();
            List<String> functions = strings(rest.execute(session,
                    "SELECT sketch_quantile(sketch_merge(sketch), 0.5), rollup_mean(SUM(value_sum), SUM(sample_count))"
                            + " FROM rollup_5m"));
            System.out.printf("second query through the gateway: %.1f s%n", (System.nanoTime() - start) / 1e9);
            assertThat(functions).containsExactly(SampleTables.median() + "=50.5");
        } finally {
            rest.closeSession(session);
        }
    }

    @Test
    void flinksSqlClientInGatewayModeRunsAScriptOnChroniclesTables() throws Exception {
        Path script = Files.writeString(tempDir.resolve("script.sql"), String.join("\n",
                "SELECT metric, count(*) AS points FROM points_raw GROUP BY metric ORDER BY metric;",
                "SELECT sketch_quantile(sketch_merge(sketch), 0.5) AS p50,"
                        + " rollup_mean(SUM(value_sum), SUM(sample_count)) AS mean FROM rollup_5m;",
                ""));
        String output = runSqlClient("gateway", "--endpoint", "127.0.0.1:" + fixture.gateway.port(),
                "-i", SQL_CLIENT_DIR.resolve("init.sql").toString(), "-f", script.toString(),
                "--history", tempDir.resolve("sql-client.history").toString());
        List<List<String>> counts = new ArrayList<>();
        for (String count : SampleTables.countsPerMetric()) {
            counts.add(List.of(count.split("=")));
        }
        assertThat(output)
                .contains(tableau(List.of("metric", "points"), counts) + counts.size() + " rows in set")
                .contains(tableau(List.of("p50", "mean"),
                        List.of(List.of(String.valueOf(SampleTables.median()), "50.5"))) + "1 row in set")
                .doesNotContain("[ERROR]");
    }

    @Test
    void flinksJdbcDriverQueriesChroniclesTablesAndFunctions() throws Exception {
        String url = "jdbc:flink://127.0.0.1:" + fixture.gateway.port();
        Path output = tempDir.resolve("jdbc.out");
        String classpath = Path.of("target/test-classes").toAbsolutePath() + File.pathSeparator
                + classpath("/io/chronicle/sqlclient/sql-client.classpath");
        try (ChildProcess jdbc = ChildProcess.start("jdbc", ChildProcess.javaCommand(classpath, List.of(),
                JdbcQueries.class.getName(), List.of(url,
                        "SELECT metric, count(*) FROM points_raw GROUP BY metric ORDER BY metric",
                        "SELECT sketch_quantile(sketch_merge(sketch), 0.5), rollup_mean(SUM(value_sum),"
                                + " SUM(sample_count)) FROM chronicle.chronicle.rollup_5m")), output)) {
            assertThat(jdbc.awaitExit(CLIENT_TIMEOUT)).as(jdbc.logTail()).isZero();
        }
        List<String> expected = new ArrayList<>(SampleTables.countsPerMetric());
        expected.add(SampleTables.median() + "=50.5");
        expected.add("catalog=chronicle schema=chronicle");
        // The driver's own log lines (slf4j without a binding) are not rows.
        assertThat(Files.readAllLines(output).stream().filter(l -> !l.startsWith("SLF4J")))
                .containsExactlyElementsOf(expected);
    }

    /** A result as the SQL client's tableau mode draws it: cells right-aligned in columns. */
    private static String tableau(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (List<String> row : concat(header, rows)) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder border = new StringBuilder("+");
        for (int width : widths) {
            border.append("-".repeat(width + 2)).append('+');
        }
        StringBuilder table = new StringBuilder(border).append('\n');
        for (List<String> row : concat(header, rows)) {
            table.append('|');
            for (int c = 0; c < row.size(); c++) {
                table.append(' ').append(" ".repeat(widths[c] - row.get(c).length())).append(row.get(c)).append(" |");
            }
            table.append('\n');
            if (row == header) {
                table.append(border).append('\n');
            }
        }
        return table.append(border).append('\n').toString();
    }

    private static List<List<String>> concat(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        return all;
    }

    /** Flink's SQL client as {@code sql-client.sh} runs it, with Chronicle's client folder; its output. */
    private static String runSqlClient(String... args) throws Exception {
        Path conf = SQL_CLIENT_DIR.resolve("conf");
        Path output = tempDir.resolve("sql-client-" + System.nanoTime() + ".out");
        List<String> jvm = List.of("-Dlog.file=" + tempDir.resolve("sql-client.log"),
                "-Dlog4j.configurationFile=" + conf.resolve("log4j-cli.properties").toUri());
        try (ChildProcess client = ChildProcess.start("sql-client",
                ChildProcess.javaCommand(classpath("/io/chronicle/sqlclient/sql-client.classpath"), jvm,
                        "org.apache.flink.table.client.SqlClient", List.of(args)),
                Map.of("FLINK_CONF_DIR", conf.toString()), output)) {
            assertThat(client.awaitExit(CLIENT_TIMEOUT)).as(client.logTail()).isZero();
        }
        return Files.readString(output);
    }

    private static String classpath(String resource) throws IOException {
        try (InputStream in = SqlGatewayClientsITCase.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    private static String single(SqlGatewayClient.Result result) {
        assertThat(result.rows).hasSize(1);
        return result.rows.get(0).get(0).asText();
    }

    private static List<String> strings(SqlGatewayClient.Result result) {
        return result.rows.stream()
                .map(r -> r.stream().map(JsonNode::asText).collect(Collectors.joining("=")))
                .collect(Collectors.toList());
    }
}
