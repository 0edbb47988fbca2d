package io.chronicle.bench;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TableFilesTest {

    private static DataFile file(String path, long bytes, long rows) {
        return DataFiles.builder(PartitionSpec.unpartitioned()).withPath(path).withFormat(FileFormat.PARQUET)
                .withFileSizeInBytes(bytes).withRecordCount(rows).build();
    }

    @Test
    void sumsTheFilesSizesAndRowsFromTheirMetadata() {
        TableFiles files = TableFiles.of(List.of(file("a.parquet", 1_000, 100), file("b.parquet", 3_000, 300)));
        assertThat(files).isEqualTo(new TableFiles(2, 4_000, 400));
        assertThat(files.bytesPerRow()).isEqualTo(10.0);
        // A tier's rows stand for many input points each.
        assertThat(files.bytesPer(8_000)).isEqualTo(0.5);
    }

    @Test
    void aTableWithoutRowsHasNoFigurePerRow() {
        TableFiles none = TableFiles.of(List.of());
        assertThat(none).isEqualTo(new TableFiles(0, 0, 0));
        assertThat(none.bytesPerRow()).isNaN();
    }
}
