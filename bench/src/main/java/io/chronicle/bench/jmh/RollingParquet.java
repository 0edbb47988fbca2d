package io.chronicle.bench.jmh;

import org.apache.iceberg.Files;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.Schema;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.parquet.Parquet;
import org.apache.iceberg.parquet.ParquetValueWriter;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * Local Parquet files of one schema and set of table properties, written row by row through
 * Iceberg's appender and rolled over every {@code rowsPerFile} rows, so that a benchmark's time
 * per row includes its share of a file's close (its last pages and footer).
 */
final class RollingParquet {

    private final Path folder;
    private final String name;
    private final Schema schema;
    private final Map<String, String> properties;
    private final int rowsPerFile;
    private final Function<MessageType, ParquetValueWriter<?>> writer;
    private FileAppender<Object> appender;
    private int files;
    long written;

    RollingParquet(Path folder, String name, Schema schema, Map<String, String> properties, int rowsPerFile,
            Function<MessageType, ParquetValueWriter<?>> writer) {
        this.folder = folder;
        this.name = name;
        this.schema = schema;
        this.properties = properties;
        this.rowsPerFile = rowsPerFile;
        this.writer = writer;
    }

    void add(Object row) throws IOException {
        if (appender == null || written % rowsPerFile == 0) {
            close();
            appender = Parquet.write(Files.localOutput(folder.resolve(name + "-" + files++ + ".parquet").toFile()))
                    .schema(schema)
                    .createWriterFunc(writer)
                    .setAll(properties)
                    .metricsConfig(MetricsConfig.fromProperties(properties))
                    .overwrite()
                    .build();
        }
        appender.add(row);
        written++;
    }

    void close() throws IOException {
        if (appender != null) {
            appender.close();
            appender = null;
        }
    }
}
