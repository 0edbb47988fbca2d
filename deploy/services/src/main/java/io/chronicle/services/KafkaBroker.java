package io.chronicle.services;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node Kafka broker in KRaft combined mode (broker and controller in one process),
 * run as a child JVM listening on 127.0.0.1 only. Storage in {@code dataDir} is formatted on the
 * first start and reused afterwards, so topics and records survive restarts.
 */
public final class KafkaBroker implements AutoCloseable {

    public static final int DEFAULT_PARTITIONS = 4;

    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** A broker taken over serves already; one that does not answer within this is started anew. */
    private static final Duration ADOPT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final int NODE_ID = 1;
    private static final List<String> JVM_OPTIONS = List.of("-Xmx1g", "-XX:+UseG1GC", "-Djava.awt.headless=true");

    private final List<String> command;
    private final Path logFile;
    private final int brokerPort;
    private final String bootstrapServers;
    private ChildProcess process;

    private KafkaBroker(List<String> command, Path logFile, int brokerPort) {
        this.command = command;
        this.logFile = logFile;
        this.brokerPort = brokerPort;
        this.bootstrapServers = Ports.HOST + ":" + brokerPort;
    }

    /** Starts a broker with {@link #DEFAULT_PARTITIONS} partitions per auto-created topic. */
    public static KafkaBroker start(Path dataDir, int port) throws IOException {
        return start(dataDir, port, DEFAULT_PARTITIONS);
    }

    /**
     * Starts a broker storing its data in {@code dataDir} and waits until it serves requests.
     *
     * @param port the client port, or 0 for a free one; the controller port is always picked free
     * @param numPartitions partitions of topics created without an explicit count
     */
    public static KafkaBroker start(Path dataDir, int port, int numPartitions) throws IOException {
        Path dir = dataDir.toAbsolutePath();
        Files.createDirectories(dir);
        Path logFile = dir.resolve("kafka.log");
        Path config = dir.resolve("server.properties");
        Path logConfig = dir.resolve("kafka-log4j2.properties");
        try (InputStream in = KafkaBroker.class.getResourceAsStream("kafka-log4j2.properties")) {
            Files.copy(in, logConfig, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> jvmOptions = new ArrayList<>(JVM_OPTIONS);
        jvmOptions.add("-Dlog4j2.configurationFile=" + logConfig);
        String classpath = Classpaths.load("kafka-client.classpath", "kafka-server.classpath");
        List<String> command = ChildProcess.javaCommand(classpath, jvmOptions, "kafka.Kafka", List.of(config.toString()));

        // A broker left running by a parent killed outright, on this port with this storage and
        // configuration, serves on: taking it over spares its stop and a start, the longest part
        // of a restart after a crash. One that does not answer is stopped and started anew.
        Optional<ChildProcess> orphan = ChildProcess.adoptOrphan("kafka", logFile);
        if (orphan.isPresent()) {
            if (port != 0 && runsAs(config, dir, port, numPartitions)) {
                KafkaBroker broker = new KafkaBroker(command, logFile, port);
                broker.process = orphan.get();
                try {
                    broker.awaitReady(port, ADOPT_TIMEOUT);
                    return broker;
                } catch (RuntimeException e) {
                    // Stopped below.
                }
            }
            orphan.get().close();
        }
        try {
            return startOnFreePorts(classpath, jvmOptions, command, dir, port, numPartitions);
        } catch (ExitedDuringStartUp e) {
            // A port checked free can still be taken before the broker binds it; new ones, once.
            return startOnFreePorts(classpath, jvmOptions, command, dir, port, numPartitions);
        }
    }

    /** Formats the storage if it is new and starts the broker on {@code port} or a free one. */
    private static KafkaBroker startOnFreePorts(String classpath, List<String> jvmOptions, List<String> command,
            Path dir, int port, int numPartitions) throws IOException {
        Path config = dir.resolve("server.properties");
        Path logFile = dir.resolve("kafka.log");
        int[] free = Ports.free(2);
        int brokerPort = port == 0 ? free[0] : port;
        // Two distinct free ports, so one of them differs from an explicitly requested port.
        int controllerPort = free[1] != brokerPort ? free[1] : free[0];
        Ports.requireFree(brokerPort);
        Files.writeString(config, serverProperties(dir, brokerPort, controllerPort, numPartitions));
        if (!Files.exists(logDir(dir).resolve("meta.properties"))) {
            format(classpath, jvmOptions, config, logFile);
        }
        KafkaBroker broker = new KafkaBroker(command, logFile, brokerPort);
        broker.launch();
        return broker;
    }

    /** True if {@code config} is what a broker on {@code port} with this storage would be given. */
    private static boolean runsAs(Path config, Path dir, int port, int numPartitions) throws IOException {
        if (!Files.exists(config)) {
            return false;
        }
        String written = Files.readString(config);
        Matcher controller = Pattern.compile("controller\\.quorum\\.voters=" + NODE_ID + "@[^:]+:(\\d+)").matcher(written);
        return controller.find()
                && written.equals(serverProperties(dir, port, Integer.parseInt(controller.group(1)), numPartitions));
    }

    /**
     * Stops the broker cleanly, as an operator restarting it would; {@link #startAgain()} brings it
     * back on the same port with the same storage. For tests of outages.
     */
    public synchronized void stop() {
        process.close();
    }

    /** Starts a {@link #stop() stopped} broker again and waits until it serves requests. */
    public synchronized void startAgain() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("the broker on " + bootstrapServers + " is running");
        }
        Ports.requireFree(brokerPort);
        launch();
    }

    private void launch() throws IOException {
        process = ChildProcess.start("kafka", command, logFile);
        try {
            awaitReady(brokerPort, START_TIMEOUT);
        } catch (RuntimeException e) {
            boolean exited = !process.isAlive();
            process.close();
            throw exited ? new ExitedDuringStartUp(e) : e;
        }
    }

    /** The broker process ended before it served, as it does when it cannot bind a port. */
    private static final class ExitedDuringStartUp extends IllegalStateException {
        ExitedDuringStartUp(RuntimeException cause) {
            super(cause.getMessage(), cause);
        }
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Creates topics with the broker's default partition count; existing topics are left alone. */
    public void createTopics(String... names) {
        createAll(Arrays.stream(names).map(name -> new NewTopic(name, Optional.empty(), Optional.empty())).toList());
    }

    /** Creates one topic, log-compacted if asked; an existing topic is left alone. */
    public void createTopic(String name, int partitions, boolean compacted) {
        NewTopic topic = new NewTopic(name, partitions, (short) 1);
        if (compacted) {
            topic.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        }
        createAll(List.of(topic));
    }

    /** Stops the broker (a clean shutdown, forced after a deadline). */
    @Override
    public synchronized void close() {
        process.close();
    }

    private static Path logDir(Path dataDir) {
        return dataDir.resolve("logs");
    }

    private static String serverProperties(Path dataDir, int brokerPort, int controllerPort, int numPartitions) {
        // A static voter set (controller.quorum.voters) rather than a dynamic quorum: the voter's
        // endpoint then lives only in this file, so a restart may use a different controller port.
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=" + NODE_ID,
                "controller.quorum.voters=" + NODE_ID + "@" + Ports.HOST + ":" + controllerPort,
                "listeners=PLAINTEXT://" + Ports.HOST + ":" + brokerPort + ",CONTROLLER://" + Ports.HOST + ":" + controllerPort,
                "advertised.listeners=PLAINTEXT://" + Ports.HOST + ":" + brokerPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + logDir(dataDir),
                "num.partitions=" + numPartitions,
                "default.replication.factor=1",
                "auto.create.topics.enable=true",
                // Internal topics default to three replicas, which a single node cannot host.
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "");
    }

    /** Writes meta.properties and the bootstrap metadata into a fresh log directory. */
    private static void format(String classpath, List<String> jvmOptions, Path config, Path logFile) throws IOException {
        // kafka-clients' Uuid produces the same base64 form as `StorageTool random-uuid`,
        // without starting another JVM.
        String clusterId = Uuid.randomUuid().toString();
        List<String> args = List.of("format", "-t", clusterId, "-c", config.toString());
        try (ChildProcess tool = ChildProcess.start(
                "kafka-storage-format",
                ChildProcess.javaCommand(classpath, jvmOptions, "kafka.tools.StorageTool", args),
                logFile)) {
            int exitCode = tool.awaitExit(FORMAT_TIMEOUT);
            if (exitCode != 0) {
                throw new IllegalStateException(
                        "formatting Kafka storage failed with exit code " + exitCode + tool.logTail());
            }
        }
    }

    /** Ready means the port accepts connections and the broker lists itself in its metadata. */
    private void awaitReady(int brokerPort, Duration timeout) {
        process.await("port " + brokerPort + " to accept connections", timeout, () -> Ports.isOpen(brokerPort));
        try (Admin admin = admin()) {
            // Metadata lists only unfenced brokers, so a non-empty list means topics can be created.
            process.await("the broker to appear in its metadata", timeout,
                    () -> !admin.describeCluster().nodes().get(1, TimeUnit.SECONDS).isEmpty());
        }
    }

    private void createAll(List<NewTopic> topics) {
        List<String> names = topics.stream().map(NewTopic::name).toList();
        try (Admin admin = admin()) {
            for (KafkaFuture<Void> created : admin.createTopics(topics).values().values()) {
                try {
                    created.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("creating topics " + names + " failed", e.getCause());
                    }
                }
            }
            // The controller acknowledges before the broker has applied the new metadata; wait
            // for that so callers can describe, produce to and consume from the topics at once.
            process.await("topics " + names + " to have leaders", ADMIN_TIMEOUT, () -> admin.describeTopics(names)
                    .allTopicNames().get(1, TimeUnit.SECONDS).values().stream()
                    .flatMap(topic -> topic.partitions().stream())
                    .allMatch(partition -> partition.leader() != null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating topics " + names + " timed out", e);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()));
    }
}
