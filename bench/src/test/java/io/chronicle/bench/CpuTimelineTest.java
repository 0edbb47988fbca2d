package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CpuTimelineTest {

    private static CpuTimeline timeline() {
        CpuTimeline cpu = new CpuTimeline();
        cpu.add(1_000, 10.0, 1.0);
        cpu.add(2_000, 11.0, 1.5);
        cpu.add(4_000, 15.0, 1.5);
        return cpu;
    }

    @Test
    void cpuOfASpanIsReadBetweenTheSamplesAroundItsEnds() {
        assertThat(timeline().secondsBetween(1_000, 4_000)).isCloseTo(5.0, within(1e-12));
        // 10.5 at 1.5 s, 13.0 at 3 s.
        assertThat(timeline().secondsBetween(1_500, 3_000)).isCloseTo(2.5, within(1e-12));
        assertThat(timeline().jitSecondsBetween(1_000, 4_000)).isCloseTo(0.5, within(1e-12));
        // 1.25 at 1.5 s, 1.5 from 2 s on.
        assertThat(timeline().jitSecondsBetween(1_500, 3_000)).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void theJitSoFarRunsFromTheFirstSampleToTheLast() {
        assertThat(new CpuTimeline().jitSecondsSoFar()).isZero();
        assertThat(timeline().jitSecondsSoFar()).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void aSpanWithoutJitFiguresHasNoJitFigure() {
        CpuTimeline cpu = new CpuTimeline();
        cpu.add(1_000, 10.0, Double.NaN);
        cpu.add(2_000, 11.0, Double.NaN);
        assertThat(cpu.secondsBetween(1_000, 2_000)).isCloseTo(1.0, within(1e-12));
        assertThat(cpu.jitSecondsBetween(1_000, 2_000)).isNaN();
        assertThat(cpu.jitSecondsSoFar()).isNaN();
    }

    @Test
    void aSpanOutsideTheSamplesHasNoFigure() {
        assertThat(timeline().secondsBetween(500, 3_000)).isNaN();
        assertThat(timeline().secondsBetween(1_500, 4_001)).isNaN();
        assertThat(timeline().jitSecondsBetween(500, 3_000)).isNaN();
    }
}
