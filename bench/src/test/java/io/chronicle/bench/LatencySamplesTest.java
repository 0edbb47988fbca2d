package io.chronicle.bench;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatencySamplesTest {

    private static final long MS = 1_000_000;

    @Test
    void percentilesAreNearestRanks() {
        double[] hundred = IntStream.rangeClosed(1, 100).asDoubleStream().toArray();
        assertThat(LatencySamples.percentile(hundred, 50)).isEqualTo(50);
        assertThat(LatencySamples.percentile(hundred, 90)).isEqualTo(90);
        assertThat(LatencySamples.percentile(hundred, 99)).isEqualTo(99);
        assertThat(LatencySamples.percentile(hundred, 7)).isEqualTo(7);
        assertThat(LatencySamples.percentile(hundred, 100)).isEqualTo(100);
        assertThat(LatencySamples.percentile(hundred, 0)).isEqualTo(1);

        double[] ten = IntStream.rangeClosed(1, 10).asDoubleStream().map(v -> v * 10).toArray();
        assertThat(LatencySamples.percentile(ten, 50)).isEqualTo(50);
        assertThat(LatencySamples.percentile(ten, 99)).isEqualTo(100);
        assertThat(LatencySamples.percentile(ten, 91)).isEqualTo(100);
        assertThat(LatencySamples.percentile(ten, 90)).isEqualTo(90);
        assertThat(LatencySamples.percentile(new double[] {5}, 99)).isEqualTo(5);
        assertThat(LatencySamples.percentile(new double[0], 50)).isNaN();
    }

    @Test
    void aLatencyRunsFromTheSendToTheFirstReceiptOfItsKey() {
        LatencySamples samples = new LatencySamples();
        samples.sent("a", 1_000 * MS, true);
        samples.sent("b", 2_000 * MS, true);
        samples.sent("c", 3_000 * MS, true);
        assertThat(samples.received("b", 2_300 * MS)).isTrue();
        assertThat(samples.received("a", 2_300 * MS)).isTrue();
        assertThat(samples.received("a", 2_900 * MS)).as("a repeat").isFalse();
        assertThat(samples.received("z", 2_900 * MS)).as("never sent").isFalse();

        Report.Latency latency = samples.summary("firing");
        assertThat(latency.sample()).isEqualTo("firing");
        assertThat(latency.count()).isEqualTo(2);
        assertThat(latency.minMs()).isEqualTo(300);
        assertThat(latency.p50Ms()).isEqualTo(300);
        assertThat(latency.p99Ms()).isEqualTo(1_300);
        assertThat(latency.maxMs()).isEqualTo(1_300);
        assertThat(latency.meanMs()).isEqualTo(800);
        assertThat(latency.missing()).isEqualTo(1);
        assertThat(latency.repeats()).isEqualTo(1);
        assertThat(latency.inSendOrderMs()).containsExactly(1_300.0, 300.0, null);
        assertThat(latency.withinSecond()).as("b of a, b and the missing c").isEqualTo(1.0 / 3);
    }

    @Test
    void warmUpSamplesAreMatchedButLeftOutOfTheStatistics() {
        LatencySamples samples = new LatencySamples();
        samples.sent("warm", 0, false);
        samples.sent("cold", 0, false);
        samples.sent("measured", 10 * MS, true);
        assertThat(samples.received("warm", 5_000 * MS)).isTrue();
        samples.received("warm", 6_000 * MS);
        samples.received("measured", 15 * MS);

        Report.Latency latency = samples.summary("resolved");
        assertThat(latency.count()).isEqualTo(1);
        assertThat(latency.maxMs()).isEqualTo(5);
        assertThat(latency.missing()).as("a warm-up sample never received is not missed").isZero();
        assertThat(latency.repeats()).isZero();
        assertThat(samples.missing()).isZero();
    }

    @Test
    void aKeyIsSentOnce() {
        LatencySamples samples = new LatencySamples();
        samples.sent("a", 0, true);
        assertThatThrownBy(() -> samples.sent("a", 1, true)).hasMessageContaining("'a'");
    }

    @Test
    void noSampleGivesNoFigures() {
        Report.Latency latency = new LatencySamples().summary("firing");
        assertThat(latency.count()).isZero();
        assertThat(latency.p50Ms()).isNaN();
        assertThat(latency.meanMs()).isNaN();
        assertThat(latency.withinSecond()).isNaN();
    }

    @Test
    void keepingUpMeansTheLastSamplesThatHadTheTimeAllCameBackInTime() {
        LatencySamples samples = new LatencySamples();
        long second = 1_000 * MS;
        for (int i = 0; i < 5; i++) {
            samples.sent("s" + i, i * second, false);
        }
        samples.received("s0", 3 * second);
        samples.received("s1", 1 * second + 500 * MS);
        samples.received("s2", 2 * second + 900 * MS);
        long now = 3 * second + 500 * MS;
        assertThat(samples.keepingUp(2, second, now)).as("s1 and s2 in time; s3 has had no second yet").isTrue();
        assertThat(samples.keepingUp(3, second, now)).as("s0 late").isFalse();
        now = 4 * second + 500 * MS;
        assertThat(samples.keepingUp(2, second, now)).as("s3 not back after a second").isFalse();
        samples.received("s3", 3 * second + 200 * MS);
        assertThat(samples.keepingUp(2, second, now)).isTrue();
        assertThat(samples.keepingUp(6, second, 10 * second)).as("too few sent").isFalse();
    }
}
