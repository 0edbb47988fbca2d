package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AlertRule;
import io.chronicle.core.alerts.AlertRules;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.core.alerts.RuleChange;
import io.chronicle.core.alerts.RuleLimits;
import io.chronicle.operators.alerts.AlertEvaluator;
import io.chronicle.operators.alerts.RuleBook;
import io.chronicle.operators.alerts.RuleRouter;
import io.chronicle.operators.alerts.RuleSample;
import io.chronicle.operators.alerts.WatchedPointsFilter;
import io.chronicle.operators.rollup.CounterRule;
import io.chronicle.sinks.AlertTopics;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.KafkaTopics;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sinks.alerts.AlertDeliverySink;
import io.chronicle.sources.RuleChanges;
import io.chronicle.sources.RuleTopicFollower;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.iceberg.flink.CatalogLoader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Alerting over the normalized points: rules from the rules file and the rules topic (broadcast,
 * applied live), points routed to the rules that select them, each (rule, series) evaluated in
 * keyed state; every alert state change to the alerts topic, the {@code alerts} table and the
 * configured HTTP receivers, every
 * point an anomaly rule finds outside its band to the {@code anomalies} table.
 */
public final class AlertsPipeline {

    /** The delivery sink's uid, the same in the delivery job, which restores its undelivered alerts. */
    static final String DELIVERY_UID = "alert-delivery";

    private AlertsPipeline() {}

    /**
     * Adds alerting to the points' job, with the health rules if there are {@code health} series
     * (else null), and delivery to the HTTP receivers if {@code deliver} (rather than a job of its
     * own reading the alerts topic); returns the alert state changes.
     */
    public static DataStream<AlertNotification> build(SingleOutputStreamOperator<MetricPoint> points,
            DataStream<MetricPoint> health, Configuration conf, CatalogLoader catalogLoader, String namespace,
            boolean deliver) throws IOException {
        TableBootstrap.ensureTables(catalogLoader, namespace, ChronicleTable.ALERTS,
                ChronicleTable.ANOMALIES);
        List<AlertRule> startRules = startRules(conf, health != null);
        RuleLimits limits = RuleLimits.from(conf);
        RuleBook rules = new RuleBook(startRules, limits);
        KafkaTopics.ensureCompacted(conf, conf.get(ChronicleOptions.TOPIC_RULES));

        DataStream<MetricPoint> routed = points;
        if (conf.get(ChronicleOptions.ALERTS_FILTER_UNWATCHED)) {
            // Chained to the task that read the points, so those no rule watches never leave it.
            routed = points
                    .filter(new WatchedPointsFilter(startRules, limits, RuleTopicFollower.feed(conf)))
                    .setParallelism(points.getParallelism())
                    .name("points-watched-by-rules")
                    .uid("points-watched-by-rules");
        }
        if (health != null) {
            routed = routed.union(health);
        }

        DataStream<RuleChange> changes = points.getExecutionEnvironment()
                .fromSource(RuleChanges.source(conf), RuleChanges.watermarks(), "kafka-rules")
                .uid("kafka-rules")
                .setParallelism(1);
        BroadcastStream<RuleChange> broadcastRules = changes.broadcast(RuleBook.RULES);

        SingleOutputStreamOperator<RuleSample> samples = routed
                .connect(broadcastRules)
                .process(new RuleRouter(rules), TypeInformation.of(RuleSample.class))
                .name("route-to-rules")
                .uid("route-to-rules");
        SingleOutputStreamOperator<AlertNotification> alerts = samples
                .keyBy(s -> s.key, Types.STRING)
                .connect(broadcastRules)
                .process(new AlertEvaluator(rules,
                                new CounterRule(new HashSet<>(conf.get(ChronicleOptions.ROLLUP_COUNTERS))),
                                conf.get(ChronicleOptions.ALERTS_EXTERNAL_URL),
                                conf.get(ChronicleOptions.ALERTS_STATE_TTL)),
                        TypeInformation.of(AlertNotification.class))
                .name("evaluate-alerts")
                .uid("evaluate-alerts");
        // Every rules topic message's answer (from the router's first instance, which applies
        // each change as every instance does), and any rule disabled for failing its evaluation.
        samples.getSideOutput(RuleBook.STATUS).union(alerts.getSideOutput(RuleBook.STATUS))
                .sinkTo(AlertTopics.ruleStatus(conf)).name("topic-rules-status").uid("topic-rules-status")
                .setParallelism(1);

        alerts.sinkTo(AlertTopics.alerts(conf)).name("topic-alerts").uid("topic-alerts");
        // Chained to the keyed evaluator at its parallelism: each alert's changes reach one
        // delivery writer, in order, as the sink needs.
        if (deliver) {
            AlertDeliverySink.fromConfig(conf).ifPresent(delivery ->
                    alerts.sinkTo(delivery).name(DELIVERY_UID).uid(DELIVERY_UID));
        }
        IcebergSinks.append(alerts, new RowConverters.AlertToRow(), ChronicleTable.ALERTS,
                catalogLoader, namespace);
        IcebergSinks.append(alerts.getSideOutput(AlertEvaluator.ANOMALIES), new RowConverters.AnomalyToRow(),
                ChronicleTable.ANOMALIES, catalogLoader, namespace);
        return alerts;
    }

    /** The health rules, if asked for, then the rules file's, which replace those of the same name. */
    static List<AlertRule> startRules(Configuration conf, boolean healthRules) {
        List<AlertRule> fromFile = fileRules(conf);
        List<AlertRule> rules = new ArrayList<>();
        if (healthRules) {
            Set<String> named = fromFile.stream().map(r -> r.name).collect(Collectors.toSet());
            HealthRules.from(conf).stream().filter(r -> !named.contains(r.name)).forEach(rules::add);
        }
        rules.addAll(fromFile);
        return rules;
    }

    /** The rules file's rules; a missing or invalid file stops the job naming the option. */
    static List<AlertRule> fileRules(Configuration conf) {
        String file = conf.get(ChronicleOptions.ALERTS_RULES_FILE);
        if (file == null) {
            return List.of();
        }
        String option = ChronicleOptions.ALERTS_RULES_FILE.key();
        try {
            return AlertRules.parseFile(Files.readString(Path.of(file)), RuleLimits.from(conf));
        } catch (IOException e) {
            throw new IllegalArgumentException("Option '" + option + "': cannot read " + file + ": " + e, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Option '" + option + "': " + file + ": " + e.getMessage(), e);
        }
    }
}
