package io.chronicle.sinks;

import io.chronicle.catalog.RollupTable;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.data.FlinkParquetWriters;
import org.apache.iceberg.inmemory.InMemoryCatalog;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.parquet.Parquet;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** A rollup table's files as Iceberg's own Flink writer writes them with the table's properties. */
class RollupTableFilesTest {

    private static final long FIVE_MINUTES = 300_000_000L;

    /** No reader prunes by a map's entries, so the files keep no Parquet statistics of them. */
    @Test
    void theTagsEntriesHaveNoParquetStatistics() throws IOException {
        InMemoryCatalog catalog = new InMemoryCatalog();
        catalog.initialize("test", Map.of());
        catalog.createNamespace(Namespace.of("chronicle"));
        RollupTable definition = new RollupTable(RollupPolicy.Tier.parse("t", "5m"));
        Schema schema = definition.schema();
        Table table = catalog.buildTable(TableIdentifier.of("chronicle", definition.tableName()), schema)
                .withPartitionSpec(PartitionSpec.unpartitioned())
                .withProperties(definition.properties())
                .create();

        RowConverters.RollupToRow toRow = new RowConverters.RollupToRow();
        DataWriter<RowData> writer = Parquet.writeData(table.io().newOutputFile(table.location() + "/data/rows.parquet"))
                .forTable(table)
                .withSpec(table.spec())
                .createWriterFunc(type -> FlinkParquetWriters.buildWriter(FlinkSchemaUtil.convert(schema), type))
                .overwrite()
                .build();
        Random random = new Random(5);
        try (writer) {
            for (int series = 0; series < 300; series++) {
                writer.write(toRow.map(row(series, random)));
            }
        }
        DataFile file = writer.toDataFile();

        assertThat(ParquetFooters.columnsWithStatistics(table.io(), file))
                .containsEntry("tags.key_value.key", false).containsEntry("tags.key_value.value", false)
                .containsEntry("tenant", true).containsEntry("metric", true).containsEntry("series_id", true)
                .containsEntry("window_start", true);
    }

    private static RollupRow row(int series, Random random) {
        RollupRow r = new RollupRow();
        r.tenant = "tenant-" + series % 3;
        r.metric = "metric-" + series % 7;
        r.tags = new TreeMap<>(Map.of("host", "h" + series, "region", "r" + series % 4));
        r.seriesId = random.nextLong();
        r.windowStartMicros = 1_795_299_900_000_000L;
        r.windowEndMicros = r.windowStartMicros + FIVE_MINUTES;
        r.aggregate = RollupAggregate.ofSortedSamples(
                new long[] {r.windowStartMicros, r.windowStartMicros + 60_000_000L},
                new double[] {random.nextDouble(), random.nextDouble()}, 2, false, Double.NaN);
        return r;
    }
}
