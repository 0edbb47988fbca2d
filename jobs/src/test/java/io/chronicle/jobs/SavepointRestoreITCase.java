package io.chronicle.jobs;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.jobs.upgrade.LegacyUids;
import io.chronicle.jobs.upgrade.MigrateSavepoint;
import io.chronicle.operators.state.IncompatibleStateException;
import io.chronicle.jobs.TimedTraffic.Expected;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.types.Row;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.chronicle.jobs.TimedTraffic.SECOND;
import static io.chronicle.jobs.TimedTraffic.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each checked-in savepoint of an earlier version ({@code src/test/resources/savepoints/<version>/},
 * written by {@link SavepointFixtureGenerator}) restored into this build, at parallelism 3, which
 * then reads the rest of {@link UpgradeTraffic}: the windows open at the savepoint are written
 * whole (points from before it included), the traces open at it finish with what their earlier
 * events said, and events delivered again after it are not written twice. The topics hold the
 * same records at the same offsets as when the savepoint was taken; the tables start empty. A
 * savepoint that holds state under an earlier version's uids is refused as it is, then migrated
 * ({@link MigrateSavepoint}) and restored.
 */
class SavepointRestoreITCase extends JobITBase {

    private static final Duration DEADLINE = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Each split job's parallelism after the restore: five of the six slots, one left for the queries. */
    private static final Map<ChronicleJob, Integer> RESTORED_PARALLELISM = SavepointFixtureGenerator.PARALLELISM;

    static Stream<String> versions() throws Exception {
        try (Stream<Path> dirs = Files.list(resources())) {
            List<String> versions = dirs.map(d -> d.getFileName().toString()).sorted().toList();
            assertThat(versions).as("checked-in savepoints").isNotEmpty();
            return versions.stream();
        }
    }

    private static Path resources() throws URISyntaxException {
        return Path.of(Objects.requireNonNull(
                SavepointRestoreITCase.class.getResource("/" + UpgradeTraffic.RESOURCES)).toURI());
    }

    /**
     * {@code savepoint}, or where it holds state under an earlier version's uids, the savepoint
     * {@link MigrateSavepoint} makes of it, after checking that a start from it unmigrated is
     * refused, naming the operator, even with {@code --allowNonRestoredState}.
     */
    private static String migrated(String version, Configuration conf, String run, String savepoint)
            throws Exception {
        RollupPolicy policy = RollupPolicy.from(conf);
        List<LegacyUids.Rename> renames = LegacyUids.renames(LegacyUids.load(savepoint), policy);
        if (version.equals("0.1.0-SNAPSHOT")) {
            assertThat(renames).containsExactly(new LegacyUids.Rename("1h", "rollup-1h", "rollup-merge-1h"));
        }
        if (renames.isEmpty()) {
            return savepoint;
        }
        Configuration dropping = new Configuration(conf);
        dropping.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, true);
        assertThatThrownBy(() -> UpgradeTraffic.start(services, dropping, run + "-unmigrated", 3, savepoint))
                .isInstanceOf(IncompatibleStateException.class)
                .hasMessageStartingWith("Cannot start from " + savepoint + ": it holds the state of operator "
                        + renames.get(0).from() + " (the " + renames.get(0).tier() + " tier's merge) under the uid"
                        + " Chronicle " + LegacyUids.VERSION + " gave it")
                .hasMessageContaining(LegacyUids.MIGRATE_COMMAND + " --from " + savepoint);
        String target = tempDir.resolve("migrated-" + run).toUri().toString();
        assertThat(MigrateSavepoint.migrate(StreamExecutionEnvironment.getExecutionEnvironment(), policy,
                savepoint, target)).isEqualTo(renames);
        return target;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("versions")
    void aSavepointOfAnEarlierVersionContinuesInThisOne(String version) throws Exception {
        Path dir = resources().resolve(version);
        Optional<Path> single = savepointIn(dir);
        if (single.isPresent()) {
            restoreTheSingleJob(version, single.get());
        } else {
            restoreTheSplitJobs(version, dir);
        }
    }

    private static Optional<Path> savepointIn(Path dir) throws IOException {
        try (Stream<Path> in = Files.list(dir)) {
            return in.filter(p -> p.getFileName().toString().startsWith("savepoint-")).findFirst();
        }
    }

    /** A savepoint of the single job (alerting off), restored into the all-in-one job at parallelism 3. */
    private void restoreTheSingleJob(String version, Path savepoint) throws Exception {
        String run = UpgradeTraffic.run(version);
        Configuration conf = services.chronicleConf(run, UpgradeTraffic.OPTIONS);
        UpgradeTraffic.createTopics(services, conf);
        UpgradeTraffic traffic = new UpgradeTraffic();
        produce(conf, traffic);
        Continuation expected = new Continuation(traffic);
        String restoreFrom = migrated(version, conf, run, savepoint.toUri().toString());
        JobClient job = UpgradeTraffic.start(services, conf, run + "-restored", 3, restoreFrom);
        try {
            ItServices.waitUntil("the records after the savepoint, its windows and traces", DEADLINE,
                    () -> expected.reached(conf));
        } finally {
            job.cancel().get(1, TimeUnit.MINUTES);
        }
        expected.check(conf);
    }

    /**
     * A savepoint of each split job, each restored into its job (at parallelism 1, as taken: five
     * jobs fill the test cluster; RescaleITCase rescales); the receiver, stalled at the savepoint, is up.
     */
    private void restoreTheSplitJobs(String version, Path dir) throws Exception {
        String run = UpgradeTraffic.run(version);
        Path rules = Files.writeString(tempDir.resolve("rules-" + run + ".yaml"), UpgradeTraffic.RULES_YAML);
        try (AlertReceiver receiver = AlertReceiver.start()) {
            Configuration conf = services.chronicleConf(run, UpgradeTraffic.alertingOptions(run, rules, receiver.url()));
            UpgradeTraffic.createTopics(services, conf);
            UpgradeTraffic traffic = new UpgradeTraffic(true);
            // The alerts topic as the delivery job had read it, before the restored alerts job writes more.
            List<Map<String, String>> alerts = JSON.readValue(
                    dir.resolve(SavepointFixtureGenerator.ALERTS_TOPIC).toFile(), new TypeReference<>() {});
            try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
                for (Map<String, String> record : alerts) {
                    producer.send(new ProducerRecord<>(conf.get(ChronicleOptions.TOPIC_ALERTS), 0,
                            bytes(record.get("key")), bytes(record.get("value")))).get();
                }
            }
            produce(conf, traffic);
            Continuation expected = new Continuation(traffic);
            Map<ChronicleJob, String> savepoints = new HashMap<>();
            for (ChronicleJob job : UpgradeTraffic.SPLIT_JOBS) {
                String savepoint = savepointIn(dir.resolve(job.toString())).orElseThrow().toUri().toString();
                assertThat(LegacyUids.renames(LegacyUids.load(savepoint), RollupPolicy.from(conf)))
                        .as("%s needs no migration", job).isEmpty();
                savepoints.put(job, savepoint);
            }
            Set<String> changes = UpgradeTraffic.alertChangesAfterCut();
            Map<ChronicleJob, JobClient> jobs = UpgradeTraffic.startSplit(services, conf, run + "-restored",
                    RESTORED_PARALLELISM, savepoints);
            try {
                ItServices.waitUntil("the records, windows, traces and alerts after the savepoints", DEADLINE,
                        () -> expected.reached(conf)
                                && receiver.received(UpgradeTraffic.RULE).keySet().containsAll(changes)
                                && count(conf, "SELECT count(*) FROM alerts") == 3,
                        () -> "received " + receiver.received(UpgradeTraffic.RULE).keySet());
            } finally {
                for (JobClient job : jobs.values()) {
                    job.cancel().get(1, TimeUnit.MINUTES);
                }
            }
            expected.check(conf);
            // a's firing, undelivered at the savepoint, delivered once; the alert state open at
            // the savepoint (a firing, b pending) carried on: each change once, fired on time.
            Map<String, List<Long>> received = receiver.received(UpgradeTraffic.RULE);
            assertThat(received.keySet()).isEqualTo(changes);
            received.forEach((change, arrivals) -> assertThat(arrivals).as("%s delivered once", change).hasSize(1));
            // The alerts table: the changes the restored evaluator made (a fired before the savepoint).
            List<String> rows = new ArrayList<>();
            for (Row row : ItServices.query(conf, "SELECT labels['host'], state, starts_at FROM alerts")) {
                rows.add(row.getField(0) + " " + row.getField(1) + " " + row.getField(2));
            }
            assertThat(rows).containsExactlyInAnyOrderElementsOf(
                    changes.stream().filter(c -> !c.startsWith("a firing")).toList());
        }
    }

    /** The records the savepoint's offsets point past, then the rest. */
    private static void produce(Configuration conf, UpgradeTraffic traffic) throws Exception {
        String pointsTopic = conf.get(ChronicleOptions.TOPIC_POINTS);
        String eventsTopic = conf.get(ChronicleOptions.TOPIC_EVENTS);
        try (KafkaProducer<byte[], byte[]> producer = services.producer()) {
            TimedTraffic.send(producer, pointsTopic, traffic.pointsBefore);
            TimedTraffic.sendEvents(producer, eventsTopic, traffic.eventsBefore);
            TimedTraffic.send(producer, pointsTopic, traffic.pointsAfter);
            TimedTraffic.sendEvents(producer, eventsTopic, traffic.eventsAfter);
        }
    }

    private static byte[] bytes(String text) {
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * What a restored job writes from the rest of the traffic: the windows open at the savepoint
     * whole, the traces open at it finished, the events it remembered not written again.
     */
    private static final class Continuation {
        private final UpgradeTraffic traffic;
        private final Map<List<Object>, Expected> fiveMinutes = new HashMap<>();
        private final Map<List<Object>, Expected> hours;
        private final List<String> newEvents;

        Continuation(UpgradeTraffic traffic) {
            this.traffic = traffic;
            // The windows written after the savepoint: the 5-minute ones from T0 + 30 min, both hours.
            long fromMicros = (UpgradeTraffic.T0 + 30 * 60_000L) * 1_000;
            TimedTraffic.expected(traffic.points, 300 * SECOND).forEach((key, expected) -> {
                if (!((Instant) key.get(2)).isBefore(TimedTraffic.instant(fromMicros))) {
                    fiveMinutes.put(key, expected);
                }
            });
            hours = TimedTraffic.expected(traffic.points, 3_600 * SECOND);
            newEvents = traffic.newEventsAfter();
            assertThat(newEvents.size()).as("some events after the cut were delivered before it")
                    .isLessThan((int) UpgradeTraffic.distinct(traffic.eventsAfter));
        }

        boolean reached(Configuration conf) {
            return count(conf, "SELECT count(*) FROM points_raw") == traffic.pointsAfter.size()
                    && count(conf, "SELECT count(*) FROM events") == newEvents.size()
                    && count(conf, "SELECT count(*) FROM rollup_5m WHERE tenant <> 'flush'") == fiveMinutes.size()
                    && count(conf, "SELECT count(*) FROM rollup_1h WHERE tenant <> 'flush'") == hours.size()
                    && count(conf, "SELECT count(*) FROM traces WHERE status IN ('completed', 'failed')")
                    == traffic.tracesAfter().size();
        }

        void check(Configuration conf) throws Exception {
            // Open windows: written once, with the points from before the savepoint.
            TimedTraffic.assertRollups(conf, "rollup_5m", "tenant <> 'flush'", fiveMinutes);
            TimedTraffic.assertRollups(conf, "rollup_1h", "tenant <> 'flush'", hours);
            // Open traces: their rows hold what their events before the savepoint said.
            Map<String, Row> traceRows = TimedTraffic.traceRows(conf);
            assertThat(traceRows.keySet()).containsExactlyInAnyOrderElementsOf(
                    traffic.tracesAfter().stream().map(TimedTraffic.Trace::traceId).toList());
            TimedTraffic.assertTraces(traceRows, traffic.tracesAfter());
            assertThat(traffic.tracesOpenAtCut()).isNotEmpty();
            // Deduplication: the events remembered at the savepoint are not written again.
            Set<String> ids = new HashSet<>();
            for (Row row : ItServices.query(conf, "SELECT event_id FROM events")) {
                ids.add((String) row.getField(0));
            }
            Set<String> expectedIds = new HashSet<>();
            for (String json : newEvents) {
                expectedIds.add(json.substring(json.indexOf("\"event_id\":\"") + 12, json.indexOf("\",\"trace_id\"")));
            }
            assertThat(ids).isEqualTo(expectedIds);
            assertThat(count(conf, "SELECT count(*) FROM rejected")).isZero();
        }
    }
}
