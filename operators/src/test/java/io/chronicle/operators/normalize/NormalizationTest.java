package io.chronicle.operators.normalize;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class NormalizationTest {

    private static final long NOW_MICROS = PointNormalizerTest.NOW_MICROS;

    private static RawRecord raw(long offset, String json) {
        return new RawRecord("chronicle.points", 0, offset, NOW_MICROS / 1000 - 1000, null,
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void routesGoodRecordsDownstreamAndBadOnesToTheSideOutputWithoutFailing() throws Exception {
        Normalization<MetricPoint> normalization =
                new Normalization<>(new PointNormalizer(NormalizerSettings.defaults()));
        try (var harness = new OneInputStreamOperatorTestHarness<Either<RejectedRecord, MetricPoint>, MetricPoint>(
                new ProcessOperator<>(new SplitRejected<>()))) {
            harness.open();
            for (RawRecord raw : List.of(raw(0, "{\"metric\":\"cpu\",\"value\":1}"),
                    raw(1, "{\"metric\":\"cpu\","), raw(2, null),
                    raw(3, "{\"metric\":\"mem\",\"value\":2}"))) {
                harness.processElement(new StreamRecord<>(normalization.normalize(raw, NOW_MICROS)));
            }

            List<MetricPoint> points = harness.extractOutputValues();
            assertThat(points).extracting(p -> p.provenance.offset).containsExactly(0L, 3L);
            assertThat(points).allSatisfy(p ->
                    assertThat(p.provenance.ingestedAtMicros).isEqualTo(NOW_MICROS));

            List<RejectedRecord> rejected = harness.getSideOutput(SplitRejected.REJECTED)
                    .stream().map(StreamRecord::getValue).collect(Collectors.toList());
            assertThat(rejected).extracting(r -> r.provenance.offset).containsExactly(1L, 2L);
            assertThat(rejected).extracting(r -> r.reasonCode)
                    .containsExactly("malformed_json", "empty_payload");
            assertThat(new String(rejected.get(0).payload, StandardCharsets.UTF_8))
                    .isEqualTo("{\"metric\":\"cpu\",");
            assertThat(rejected.get(0).provenance.ingestedAtMicros).isEqualTo(NOW_MICROS);
        }
    }

    @Test
    void anUnexpectedErrorRejectsTheRecordNotTheJob() {
        JsonNormalizer<MetricPoint> broken = new PointNormalizer(NormalizerSettings.defaults()) {
            @Override
            protected MetricPoint readBytes(RawRecord raw, String headerTenant, long ingestedAtMicros) {
                throw new IllegalStateException("boom");
            }
        };
        Either<RejectedRecord, MetricPoint> result = new Normalization<>(broken)
                .normalize(raw(0, "{\"metric\":\"cpu\",\"value\":1}"), NOW_MICROS);
        assertThat(result.isLeft()).isTrue();
        assertThat(result.left().reasonCode).isEqualTo("unexpected_error");
        assertThat(result.left().message).isEqualTo("java.lang.IllegalStateException: boom");
    }
}
