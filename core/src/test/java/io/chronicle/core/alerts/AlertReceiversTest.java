package io.chronicle.core.alerts;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.alerts.AlertReceivers.Receiver;
import io.chronicle.core.alerts.AlertReceivers.Type;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AlertReceiversTest {

    private static AlertReceivers parse(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return AlertReceivers.from(ChronicleConfig.validated(Configuration.fromMap(map)));
    }

    @Test
    void readsReceiversFromNestedYamlWithDefaultsAndOverrides(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("chronicle.yaml");
        Files.writeString(file, String.join("\n",
                "chronicle:",
                "  alerts:",
                "    external-url: http://chronicle.internal:8080",
                "    delivery:",
                "      rate-limit: 5",
                "    receivers:",
                "      oncall:",
                "        type: alertmanager",
                "        url: http://alertmanager:9093/",
                "      chatops:",
                "        type: webhook",
                "        url: https://hooks.example.com/chronicle?team=sre",
                "        http-headers:",
                "          Authorization: Bearer abc",
                "        max-attempts: 3",
                "        circuit-breaker:",
                "          open-duration: 1 min",
                ""));
        AlertReceivers receivers = AlertReceivers.from(
                ChronicleConfig.fromArgs(new String[] {"--config", file.toString()}));

        assertThat(receivers.externalUrl()).isEqualTo("http://chronicle.internal:8080");
        assertThat(receivers.flushTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(receivers.receivers()).extracting(r -> r.name).containsExactly("chatops", "oncall");

        Receiver chatops = receivers.receivers().get(0);
        assertThat(chatops.type).isEqualTo(Type.WEBHOOK);
        assertThat(chatops.endpoint).isEqualTo(URI.create("https://hooks.example.com/chronicle?team=sre"));
        assertThat(chatops.headers).containsExactly(Map.entry("Authorization", "Bearer abc"));
        assertThat(chatops.delivery.maxAttempts).isEqualTo(3);
        assertThat(chatops.delivery.circuitBreakerOpenDuration).isEqualTo(Duration.ofMinutes(1));
        assertThat(chatops.delivery.rateLimit).isEqualTo(5.0);
        assertThat(chatops.delivery.resendInterval).isZero();

        Receiver oncall = receivers.receivers().get(1);
        assertThat(oncall.type).isEqualTo(Type.ALERTMANAGER);
        assertThat(oncall.endpoint).isEqualTo(URI.create("http://alertmanager:9093/api/v2/alerts"));
        assertThat(oncall.delivery.maxAttempts).isEqualTo(10);
        assertThat(oncall.delivery.timeout).isEqualTo(Duration.ofSeconds(10));
        assertThat(oncall.delivery.backoffInitial).isEqualTo(Duration.ofSeconds(1));
        assertThat(oncall.delivery.backoffMax).isEqualTo(Duration.ofSeconds(30));
        assertThat(oncall.delivery.backoffMultiplier).isEqualTo(2.0);
        assertThat(oncall.delivery.backoffJitter).isEqualTo(0.2);
        assertThat(oncall.delivery.circuitBreakerFailures).isEqualTo(5);
        assertThat(oncall.delivery.queueCapacity).isEqualTo(10_000);
        assertThat(oncall.delivery.maxBatchSize).isEqualTo(64);
        assertThat(oncall.delivery.resendInterval).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void headerValuesAreHiddenByFlinkWhereItShowsTheConfiguration() {
        assertThat(GlobalConfiguration.isSensitive("chronicle.alerts.receivers.chatops.http-headers.Authorization"))
                .isTrue();
    }

    @Test
    void noReceiversIsEmpty() {
        assertThat(parse().isEmpty()).isTrue();
        assertThat(parse().externalUrl()).isEmpty();
    }

    @Test
    void alertmanagerApiPathIsAppendedOnceUnderARoutePrefix() {
        assertThat(parse("chronicle.alerts.receivers.am.type", "alertmanager",
                "chronicle.alerts.receivers.am.url", "https://ops.example.com/am").receivers().get(0).endpoint)
                .isEqualTo(URI.create("https://ops.example.com/am/api/v2/alerts"));
        assertThat(parse("chronicle.alerts.receivers.am.type", "ALERTMANAGER",
                "chronicle.alerts.receivers.am.url", "http://am:9093/api/v2/alerts").receivers().get(0).endpoint)
                .isEqualTo(URI.create("http://am:9093/api/v2/alerts"));
    }

    @Test
    void missingUrlOrTypeNamesTheOption() {
        assertThatThrownBy(() -> parse("chronicle.alerts.receivers.am.type", "alertmanager"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'chronicle.alerts.receivers.am.url' is missing");
        assertThatThrownBy(() -> parse("chronicle.alerts.receivers.am.url", "http://am:9093"))
                .hasMessageContaining("'chronicle.alerts.receivers.am.type' is missing");
    }

    @Test
    void badValuesNameTheReceiverOption() {
        String[] base = {"chronicle.alerts.receivers.hook.type", "webhook", "chronicle.alerts.receivers.hook.url", "http://h/x"};
        assertThatThrownBy(() -> parse("chronicle.alerts.receivers.hook.type", "slack",
                "chronicle.alerts.receivers.hook.url", "http://h/x"))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.type'");
        assertThatThrownBy(() -> parse("chronicle.alerts.receivers.hook.type", "webhook",
                "chronicle.alerts.receivers.hook.url", "hooks.example.com/x"))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.url'");
        assertThatThrownBy(() -> parse(with(base, "chronicle.alerts.receivers.hook.timeout", "soon")))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.timeout'");
        assertThatThrownBy(() -> parse(with(base, "chronicle.alerts.receivers.hook.max-attempts", "0")))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.max-attempts'");
        assertThatThrownBy(() -> parse(with(base, "chronicle.alerts.receivers.hook.backoff.jitter", "1")))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.backoff.jitter'");
        assertThatThrownBy(() -> parse(with(base, "chronicle.alerts.receivers.hook.rate-limit", "0")))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.rate-limit'");
        assertThatThrownBy(() -> parse(with(base, "chronicle.alerts.receivers.hook.backoff.max", "100 ms")))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.backoff.max'")
                .hasMessageContaining("chronicle.alerts.delivery.backoff.initial");
        assertThatThrownBy(() -> parse(with(base, "chronicle.alerts.receivers.hook.resend-interval", "1 min")))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.resend-interval'");
        assertThatThrownBy(() -> parse(with(base, "chronicle.alerts.receivers.hook.http-headers.Host", "evil")))
                .hasMessageContaining("'chronicle.alerts.receivers.hook.http-headers.Host'");
    }

    @Test
    void misspeltReceiverKeysAndBadNamesAreRejected() {
        assertThatThrownBy(() -> parse("chronicle.alerts.receivers.am.type", "alertmanager",
                "chronicle.alerts.receivers.am.url", "http://am:9093", "chronicle.alerts.receivers.am.tiemout", "1 s"))
                .hasMessageContaining("Unknown option 'chronicle.alerts.receivers.am.tiemout'");
        assertThatThrownBy(() -> parse("chronicle.alerts.receivers.am", "http://am:9093"))
                .hasMessageContaining("'chronicle.alerts.receivers.am'");
        assertThatThrownBy(() -> parse("chronicle.alerts.receivers.on call.url", "http://am:9093"))
                .hasMessageContaining("'chronicle.alerts.receivers.on call.url'");
        assertThatThrownBy(() -> parse("chronicle.alerts.delivery.tiemout", "1 s"))
                .hasMessageContaining("Unknown option 'chronicle.alerts.delivery.tiemout'");
    }

    @Test
    void badDefaultsFailEvenWithoutReceivers() {
        assertThatThrownBy(() -> parse("chronicle.alerts.delivery.queue-capacity", "0"))
                .hasMessageContaining("'chronicle.alerts.delivery.queue-capacity'");
        assertThatThrownBy(() -> parse("chronicle.alerts.delivery.backoff.multiplier", "0.5"))
                .hasMessageContaining("'chronicle.alerts.delivery.backoff.multiplier'");
        assertThatThrownBy(() -> parse("chronicle.alerts.delivery.flush-timeout", "-1 s"))
                .hasMessageContaining("'chronicle.alerts.delivery.flush-timeout'");
    }

    private static String[] with(String[] base, String key, String value) {
        String[] out = Arrays.copyOf(base, base.length + 2);
        out[base.length] = key;
        out[base.length + 1] = value;
        return out;
    }
}
