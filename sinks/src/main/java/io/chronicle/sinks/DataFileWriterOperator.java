package io.chronicle.sinks;

import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.RowData;
import org.apache.flink.util.InstantiationUtil;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.flink.sink.TaskWriterFactory;
import org.apache.iceberg.io.TaskWriter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes its rows into Iceberg data files without committing them, and at the end of its bounded
 * input emits each file's metadata (Java-serialized {@link DataFile}), so the client can commit
 * all of them together with whatever else belongs in the same snapshot.
 */
public class DataFileWriterOperator extends AbstractStreamOperator<byte[]>
        implements OneInputStreamOperator<RowData, byte[]>, BoundedOneInput {

    private static final long serialVersionUID = 1L;

    private final TaskWriterFactory<RowData> writerFactory;
    private transient TaskWriter<RowData> writer;

    public DataFileWriterOperator(TaskWriterFactory<RowData> writerFactory) {
        this.writerFactory = writerFactory;
    }

    @Override
    public void open() throws Exception {
        super.open();
        writerFactory.initialize(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                getRuntimeContext().getTaskInfo().getAttemptNumber());
        writer = writerFactory.create();
    }

    @Override
    public void processElement(StreamRecord<RowData> element) throws IOException {
        writer.write(element.getValue());
    }

    @Override
    public void endInput() throws IOException {
        for (DataFile file : writer.complete().dataFiles()) {
            output.collect(new StreamRecord<>(InstantiationUtil.serializeObject(file)));
        }
        writer = null;
    }

    @Override
    public void close() throws Exception {
        if (writer != null) {
            writer.abort();
        }
        super.close();
    }

    /** The files a job's {@link DataFileWriterOperator}s emitted. */
    public static List<DataFile> dataFiles(List<byte[]> emitted) throws IOException {
        List<DataFile> files = new ArrayList<>(emitted.size());
        for (byte[] bytes : emitted) {
            try {
                files.add(InstantiationUtil.deserializeObject(bytes, DataFile.class.getClassLoader()));
            } catch (ClassNotFoundException e) {
                throw new IOException(e);
            }
        }
        return files;
    }
}
