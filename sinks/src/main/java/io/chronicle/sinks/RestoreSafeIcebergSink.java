package io.chronicle.sinks;

import org.apache.flink.api.common.SupportsConcurrentExecutionAttempts;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreWriteTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.transformations.PartitionTransformation;
import org.apache.flink.streaming.runtime.partitioner.GlobalPartitioner;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.RowData;
import org.apache.iceberg.flink.sink.IcebergSink;
import org.apache.iceberg.io.WriteResult;

import java.io.IOException;
import java.io.Serializable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Iceberg's {@link IcebergSink}, with its pre-commit aggregator restored, like every other task of
 * the job, from the checkpoint the job restarts from.
 *
 * <p>Why: the aggregator (Iceberg's {@code IcebergWriteAggregator}) keeps no Flink state, so its
 * task is the one task of the job that Flink restarts without a restore
 * ({@code StateAssignmentOperation} assigns state only to tasks that have some), and
 * {@code getRestoredCheckpointId()} is then empty for it: it counts checkpoints from 0 again. At
 * the end of a bounded input it labels its last committable with its last checkpoint id plus one:
 * restored from checkpoint N with no checkpoint since, that is 1, not N + 1. Iceberg's committer
 * takes every committable up to the job's {@code flink.max-committed-checkpoint-id} in the table
 * (N, once the restored committer has made its commits) as committed already, and drops it: every
 * row written between the restore and the end of the input is lost, without an error. A bounded
 * run ({@code chronicle.kafka.bounded}, the backfill) that fails and then ends before its next
 * checkpoint loses them, as does a stop with {@code --drain} right after a restore
 * (BoundedSinkRestoreITCase). A job with a new job id (started from a savepoint) is not affected:
 * the table holds no commit of that id.
 *
 * <p>The fix: an operator with state of its own, chained behind the aggregator, so the
 * aggregator's task has state in every checkpoint and Flink restores it with the others; the
 * aggregator then counts on from the restored checkpoint, as Iceberg intends. The operator passes
 * the committables on unchanged. Everything else is Iceberg's sink itself, but for the writers of
 * {@code points_raw} and the rollup tiers, which write their records with no row between
 * ({@link ColumnFilesWriter}) and hand their files to Iceberg's aggregator and committer as
 * Iceberg's own writer does.
 */
final class RestoreSafeIcebergSink<IN, CommT>
        implements Sink<IN>,
                SupportsPreWriteTopology<IN>,
                SupportsCommitter<CommT>,
                SupportsPreCommitTopology<WriteResult, CommT>,
                SupportsPostCommitTopology<CommT>,
                SupportsConcurrentExecutionAttempts {

    private static final long serialVersionUID = 1L;

    private final IcebergSink iceberg;
    /** The writer in place of Iceberg's, or null for Iceberg's own (of rows). */
    private final WriterFactory<IN> ownWriter;
    private final String sinkName;

    private RestoreSafeIcebergSink(IcebergSink iceberg, WriterFactory<IN> ownWriter, String sinkName) {
        this.iceberg = iceberg;
        this.ownWriter = ownWriter;
        this.sinkName = sinkName;
    }

    /** Creates a writer of Chronicle's own whose write results Iceberg's committer takes. */
    interface WriterFactory<IN> extends Serializable {
        SinkWriter<IN> create(WriterInitContext context) throws IOException;
    }

    /**
     * Builds the sink {@code builder} describes and appends it to {@code rows}, as the builder's own
     * {@code append()} does (no write parallelism is set: the writers take the rows' parallelism).
     */
    static DataStreamSink<RowData> append(DataStream<RowData> rows, IcebergSink.Builder builder, String sinkName) {
        return rows.sinkTo(new RestoreSafeIcebergSink<RowData, Object>(build(builder), null, sinkName))
                .setParallelism(rows.getParallelism());
    }

    /**
     * As {@link #append(DataStream, IcebergSink.Builder, String)}, the records written by
     * {@code writer} instead of Iceberg's writer of rows; Iceberg's distribution of rows (a table's
     * {@code write.distribution-mode}) is not applied: the records go to the writers as they come.
     */
    static <T> DataStreamSink<T> append(
            DataStream<T> records, IcebergSink.Builder builder, WriterFactory<T> writer, String sinkName) {
        return records.sinkTo(new RestoreSafeIcebergSink<T, Object>(build(builder), writer, sinkName))
                .setParallelism(records.getParallelism());
    }

    /** Iceberg's sink as its builder builds it (the builder keeps {@code build()} to itself). */
    private static IcebergSink build(IcebergSink.Builder builder) {
        try {
            Method build = IcebergSink.Builder.class.getDeclaredMethod("build");
            build.setAccessible(true);
            IcebergSink sink = (IcebergSink) build.invoke(builder);
            requireKnownInterfaces(sink);
            return sink;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("Cannot build Iceberg's sink", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Iceberg's IcebergSink.Builder has no build() any more: "
                    + "RestoreSafeIcebergSink must follow Iceberg's sink", e);
        }
    }

    /** Iceberg's sink implements no part of Flink's sink API that this one would hide. */
    private static void requireKnownInterfaces(IcebergSink sink) {
        for (Class<?> api : sink.getClass().getInterfaces()) {
            if (!api.isAssignableFrom(RestoreSafeIcebergSink.class)) {
                throw new IllegalStateException("Iceberg's sink implements " + api.getName()
                        + ", which RestoreSafeIcebergSink does not pass on");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private SupportsCommitter<CommT> committing() {
        return (SupportsCommitter<CommT>) (Object) iceberg;
    }

    @SuppressWarnings("unchecked")
    private SupportsPreCommitTopology<WriteResult, CommT> preCommit() {
        return (SupportsPreCommitTopology<WriteResult, CommT>) (Object) iceberg;
    }

    @SuppressWarnings("unchecked")
    private SupportsPostCommitTopology<CommT> postCommit() {
        return (SupportsPostCommitTopology<CommT>) (Object) iceberg;
    }

    @Override
    @SuppressWarnings("unchecked")
    public SinkWriter<IN> createWriter(WriterInitContext context) throws IOException {
        return ownWriter != null ? ownWriter.create(context) : (SinkWriter<IN>) iceberg.createWriter(context);
    }

    @Override
    @SuppressWarnings("unchecked")
    public DataStream<IN> addPreWriteTopology(DataStream<IN> input) {
        return ownWriter != null ? input : (DataStream<IN>) iceberg.addPreWriteTopology((DataStream<RowData>) input);
    }

    @Override
    public Committer<CommT> createCommitter(CommitterInitContext context) throws IOException {
        return committing().createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<CommT> getCommittableSerializer() {
        return committing().getCommittableSerializer();
    }

    @Override
    public SimpleVersionedSerializer<WriteResult> getWriteResultSerializer() {
        return preCommit().getWriteResultSerializer();
    }

    /**
     * Iceberg's aggregator, then {@link RestoreAnchor} chained to it (same parallelism, a forward
     * edge), then the aggregator's own repartitioning to the committer.
     */
    @Override
    @SuppressWarnings("unchecked")
    public DataStream<CommittableMessage<CommT>> addPreCommitTopology(
            DataStream<CommittableMessage<WriteResult>> writeResults) {
        DataStream<CommittableMessage<CommT>> aggregated = preCommit().addPreCommitTopology(writeResults);
        if (!(aggregated.getTransformation() instanceof PartitionTransformation<?> toCommitter)
                || !(toCommitter.getPartitioner() instanceof GlobalPartitioner)
                || !(toCommitter.getInputs().get(0) instanceof OneInputTransformation<?, ?> aggregator)
                || aggregator.getParallelism() != 1) {
            throw new IllegalStateException("Iceberg's pre-commit topology is no longer its aggregator (parallelism"
                    + " 1) sending to the committer: RestoreSafeIcebergSink must follow Iceberg's sink; it is "
                    + aggregated.getTransformation());
        }
        if (!aggregated.getExecutionEnvironment().isChainingEnabled()) {
            throw new IllegalStateException("Operator chaining is disabled: Iceberg's sink aggregator would not be"
                    + " restored with the job, and a bounded job restored from a checkpoint could lose rows");
        }
        DataStream<CommittableMessage<CommT>> fromAggregator = new DataStream<>(
                aggregated.getExecutionEnvironment(), (Transformation<CommittableMessage<CommT>>) aggregator);
        return fromAggregator
                .transform("restore-anchor-" + sinkName, aggregated.getType(), new RestoreAnchor<CommittableMessage<CommT>>())
                .uid("restore-anchor-" + sinkName)
                .setParallelism(1)
                .setMaxParallelism(1)
                .global();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<CommT>> committables) {
        postCommit().addPostCommitTopology(committables);
    }

    @Override
    public String toString() {
        return "RestoreSafeIcebergSink{" + sinkName + ", " + iceberg + "}";
    }

    /**
     * Passes records on unchanged; keeps the id of each checkpoint it takes part in as its state,
     * so that its task (the aggregator's) always has state to be restored from.
     */
    static final class RestoreAnchor<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {

        private static final long serialVersionUID = 1L;

        private transient ListState<Long> checkpoint;

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            checkpoint = context.getOperatorStateStore().getListState(
                    new ListStateDescriptor<>("restore-anchor-checkpoint", LongSerializer.INSTANCE));
        }

        @Override
        public void snapshotState(StateSnapshotContext context) throws Exception {
            super.snapshotState(context);
            checkpoint.update(List.of(context.getCheckpointId()));
        }

        @Override
        public void processElement(StreamRecord<T> element) {
            output.collect(element);
        }
    }
}
