package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CpuTimelineTest {

    private static CpuTimeline timeline() {
        CpuTimeline cpu = new CpuTimeline();
        cpu.add(1_000, 10.0);
        cpu.add(2_000, 11.0);
        cpu.add(4_000, 15.0);
        return cpu;
    }

    @Test
    void cpuOfASpanIsReadBetweenTheSamplesAroundItsEnds() {
        assertThat(timeline().secondsBetween(1_000, 4_000)).isCloseTo(5.0, within(1e-12));
        // 10.5 at 1.5 s, 13.0 at 3 s.
        assertThat(timeline().secondsBetween(1_500, 3_000)).isCloseTo(2.5, within(1e-12));
    }

    @Test
    void aSpanOutsideTheSamplesHasNoFigure() {
        assertThat(timeline().secondsBetween(500, 3_000)).isNaN();
        assertThat(timeline().secondsBetween(1_500, 4_001)).isNaN();
    }
}
