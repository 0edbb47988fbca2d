package io.chronicle.operators.normalize;

import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits normalized input: canonical records go downstream, rejections to the {@link #REJECTED}
 * side output, each counted.
 */
public class SplitRejected<T> extends ProcessFunction<Either<RejectedRecord, T>, T> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<RejectedRecord> REJECTED =
            new OutputTag<>("rejected", TypeInformation.of(RejectedRecord.class));

    private transient Counter accepted;
    private transient Counter rejected;

    @Override
    public void open(OpenContext openContext) {
        accepted = getRuntimeContext().getMetricGroup().counter("recordsAccepted");
        rejected = getRuntimeContext().getMetricGroup().counter("recordsRejected");
    }

    @Override
    public void processElement(Either<RejectedRecord, T> in, Context ctx, Collector<T> out) {
        if (in.isRight()) {
            accepted.inc();
            out.collect(in.right());
        } else {
            rejected.inc();
            ctx.output(REJECTED, in.left());
        }
    }
}
