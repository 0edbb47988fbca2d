package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;

import static io.chronicle.operators.normalize.PointNormalizerTest.KAFKA_TS_MILLIS;
import static io.chronicle.operators.normalize.PointNormalizerTest.NOW_MICROS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Where a record's tenant comes from in each {@code chronicle.ingest.tenant-source} mode, the
 * allowlist, the reserved tenant, every shape of tenant header, and the tenant a refused record's
 * row carries, through the normalization the sources run.
 */
class TenantRulesTest {

    private static final String WITH_TENANT = "{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"payload\"}";
    private static final String WITHOUT = "{\"metric\":\"cpu\",\"value\":1}";
    private static final String BROKEN = "{\"metric\":\"cpu\",";

    /** A normalization of points under the given options (validated as a job's are). */
    private static Normalization<MetricPoint> points(Map<String, String> options) {
        return new Normalization<>(new PointNormalizer(
                NormalizerSettings.from(ChronicleConfig.validated(Configuration.fromMap(options)))));
    }

    private static Normalization<Event> events(Map<String, String> options) {
        return new Normalization<>(new EventNormalizer(
                NormalizerSettings.from(ChronicleConfig.validated(Configuration.fromMap(options)))));
    }

    private static RawRecord raw(String json, byte[]... headers) {
        return new RawRecord("chronicle.points", 0, 9L, KAFKA_TS_MILLIS, headers.length == 0 ? null : headers,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] h(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /** "tenant" when accepted, else "reason_code tenant-of-the-row". */
    private static String outcome(Normalization<?> normalization, RawRecord raw) {
        Either<RejectedRecord, ?> result = normalization.normalize(raw, NOW_MICROS);
        if (result.isRight()) {
            Object record = result.right();
            return record instanceof MetricPoint ? ((MetricPoint) record).tenant : ((Event) record).tenant;
        }
        return result.left().reasonCode + " " + result.left().tenant;
    }

    static Stream<Arguments> modes() {
        return Stream.of(
                // payload-then-header, the default: payload, else header, else default
                arguments("payload-then-header", WITH_TENANT, new byte[][] {h("header")}, "payload"),
                arguments("payload-then-header", WITHOUT, new byte[][] {h("header")}, "header"),
                arguments("payload-then-header", WITH_TENANT, null, "payload"),
                arguments("payload-then-header", WITHOUT, null, "default"),
                arguments("payload-then-header", "{\"metric\":\"cpu\",\"value\":1,\"tenant\":null}", null, "default"),
                arguments("payload-then-header", "{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"a/b\"}", null,
                        "invalid_field null"),
                arguments("payload-then-header", "{\"metric\":\"cpu\",\"value\":1,\"tenant\":7}", null,
                        "wrong_type null"),
                // header: the payload's tenant field is ignored, whatever it holds
                arguments("header", WITH_TENANT, new byte[][] {h("header")}, "header"),
                arguments("header", WITH_TENANT, null, "default"),
                arguments("header", "{\"metric\":\"cpu\",\"value\":1,\"tenant\":{\"not\":\"a string\"}}", null,
                        "default"),
                arguments("header", "{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"chronicle\"}",
                        new byte[][] {h("acme")}, "acme"),
                // header-only: no header, no record
                arguments("header-only", WITH_TENANT, new byte[][] {h("header")}, "header"),
                arguments("header-only", WITH_TENANT, null, "missing_tenant null"),
                arguments("header-only", WITHOUT, null, "missing_tenant null"),
                arguments("header-only", BROKEN, null, "missing_tenant null"),
                arguments("header-only", BROKEN, new byte[][] {h("acme")}, "malformed_json acme"));
    }

    @ParameterizedTest(name = "{0}: {1} with header {2}")
    @MethodSource("modes")
    void eachModeTakesTheTenantFromWhereItSays(String mode, String json, byte[][] headers, String expected) {
        Normalization<MetricPoint> normalization = points(Map.of("chronicle.ingest.tenant-source", mode));
        assertThat(outcome(normalization, raw(json, headers == null ? new byte[0][] : headers)))
                .isEqualTo(expected);
    }

    @Test
    void eventsFollowTheSameModes() {
        String withTenant = "{\"trace_id\":\"t\",\"event_type\":\"task.created\",\"tenant\":\"payload\"}";
        assertThat(outcome(events(Map.of()), raw(withTenant, h("header")))).isEqualTo("payload");
        assertThat(outcome(events(Map.of("chronicle.ingest.tenant-source", "header")), raw(withTenant, h("header"))))
                .isEqualTo("header");
        assertThat(outcome(events(Map.of("chronicle.ingest.tenant-source", "header-only")), raw(withTenant)))
                .isEqualTo("missing_tenant null");
        assertThat(outcome(events(Map.of()),
                raw("{\"trace_id\":\"t\",\"event_type\":\"task.created\",\"tenant\":\"chronicle\"}")))
                .isEqualTo("reserved_tenant null");
        assertThat(outcome(events(Map.of("chronicle.ingest.tenants", "acme")), raw(withTenant, h("acme"))))
                .isEqualTo("tenant_not_allowed acme");
    }

    @Test
    void theAllowlistAdmitsOnlyItsTenantsTheDefaultIncluded() {
        Normalization<MetricPoint> payloadFirst = points(Map.of("chronicle.ingest.tenants", "acme;globex"));
        assertThat(outcome(payloadFirst, raw("{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"acme\"}"))).isEqualTo("acme");
        assertThat(outcome(payloadFirst, raw(WITHOUT, h("globex")))).isEqualTo("globex");
        assertThat(outcome(payloadFirst, raw(WITH_TENANT, h("acme")))).isEqualTo("tenant_not_allowed acme");
        assertThat(outcome(payloadFirst, raw(WITHOUT))).isEqualTo("tenant_not_allowed null");
        assertThat(outcome(payloadFirst, raw(WITHOUT, h("initech")))).isEqualTo("tenant_not_allowed null");
        // Names are compared exactly: no case folding.
        assertThat(outcome(payloadFirst, raw(WITHOUT, h("ACME")))).isEqualTo("tenant_not_allowed null");

        Normalization<MetricPoint> headerMode = points(Map.of(
                "chronicle.ingest.tenant-source", "header", "chronicle.ingest.tenants", "acme;default"));
        assertThat(outcome(headerMode, raw(WITHOUT))).isEqualTo("default");
        assertThat(outcome(headerMode, raw(BROKEN))).isEqualTo("malformed_json default");
        assertThat(outcome(headerMode, raw(BROKEN, h("initech")))).isEqualTo("tenant_not_allowed null");
    }

    @Test
    void theReservedTenantIsRefusedFromEverySource() {
        Normalization<MetricPoint> payloadFirst = points(Map.of());
        assertThat(outcome(payloadFirst, raw("{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"chronicle\"}")))
                .isEqualTo("reserved_tenant null");
        assertThat(outcome(payloadFirst, raw(WITHOUT, h("chronicle")))).isEqualTo("reserved_tenant null");
        // A payload tenant overrides the header's in this mode, but a reserved one does not pass either way.
        assertThat(outcome(payloadFirst, raw("{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"chronicle\"}", h("acme"))))
                .isEqualTo("reserved_tenant acme");
        assertThat(outcome(payloadFirst, raw(BROKEN, h("chronicle")))).isEqualTo("malformed_json null");
        assertThat(outcome(points(Map.of("chronicle.ingest.tenant-source", "header-only")),
                raw(WITHOUT, h("chronicle")))).isEqualTo("reserved_tenant null");
    }

    static Stream<Arguments> badHeaders() {
        byte[] twoHundred = h("a".repeat(200));
        return Stream.of(
                arguments("empty", new byte[][] {new byte[0]}),
                arguments("a null value", new byte[][] {null}),
                arguments("not UTF-8", new byte[][] {{(byte) 0xC3, (byte) 0x28}}),
                arguments("UTF-8 but not ASCII", new byte[][] {h("acmé")}),
                arguments("a NUL byte", new byte[][] {{'a', 0, 'b'}}),
                arguments("129 bytes", new byte[][] {h("a".repeat(129))}),
                arguments("200 bytes", new byte[][] {twoHundred}),
                arguments("a slash", new byte[][] {h("a/b")}),
                arguments("a leading dot", new byte[][] {h(".acme")}),
                arguments("a trailing newline", new byte[][] {h("acme\n")}),
                arguments("two equal headers", new byte[][] {h("acme"), h("acme")}),
                arguments("two different headers", new byte[][] {h("acme"), h("globex")}),
                arguments("a good header, then a bad one", new byte[][] {h("acme"), new byte[0]}));
    }

    /**
     * A bad tenant header refuses the record in every mode, even where a payload's tenant would
     * win, and even when the payload is bad too; the refused row has no tenant.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void aBadTenantHeaderIsRefusedInEveryModeAndNeverReachesTheRow(String name, byte[][] headers) {
        for (String mode : new String[] {"payload-then-header", "header", "header-only"}) {
            Normalization<MetricPoint> normalization = points(Map.of("chronicle.ingest.tenant-source", mode));
            assertThat(outcome(normalization, raw(WITH_TENANT, headers))).as(mode).isEqualTo("invalid_field null");
            assertThat(outcome(normalization, raw(BROKEN, headers))).as(mode).isEqualTo("invalid_field null");
        }
        Either<RejectedRecord, MetricPoint> result = points(Map.of()).normalize(raw(WITHOUT, headers), NOW_MICROS);
        assertThat(result.left().message).contains("'tenant'").doesNotContain("\0");
    }

    @Test
    void theLongestValidHeaderIsAccepted() {
        String longest = "a".repeat(128);
        assertThat(outcome(points(Map.of()), raw(WITHOUT, h(longest)))).isEqualTo(longest);
        assertThat(outcome(points(Map.of()), raw(WITHOUT, h("A0._-z")))).isEqualTo("A0._-z");
    }

    @Test
    void messagesNameTheHeaderAndNeverEchoUnprintableBytes() {
        Normalization<MetricPoint> normalization = points(Map.of(
                "chronicle.ingest.tenant-header", "x-tenant", "chronicle.ingest.tenant-source", "header-only"));
        assertThat(normalization.normalize(raw(WITHOUT), NOW_MICROS).left().message)
                .isEqualTo("record has no 'x-tenant' header, which chronicle.ingest.tenant-source header-only requires");
        assertThat(normalization.normalize(raw(WITHOUT, new byte[] {'a', 0x1B, '['}), NOW_MICROS).left().message)
                .isEqualTo("header 'x-tenant' holds bytes that are not printable ASCII; a tenant must be 1 to 128 of"
                        + " [A-Za-z0-9_.-], starting with a letter or digit");
        assertThat(normalization.normalize(raw(WITHOUT, h("a b")), NOW_MICROS).left().message)
                .startsWith("header 'x-tenant' 'a b' is not a valid tenant;");
        assertThat(normalization.normalize(raw(WITHOUT, h("a"), h("b")), NOW_MICROS).left().message)
                .isEqualTo("record has more than one 'x-tenant' header; at most one is allowed");
        assertThat(points(Map.of()).normalize(raw("{\"metric\":\"cpu\",\"value\":1,\"tenant\":\"a\\u0000\\ud800\"}"),
                NOW_MICROS).left().message)
                .startsWith("tenant 'a\\u0000\\uD800' must be");
    }
}
