package io.chronicle.bench;

import io.chronicle.core.MetricPoint;
import io.chronicle.workload.Workload;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InfluxLinesTest {

    private static String line(String json) {
        return InfluxLines.line(new InfluxLines().point(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static MetricPoint point(String tenant, String metric, Map<String, String> tags, double value) {
        MetricPoint point = new MetricPoint();
        point.tenant = tenant;
        point.metric = metric;
        point.tags = new TreeMap<>(tags);
        point.value = value;
        point.timestampMicros = 1_735_689_600_000_000L;
        return point;
    }

    @Test
    void aWorkloadPayloadBecomesTheMetricWithSortedTagsTheTenantAValueFieldAndMilliseconds() {
        assertThat(line("{\"tenant\":\"acme\",\"metric\":\"http_requests_total\",\"tags\":{\"status\":\"200\","
                + "\"host\":\"host-0001\",\"method\":\"GET\"},\"value\":1234.567,\"timestamp\":1735689615250}"))
                .isEqualTo("http_requests_total,host=host-0001,method=GET,status=200,tenant=acme"
                        + " value=1234.567 1735689615250");
    }

    @Test
    void thePayloadIsReadAsChronicleReadsItTenantDefaultEmptyTagsAndTimestampUnits() {
        assertThat(line("{\"metric\":\"up\",\"tags\":{\"host\":\"a\",\"env\":\"\"},\"value\":1,\"timestamp\":1735689600}"))
                .isEqualTo("up,host=a,tenant=default value=1.0 1735689600000");
        assertThat(line("{\"metric\":\"up\",\"value\":0.5,\"timestamp\":\"2025-01-01T00:00:00.123Z\"}"))
                .isEqualTo("up,tenant=default value=0.5 1735689600123");
        assertThat(line("{\"metric\":\"memory_used_bytes\",\"tenant\":\"t\",\"value\":6.0E9,\"timestamp\":1735689600000000}"))
                .isEqualTo("memory_used_bytes,tenant=t value=6.0E9 1735689600000");
    }

    @Test
    void spacesCommasEqualsSignsAndBackslashesInTagValuesAreEscaped() {
        assertThat(line("{\"tenant\":\"acme\",\"metric\":\"http_requests_total\",\"tags\":{\"route\":"
                + "\"/q?a=1,2 3\\\\x\"},\"value\":2,\"timestamp\":1735689600000}"))
                .isEqualTo("http_requests_total,route=/q?a\\=1\\,2\\ 3\\\\x,tenant=acme value=2.0 1735689600000");
    }

    /** Chronicle's normalizer allows none of these in metric names, tag keys or tenants; the encoding would. */
    @Test
    void tagKeysAndTheTenantAreEscapedLikeTagValuesAndTheMeasurementKeepsItsEqualsSigns() {
        assertThat(InfluxLines.line(point("big co", "cpu load,x=y", Map.of("my key,a=b", "v"), 1.5)))
                .isEqualTo("cpu\\ load\\,x=y,my\\ key\\,a\\=b=v,tenant=big\\ co value=1.5 1735689600000");
    }

    @Test
    void aLineBreakCannotBeEncoded() {
        assertThatThrownBy(() -> InfluxLines.line(point("t", "m", Map.of("note", "two\nlines"), 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line break");
    }

    @Test
    void aTagNamedTenantWouldClashWithTheTenantAndFails() {
        assertThatThrownBy(() -> line("{\"metric\":\"up\",\"tags\":{\"tenant\":\"x\"},\"value\":1,\"timestamp\":1735689600}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'tenant'");
    }

    @Test
    void aPayloadChronicleRejectsFailsWithItsReason() {
        assertThatThrownBy(() -> line("{\"metric\":\"up\",\"timestamp\":1735689600}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value");
    }

    @Test
    void theWorkloadIsEncodedIntoBodiesOfTheBatchSizeInProductionOrder() {
        Workload workload = new Workload(2_503, 100, 2, Duration.ofSeconds(15), 0.02, Duration.ofSeconds(60), 7);
        InfluxLines.Encoded encoded = InfluxLines.encode(workload, 1_000);

        InfluxLines lines = new InfluxLines();
        StringBuilder expected = new StringBuilder();
        long[] range = {Long.MAX_VALUE, Long.MIN_VALUE};
        workload.generate((series, json) -> {
            MetricPoint point = lines.point(json);
            expected.append(InfluxLines.line(point)).append('\n');
            range[0] = Math.min(range[0], point.timestampMicros / 1_000);
            range[1] = Math.max(range[1], point.timestampMicros / 1_000);
        });
        List<String> bodies = encoded.bodies().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
        assertThat(bodies).hasSize(3);
        assertThat(bodies).extracting(b -> b.split("\n").length).containsExactly(1_000, 1_000, 503);
        assertThat(String.join("", bodies)).isEqualTo(expected.toString());
        assertThat(encoded.points()).isEqualTo(2_503);
        assertThat(encoded.bytes()).isEqualTo(encoded.bodies().stream().mapToLong(b -> b.length).sum());
        assertThat(encoded.summary().points()).isEqualTo(2_503);
        assertThat(encoded.expected().series()).isEqualTo(100);
        assertThat(encoded.expected().samples()).isEqualTo(2_503);
        assertThat(Arrays.asList(encoded.firstMillis(), encoded.lastMillis())).containsExactly(range[0], range[1]);
    }
}
