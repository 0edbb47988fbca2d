package io.chronicle.core;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WatchSettingsTest {

    private static WatchSettings of(Map<String, String> values) {
        return WatchSettings.from(ChronicleConfig.validated(Configuration.fromMap(values)));
    }

    @Test
    void defaults() {
        WatchSettings s = of(Map.of());
        assertThat(s.flinkRestUrls).containsExactly(URI.create("http://127.0.0.1:8081"));
        assertThat(s.catchUpCheckpoints).isTrue();
        assertThat(s.jobs).containsExactly("chronicle-ingest", "chronicle-rollups", "chronicle-views", "chronicle-alerts",
                "chronicle-maintenance");
        // The maintenance job reads no Kafka: no consumer group of its own to watch.
        assertThat(s.consumerGroups).containsExactly("chronicle-ingest", "chronicle-rollups", "chronicle-views",
                "chronicle-alerts");
        assertThat(s.tables).isEmpty();
        assertThat(s.namespace).isEqualTo("chronicle");
        assertThat(s.interval).isEqualTo(Duration.ofSeconds(15));
        assertThat(s.forDuration).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.maxConsumerLag).isEqualTo(1_000_000L);
        assertThat(s.port).isEqualTo(9250);
    }

    @Test
    void listsAndTheGroupOfTheJobs() {
        WatchSettings s = of(Map.of("chronicle.watch.jobs", "a;b", "chronicle.kafka.group-id", "g",
                "chronicle.watch.tables", "points_raw", "chronicle.watch.flink-rest-url", "https://flink:8081/;http://ingest-rest:8081"));
        assertThat(s.jobs).containsExactly("a", "b");
        assertThat(s.consumerGroups).containsExactly("g-ingest", "g-rollups", "g-views", "g-alerts");
        assertThat(s.tables).containsExactly("points_raw");
        assertThat(s.flinkRestUrls).containsExactly(URI.create("https://flink:8081"), URI.create("http://ingest-rest:8081"));
        assertThat(of(Map.of("chronicle.watch.consumer-groups", "x;y")).consumerGroups).isEqualTo(List.of("x", "y"));
    }

    @Test
    void badValuesFailNamingTheOption() {
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.flink-rest-url", "flink:8081")))
                .hasMessageContaining("'chronicle.watch.flink-rest-url'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.flink-rest-url", "http://a:8081;ftp://b")))
                .hasMessageContaining("'chronicle.watch.flink-rest-url'").hasMessageContaining("ftp://b");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.jobs", "a;a")))
                .hasMessageContaining("'chronicle.watch.jobs'").hasMessageContaining("twice");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.interval", "0 s")))
                .hasMessageContaining("'chronicle.watch.interval'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.interval", "5 s", "chronicle.watch.request-timeout", "6 s")))
                .hasMessageContaining("'chronicle.watch.request-timeout'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.for", "-1 s")))
                .hasMessageContaining("'chronicle.watch.for'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.max-restarts", "-1")))
                .hasMessageContaining("'chronicle.watch.max-restarts'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.max-consumer-lag", "-5")))
                .hasMessageContaining("'chronicle.watch.max-consumer-lag'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.max-commit-age", "0 s")))
                .hasMessageContaining("'chronicle.watch.max-commit-age'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.port", "70000")))
                .hasMessageContaining("'chronicle.watch.port'");
        assertThatThrownBy(() -> of(Map.of("chronicle.watch.max-comit-age", "1 s")))
                .hasMessageContaining("did you mean 'chronicle.watch.max-commit-age'");
    }
}
