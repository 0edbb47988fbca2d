package io.chronicle.sources;

import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** What the deserializer hands normalization of a record's tenant headers, and nothing else. */
class NormalizingDeserializerTest {

    /** The raw record each call saw. */
    private final List<RawRecord> seen = new ArrayList<>();

    private final NormalizingDeserializer<String> deserializer = new NormalizingDeserializer<>("x-tenant",
            (raw, ingestedAtMicros, out) -> {
                seen.add(raw);
                out.collect(Either.Right("normalized"));
            }, Types.STRING);

    private RawRecord read(RecordHeaders headers) {
        byte[] value = "{}".getBytes(StandardCharsets.UTF_8);
        List<Either<RejectedRecord, String>> out = new ArrayList<>();
        deserializer.deserialize(new ConsumerRecord<>("points", 2, 40L, 1_000L, TimestampType.CREATE_TIME, 0,
                value.length, null, value, headers, Optional.empty()), new Collector<>() {
                    @Override
                    public void collect(Either<RejectedRecord, String> record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        assertThat(out).extracting(Either::right).containsExactly("normalized");
        RawRecord raw = seen.get(seen.size() - 1);
        assertThat(raw.topic).isEqualTo("points");
        assertThat(raw.partition).isEqualTo(2);
        assertThat(raw.offset).isEqualTo(40L);
        assertThat(raw.kafkaTimestampMillis).isEqualTo(1_000L);
        assertThat(raw.value).isEqualTo(value);
        return raw;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void noTenantHeaderIsNull() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("tenant", b("acme"));
        headers.add("X-Tenant", b("acme"));
        assertThat(read(headers).tenantHeaders).isNull();
        assertThat(read(new RecordHeaders()).tenantHeaders).isNull();
    }

    @Test
    void oneTenantHeaderIsPassedUnchecked() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", b("t-1"));
        headers.add("x-tenant", new byte[] {(byte) 0xFF, 0});
        assertThat(read(headers).tenantHeaders).isDeepEqualTo(new byte[][] {{(byte) 0xFF, 0}});
    }

    @Test
    void aHeaderWithoutAValueIsPassedAsNull() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("x-tenant", null);
        assertThat(read(headers).tenantHeaders).isDeepEqualTo(new byte[][] {null});
    }

    /** More than one is refused downstream; the first two are enough to say so, however many there are. */
    @Test
    void manyTenantHeadersArePassedAsTheirFirstTwo() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("x-tenant", b("acme"));
        headers.add("other", b("x"));
        for (int i = 0; i < 10_000; i++) {
            headers.add("x-tenant", b("t" + i));
        }
        assertThat(read(headers).tenantHeaders).isDeepEqualTo(new byte[][] {b("acme"), b("t0")});
    }
}
