package io.chronicle.jobs;

import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.operators.rollup.SeriesRollupFunction;
import io.chronicle.operators.rollup.TierMergeFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.SimpleUdfStreamOperatorFactory;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The jobs' graphs, built against real Kafka, S3 and catalog but not run: what a savepoint's
 * state is matched by. Every operator of the all-in-one job runs under the same uid, as the same
 * operator, in one of the split jobs, so each split job takes its part of an all-in-one savepoint;
 * and a uid names the same operator whatever the configuration.
 */
class JobUidsITCase extends JobITBase {

    /** Stateless, and only needed where the refused records are at hand in the same job. */
    private static final Set<String> ALL_ONLY = Set.of("health-dead-letter-tenants");
    /** What the split jobs read and write between themselves, which the all-in-one job passes within. */
    private static final Set<String> BETWEEN_JOBS = Set.of("topic-health", "Sink Committer: topic-health",
            "kafka-health", "kafka-dead-letter", "kafka-alerts");

    private static Map<String, String> withReceiver() {
        Map<String, String> values = new HashMap<>();
        values.put("chronicle.alerts.receivers.ops.url", "http://127.0.0.1:1/");
        values.put("chronicle.alerts.receivers.ops.type", "webhook");
        values.put(ChronicleOptions.MAINTENANCE_ENABLED.key(), "true");
        return values;
    }

    @Test
    void theMaintenanceJobsUidsNameEachTableAndNeverItsSettings() throws Exception {
        Map<String, String> values = withReceiver();
        Map<String, String> before = operators(ChronicleJob.MAINTENANCE, values);
        values.put(ChronicleOptions.MAINTENANCE_CHECK_INTERVAL.key(), "5 s");
        values.put(ChronicleOptions.MAINTENANCE_COMPACTION_INTERVAL.key(), "10 min");
        values.put(ChronicleOptions.MAINTENANCE_COMPACTION_DATA_FILES.key(), "7");
        values.put(ChronicleOptions.MAINTENANCE_SNAPSHOTS_MAX_AGE.key(), "2 h");
        values.put(ChronicleOptions.MAINTENANCE_ORPHANS_MIN_AGE.key(), "5 d");
        assertThat(operators(ChronicleJob.MAINTENANCE, values)).isEqualTo(before);
        for (String table : List.of("points_raw", "events", "rejected", "rollup_5m", "rollup_1h", "traces",
                "agent_metrics", "alerts", "anomalies")) {
            assertThat(before.keySet()).as(table).filteredOn(uid -> uid.endsWith("maintenance-" + table))
                    .hasSizeGreaterThan(10);
        }
    }

    @Test
    void everyOperatorOfTheAllInOneJobRunsUnderTheSameUidAsTheSameOperatorInASplitJob() throws Exception {
        Map<String, String> values = withReceiver();
        Map<String, String> all = operators(ChronicleJob.ALL, values);
        Map<String, String> split = new TreeMap<>();
        Set<String> splitOnly = new TreeSet<>();
        for (ChronicleJob job : List.of(ChronicleJob.INGEST, ChronicleJob.ROLLUPS, ChronicleJob.VIEWS,
                ChronicleJob.ALERTS, ChronicleJob.DELIVERY)) {
            operators(job, values).forEach((uid, operator) -> {
                String before = split.put(uid, operator);
                assertThat(before == null || before.equals(operator))
                        .as("%s is one operator in every split job, not %s and %s", uid, before, operator).isTrue();
                if (!all.containsKey(uid)) {
                    splitOnly.add(uid);
                }
            });
        }

        all.forEach((uid, operator) -> {
            if (!ALL_ONLY.contains(uid)) {
                assertThat(split).as("uid %s of the all-in-one job", uid).containsEntry(uid, operator);
            }
        });
        assertThat(all).containsKeys(ALL_ONLY.toArray(String[]::new));
        // The rest is new state of the jobs' own: their refusals' sinks and the topics between jobs.
        assertThat(splitOnly).allSatisfy(uid -> assertThat(BETWEEN_JOBS.contains(uid)
                || uid.contains("rejected-rollups") || uid.contains("rejected-views")
                || uid.contains("dead-letter-rollups") || uid.contains("dead-letter-views"))
                .as("%s is one of a split job's own operators", uid).isTrue());
        assertThat(splitOnly).containsAll(BETWEEN_JOBS);
    }

    @Test
    void aUidNamesTheSameOperatorWhateverTheTiersAndCapabilities() throws Exception {
        Map<String, String> values = withReceiver();
        Map<String, String> before = operators(ChronicleJob.ALL, values);
        values.put(ChronicleOptions.ROLLUP_TIERS.key(), "1m;5m;1h;1d");
        values.put(ChronicleOptions.VIEWS_ENABLED.key(), "false");
        values.put(ChronicleOptions.ALERTS_HEALTH_ENABLED.key(), "false");
        Map<String, String> after = operators(ChronicleJob.ALL, values);

        assertThat(before).containsEntry("rollup-5m", SeriesRollupFunction.class.getName())
                .containsEntry("rollup-merge-1h", TierMergeFunction.class.getName())
                .doesNotContainKey("rollup-merge-5m");
        // A finer tier takes the points; 5 minutes becomes a merge under a uid of its own.
        assertThat(after).containsEntry("rollup-1m", SeriesRollupFunction.class.getName())
                .containsEntry("rollup-merge-5m", TierMergeFunction.class.getName())
                .containsEntry("rollup-merge-1h", TierMergeFunction.class.getName())
                .containsEntry("rollup-merge-1d", TierMergeFunction.class.getName())
                .doesNotContainKey("rollup-5m");
        Set<String> common = new TreeSet<>(before.keySet());
        common.retainAll(after.keySet());
        assertThat(common).hasSizeGreaterThan(20)
                .allSatisfy(uid -> assertThat(after.get(uid)).as(uid).isEqualTo(before.get(uid)));
    }

    @Test
    void everyJobHasItsMaxParallelismFixedAndNoOperatorWithoutAUid() throws Exception {
        Map<String, String> values = withReceiver();
        for (ChronicleJob job : ChronicleJob.values()) {
            StreamExecutionEnvironment env = environment(job, values);
            assertThat(env.getConfig().getMaxParallelism()).as("%s", job).isEqualTo(128);
            // Flink refuses a graph with an operator of no uid, as it would the job.
            env.getStreamGraph().getJobGraph();
        }
        StreamExecutionEnvironment env = environment(ChronicleJob.INGEST, values);
        env.fromData(1, 2).uid("numbers").map(n -> n + 1, Types.INT).sinkTo(new DiscardingSink<>()).uid("discard");
        assertThatThrownBy(() -> env.getStreamGraph().getJobGraph())
                .hasMessageContaining("no UID or hash has been assigned");
    }

    /**
     * Each Iceberg sink's aggregator shares its task with a restore anchor, so that a restored job
     * restores that task too (RestoreSafeIcebergSink): the upserting sinks of the views as much as
     * the appending ones.
     */
    @Test
    void everyIcebergSinkHasItsAggregatorRestoredWithTheJob() throws Exception {
        Map<String, String> values = withReceiver();
        for (ChronicleJob job : ChronicleJob.values()) {
            JobGraph graph = environment(job, values).getStreamGraph().getJobGraph();
            Set<String> writers = new TreeSet<>();
            Set<String> anchored = new TreeSet<>();
            for (JobVertex vertex : graph.getVertices()) {
                Matcher writer = ICEBERG_WRITER.matcher(vertex.getName());
                while (writer.find()) {
                    writers.add(writer.group(1));
                }
                Matcher anchor = CHAINED_ANCHOR.matcher(vertex.getName());
                while (anchor.find()) {
                    anchored.add(anchor.group(1));
                }
            }
            assertThat(anchored).as("the Iceberg sinks of %s whose aggregator is chained to an anchor", job)
                    .isEqualTo(writers);
            if (job == ChronicleJob.ALL) {
                assertThat(writers).contains("points_raw", "traces", "agent_metrics");
            }
        }
    }

    private static final Pattern ICEBERG_WRITER = Pattern.compile("iceberg-([a-z0-9_-]+): Writer");
    private static final Pattern CHAINED_ANCHOR = Pattern.compile(
            "pre-commit aggregator: ([a-z0-9_-]+) -> iceberg-\\1: restore-anchor-\\1");

    private static StreamExecutionEnvironment environment(ChronicleJob job, Map<String, String> values)
            throws Exception {
        Map<String, String> jobValues = new HashMap<>(values);
        jobValues.put(ChronicleOptions.JOB.key(), job.toString());
        Configuration conf = services.chronicleConf("uids", jobValues);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(JobEnvironment.withDefaults(conf));
        IngestJob.fromConfig(conf).build(env);
        return env;
    }

    /** Each operator's uid and what it runs: its function's class, or else its kind and name. */
    private static Map<String, String> operators(ChronicleJob job, Map<String, String> values) throws Exception {
        StreamGraph graph = environment(job, values).getStreamGraph();
        Map<String, String> operators = new TreeMap<>();
        for (StreamNode node : graph.getStreamNodes()) {
            String operator = node.getOperatorFactory() instanceof SimpleUdfStreamOperatorFactory<?> udf
                    ? udf.getUserFunctionClassName()
                    : node.getOperatorFactory().getClass().getSimpleName() + " " + node.getOperatorName();
            assertThat(operators.put(node.getTransformationUID(), operator)).as("uid %s is unique in %s",
                    node.getTransformationUID(), job).isNull();
        }
        return operators;
    }
}
