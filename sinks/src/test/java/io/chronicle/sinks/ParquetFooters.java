package io.chronicle.sinks;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.io.FileIO;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** What a data file's Parquet footer says, read from a local copy of the file. */
final class ParquetFooters {

    private ParquetFooters() {}

    /** Each column of the file's first row group, by its dotted path, and whether its statistics hold a minimum. */
    static Map<String, Boolean> columnsWithStatistics(FileIO io, DataFile file) throws IOException {
        Path local = Files.createTempFile("footer", ".parquet");
        try {
            try (InputStream in = io.newInputFile(file.location()).newStream()) {
                Files.write(local, in.readAllBytes());
            }
            Map<String, Boolean> columns = new TreeMap<>();
            try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(local))) {
                for (ColumnChunkMetaData column : reader.getFooter().getBlocks().get(0).getColumns()) {
                    columns.put(column.getPath().toDotString(), column.getStatistics().hasNonNullValue());
                }
            }
            return columns;
        } finally {
            Files.delete(local);
        }
    }
}
