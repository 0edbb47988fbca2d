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
    void pointTopicsAndTheirFormatsFromArgumentsAndNestedYaml(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chronicle.yaml");
        Files.writeString(file, String.join("\n",
                "chronicle:",
                "  topics:",
                "    points: metrics",
                "    point-formats:",
                "      telegraf: influx-line",
                "      telegraf.eu: influx-line",
                ""));
        Configuration conf = ChronicleConfig.fromArgs(new String[] {"--config", file.toString()});
        assertThat(ChronicleConfig.pointTopics(conf)).containsExactly(
                Map.entry("metrics", PointFormat.CHRONICLE_JSON),
                Map.entry("telegraf", PointFormat.INFLUX_LINE),
                Map.entry("telegraf.eu", PointFormat.INFLUX_LINE));

        Configuration inline = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.point-formats",
                "chronicle.points:influx-line,more:chronicle-json,prom:prometheus-remote-write,prom2:prometheus-remote-write-v2",
                "--chronicle.formats.influx.precision", "ms"});
        assertThat(ChronicleConfig.pointTopics(inline)).containsExactly(
                Map.entry("chronicle.points", PointFormat.INFLUX_LINE),
                Map.entry("more", PointFormat.CHRONICLE_JSON),
                Map.entry("prom", PointFormat.PROMETHEUS_REMOTE_WRITE),
                Map.entry("prom2", PointFormat.PROMETHEUS_REMOTE_WRITE_V2));
        assertThat(inline.get(ChronicleOptions.INFLUX_PRECISION).toMicros(1_500L)).isEqualTo(1_500_000L);
        assertThat(ChronicleConfig.pointTopics(new Configuration()))
                .containsExactly(Map.entry("chronicle.points", PointFormat.CHRONICLE_JSON));
    }

    @Test
    void badPointFormatsFailNamingTheOption() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.point-formats", "telegraf:influx"}))
                .hasMessageContaining("'chronicle.topics.point-formats'")
                .hasMessageContaining("unknown format 'influx'")
                .hasMessageContaining("influx-line");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.point-formats", "chronicle.events:influx-line"}))
                .hasMessageContaining("'chronicle.topics.point-formats'")
                .hasMessageContaining("is a topic of events");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.formats.influx.precision", "minutes"}))
                .hasMessageContaining("'chronicle.formats.influx.precision'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.point-formats", "telegraf:influx-line",
                "--chronicle.kafka.starting-offsets", "elsewhere:0:5"}))
                .hasMessageContaining("topic 'elsewhere' is not one the job reads");
        Configuration offsets = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.point-formats", "telegraf:influx-line",
                "--chronicle.kafka.starting-offsets", "telegraf:0:5"});
        assertThat(offsets.get(ChronicleOptions.KAFKA_STARTING_OFFSETS)).isEqualTo("telegraf:0:5");
    }

    @Test
    void eventTopicsAndTheirFormatsFromArgumentsAndNestedYaml(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chronicle.yaml");
        Files.writeString(file, String.join("\n",
                "chronicle:",
                "  topics:",
                "    events: lifecycle",
                "    event-formats:",
                "      otlp_spans: otlp-proto-spans",
                "      otlp_logs: otlp-proto-logs",
                ""));
        Configuration conf = ChronicleConfig.fromArgs(new String[] {"--config", file.toString()});
        assertThat(ChronicleConfig.eventTopics(conf)).containsExactly(
                Map.entry("lifecycle", EventFormat.CHRONICLE_JSON),
                Map.entry("otlp_logs", EventFormat.OTLP_PROTO_LOGS),
                Map.entry("otlp_spans", EventFormat.OTLP_PROTO_SPANS));

        Configuration inline = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.event-formats",
                "chronicle.events:otlp-json-logs,spans:otlp-json-spans",
                "--chronicle.kafka.starting-offsets", "spans:0:7"});
        assertThat(ChronicleConfig.eventTopics(inline)).containsExactly(
                Map.entry("chronicle.events", EventFormat.OTLP_JSON_LOGS),
                Map.entry("spans", EventFormat.OTLP_JSON_SPANS));
        assertThat(ChronicleConfig.eventTopics(new Configuration()))
                .containsExactly(Map.entry("chronicle.events", EventFormat.CHRONICLE_JSON));
    }

    @Test
    void badEventFormatsFailNamingTheOption() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.event-formats", "otlp_spans:otlp-proto"}))
                .hasMessageContaining("'chronicle.topics.event-formats'")
                .hasMessageContaining("unknown format 'otlp-proto'")
                .hasMessageContaining("otlp-proto-spans");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.event-formats", "chronicle.points:otlp-proto-spans"}))
                .hasMessageContaining("'chronicle.topics.event-formats'")
                .hasMessageContaining("is a topic of points");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.point-formats", "shared:otlp-proto",
                "--chronicle.topics.event-formats", "shared:otlp-proto-logs"}))
                .hasMessageContaining("'shared' is a topic of");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.topics.event-formats", ":otlp-proto-logs"}))
                .hasMessageContaining("'chronicle.topics.event-formats'");
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
        for (String limit : new String[] {"chronicle.traces.max-events", "chronicle.rollup.reorder-buffer",
                "chronicle.rollup.max-series-shards", "chronicle.rollup.batch-max-points",
                "chronicle.formats.prometheus.max-uncompressed-bytes"}) {
            assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--" + limit, "0"}))
                    .hasMessageContaining("'" + limit + "': must be positive");
        }
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.views.upsert-buffer-rows", "-1"}))
                .hasMessageContaining("'chronicle.views.upsert-buffer-rows': must not be negative");
        assertThat(ChronicleConfig.fromArgs(new String[] {"--chronicle.views.upsert-buffer-rows", "0"})
                .get(ChronicleOptions.VIEWS_UPSERT_BUFFER_ROWS)).isZero();
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.min-timestamp", "2000"}))
                .hasMessageContaining("'chronicle.ingest.min-timestamp'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.s3.access-key", "a"}))
                .hasMessageContaining("'chronicle.s3.access-key'");
    }

    @Test
    void readsTheTenantOptionsFromArgumentsAndYaml(@TempDir Path dir) throws Exception {
        Configuration defaults = ChronicleConfig.fromArgs(new String[0]);
        assertThat(defaults.get(ChronicleOptions.INGEST_TENANT_SOURCE))
                .isEqualTo(ChronicleOptions.TenantSource.PAYLOAD_THEN_HEADER);
        assertThat(defaults.get(ChronicleOptions.INGEST_TENANTS)).isEmpty();
        for (ChronicleOptions.TenantSource source : ChronicleOptions.TenantSource.values()) {
            assertThat(ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.tenant-source", source.toString()})
                    .get(ChronicleOptions.INGEST_TENANT_SOURCE)).isEqualTo(source);
        }
        assertThat(ChronicleOptions.TenantSource.HEADER_ONLY.toString()).isEqualTo("header-only");
        assertThat(ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.tenants", "acme;globex"})
                .get(ChronicleOptions.INGEST_TENANTS)).containsExactly("acme", "globex");
        Path file = dir.resolve("tenants.yaml");
        Files.writeString(file, "chronicle:\n  ingest:\n    tenant-source: header-only\n    tenants: [acme, globex]\n");
        Configuration yaml = ChronicleConfig.fromArgs(new String[] {"--config", file.toString()});
        assertThat(yaml.get(ChronicleOptions.INGEST_TENANT_SOURCE)).isEqualTo(ChronicleOptions.TenantSource.HEADER_ONLY);
        assertThat(yaml.get(ChronicleOptions.INGEST_TENANTS)).containsExactly("acme", "globex");
    }

    @Test
    void badTenantOptionsFailNamingTheOption() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.tenant-source", "payload"}))
                .hasMessageContaining("'chronicle.ingest.tenant-source'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.default-tenant", "chronicle"}))
                .hasMessage("Invalid value for option 'chronicle.ingest.default-tenant': tenant 'chronicle' is"
                        + " reserved for Chronicle's own health series");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.default-tenant", "a b"}))
                .hasMessage("Invalid value for option 'chronicle.ingest.default-tenant': tenant 'a b' must be"
                        + " 1 to 128 of [A-Za-z0-9_.-], starting with a letter or digit");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.tenants", "acme;chronicle"}))
                .hasMessageContaining("'chronicle.ingest.tenants': tenant 'chronicle' is reserved");
        // A comma is not the list separator: "acme,globex" would be one tenant, and no valid one.
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.tenants", "acme,globex"}))
                .hasMessageContaining("'chronicle.ingest.tenants': tenant 'acme,globex' must be");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.tenants", "a".repeat(129)}))
                .hasMessageContaining("'chronicle.ingest.tenants'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.ingest.tenant-header", ""}))
                .hasMessage("Invalid value for option 'chronicle.ingest.tenant-header': must not be empty");
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
    void failsFastOnAnExponentialHistogramScaleOutOfRangeNamingTheOption() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.formats.otlp.exponential-histogram-max-scale", "21"}))
                .hasMessage("Invalid value for option 'chronicle.formats.otlp.exponential-histogram-max-scale':"
                        + " must be from -10 to 20, got 21");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.formats.otlp.exponential-histogram-max-scale", "-11"}))
                .hasMessage("Invalid value for option 'chronicle.formats.otlp.exponential-histogram-max-scale':"
                        + " must be from -10 to 20, got -11");
        assertThat(ChronicleConfig.fromArgs(new String[0]).get(ChronicleOptions.OTLP_EXPONENTIAL_MAX_SCALE))
                .isEqualTo(3);
        for (String edge : List.of("-10", "20")) {
            Configuration conf = ChronicleConfig.fromArgs(new String[] {
                    "--chronicle.formats.otlp.exponential-histogram-max-scale", edge});
            assertThat(conf.get(ChronicleOptions.OTLP_EXPONENTIAL_MAX_SCALE)).isEqualTo(Integer.parseInt(edge));
        }
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

    @Test
    void theDeadLetterPayloadBoundFitsUnderKafkasDefaultRequestSize() {
        Configuration conf = ChronicleConfig.fromArgs(new String[0]);
        assertThat(conf.get(ChronicleOptions.DEAD_LETTER_MAX_PAYLOAD_BYTES)).isEqualTo(65_536);
        assertThat(conf.get(ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES)).isEqualTo(1_048_576);
        assertThat(KafkaLimits.maxRequestSize(conf)).isEqualTo(1_048_576);
        // 65,536 bytes are 21,846 groups of three (the last one short), each 4 characters of base64.
        assertThat(KafkaLimits.base64Length(65_536)).isEqualTo(87_384);
        assertThat(KafkaLimits.base64Length(0)).isZero();
        assertThat(KafkaLimits.base64Length(3)).isEqualTo(4);
        assertThat(KafkaLimits.base64Length(4)).isEqualTo(8);
    }

    @Test
    void theDeadLetterPayloadBoundIsCheckedAgainstTheProducersRequestSize() {
        // 87,384 bytes of base64, 4,096 for the other fields and 128 of record overhead: 91,608.
        Configuration fits = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.properties.max.request.size", "91608"});
        assertThat(KafkaLimits.maxMessageBytes(fits)).isEqualTo(91_480);
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.properties.max.request.size", "91607"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Invalid value for option 'chronicle.dead-letter.max-payload-bytes': 65536 bytes"
                        + " take 87384 in base64, and with 4224 for the other fields more than the producer's"
                        + " max.request.size of 91607 bytes ('chronicle.kafka.properties.max.request.size');"
                        + " lower the one or raise the other");
        Configuration lower = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.properties.max.request.size", "20000",
                "--chronicle.dead-letter.max-payload-bytes", "11832"});
        assertThat(lower.get(ChronicleOptions.DEAD_LETTER_MAX_PAYLOAD_BYTES)).isEqualTo(11_832);
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.properties.max.request.size", "20000",
                "--chronicle.dead-letter.max-payload-bytes", "11833"}))
                .hasMessageStartingWith("Invalid value for option 'chronicle.dead-letter.max-payload-bytes'");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.kafka.properties.max.request.size", "1 MB"}))
                .hasMessage("Invalid value for option 'chronicle.kafka.properties.max.request.size': must be a"
                        + " number of bytes above 128, got '1 MB'");
    }

    @Test
    void theDeadLetterCarriesAtMostWhatTheRejectedTableKeeps() {
        Configuration none = ChronicleConfig.fromArgs(new String[] {
                "--chronicle.rejected.max-payload-bytes", "0", "--chronicle.dead-letter.max-payload-bytes", "0"});
        assertThat(none.get(ChronicleOptions.REJECTED_MAX_PAYLOAD_BYTES)).isZero();
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.rejected.max-payload-bytes", "1000"}))
                .hasMessage("Invalid value for option 'chronicle.dead-letter.max-payload-bytes': 65536 is more"
                        + " than 'chronicle.rejected.max-payload-bytes' (1000): a dead-letter message carries at"
                        + " most what the table keeps");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.dead-letter.max-payload-bytes", "-1"}))
                .hasMessage("Invalid value for option 'chronicle.dead-letter.max-payload-bytes': must not be"
                        + " negative, got -1");
    }
}
