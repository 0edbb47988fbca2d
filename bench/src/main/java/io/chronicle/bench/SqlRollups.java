package io.chronicle.bench;

import io.chronicle.catalog.CatalogProperties;
import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.workload.Workload;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The same rollup written the way a Flink SQL user would: {@code rollup-5m.sql}, a window TVF
 * over a bounded Kafka table with the watermark in its DDL, mini-batch and two-phase
 * aggregation, into an Iceberg table, submitted with the same job environment as Chronicle.
 */
final class SqlRollups implements Variant {

    private static final String SCRIPT = "rollup-5m.sql";
    /** The SQL client's SET, which TableEnvironment.executeSql does not take. */
    private static final Pattern SET = Pattern.compile("SET\\s+'([^']+)'\\s*=\\s*'([^']*)'");

    private final BenchEnvironment env;
    private final String topic;
    private final long points;
    private final Duration maxDisorder;

    SqlRollups(BenchEnvironment env, String topic, long points, Duration maxDisorder) {
        this.env = env;
        this.topic = topic;
        this.points = points;
        this.maxDisorder = maxDisorder;
    }

    @Override
    public String name() {
        return "flink-sql";
    }

    @Override
    public Report.Run run(int round) throws Exception {
        String run = "sql_" + round;
        Configuration conf = env.chronicleConf(run, topic);
        Configuration jobConf = env.jobConf(conf, run);
        // The planner names its own operators; uids of ours exist only in DataStream jobs.
        jobConf.set(PipelineOptions.AUTO_GENERATE_UIDS, true);
        TableEnvironment tEnv = TableEnvironment.create(
                EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(jobConf).build());
        List<String> statements = statements(script(conf));
        for (String statement : statements.subList(0, statements.size() - 1)) {
            Matcher set = SET.matcher(statement);
            if (set.matches()) {
                tEnv.getConfig().set(set.group(1), set.group(2));
            } else {
                tEnv.executeSql(statement);
            }
        }
        String insert = statements.get(statements.size() - 1);
        BenchEnvironment.JobTimes times = env.runJob(() -> tEnv.executeSql(insert).getJobClient().orElseThrow());

        Map<String, Long> counts = new LinkedHashMap<>();
        try (IcebergCounts tables = new IcebergCounts(ChronicleCatalogLoader.from(conf), run)) {
            counts.put(RollupSuite.ROWS_5M, tables.rows("rollup_5m"));
            counts.put(RollupSuite.SAMPLES_5M, tables.sum("rollup_5m", "sample_count"));
        }
        return new Report.Run(name(), round, points, times, counts);
    }

    /** The script with the run's topic, Kafka and Iceberg catalog (writable, Iceberg's own) filled in. */
    private String script(Configuration conf) {
        String tagsType = Workload.TAG_KEYS.stream().map(key -> "`" + key + "` STRING")
                .collect(Collectors.joining(", ", "ROW<", ">"));
        String catalogOptions = CatalogProperties.flinkSqlCatalogOptions(conf).entrySet().stream()
                .map(e -> quote(e.getKey()) + " = " + quote(e.getValue()))
                .collect(Collectors.joining(", "));
        return load()
                .replace("${tags_type}", tagsType)
                .replace("${max_disorder_seconds}", String.valueOf(maxDisorder.toSeconds() + 1))
                .replace("${topic}", topic)
                .replace("${bootstrap_servers}", conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS))
                .replace("${group_id}", conf.get(ChronicleOptions.KAFKA_GROUP_ID))
                .replace("${catalog_options}", catalogOptions)
                .replace("${catalog_name}", conf.get(ChronicleOptions.CATALOG_NAME))
                .replace("${namespace}", conf.get(ChronicleOptions.CATALOG_NAMESPACE));
    }

    private static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** The script's statements without their semicolons; comment lines are dropped. */
    private static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            if (line.strip().startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (line.strip().endsWith(";")) {
                String statement = current.toString().strip();
                statements.add(statement.substring(0, statement.length() - 1));
                current.setLength(0);
            }
        }
        return statements;
    }

    private static String load() {
        try (InputStream in = SqlRollups.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + SCRIPT);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
