package io.chronicle.sinks.alerts;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertReceivers;
import io.chronicle.core.alerts.Fingerprints;
import io.chronicle.services.StallingHttpReceiver;
import io.chronicle.sinks.alerts.TestReceiver.Request;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.testutils.MetricListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

class AlertDeliveryWriterTest {

    private static final long STARTS = micros("2026-03-01T10:15:30.123456Z");
    private static final long ENDS = micros("2026-03-01T10:45:00Z");

    private final MetricListener metrics = new MetricListener();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    @Test
    void postsAlertmanagerV2AlertsWithEndsAtOnlyWhenResolved() throws Exception {
        TestReceiver am = receiver(TestReceiver.accepting().holdFirst());
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url(""),
                "chronicle.alerts.receivers.am.http-headers.X-Scope-OrgID", "acme"));
        writer.write(alert("Warmup", "w", "firing"), null);
        am.awaitHeld();
        writer.write(alert("HighLatency", "i1", "firing"), null);
        writer.write(alert("HighLatency", "i2", "resolved"), null);
        am.release();

        List<Request> requests = am.awaitRequests(2);
        Request second = requests.get(1);
        assertThat(second.method()).isEqualTo("POST");
        assertThat(second.path()).isEqualTo("/api/v2/alerts");
        assertThat(second.headers().getFirst("Content-Type")).isEqualTo("application/json");
        assertThat(second.headers().getFirst("X-Scope-OrgID")).isEqualTo("acme");
        assertThat(second.body()).isEqualTo(json("""
                [{"labels": {"alertname": "HighLatency", "instance": "i1", "severity": "page",
                             "tenant": "acme"},
                  "annotations": {"summary": "HighLatency on i1"},
                  "startsAt": "2026-03-01T10:15:30.123456Z",
                  "generatorURL": "http://chronicle.internal/rules/HighLatency"},
                 {"labels": {"alertname": "HighLatency", "instance": "i2", "severity": "page",
                             "tenant": "acme"},
                  "annotations": {"summary": "HighLatency on i2"},
                  "startsAt": "2026-03-01T10:15:30.123456Z",
                  "endsAt": "2026-03-01T10:45:00Z",
                  "generatorURL": "http://chronicle.internal/rules/HighLatency"}]
                """));
        writer.flush(true);
        assertThat(counter("am", "delivered")).isEqualTo(3);
    }

    @Test
    void postsOneWebhookPayloadVersion4PerAlertname() throws Exception {
        TestReceiver hook = receiver(TestReceiver.accepting().holdFirst());
        AlertDeliveryWriter writer = writer(receivers("hook", "webhook", hook.url("/hooks/chronicle"),
                "chronicle.alerts.external-url", "http://chronicle.internal"));
        writer.write(alert("Warmup", "w", "firing"), null);
        hook.awaitHeld();
        writer.write(alert("HighLatency", "i1", "firing"), null);
        writer.write(alert("ErrorRate", "i1", "resolved"), null);
        AlertNotification i2 = alert("HighLatency", "i2", "firing");
        i2.annotations = Map.of("summary", "HighLatency on i2", "runbook", "http://runbooks/latency");
        writer.write(i2, null);
        hook.release();

        List<Request> requests = hook.awaitRequests(3);
        assertThat(requests).extracting(Request::path).containsOnly("/hooks/chronicle");
        assertThat(requests.get(1).body()).isEqualTo(json("""
                {"version": "4",
                 "groupKey": "{}:{alertname=\\"HighLatency\\"}",
                 "truncatedAlerts": 0,
                 "status": "firing",
                 "receiver": "hook",
                 "groupLabels": {"alertname": "HighLatency"},
                 "commonLabels": {"alertname": "HighLatency", "severity": "page", "tenant": "acme"},
                 "commonAnnotations": {},
                 "externalURL": "http://chronicle.internal",
                 "alerts": [
                   {"status": "firing",
                    "labels": {"alertname": "HighLatency", "instance": "i1", "severity": "page",
                               "tenant": "acme"},
                    "annotations": {"summary": "HighLatency on i1"},
                    "startsAt": "2026-03-01T10:15:30.123456Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://chronicle.internal/rules/HighLatency",
                    "fingerprint": "%s"},
                   {"status": "firing",
                    "labels": {"alertname": "HighLatency", "instance": "i2", "severity": "page",
                               "tenant": "acme"},
                    "annotations": {"runbook": "http://runbooks/latency",
                                    "summary": "HighLatency on i2"},
                    "startsAt": "2026-03-01T10:15:30.123456Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "generatorURL": "http://chronicle.internal/rules/HighLatency",
                    "fingerprint": "%s"}]}
                """.formatted(fingerprint("HighLatency", "i1"), fingerprint("HighLatency", "i2"))));
        JsonNode errorRate = requests.get(2).body();
        assertThat(errorRate.get("status").asText()).isEqualTo("resolved");
        assertThat(errorRate.get("groupKey").asText()).isEqualTo("{}:{alertname=\"ErrorRate\"}");
        assertThat(errorRate.get("commonAnnotations")).isEqualTo(json("{\"summary\": \"ErrorRate on i1\"}"));
        assertThat(errorRate.get("alerts").get(0).get("endsAt").asText()).isEqualTo("2026-03-01T10:45:00Z");
    }

    @Test
    void retriesServerErrorsUntilTheReceiverRecoversLosingNothing() throws Exception {
        TestReceiver am = receiver(new TestReceiver(n -> n < 3 ? 500 : 200));
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url(""),
                "chronicle.alerts.delivery.max-batch-size", "2"));
        for (String instance : List.of("a1", "a2", "a3", "a4", "a5")) {
            writer.write(alert("Down", instance, "firing"), null);
        }
        writer.flush(true);

        assertThat(am.accepted()).containsExactlyInAnyOrder(
                "a1 firing", "a2 firing", "a3 firing", "a4 firing", "a5 firing");
        assertThat(counter("am", "delivered")).isEqualTo(5);
        assertThat(counter("am", "failedAttempts")).isEqualTo(3);
        assertThat(counter("am", "dropped")).isZero();
    }

    @Test
    void retriesRefusedConnectionsUntilTheReceiverStarts() throws Exception {
        int port;
        try (ServerSocket reserve = new ServerSocket(0)) {
            port = reserve.getLocalPort();
        }
        AlertDeliveryWriter writer = writer(receivers("hook", "webhook",
                "http://127.0.0.1:" + port + "/hook", "chronicle.alerts.delivery.max-attempts", "1000"));
        writer.write(alert("Down", "a1", "firing"), null);
        writer.write(alert("Down", "a2", "firing"), null);
        eventually(() -> counter("hook", "failedAttempts") >= 2);

        TestReceiver hook = receiver(new TestReceiver(port, n -> 200));
        writer.flush(true);

        assertThat(hook.accepted()).containsExactlyInAnyOrder("a1 firing", "a2 firing");
        assertThat(counter("hook", "delivered")).isEqualTo(2);
        assertThat(counter("hook", "dropped")).isZero();
    }

    @Test
    void circuitOpensAfterConsecutiveFailuresAndAProbeClosesIt() throws Exception {
        TestReceiver am = receiver(new TestReceiver(n -> n < 3 ? 503 : 200));
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url(""),
                "chronicle.alerts.delivery.circuit-breaker.failures", "2",
                "chronicle.alerts.delivery.circuit-breaker.open-duration", "300 ms"));
        writer.write(alert("Down", "a1", "firing"), null);

        am.awaitRequests(2);
        eventually(() -> gauge("am", "circuitOpen") == 1);
        writer.flush(true);

        List<Request> requests = am.requests();
        assertThat(requests).extracting(Request::status).containsExactly(503, 503, 503, 200);
        // Open after the second failure and again after the failed probe: nothing is sent meanwhile.
        assertThat(requests.get(2).arrivedNanos() - requests.get(1).arrivedNanos())
                .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
        assertThat(requests.get(3).arrivedNanos() - requests.get(2).arrivedNanos())
                .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
        assertThat(gauge("am", "circuitOpen")).isZero();
        assertThat(am.accepted()).containsExactly("a1 firing");
    }

    @Test
    void rateLimitSpacesRequestsAfterTheBurst() throws Exception {
        TestReceiver hook = receiver(TestReceiver.accepting());
        long start = System.nanoTime();
        AlertDeliveryWriter writer = writer(receivers("hook", "webhook", hook.url("/"),
                "chronicle.alerts.receivers.hook.rate-limit", "10",
                "chronicle.alerts.receivers.hook.max-batch-size", "1"));
        for (int i = 0; i < 13; i++) {
            writer.write(alert("Down", "a" + i, "firing"), null);
        }
        writer.flush(true);

        List<Request> requests = hook.requests();
        assertThat(requests).hasSize(13);
        // Ten tokens at the start, then one every 100 ms: request k (from 0) cannot leave before
        // (k - 9) * 100 ms have passed since the bucket was filled.
        for (int k = 10; k < 13; k++) {
            assertThat(requests.get(k).arrivedNanos() - start)
                    .as("request %d", k)
                    .isGreaterThanOrEqualTo(Duration.ofMillis((k - 9) * 100L).toNanos());
        }
    }

    @Test
    void sendsEachStateChangeOnceAndNeverPendingOrInactiveAlerts() throws Exception {
        TestReceiver am = receiver(TestReceiver.accepting());
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url("")));
        writer.write(alert("Down", "a", "firing"), null);
        writer.write(alert("Down", "a", "firing"), null);
        writer.write(alert("Down", "a", "resolved"), null);
        writer.write(alert("Down", "a", "resolved"), null);
        writer.write(alert("Down", "b", "pending"), null);
        writer.write(alert("Down", "b", "firing"), null);
        writer.write(alert("Down", "c", "pending"), null);
        writer.write(alert("Down", "c", "inactive"), null);
        writer.flush(true);

        assertThat(am.accepted()).containsExactly("a firing", "a resolved", "b firing");
        assertThat(metrics.getCounter("deduplicated").orElseThrow().getCount()).isEqualTo(2);
    }

    @Test
    void aFullQueueDropsItsOldestAlertsAndCountsThem() throws Exception {
        TestReceiver am = receiver(TestReceiver.accepting().holdFirst());
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url(""),
                "chronicle.alerts.receivers.am.queue-capacity", "2"));
        writer.write(alert("Down", "w", "firing"), null);
        am.awaitHeld();
        for (String instance : List.of("a1", "a2", "a3", "a4")) {
            writer.write(alert("Down", instance, "firing"), null);
        }
        assertThat(counter("am", "dropped")).isEqualTo(2);
        am.release();
        writer.flush(true);

        assertThat(am.accepted()).containsExactly("w firing", "a3 firing", "a4 firing");
        assertThat(counter("am", "delivered")).isEqualTo(3);
    }

    @Test
    void exhaustedAttemptsDropTheBatchAndLaterAlertsStillGo() throws Exception {
        TestReceiver am = receiver(new TestReceiver(n -> n < 2 ? 500 : 200));
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url(""),
                "chronicle.alerts.delivery.max-attempts", "2"));
        writer.write(alert("Down", "a1", "firing"), null);
        writer.flush(true);
        writer.write(alert("Down", "a2", "firing"), null);
        writer.flush(true);

        assertThat(am.accepted()).containsExactly("a2 firing");
        assertThat(counter("am", "failedAttempts")).isEqualTo(2);
        assertThat(counter("am", "dropped")).isEqualTo(1);
        assertThat(counter("am", "delivered")).isEqualTo(1);
    }

    @Test
    void aReceiverStallingAfterItsHeadersTimesOutAndGivesUpWhileTheOthersGoOn() throws Exception {
        StallingHttpReceiver stalled = StallingHttpReceiver.start();
        toClose.add(stalled);
        TestReceiver hook = receiver(TestReceiver.accepting());
        AlertDeliveryWriter writer = writer(receivers("stalled", "alertmanager", stalled.url("").toString(),
                "chronicle.alerts.receivers.stalled.timeout", "300 ms",
                "chronicle.alerts.receivers.stalled.max-attempts", "2",
                "chronicle.alerts.receivers.hook.type", "webhook",
                "chronicle.alerts.receivers.hook.url", hook.url("/hook")));
        writer.write(alert("Down", "a1", "firing"), null);
        eventually(() -> stalled.requests() == 1);
        writer.write(alert("Down", "a2", "firing"), null);
        writer.write(alert("Down", "a3", "firing"), null);
        eventually(() -> hook.accepted().size() == 3);
        writer.flush(true);

        assertThat(hook.accepted()).containsExactly("a1 firing", "a2 firing", "a3 firing");
        // Two batches ([a1], then [a2, a3] queued behind it), each given up after two attempts.
        assertThat(stalled.requests()).isEqualTo(4);
        assertThat(counter("stalled", "failedAttempts")).isEqualTo(4);
        assertThat(counter("stalled", "dropped")).isEqualTo(3);
        assertThat(gauge("stalled", "queued")).isZero();
        // Each stalled request's connection is closed, not left open for ever.
        eventually(() -> stalled.abandoned() == 4);
    }

    @Test
    void closingTheWriterClosesAStalledRequestsConnection() throws Exception {
        StallingHttpReceiver stalled = StallingHttpReceiver.start();
        toClose.add(stalled);
        AlertDeliveryWriter writer = writer(receivers("stalled", "alertmanager", stalled.url("").toString(),
                "chronicle.alerts.delivery.timeout", "1 min"));
        writer.write(alert("Down", "a1", "firing"), null);
        eventually(() -> stalled.requests() == 1);

        writer.close();
        eventually(() -> stalled.abandoned() == 1);
    }

    @Test
    void aRefusedPayloadIsDroppedWithoutRetrying() throws Exception {
        TestReceiver am = receiver(new TestReceiver(n -> n == 0 ? 400 : 200));
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url("")));
        writer.write(alert("Down", "a1", "firing"), null);
        writer.flush(true);
        writer.write(alert("Down", "a2", "firing"), null);
        writer.flush(true);

        assertThat(am.requests()).extracting(Request::status).containsExactly(400, 200);
        assertThat(counter("am", "dropped")).isEqualTo(1);
        assertThat(counter("am", "delivered")).isEqualTo(1);
    }

    @Test
    void endOfInputWaitsNoLongerThanTheFlushTimeout() throws Exception {
        TestReceiver am = receiver(new TestReceiver(n -> 500));
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url(""),
                "chronicle.alerts.delivery.flush-timeout", "200 ms", "chronicle.alerts.delivery.max-attempts", "1000"));
        writer.write(alert("Down", "a1", "firing"), null);

        long start = System.nanoTime();
        writer.flush(true);
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(gauge("am", "queued")).isEqualTo(1);
    }

    @Test
    void checkpointsDoNotWaitForASlowReceiverAndKeepWhatItHasNotAccepted() throws Exception {
        TestReceiver am = receiver(TestReceiver.accepting().holdFirst());
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url("")));
        writer.write(alert("Down", "a1", "firing"), null);
        am.awaitHeld();

        writer.flush(false);
        assertThat(writer.snapshotState(1).get(0).undelivered)
                .containsOnlyKeys("am")
                .hasEntrySatisfying("am", left -> assertThat(left).extracting(n -> n.labels.get("instance"))
                        .containsExactly("a1"));
    }

    @Test
    void undeliveredAlertsAndLastStatesSurviveARestore() throws Exception {
        TestReceiver down = receiver(new TestReceiver(n -> 503));
        AlertReceivers before = receivers("am", "alertmanager", down.url(""),
                "chronicle.alerts.delivery.max-attempts", "1000");
        AlertDeliveryWriter first = new AlertDeliveryWriter(
                before, new MetricListener().getMetricGroup(), 0, List.of(), System::nanoTime);
        toClose.add(0, first);
        first.write(alert("Down", "a1", "firing"), null);
        first.write(alert("Down", "a2", "firing"), null);
        first.write(alert("Down", "a0", "resolved"), null);
        down.awaitRequests(1);
        AlertDeliveryStateSerializer serializer = new AlertDeliveryStateSerializer();
        List<AlertDeliveryState> state = new ArrayList<>();
        for (AlertDeliveryState s : first.snapshotState(7)) {
            state.add(serializer.deserialize(serializer.getVersion(), serializer.serialize(s)));
        }
        first.close();

        TestReceiver up = receiver(TestReceiver.accepting());
        AlertDeliveryWriter second = writer(receivers("am", "alertmanager", up.url("")), state);
        second.flush(true);
        assertThat(up.accepted()).containsExactly("a1 firing", "a2 firing", "a0 resolved");

        second.write(alert("Down", "a1", "firing"), null);
        second.write(alert("Down", "a0", "resolved"), null);
        second.write(alert("Down", "a2", "resolved"), null);
        second.flush(true);
        assertThat(up.accepted()).containsExactly(
                "a1 firing", "a2 firing", "a0 resolved", "a2 resolved");
    }

    @Test
    void firingAlertsAreResentToAlertmanagerUntilResolved() throws Exception {
        TestReceiver am = receiver(TestReceiver.accepting());
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url(""),
                "chronicle.alerts.receivers.am.resend-interval", "100 ms"));
        writer.write(alert("Down", "a1", "firing"), null);
        writer.write(alert("Down", "a2", "firing"), null);
        writer.write(alert("Down", "a2", "resolved"), null);

        eventually(() -> am.accepted().stream().filter("a1 firing"::equals).count() >= 3);
        List<String> accepted = am.accepted();
        int resolvedAt = accepted.indexOf("a2 resolved");
        assertThat(resolvedAt).isNotNegative();
        assertThat(accepted.subList(resolvedAt + 1, accepted.size()))
                .allMatch(a -> a.equals("a1 firing"));
        // Resends are not counted again.
        assertThat(counter("am", "delivered")).isEqualTo(3);
    }

    @Test
    void notificationsWithoutLabelsAreCountedAndSkipped() throws Exception {
        TestReceiver am = receiver(TestReceiver.accepting());
        AlertDeliveryWriter writer = writer(receivers("am", "alertmanager", am.url("")));
        AlertNotification broken = alert("Down", "a1", "firing");
        broken.labels = null;
        writer.write(broken, null);
        AlertNotification unknownState = alert("Down", "a2", "acknowledged");
        writer.write(unknownState, null);
        writer.flush(true);

        assertThat(metrics.getCounter("invalid").orElseThrow().getCount()).isEqualTo(2);
        assertThat(am.requests()).isEmpty();
    }

    // ---- helpers --------------------------------------------------------------------------

    private TestReceiver receiver(TestReceiver receiver) {
        toClose.add(receiver);
        return receiver;
    }

    private AlertDeliveryWriter writer(AlertReceivers receivers) {
        return writer(receivers, List.of());
    }

    private AlertDeliveryWriter writer(AlertReceivers receivers, Collection<AlertDeliveryState> state) {
        AlertDeliveryWriter writer = new AlertDeliveryWriter(
                receivers, metrics.getMetricGroup(), 0, state, System::nanoTime);
        toClose.add(0, writer);
        return writer;
    }

    /** Fast retries and no rate limit or circuit breaker unless a test sets them. */
    private static Configuration conf(String name, String type, String url, String... more) {
        Map<String, String> map = new LinkedHashMap<>();
        map.put("chronicle.alerts.delivery.backoff.initial", "10 ms");
        map.put("chronicle.alerts.delivery.backoff.max", "40 ms");
        map.put("chronicle.alerts.delivery.rate-limit", "1000");
        map.put("chronicle.alerts.delivery.circuit-breaker.failures", "1000");
        map.put("chronicle.alerts.delivery.timeout", "5 s");
        map.put("chronicle.alerts.delivery.flush-timeout", "10 s");
        map.put("chronicle.alerts.delivery.resend-interval", "0 s");
        map.put("chronicle.alerts.receivers." + name + ".type", type);
        map.put("chronicle.alerts.receivers." + name + ".url", url);
        for (int i = 0; i < more.length; i += 2) {
            map.put(more[i], more[i + 1]);
        }
        return Configuration.fromMap(map);
    }

    private static AlertReceivers receivers(String name, String type, String url, String... more) {
        return AlertReceivers.from(conf(name, type, url, more));
    }

    private long counter(String receiver, String name) {
        return metrics.getCounter("receiver", receiver, name).orElseThrow().getCount();
    }

    private int gauge(String receiver, String name) {
        return metrics.<Integer>getGauge("receiver", receiver, name).map(Gauge::getValue).orElseThrow();
    }

    private static void eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    static AlertNotification alert(String alertname, String instance, String state) {
        AlertNotification n = new AlertNotification();
        n.labels = Map.of("alertname", alertname, "instance", instance, "severity", "page",
                "tenant", "acme");
        n.fingerprint = Fingerprints.of(n.labels);
        n.state = state;
        n.tenant = "acme";
        n.ruleName = alertname;
        n.annotations = Map.of("summary", alertname + " on " + instance);
        n.startsAtMicros = STARTS;
        n.endsAtMicros = state.equals("resolved") ? ENDS : null;
        n.changedAtMicros = state.equals("resolved") ? ENDS : STARTS;
        n.value = 1.5;
        n.generatorUrl = "http://chronicle.internal/rules/" + alertname;
        return n;
    }

    private static String fingerprint(String alertname, String instance) {
        return alert(alertname, instance, "firing").fingerprint;
    }

    private static JsonNode json(String text) throws Exception {
        return TestReceiver.JSON.readTree(text);
    }

    private static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1_000;
    }
}
