package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesDigestsTest {

    private static TreeMap<String, String> labels(String name, String host) {
        TreeMap<String, String> labels = new TreeMap<>();
        labels.put(SeriesDigests.NAME_LABEL, name);
        labels.put("host", host);
        labels.put("tenant", "acme");
        return labels;
    }

    private static SeriesDigests sent() {
        SeriesDigests digests = new SeriesDigests();
        digests.add(labels("up", "a"), 1_000, 1);
        digests.add(labels("up", "a"), 2_000, 0);
        digests.add(labels("memory_used_bytes", "a"), 1_000, 6.0E9);
        return digests;
    }

    private static SeriesDigests export(String lines) throws IOException {
        return SeriesDigests.fromExport(new ByteArrayInputStream(lines.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theSameSamplesInAnotherOrderAndSplitOverExportLinesMatch() throws IOException {
        SeriesDigests readBack = export(
                "{\"metric\":{\"__name__\":\"memory_used_bytes\",\"host\":\"a\",\"tenant\":\"acme\"},"
                        + "\"values\":[6000000000],\"timestamps\":[1000]}\n"
                        + "{\"metric\":{\"__name__\":\"up\",\"tenant\":\"acme\",\"host\":\"a\"},"
                        + "\"values\":[-0.0],\"timestamps\":[2000]}\n"
                        + "{\"metric\":{\"__name__\":\"up\",\"host\":\"a\",\"tenant\":\"acme\"},"
                        + "\"values\":[1],\"timestamps\":[1000]}\n");
        assertThat(sent().differing(readBack)).isEmpty();
        assertThat(readBack.series()).isEqualTo(2);
        assertThat(readBack.samples()).isEqualTo(3);
    }

    @Test
    void aChangedValueAMovedSampleAMissingOneAndAnExtraSeriesAreEachNamed() {
        SeriesDigests changed = new SeriesDigests();
        changed.add(labels("up", "a"), 1_000, 1);
        changed.add(labels("up", "a"), 2_000, 0.001);
        changed.add(labels("up", "b"), 1_000, 1);
        assertThat(sent().differing(changed)).containsExactly(
                "memory_used_bytes{host=\"a\",tenant=\"acme\"}", "up{host=\"a\",tenant=\"acme\"}",
                "up{host=\"b\",tenant=\"acme\"}");

        SeriesDigests moved = new SeriesDigests();
        moved.add(labels("up", "a"), 1_000, 1);
        moved.add(labels("up", "a"), 2_001, 0);
        moved.add(labels("memory_used_bytes", "a"), 1_000, 6.0E9);
        assertThat(sent().differing(moved)).containsExactly("up{host=\"a\",tenant=\"acme\"}");
    }
}
