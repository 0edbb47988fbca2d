package io.chronicle.core;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChronicleConfigTest {

    @Test
    void readsNestedYamlAndLetsArgumentsOverrideIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chronicle.yaml");
        Files.writeString(file, String.join("\n",
                "chronicle:",
                "  kafka:",
                "    bootstrap-servers: broker:9092",
                "    properties:",
                "      security.protocol: SASL_SSL",
                "chronicle.ingest.max-tags: 8",
                "execution.checkpointing.interval: 5 s",
                ""));
        Configuration conf = ChronicleConfig.fromArgs(
                new String[] {"--config", file.toString(), "--chronicle.ingest.max-tags", "16"});
        assertThat(conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS)).isEqualTo("broker:9092");
        assertThat(conf.get(ChronicleOptions.INGEST_MAX_TAGS)).isEqualTo(16);
        assertThat(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX))
                .containsEntry("security.protocol", "SASL_SSL");
        assertThat(conf.toMap()).containsEntry("execution.checkpointing.interval", "5 s");
        assertThat(conf.get(ChronicleOptions.INGEST_MAX_FUTURE_SKEW)).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void failsFastOnAMisspeltOptionNamingIt() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.max-tag", "3"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unknown option 'chronicle.ingest.max-tag'");
    }

    @Test
    void failsFastOnAValueThatDoesNotParseNamingTheOption() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.max-tags", "many"}))
                .hasMessageContaining("'chronicle.ingest.max-tags'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.kafka.starting-offsets", "sometime"}))
                .hasMessageContaining("'chronicle.kafka.starting-offsets'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.max-payload-bytes", "0"}))
                .hasMessageContaining("'chronicle.ingest.max-payload-bytes'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.min-timestamp", "2000"}))
                .hasMessageContaining("'chronicle.ingest.min-timestamp'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.s3.access-key", "a"}))
                .hasMessageContaining("'chronicle.s3.access-key'");
    }

    @Test
    void rejectsArgumentsThatAreNotPairs() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.topics.points"}))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"chronicle.topics.points", "x"}))
                .hasMessageContaining("--option value");
    }
}
