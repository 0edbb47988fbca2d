package io.chronicle.operators.normalize;

import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Applies a {@link JsonNormalizer} to every raw record: canonical records go downstream, refused
 * ones to the {@link #REJECTED} side output with their reason. No input can fail the job: even an
 * unexpected error in normalization rejects the record rather than the job.
 */
public class NormalizeFunction<T> extends ProcessFunction<RawRecord, T> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<RejectedRecord> REJECTED =
            new OutputTag<>("rejected", TypeInformation.of(RejectedRecord.class));

    private final JsonNormalizer<T> normalizer;
    private transient Counter accepted;
    private transient Counter rejected;

    public NormalizeFunction(JsonNormalizer<T> normalizer) {
        this.normalizer = normalizer;
    }

    @Override
    public void open(OpenContext openContext) {
        accepted = getRuntimeContext().getMetricGroup().counter("recordsAccepted");
        rejected = getRuntimeContext().getMetricGroup().counter("recordsRejected");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<T> out) {
        long ingestedAtMicros = ctx.timerService().currentProcessingTime() * 1_000L;
        T record;
        try {
            record = normalizer.normalize(raw, ingestedAtMicros);
        } catch (Rejection r) {
            reject(ctx, RejectedRecord.of(raw, r.reason(), r.getMessage(), raw.tenantHeader,
                    ingestedAtMicros));
            return;
        } catch (RuntimeException e) {
            reject(ctx, RejectedRecord.of(raw, RejectReason.UNEXPECTED_ERROR, String.valueOf(e),
                    raw.tenantHeader, ingestedAtMicros));
            return;
        }
        accepted.inc();
        out.collect(record);
    }

    private void reject(Context ctx, RejectedRecord record) {
        rejected.inc();
        ctx.output(REJECTED, record);
    }
}
