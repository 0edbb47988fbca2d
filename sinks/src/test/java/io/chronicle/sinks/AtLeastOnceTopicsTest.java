package io.chronicle.sinks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.TraceRow;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The topics written at least once (alerts, rules-status, the views') skip and count a record whose
 * message the producer would refuse or that cannot be encoded, and go on with the next.
 */
class AtLeastOnceTopicsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRuleStatusLargerThanTheProducerTakesIsSkippedAndCounted() throws Exception {
        CheckedMessages<RuleStatus> serializer = AlertTopics.ruleStatusSerializer(conf(Map.of()));
        SerializerContext context = SerializerContext.open(serializer);

        // A rule name of 600,000 characters is both the key and a field of the value.
        assertThat(serializer.serialize(rejected("n".repeat(600_000), "bad"), null, 1L)).isNull();
        ProducerRecord<byte[], byte[]> next = serializer.serialize(rejected("Broken", "no expr"), null, 1L);

        assertThat(new String(next.key(), StandardCharsets.UTF_8)).isEqualTo("Broken");
        assertThat(new String(next.value(), StandardCharsets.UTF_8))
                .isEqualTo("{\"rule\":\"Broken\",\"status\":\"rejected\",\"reason\":\"no expr\","
                        + "\"partition\":null,\"offset\":null}");
        assertThat(context.count(CheckedMessages.MESSAGES_SKIPPED)).isEqualTo(1);
    }

    @Test
    void anAlertThatCannotBeEncodedOrIsTooLargeIsSkippedAndCounted() throws Exception {
        CheckedMessages<AlertNotification> serializer = AlertTopics.alertsSerializer(conf(Map.of()));
        SerializerContext context = SerializerContext.open(serializer);

        AlertNotification noFingerprint = alert(Map.of());
        noFingerprint.fingerprint = null;
        assertThat(serializer.serialize(noFingerprint, null, 1L)).isNull();
        assertThat(serializer.serialize(alert(Map.of("summary", "s".repeat(1_100_000))), null, 1L)).isNull();
        ProducerRecord<byte[], byte[]> next = serializer.serialize(alert(Map.of("summary", "hot")), null, 1L);

        assertThat(JSON.readTree(next.value()).get("annotations").get("summary").asText()).isEqualTo("hot");
        assertThat(context.count(CheckedMessages.MESSAGES_SKIPPED)).isEqualTo(2);
    }

    @Test
    void aViewRowIsBoundByTheConfiguredRequestSize() throws Exception {
        TraceRow large = trace("t".repeat(150_000));
        CheckedMessages<TraceRow> byDefault = ViewTopicSink.tracesSerializer(conf(Map.of()));
        SerializerContext.open(byDefault);
        assertThat(byDefault.serialize(large, null, 1L).value().length).isGreaterThan(150_000);

        CheckedMessages<TraceRow> lower = ViewTopicSink.tracesSerializer(
                conf(Map.of("chronicle.kafka.properties.max.request.size", "100000",
                        "chronicle.dead-letter.max-payload-bytes", "1024")));
        SerializerContext context = SerializerContext.open(lower);
        assertThat(lower.serialize(large, null, 1L)).isNull();
        assertThat(lower.serialize(trace("small"), null, 1L)).isNotNull();
        assertThat(context.count(CheckedMessages.MESSAGES_SKIPPED)).isEqualTo(1);
    }

    private static Configuration conf(Map<String, String> values) {
        return ChronicleConfig.validated(Configuration.fromMap(values));
    }

    private static AlertNotification alert(Map<String, String> annotations) {
        AlertNotification a = new AlertNotification();
        a.fingerprint = "5158976e13672c2e";
        a.ruleName = "HighCpu";
        a.state = AlertNotification.FIRING;
        a.labels = new TreeMap<>(Map.of("alertname", "HighCpu"));
        a.annotations = annotations;
        a.startsAtMicros = 1_795_300_000_000_000L;
        a.changedAtMicros = 1_795_300_000_000_000L;
        a.value = 0.97;
        return a;
    }

    private static TraceRow trace(String title) {
        TraceRow t = new TraceRow();
        t.tenant = "acme";
        t.traceId = "tr-1";
        t.taskTitle = title;
        t.status = "pending";
        t.spanCount = 1;
        t.lastEventTimeMicros = 1_795_300_000_000_000L;
        return t;
    }

    private static RuleStatus rejected(String rule, String reason) {
        RuleChange change = RuleChange.invalid(rule, reason);
        return RuleStatus.of(change, RuleStatus.REJECTED, change.error);
    }
}
