package io.chronicle.bench;

import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.io.CloseableIterable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The data files of a table's current snapshot, from its metadata: how many, their bytes and
 * rows, and what a row or a point of input costs on storage.
 */
record TableFiles(long files, long bytes, long rows) {

    static TableFiles of(Table table) {
        table.refresh();
        List<DataFile> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            tasks.forEach(task -> files.add(task.file()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return of(files);
    }

    static TableFiles of(Iterable<DataFile> files) {
        long count = 0;
        long bytes = 0;
        long rows = 0;
        for (DataFile file : files) {
            count++;
            bytes += file.fileSizeInBytes();
            rows += file.recordCount();
        }
        return new TableFiles(count, bytes, rows);
    }

    double bytesPerRow() {
        return bytesPer(rows);
    }

    /** Bytes per each of {@code points}, the input the rows were made from; NaN for none. */
    double bytesPer(long points) {
        return points == 0 ? Double.NaN : (double) bytes / points;
    }
}
