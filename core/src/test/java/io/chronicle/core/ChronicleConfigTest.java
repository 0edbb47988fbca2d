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
        assertThat(conf.get(ChronicleOptions.INGEST_MAX_FUTURE_SKEW)).isEqualTo(Duration.ofMinutes(2));
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
    void failsFastOnEventTimeSettingsOutOfRangeNamingTheOption() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.max-future-skew", "-1 min"}))
                .hasMessageStartingWith("Invalid value for option 'chronicle.ingest.max-future-skew'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.watermark-idleness", "-1 s"}))
                .hasMessageContaining("'chronicle.ingest.watermark-idleness'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.watermark-window", "0"}))
                .hasMessage("Invalid value for option 'chronicle.ingest.watermark-window': must be from 1 to 10000, got 0");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.watermark-window", "10001"}))
                .hasMessageContaining("'chronicle.ingest.watermark-window'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.ingest.watermark-window", "8", "--chronicle.ingest.watermark-outliers", "8"}))
                .hasMessage("Invalid value for option 'chronicle.ingest.watermark-outliers': must be from 0 to 7"
                        + " (below chronicle.ingest.watermark-window), got 8");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.watermark-outliers", "-1"}))
                .hasMessageContaining("'chronicle.ingest.watermark-outliers'");
        Configuration edge = ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.watermark-window", "1",
                "--chronicle.ingest.watermark-outliers", "0", "--chronicle.ingest.max-future-skew", "0 s"});
        assertThat(edge.get(ChronicleOptions.INGEST_WATERMARK_WINDOW)).isEqualTo(1);
    }

    @Test
    void aBoundedRunNeedsAlertsOff() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.kafka.bounded", "true"}))
                .hasMessage("Invalid value for option 'chronicle.kafka.bounded': a bounded run needs"
                        + " 'chronicle.alerts.enabled' false");
        Configuration backfill = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.bounded", "true", "--chronicle.alerts.enabled", "false"});
        assertThat(backfill.get(ChronicleOptions.KAFKA_BOUNDED)).isTrue();
    }

    @Test
    void rejectsArgumentsThatAreNotPairs() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.topics.points"}))
                .hasMessageContaining("needs a value");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"chronicle.topics.points", "x"}))
                .hasMessageContaining("--option value");
    }

    @Test
    void acceptsEveryOfferedCatalogTypeInAnyCase() {
        for (CatalogType type : CatalogType.values()) {
            Configuration conf = ChronicleConfig.fromArgs(
                    new String[] {"--chronicle.catalog.type", type.value().toUpperCase()});
            assertThat(CatalogType.of(conf)).isEqualTo(type);
        }
        assertThat(CatalogType.offered()).isEqualTo("jdbc, rest, glue, nessie");
    }

    @Test
    void refusesACatalogTypeTheJobJarCannotLoadNamingTheOptionAndTheOfferedTypes() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.catalog.type", "hive"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid value for option 'chronicle.catalog.type': catalog type 'hive' is not"
                        + " offered: the job jar carries no Hive metastore client (offered: jdbc, rest, glue,"
                        + " nessie; or set 'chronicle.catalog.impl' to a Catalog class on the job's classpath)");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.catalog.type", "hadoop"}))
                .hasMessageStartingWith("Invalid value for option 'chronicle.catalog.type': catalog type"
                        + " 'hadoop' is not offered: the Hadoop catalog needs");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.catalog.type", "jbdc"}))
                .hasMessageStartingWith("Invalid value for option 'chronicle.catalog.type': unknown catalog"
                        + " type 'jbdc' (offered: jdbc, rest, glue, nessie;");
    }

    @Test
    void aCustomCatalogClassMakesTheTypeIrrelevant() {
        Configuration conf = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.catalog.type", "hive", "--chronicle.catalog.impl", "com.example.MyCatalog"});
        assertThat(conf.get(ChronicleOptions.CATALOG_IMPL)).isEqualTo("com.example.MyCatalog");
    }
}
