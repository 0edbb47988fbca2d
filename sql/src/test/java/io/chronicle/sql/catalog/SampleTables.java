package io.chronicle.sql.catalog;

import io.chronicle.catalog.CatalogProperties;
import io.chronicle.core.rollup.RollupAggregate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericFileWriterFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Known rows in Chronicle's tables, written through Iceberg's own writable catalog as the jobs
 * would write them, for the tests that read them back through the read-only {@code chronicle}
 * catalog: the points of {@link #METRICS}, and two rollup rows holding the values 1..50 and 51..100.
 */
public final class SampleTables {

    public static final long TS = 1_795_300_000_000L;
    public static final String[] METRICS = {"cpu", "cpu", "cpu", "mem", "mem", "disk"};

    private SampleTables() {}

    /** Writes the rows into the tables of {@code chronicle}'s catalog, through a cluster of {@code client}. */
    public static void write(Configuration chronicle, Configuration client) throws Exception {
        TableEnvironment writer = TableEnvironment.create(
                EnvironmentSettings.newInstance().inBatchMode().withConfiguration(client).build());
        // Named as the jobs name it: a JDBC catalog keeps its tables under the catalog's name.
        writer.executeSql("CREATE CATALOG chronicle WITH (" + CatalogProperties.flinkSqlCatalogOptions(chronicle)
                .entrySet().stream().map(e -> "'" + e.getKey() + "' = '" + e.getValue() + "'")
                .collect(Collectors.joining(", ")) + ")");
        List<String> points = new ArrayList<>();
        for (int i = 0; i < METRICS.length; i++) {
            points.add(String.format("('default', '%s', MAP['host', 'h%d'], %d.0, TO_TIMESTAMP_LTZ(%d, 3), %d,"
                    + " 't', 0, %d, TO_TIMESTAMP_LTZ(%d, 3), 0)", METRICS[i], i, i, TS + i, i, i, TS));
        }
        StatementSet statements = writer.createStatementSet();
        statements.addInsertSql("INSERT INTO chronicle.chronicle.points_raw VALUES " + String.join(", ", points));
        statements.addInsertSql("INSERT INTO chronicle.chronicle.rollup_5m VALUES "
                + rollupRow("a", 1, 50) + ", " + rollupRow("b", 51, 100));
        statements.execute().await();
    }

    /**
     * Appends, in one commit of its own, points of {@code metric} with the offsets
     * {@code firstOffset, firstOffset + 1, ...} of topic {@code t} (value and time follow the
     * offset), as Iceberg's own writers write them; returns the commit's snapshot id.
     */
    public static long appendPoints(Table table, String metric, long firstOffset, int count) throws IOException {
        List<Record> rows = new ArrayList<>();
        for (long offset = firstOffset; offset < firstOffset + count; offset++) {
            GenericRecord r = GenericRecord.create(table.schema());
            r.setField("tenant", "default");
            r.setField("metric", metric);
            r.setField("tags", Map.of("host", "h" + offset));
            r.setField("value", (double) offset);
            r.setField("ts", Instant.ofEpochMilli(TS + offset).atOffset(ZoneOffset.UTC));
            r.setField("series_id", offset);
            r.setField("source_topic", "t");
            r.setField("source_partition", 0);
            r.setField("source_offset", offset);
            r.setField("ingested_at", Instant.ofEpochMilli(TS).atOffset(ZoneOffset.UTC));
            rows.add(r);
        }
        PartitionKey partition = new PartitionKey(table.spec(), table.schema());
        partition.partition(new InternalRecordWrapper(table.schema().asStruct()).wrap(rows.get(0)));
        DataWriter<Record> writer = new GenericFileWriterFactory.Builder(table)
                .dataFileFormat(FileFormat.PARQUET)
                .build()
                .newDataWriter(OutputFileFactory.builderFor(table, 1, firstOffset).format(FileFormat.PARQUET).build()
                        .newOutputFile(table.spec(), partition), table.spec(), partition);
        try (writer) {
            rows.forEach(writer::write);
        }
        DataFile file = writer.toDataFile();
        table.newAppend().appendFile(file).commit();
        return table.currentSnapshot().snapshotId();
    }

    private static String rollupRow(String host, int from, int to) {
        RollupAggregate a = aggregate(from, to);
        return String.format("('default', 'latency', MAP['host', '%s'], %d, TO_TIMESTAMP_LTZ(%d, 3),"
                        + " TO_TIMESTAMP_LTZ(%d, 3), %d, %s, %s, %s, %s, TO_TIMESTAMP_LTZ(%d, 3), %s,"
                        + " TO_TIMESTAMP_LTZ(%d, 3), %s, CAST(NULL AS DOUBLE), X'%s')",
                host, from, TS, TS + 300_000, a.count, a.totalSum(), a.min, a.max, a.firstValue, TS,
                a.lastValue, TS + 1, a.totalSumSquares(), HexFormat.of().formatHex(a.sketch));
    }

    /** The rollup of the values {@code from..to}, as the ingest job builds it. */
    public static RollupAggregate aggregate(int from, int to) {
        int n = to - from + 1;
        long[] ts = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = i;
            values[i] = from + i;
        }
        return RollupAggregate.ofSortedSamples(ts, values, n, false, Double.NaN);
    }

    /** The median the rollup rows' merged sketches give: that of one sketch of all hundred values. */
    public static double median() {
        return aggregate(1, 100).quantile(0.5);
    }

    /** Points per metric, counted from {@link #METRICS}, as "metric=count" sorted by metric. */
    public static List<String> countsPerMetric() {
        Map<String, Long> counts = new TreeMap<>();
        for (String metric : METRICS) {
            counts.merge(metric, 1L, Long::sum);
        }
        return counts.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.toList());
    }
}
