package io.chronicle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.deploy.sqlgateway.SqlGatewayClient;
import io.chronicle.services.ChildProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The run command's promise, tested on the real thing: the local stack, killed outright while
 * sample traffic flows, started again on the same folder, then stopped with SIGTERM while traffic
 * flows (within a bound, leaving no child process, logging no error) and started once more,
 * accounts for every Kafka offset of the points topic exactly once, in {@code points_raw} or in
 * {@code rejected}.
 */
class LocalStackRecoveryITCase {

    private static final Duration DEADLINE = Duration.ofMinutes(3);
    private static final String POINTS_TOPIC = "chronicle.points";
    /**
     * The stack's orderly stop: the job's cancellation and Flink's close are bounded at 20 s each;
     * unhurried, it takes a few seconds.
     */
    private static final Duration STOP_BOUND = Duration.ofSeconds(45);
    /** Every offset of the points topic is in points_raw or, refused, in rejected. */
    private static final String ACCOUNTED = "SELECT (SELECT count(*) FROM chronicle.points_raw)"
            + " + (SELECT count(*) FROM chronicle.rejected WHERE source_topic = '" + POINTS_TOPIC + "')";

    @TempDir
    Path dataDir;

    @Test
    void aStackKilledMidStreamThenStoppedResumesWithEveryOffsetExactlyOnce() throws Exception {
        int[] ports = freePorts(6);
        SqlGatewayClient sql = new SqlGatewayClient("http://127.0.0.1:" + ports[3], Duration.ofMinutes(1));
        String bootstrap = "127.0.0.1:" + ports[0];

        ChildProcess first = start(ports, 3000);
        awaitRows(first, sql, "SELECT count(*) FROM chronicle.points_raw", rows -> rows > 0);
        List<ProcessHandle> services = List.of(pidFile("kafka/kafka.pid"), pidFile("s3/s3proxy.pid"));
        first.kill();
        // The broker, orphaned by the kill, serves on.
        assertThat(services).allMatch(ProcessHandle::isAlive);
        long producedBeforeKill = endOffsets(bootstrap);

        // Restored, with traffic flowing, then stopped as a service manager or Ctrl-C stops it.
        ChildProcess second = start(ports, 3000);
        awaitRows(second, sql, ACCOUNTED, rows -> rows >= producedBeforeKill);
        assertThat(List.of(pidFile("kafka/kafka.pid"), pidFile("s3/s3proxy.pid")))
                .as("the killed stack's Kafka and S3, taken over").isEqualTo(services);
        ProcessHandle stack = ProcessHandle.of(second.pid()).orElseThrow();
        assertThat(stack.children().toList()).as("the SQL gateway and the watcher").hasSize(2);
        List<ProcessHandle> children = Stream.concat(stack.children(), services.stream()).toList();
        long logBefore = Files.size(dataDirLog());
        long stopping = System.nanoTime();
        assertThat(stack.destroy()).isTrue();
        assertThat(second.awaitExit(STOP_BOUND)).as("exit status after SIGTERM").isIn(0, 143);
        Duration stopped = Duration.ofNanos(System.nanoTime() - stopping);
        assertThat(stopped).isLessThan(STOP_BOUND);
        assertThat(children).as("no child outlives the stack").noneMatch(ProcessHandle::isAlive);
        String stopLog = Files.readString(dataDirLog()).substring((int) logBefore);
        assertThat(stopLog).doesNotContain("Exception", "Error while stopping", "Could not cancel");

        ChildProcess third = start(ports, 0);
        try {
            long produced = endOffsets(bootstrap);
            assertThat(produced).isGreaterThan(producedBeforeKill);
            awaitRows(third, sql, ACCOUNTED, rows -> rows >= produced);

            assertThat(single(sql, ACCOUNTED)).as("every offset, once").isEqualTo(produced);
            assertThat(single(sql, "SELECT count(DISTINCT CAST(source_partition AS STRING) || '/'"
                    + " || CAST(source_offset AS STRING)) FROM chronicle.points_raw"))
                    .as("no point written twice")
                    .isEqualTo(single(sql, "SELECT count(*) FROM chronicle.points_raw"));
            assertThat(single(sql, "SELECT count(*) FROM chronicle.points_raw WHERE source_offset >= "
                    + produced)).isZero();
        } finally {
            third.close();
        }
        assertThat(Files.readString(dataDirLog()).split("Restoring the ingest job from", -1)).hasSize(3);
    }

    /** The process a child's pid file in the data folder names. */
    private ProcessHandle pidFile(String path) throws IOException {
        return ProcessHandle.of(Long.parseLong(Files.readString(dataDir.resolve(path)).trim())).orElseThrow();
    }

    private Path dataDirLog() {
        return dataDir.resolve("stack.log");
    }

    private ChildProcess start(int[] ports, int pointsPerSecond) throws IOException {
        String classpath = Path.of("target/classes").toAbsolutePath() + ":"
                + Files.readString(Path.of("target/runtime.classpath")).trim();
        List<String> jvm = new ArrayList<>(List.of(
                "-Xmx1g", "-Dchronicle.log.dir=" + dataDir.resolve("logs"),
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
        List<String> args = List.of(
                "--chronicle.local.data-dir", dataDir.toString(),
                "--chronicle.local.kafka-port", String.valueOf(ports[0]),
                "--chronicle.local.s3-port", String.valueOf(ports[1]),
                "--chronicle.local.flink-port", String.valueOf(ports[2]),
                "--chronicle.local.sql-gateway-port", String.valueOf(ports[3]),
                "--chronicle.local.flink-metrics-port", String.valueOf(ports[4]),
                "--chronicle.watch.port", String.valueOf(ports[5]),
                "--chronicle.local.traffic.points-per-second", String.valueOf(pointsPerSecond),
                "--chronicle.local.traffic.traces-per-second", "0",
                "--execution.checkpointing.interval", "2 s");
        return ChildProcess.start("local-stack",
                ChildProcess.javaCommand(classpath, jvm, LocalStack.class.getName(), args), dataDirLog());
    }

    /** Polls a one-number query through the SQL gateway until it satisfies {@code done}. */
    private static void awaitRows(ChildProcess stack, SqlGatewayClient sql, String query,
            LongPredicate done) {
        stack.await("'" + query + "' to be satisfied", DEADLINE, () -> done.test(single(sql, query)));
    }

    private static long single(SqlGatewayClient sql, String query) throws Exception {
        String session = sql.openSession();
        try {
            List<List<JsonNode>> rows = sql.execute(session, query).rows;
            return rows.get(0).get(0).asLong();
        } finally {
            sql.closeSession(session);
        }
    }

    /** Records ever written to the points topic: the sum of its partitions' end offsets. */
    private static long endOffsets(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicDescription topic = admin.describeTopics(List.of(POINTS_TOPIC)).allTopicNames().get().get(POINTS_TOPIC);
            Map<TopicPartition, OffsetSpec> latest = topic.partitions().stream()
                    .map(p -> new TopicPartition(POINTS_TOPIC, p.partition()))
                    .collect(Collectors.toMap(Function.identity(), p -> OffsetSpec.latest()));
            return admin.listOffsets(latest).all().get().values().stream()
                    .mapToLong(info -> info.offset()).sum();
        }
    }

    private static int[] freePorts(int count) throws IOException {
        int[] ports = new int[count];
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
        return ports;
    }
}
