package io.chronicle.operators.normalize;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class NormalizeFunctionTest {

    private static final long NOW_MILLIS = PointNormalizerTest.NOW_MICROS / 1000;

    private static RawRecord raw(long offset, String json) {
        return new RawRecord("chronicle.points", 0, offset, NOW_MILLIS - 1000, null,
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void routesGoodRecordsDownstreamAndBadOnesToTheSideOutputWithoutFailing() throws Exception {
        var function = new NormalizeFunction<>(new PointNormalizer(NormalizerSettings.defaults()));
        try (var harness = new OneInputStreamOperatorTestHarness<RawRecord, MetricPoint>(
                new ProcessOperator<>(function))) {
            harness.open();
            harness.setProcessingTime(NOW_MILLIS);

            harness.processElement(new StreamRecord<>(raw(0, "{\"metric\":\"cpu\",\"value\":1}")));
            harness.processElement(new StreamRecord<>(raw(1, "{\"metric\":\"cpu\",")));
            harness.processElement(new StreamRecord<>(raw(2, null)));
            harness.processElement(new StreamRecord<>(raw(3, "{\"metric\":\"mem\",\"value\":2}")));

            List<MetricPoint> points = harness.extractOutputValues();
            assertThat(points).extracting(p -> p.provenance.offset).containsExactly(0L, 3L);
            assertThat(points).allSatisfy(p ->
                    assertThat(p.provenance.ingestedAtMicros).isEqualTo(NOW_MILLIS * 1000));

            List<RejectedRecord> rejected = harness.getSideOutput(NormalizeFunction.REJECTED)
                    .stream().map(StreamRecord::getValue).collect(Collectors.toList());
            assertThat(rejected).extracting(r -> r.provenance.offset).containsExactly(1L, 2L);
            assertThat(rejected).extracting(r -> r.reasonCode)
                    .containsExactly("malformed_json", "empty_payload");
            assertThat(new String(rejected.get(0).payload, StandardCharsets.UTF_8))
                    .isEqualTo("{\"metric\":\"cpu\",");
            assertThat(rejected.get(0).provenance.ingestedAtMicros).isEqualTo(NOW_MILLIS * 1000);
        }
    }

    @Test
    void anUnexpectedErrorRejectsTheRecordNotTheJob() throws Exception {
        JsonNormalizer<MetricPoint> broken = new PointNormalizer(NormalizerSettings.defaults()) {
            @Override
            protected MetricPoint readObject(com.fasterxml.jackson.core.JsonParser parser,
                    RawRecord raw, long ingestedAtMicros) {
                throw new IllegalStateException("boom");
            }
        };
        try (var harness = new OneInputStreamOperatorTestHarness<RawRecord, MetricPoint>(
                new ProcessOperator<>(new NormalizeFunction<>(broken)))) {
            harness.open();
            harness.processElement(new StreamRecord<>(raw(0, "{\"metric\":\"cpu\",\"value\":1}")));
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(harness.getSideOutput(NormalizeFunction.REJECTED))
                    .extracting(r -> r.getValue().reasonCode, r -> r.getValue().message)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(
                            "unexpected_error", "java.lang.IllegalStateException: boom"));
        }
    }
}
