package io.chronicle.core;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaPositionTest {

    private static final String OPTION = "chronicle.kafka.starting-offsets";

    private static KafkaPosition any(String text) {
        return KafkaPosition.parse(OPTION, text, KafkaPosition.ANY);
    }

    @Test
    void keywordsInAnyCaseAsEarlierVersionsWroteThem() {
        assertThat(any("committed")).isEqualTo(new KafkaPosition.Committed());
        assertThat(any("COMMITTED")).isEqualTo(new KafkaPosition.Committed());
        assertThat(any(" Earliest ")).isEqualTo(new KafkaPosition.Earliest());
        assertThat(any("LATEST")).isEqualTo(new KafkaPosition.Latest());
    }

    @Test
    void timestampsAsIsoInstantsWithAnyOffsetOrEpochMilliseconds() {
        // 2026-11-01T00:00:00Z is 1,793,491,200 s after the epoch.
        assertThat(any("timestamp:2026-11-01T00:00:00Z")).isEqualTo(new KafkaPosition.Timestamp(1_793_491_200_000L));
        assertThat(any("timestamp:2026-11-01T01:00:00.250+01:00"))
                .isEqualTo(new KafkaPosition.Timestamp(1_793_491_200_250L));
        assertThat(any("TIMESTAMP: 1793491200123")).isEqualTo(new KafkaPosition.Timestamp(1_793_491_200_123L));
        assertThat(any("timestamp:0")).isEqualTo(new KafkaPosition.Timestamp(0));
    }

    @Test
    void offsetsPerTopicAndPartition() {
        KafkaPosition.Offsets offsets = (KafkaPosition.Offsets) any("chronicle.points:0:100, chronicle.points:1:7,my_topic-2:12:0");
        Map<String, Map<Integer, Long>> expected = new TreeMap<>();
        expected.put("chronicle.points", new TreeMap<>(Map.of(0, 100L, 1, 7L)));
        expected.put("my_topic-2", new TreeMap<>(Map.of(12, 0L)));
        assertThat(offsets.byTopic()).isEqualTo(expected);
        assertThat(offsets.of("chronicle.points")).containsExactly(Map.entry(0, 100L), Map.entry(1, 7L));
        assertThat(offsets.of("chronicle.events")).isEmpty();
    }

    @Test
    void badValuesFailNamingTheOptionAndTheForms() {
        for (String bad : new String[] {"", "sometime", "timestamp:", "timestamp:yesterday",
                "timestamp:2026-11-01T00:00:00", "timestamp:2026-11-01T00:00:00.0005Z", "timestamp:1969-12-31T23:59:59Z",
                "timestamp:99999999999999999999", "t:0", "t:0:", "t:x:1", "t:0:-1", "t:-1:0", "t:0:1,", ":0:1",
                "a:b:0:1", "t:0:1,t:0:2", "t:2147483648:0"}) {
            assertThatThrownBy(() -> any(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Invalid value for option '" + OPTION + "'")
                    .hasMessageEndingWith("expected committed, earliest, latest,"
                            + " timestamp:<ISO-8601 instant or epoch milliseconds> or topic:partition:offset,...");
        }
    }

    @Test
    void anEndIsLatestATimestampOrOffsets() {
        String option = "chronicle.kafka.stopping-offsets";
        assertThat(KafkaPosition.parse(option, "latest", KafkaPosition.ENDS)).isEqualTo(new KafkaPosition.Latest());
        for (String notAnEnd : new String[] {"committed", "earliest"}) {
            assertThatThrownBy(() -> KafkaPosition.parse(option, notAnEnd, KafkaPosition.ENDS))
                    .hasMessage("Invalid value for option '" + option + "': '" + notAnEnd + "' is not a position"
                            + " this option takes; expected latest, timestamp:<ISO-8601 instant or epoch"
                            + " milliseconds> or topic:partition:offset,...");
        }
    }

    @Test
    void theConfigurationChecksBothPositionsTheirTopicsAndThatOnlyABoundedRunStops() {
        Configuration ok = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.starting-offsets", "chronicle.points:0:5,chronicle.events:1:9",
                "--chronicle.kafka.bounded", "true", "--chronicle.alerts.enabled", "false",
                "--chronicle.kafka.stopping-offsets", "timestamp:2026-11-01T00:00:00Z"});
        assertThat(ok.get(ChronicleOptions.KAFKA_STOPPING_OFFSETS)).isEqualTo("timestamp:2026-11-01T00:00:00Z");
        assertThat(ChronicleConfig.fromArgs(new String[0]).get(ChronicleOptions.KAFKA_STARTING_OFFSETS))
                .isEqualTo("committed");

        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.starting-offsets", "chronicle.pionts:0:5"}))
                .hasMessage("Invalid value for option 'chronicle.kafka.starting-offsets': topic 'chronicle.pionts'"
                        + " is not one the job reads ([chronicle.events, chronicle.points])");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.stopping-offsets", "timestamp:0"}))
                .hasMessage("Invalid value for option 'chronicle.kafka.stopping-offsets': only a bounded run"
                        + " stops; set 'chronicle.kafka.bounded' true");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.kafka.bounded", "true",
                "--chronicle.alerts.enabled", "false", "--chronicle.kafka.stopping-offsets", "earliest"}))
                .hasMessageStartingWith("Invalid value for option 'chronicle.kafka.stopping-offsets'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.kafka.bounded", "true",
                "--chronicle.alerts.enabled", "false", "--chronicle.kafka.stopping-offsets", "other:0:1"}))
                .hasMessageContaining("topic 'other' is not one the job reads");
    }
}
