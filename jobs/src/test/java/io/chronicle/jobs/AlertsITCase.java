package io.chronicle.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import com.sun.net.httpserver.HttpServer;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Alerting end to end, as it is deployed: the alerts job, with ingest, rollups and delivery
 * running as jobs of their own beside it. Rules arrive on the rules topic while the jobs run (one
 * of them invalid), points on the points topic, and the alert state changes are read back from
 * the alerts topic and the alerts table and from a webhook receiver, fed by the delivery job,
 * that refuses its first requests; a rule deleted by a tombstone resolves its firing alert. The
 * pipeline's own health alerts fire and resolve through the same machinery: the dead-letter rate
 * from what the ingest job refuses, the cardinality from what the rollups job measures.
 */
class AlertsITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rulesFromTheTopicFireAndResolveAlertsOnTheAlertsTopic() throws Exception {
        String run = "alerts";
        // A webhook receiver that refuses its first requests, so delivery has to retry.
        AtomicInteger refusals = new AtomicInteger(3);
        List<JsonNode> delivered = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = refusals.getAndDecrement() > 0 ? 500 : 200;
            if (status == 200) {
                delivered.add(JSON.readTree(body));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
        Map<String, String> options = new HashMap<>(Map.of(
                "chronicle.alerts.receivers.hook.type", "webhook",
                "chronicle.alerts.receivers.hook.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
                "chronicle.alerts.delivery.backoff.initial", "100 ms",
                "chronicle.alerts.delivery.backoff.max", "1 s"));
        // Health measured every second: 'load' has two series, over a limit of one per metric.
        options.putAll(Map.of(
                ChronicleOptions.ALERTS_HEALTH_INTERVAL.key(), "1 s",
                ChronicleOptions.ALERTS_HEALTH_FOR.key(), "2 s",
                ChronicleOptions.ALERTS_HEALTH_DEAD_LETTER_RATE.key(), "0.5",
                ChronicleOptions.ALERTS_HEALTH_MAX_SERIES_PER_METRIC.key(), "1"));
        options.putAll(Map.of(
                ChronicleOptions.VIEWS_ENABLED.key(), "false",
                ChronicleOptions.TOPIC_RULES.key(), "rules-" + run,
                ChronicleOptions.TOPIC_RULES_STATUS.key(), "rules-status-" + run,
                ChronicleOptions.TOPIC_ALERTS.key(), "alerts-" + run,
                ChronicleOptions.TOPIC_HEALTH.key(), "health-" + run,
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "1 s"));
        Configuration conf = services.chronicleConf(run, options);
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        services.kafka.createTopic(points, 2, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES), 1, true);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_ALERTS), 1, false);

        Map<ChronicleJob, JobClient> jobs = startJobs(conf, run, 1, List.of(ChronicleJob.INGEST,
                ChronicleJob.ROLLUPS, ChronicleJob.ALERTS, ChronicleJob.DELIVERY), Map.of());
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            String rules = conf.get(ChronicleOptions.TOPIC_RULES);
            sendRule(producer, rules, "HighLoad", """
                    {"name": "HighLoad", "selector": "load{host=~\\"web-.*\\"}",
                     "threshold": {"above": 90}, "for": "10s",
                     "labels": {"severity": "page"}, "annotations": {"summary": "load {{ $value }} on {{ $labels.host }}"}}
                    """);
            sendRule(producer, rules, "AgentGone", """
                    {"name": "AgentGone", "selector": "up{job=\\"agent\\"}", "absent": {"for": "120s"}}
                    """);
            sendRule(producer, rules, "Broken", "{\"name\": \"Broken\", \"selector\": \"load\"}");
            Map<String, JsonNode> status = new LinkedHashMap<>();
            ItServices.waitUntil("the rules' status", DEADLINE, () -> {
                readAll(conf.get(ChronicleOptions.TOPIC_RULES_STATUS)).forEach(n -> status.put(n.get("rule").asText(), n));
                return status.size() == 3;
            });
            assertThat(status.get("HighLoad").get("status").asText()).isEqualTo("accepted");
            assertThat(status.get("AgentGone").get("status").asText()).isEqualTo("accepted");
            assertThat(status.get("Broken").get("status").asText()).isEqualTo("rejected");
            assertThat(status.get("Broken").get("reason").asText()).contains("needs exactly one of threshold");

            long t0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS).toEpochMilli();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int s = 0; s <= 90; s++) {
                double load = s < 20 ? 50 : s < 60 ? 95 : 10;
                // Each series on its own partition, every partition moving event time.
                records.add(point(points, 0, "load", "host", "web-1", load, t0 + s * 1_000L));
                records.add(point(points, 1, "load", "host", "db-1", 99, t0 + s * 1_000L));
                if (s <= 10) {
                    records.add(point(points, 1, "up", "job", "agent", 1, t0 + s * 1_000L));
                }
            }
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();

            Map<String, JsonNode> alerts = new LinkedHashMap<>();
            // Then the points stop: once their partitions are idle, the health clock's wall-clock
            // watermark brings AgentGone's absence due. Meanwhile garbage arrives on the events
            // topic, and its dead-letter rate fires a health alert.
            String events = conf.get(ChronicleOptions.TOPIC_EVENTS);
            ItServices.waitUntil("HighLoad resolved, AgentGone firing and the health alerts firing", DEADLINE, () -> {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(events, "not json".getBytes(StandardCharsets.UTF_8)));
                }
                producer.flush();
                collect(conf, alerts);
                return alerts.keySet().containsAll(List.of("HighLoad/resolved", "AgentGone/firing",
                        "ChronicleDeadLetterRate/firing", "ChronicleMetricCardinality/firing"));
            }, () -> alerts.keySet().toString());
            assertThat(alerts.keySet()).filteredOn(k -> !k.startsWith("Chronicle")).containsExactlyInAnyOrder(
                    "HighLoad/pending", "HighLoad/firing", "HighLoad/resolved", "AgentGone/firing");
            assertThat(alerts.keySet()).as("every table is committed").noneMatch(k -> k.startsWith("ChronicleSinkCommitsFailing"));
            JsonNode cardinality = alerts.get("ChronicleMetricCardinality/firing");
            assertThat(cardinality.get("labels").get("metric_name").asText()).isEqualTo("load");
            assertThat(cardinality.get("labels").get("tenant").asText()).isEqualTo("acme");
            assertThat(cardinality.get("labels").get("source").asText()).isEqualTo("chronicle");
            assertThat(cardinality.get("annotations").get("summary").asText())
                    .isEqualTo("Metric load of tenant acme has 2.0 active series");
            assertThat(alerts.get("ChronicleDeadLetterRate/firing").get("labels").get("severity").asText())
                    .isEqualTo("warning");
            JsonNode firing = alerts.get("HighLoad/firing");
            assertThat(firing.get("startsAt").asText()).isEqualTo(Instant.ofEpochMilli(t0 + 30_000).toString());
            assertThat(firing.get("labels").get("host").asText()).isEqualTo("web-1");
            assertThat(firing.get("labels").get("severity").asText()).isEqualTo("page");
            assertThat(firing.get("labels").get("alertname").asText()).isEqualTo("HighLoad");
            assertThat(firing.get("annotations").get("summary").asText()).isEqualTo("load 95.0 on web-1");
            assertThat(alerts.get("HighLoad/resolved").get("endsAt").asText())
                    .isEqualTo(Instant.ofEpochMilli(t0 + 60_000).toString());
            assertThat(alerts.get("HighLoad/resolved").get("fingerprint")).isEqualTo(firing.get("fingerprint"));
            // Due after the last point of all (t0 + 90 s): only the wall clock could bring it.
            assertThat(alerts.get("AgentGone/firing").get("startsAt").asText())
                    .isEqualTo(Instant.ofEpochMilli(t0 + 130_000).toString());

            // Deleting the rule resolves its firing alert.
            producer.send(new ProducerRecord<>(rules, "AgentGone".getBytes(StandardCharsets.UTF_8), null));
            producer.flush();
            ItServices.waitUntil("AgentGone resolved by its deletion, the dead-letter rate by the garbage stopping",
                    DEADLINE, () -> {
                        collect(conf, alerts);
                        return alerts.containsKey("AgentGone/resolved")
                                && alerts.containsKey("ChronicleDeadLetterRate/resolved");
                    }, () -> alerts.keySet().toString());
            ItServices.waitUntil("the alerts table", DEADLINE, () -> {
                try {
                    return (Long) ItServices.query(conf, "SELECT count(DISTINCT fingerprint || state) FROM alerts"
                            + " WHERE rule_name NOT LIKE 'Chronicle%'")
                            .get(0).getField(0) == 5L;
                } catch (Exception e) {
                    return false;
                }
            });
            ItServices.waitUntil("the webhook got HighLoad firing and resolved", DEADLINE,
                    () -> webhookStatuses(delivered).containsAll(List.of("HighLoad/firing", "HighLoad/resolved")),
                    () -> webhookStatuses(delivered).toString());
            assertThat(refusals.get()).as("the receiver refused requests before accepting").isNegative();
            assertThat(webhookStatuses(delivered)).as("pending alerts are not delivered")
                    .doesNotContain("HighLoad/pending");
            JsonNode payload = delivered.get(0);
            assertThat(payload.get("version").asText()).isEqualTo("4");
            assertThat(payload.get("receiver").asText()).isEqualTo("hook");
        } finally {
            cancel(jobs);
            receiver.stop(0);
        }
    }

    /** A rules topic message, the answer it must get, and what its reason must say. */
    private record Hostile(byte[] key, byte[] value, String status, String reason, String rule) {
        static Hostile of(String key, String value, String status, String reason) {
            return new Hostile(bytes(key), bytes(value), status, reason, key);
        }

        private static byte[] bytes(String s) {
            return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
        }
    }

    private static String thresholdRule(String name, String extra) {
        return "{\"name\": \"" + name + "\", \"selector\": \"load\", \"threshold\": {\"above\": 1}" + extra + "}";
    }

    /**
     * Hostile messages on the rules topic, the overflowing duration that once failed the job among
     * them, next to valid rules: the job never restarts, every message gets exactly one answer,
     * the expected one, and the valid rule fires on the points, while a catastrophic regular
     * expression in force is matched against long label values.
     */
    @Test
    void hostileRuleMessagesNeitherFailTheJobNorStopAValidRule(
            @InjectMiniCluster MiniCluster miniCluster, @InjectClusterRESTAddress URI restAddress) throws Exception {
        String run = "hostile";
        Configuration conf = services.chronicleConf(run, Map.of(
                ChronicleOptions.VIEWS_ENABLED.key(), "false",
                ChronicleOptions.ROLLUP_ENABLED.key(), "false",
                ChronicleOptions.ALERTS_HEALTH_ENABLED.key(), "false",
                ChronicleOptions.ALERTS_RULES_MAX_RULES.key(), "3",
                ChronicleOptions.TOPIC_RULES.key(), "rules-" + run,
                ChronicleOptions.TOPIC_RULES_STATUS.key(), "rules-status-" + run,
                ChronicleOptions.TOPIC_ALERTS.key(), "alerts-" + run,
                ChronicleOptions.INGEST_WATERMARK_IDLENESS.key(), "1 s"));
        String points = conf.get(ChronicleOptions.TOPIC_POINTS);
        String rules = conf.get(ChronicleOptions.TOPIC_RULES);
        services.kafka.createTopic(points, 2, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_EVENTS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER), 1, false);
        // Not compacted, as someone could have created it: Kafka refuses a message without a key
        // on a compacted topic, so only then do keyless messages reach Chronicle too.
        services.kafka.createTopic(rules, 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_RULES_STATUS), 1, false);
        services.kafka.createTopic(conf.get(ChronicleOptions.TOPIC_ALERTS), 1, false);

        byte[] notUtf8 = new byte[512];
        new java.util.Random(13).nextBytes(notUtf8);
        notUtf8[0] = (byte) 0xff;
        StringBuilder laughs = new StringBuilder("name: Laughs\na: &a [x, y]\n");
        for (char level = 'b'; level <= 'f'; level++) {
            laughs.append(level).append(": &").append(level).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, "*" + (char) (level - 1)))).append("]\n");
        }
        StringBuilder labels = new StringBuilder();
        for (int i = 0; i < 65; i++) {
            labels.append(i == 0 ? "" : ", ").append("\"l").append(i).append("\": \"v\"");
        }
        List<Hostile> messages = List.of(
                Hostile.of("HighLoad", """
                        {"name": "HighLoad", "selector": "load{host=~\\"web-.*\\"}", "threshold": {"above": 90},
                         "for": "10s", "annotations": {"summary": "load {{ $value }} on {{ $labels.host }}"}}
                        """, "accepted", null),
                Hostile.of("Overflow", thresholdRule("Overflow", ", \"for\": \"200000000d\""), "rejected",
                        "rule 'Overflow' for: '200000000d' is longer than 30 d (chronicle.alerts.rules.max-duration)"),
                Hostile.of(null, thresholdRule("NoKey", ""), "rejected", "a rule message needs the rule name as its key"),
                Hostile.of("Mismatch", thresholdRule("Other", ""), "rejected",
                        "the message's key is 'Mismatch' but the rule is named 'Other'"),
                Hostile.of("Ghost", null, "deleted", "no rule 'Ghost' was in force"),
                Hostile.of("Empty", "", "rejected", "empty document"),
                Hostile.of("Huge", thresholdRule("Huge", ", \"annotations\": {\"a\": \"" + "x".repeat(40_000) + "\"}"),
                        "rejected", "is larger than 32768 bytes"),
                new Hostile("Binary".getBytes(StandardCharsets.UTF_8), notUtf8, "rejected",
                        "document is not UTF-8 text: invalid byte at offset 0", "Binary"),
                new Hostile(notUtf8, thresholdRule("BinaryKey", "").getBytes(StandardCharsets.UTF_8), "rejected",
                        "is not a rule name", null),
                Hostile.of(null, null, "rejected", "a rule message needs the rule name as its key"),
                Hostile.of("Deep", "{\"name\": \"Deep\", \"x\": " + "[".repeat(5_000) + "]".repeat(5_000) + "}",
                        "rejected", "nested deeper than 16 levels"),
                Hostile.of("Laughs", laughs.toString(), "rejected", "more than 10000 values"),
                Hostile.of("Dup", "{\"name\": \"Dup\", \"name\": \"Dup\"}", "rejected", "key 'name' given twice"),
                Hostile.of("Typed", "{\"name\": \"Typed\", \"selector\": \"load\", \"threshold\": {\"above\": \"high\"}}",
                        "rejected", "'above' must be a finite number, got 'high'"),
                Hostile.of("Infinite", "{\"name\": \"Infinite\", \"selector\": \"load\", \"threshold\": {\"above\": 1e999}}",
                        "rejected", "'above' must be a finite number, got Infinity"),
                Hostile.of("Unknown", thresholdRule("Unknown", ", \"severity\": \"page\""), "rejected",
                        "unknown field 'severity'"),
                Hostile.of("Negative", thresholdRule("Negative", ", \"for\": \"-5m\""), "rejected", "for: not a duration"),
                Hostile.of("NeverAbsent", "{\"name\": \"NeverAbsent\", \"selector\": \"load\", \"absent\": {\"for\": \"0s\"}}",
                        "rejected", "'for' is required and positive"),
                Hostile.of("BadRegex", "{\"name\": \"BadRegex\", \"selector\": \"load{host=~\\\"(?=x)\\\"}\", \"threshold\": {\"above\": 1}}",
                        "rejected", "invalid regular expression for label 'host'"),
                Hostile.of("Blowup", "{\"name\": \"Blowup\", \"selector\": \"load{host=~\\\"((a{1000}){1000}){1000}\\\"}\", \"threshold\": {\"above\": 1}}",
                        "rejected", "regular expression for label 'host' is too complex"),
                Hostile.of("ManyLabels", thresholdRule("ManyLabels", ", \"labels\": {" + labels + "}"), "rejected",
                        "65 entries, more than 64"),
                Hostile.of("LongSeason", "{\"name\": \"LongSeason\", \"selector\": \"load\", \"anomaly\":"
                        + " {\"model\": \"holt_winters\", \"season\": \"8d\", \"step\": \"1m\"}}",
                        "rejected", "a season of 11520 steps, more than 10080"),
                Hostile.of("Catastrophic", "{\"name\": \"Catastrophic\", \"selector\": \"load{host=~\\\"(a+)+$\\\"}\","
                        + " \"threshold\": {\"above\": 1000}}", "accepted", null),
                Hostile.of("Second", thresholdRule("Second", ", \"for\": \"30d\""), "accepted", null),
                Hostile.of("Third", thresholdRule("Third", ""), "rejected",
                        "too many rules: 3 are in force, the most chronicle.alerts.rules.max-rules allows; delete one first"));

        JobClient job = startJobs(conf, run, 2, List.of(ChronicleJob.ALERTS), Map.of()).get(ChronicleJob.ALERTS);
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            for (int i = 0; i < messages.size(); i++) {
                Hostile m = messages.get(i);
                long offset = producer.send(new ProducerRecord<>(rules, m.key(), m.value())).get().offset();
                assertThat(offset).isEqualTo(i);
            }
            Map<Long, List<JsonNode>> answers = new TreeMap<>();
            ItServices.waitUntil("an answer to every rules message", DEADLINE, () -> {
                answers.clear();
                readAll(conf.get(ChronicleOptions.TOPIC_RULES_STATUS))
                        .forEach(n -> answers.computeIfAbsent(n.get("offset").asLong(), o -> new ArrayList<>()).add(n));
                return answers.size() >= messages.size();
            }, () -> answers.keySet().toString());

            long t0 = Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(ChronoUnit.SECONDS).toEpochMilli();
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (int s = 0; s <= 40; s++) {
                records.add(point(points, 0, "load", "host", "web-1", s < 20 ? 50 : 95, t0 + s * 1_000L));
                // For the catastrophic pattern: exponential for a backtracking engine, linear for RE2.
                records.add(point(points, 1, "load", "host", "a".repeat(1_000) + "!", 5, t0 + s * 1_000L));
            }
            for (ProducerRecord<byte[], byte[]> r : records) {
                producer.send(r);
            }
            producer.flush();
            Map<String, JsonNode> alerts = new LinkedHashMap<>();
            ItServices.waitUntil("HighLoad firing, Second pending for its 30 days", DEADLINE, () -> {
                collect(conf, alerts);
                return alerts.containsKey("HighLoad/firing") && alerts.containsKey("Second/pending");
            }, () -> alerts.keySet().toString());
            JsonNode firing = alerts.get("HighLoad/firing");
            assertThat(firing.get("startsAt").asText()).isEqualTo(Instant.ofEpochMilli(t0 + 30_000).toString());
            assertThat(firing.get("annotations").get("summary").asText()).isEqualTo("load 95.0 on web-1");
            assertThat(alerts.keySet()).containsExactlyInAnyOrder("HighLoad/pending", "HighLoad/firing", "Second/pending");

            answers.clear();
            readAll(conf.get(ChronicleOptions.TOPIC_RULES_STATUS))
                    .forEach(n -> answers.computeIfAbsent(n.get("offset").asLong(), o -> new ArrayList<>()).add(n));
            assertThat(answers.keySet()).as("one answer per message, no other")
                    .containsExactlyElementsOf(java.util.stream.LongStream.range(0, messages.size()).boxed().toList());
            for (int i = 0; i < messages.size(); i++) {
                Hostile m = messages.get(i);
                assertThat(answers.get((long) i)).as("answers to message %d (%s)", i, m.rule()).singleElement()
                        .satisfies(answer -> {
                            assertThat(answer.get("status").asText()).as("message %s", m.rule()).isEqualTo(m.status());
                            assertThat(answer.get("partition").asInt()).isZero();
                            if (m.reason() == null) {
                                assertThat(answer.get("reason").isNull()).as("message %s: %s", m.rule(), answer).isTrue();
                            } else {
                                assertThat(answer.get("reason").asText()).as("message %s", m.rule()).contains(m.reason());
                            }
                            if (m.rule() == null) {
                                assertThat(answer.get("rule").isNull()).as(answer.toString()).isTrue();
                            } else {
                                assertThat(answer.get("rule").asText()).isEqualTo(m.rule());
                            }
                        });
            }

            // The job never failed: no restart, nothing in its exception history.
            AccessExecutionGraph graph = miniCluster.getExecutionGraph(job.getJobID()).get();
            assertThat(graph.getState()).isEqualTo(JobStatus.RUNNING);
            assertThat(graph.getStatusTimestamp(JobStatus.RESTARTING)).as("never restarted").isZero();
            assertThat(graph.getFailureInfo()).as("never failed").isNull();
            HttpResponse<String> exceptions = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    restAddress.resolve("/jobs/" + job.getJobID() + "/exceptions")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(exceptions.statusCode()).isEqualTo(200);
            JsonNode history = JSON.readTree(exceptions.body()).get("exceptionHistory");
            assertThat(history.get("entries")).as(exceptions.body()).isEmpty();
        } finally {
            job.cancel().get();
        }
    }

    /** The alerts of the webhook payloads received, as rule/status. */
    private static List<String> webhookStatuses(List<JsonNode> payloads) {
        List<String> out = new ArrayList<>();
        for (JsonNode payload : payloads) {
            for (JsonNode alert : payload.get("alerts")) {
                out.add(alert.get("labels").get("alertname").asText() + "/" + alert.get("status").asText());
            }
        }
        return out;
    }

    private static void sendRule(KafkaProducer<byte[], byte[]> producer, String topic, String name, String rule) {
        producer.send(new ProducerRecord<>(topic, name.getBytes(StandardCharsets.UTF_8),
                rule.getBytes(StandardCharsets.UTF_8)));
        producer.flush();
    }

    private static ProducerRecord<byte[], byte[]> point(String topic, int partition, String metric, String tag,
            String value, double v, long millis) {
        String json = "{\"tenant\":\"acme\",\"metric\":\"" + metric + "\",\"tags\":{\"" + tag + "\":\"" + value
                + "\"},\"value\":" + v + ",\"timestamp\":" + millis + "}";
        return new ProducerRecord<>(topic, partition, null, null, json.getBytes(StandardCharsets.UTF_8));
    }

    /** Alerts by rule and state; a repeat after a restore is the same change and counts once. */
    private static void collect(Configuration conf, Map<String, JsonNode> alerts) {
        for (JsonNode n : readAll(conf.get(ChronicleOptions.TOPIC_ALERTS))) {
            alerts.put(n.get("rule").asText() + "/" + n.get("status").asText(), n);
        }
    }

    private static List<JsonNode> readAll(String topic) {
        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, services.kafka.bootstrapServers());
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition p = new TopicPartition(topic, 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            long end = consumer.endOffsets(List.of(p)).get(p);
            while (consumer.position(p) < end) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(JSON.readTree(r.value()));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
