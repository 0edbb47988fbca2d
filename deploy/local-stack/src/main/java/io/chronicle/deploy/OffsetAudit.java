package io.chronicle.deploy;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.CommandLine;
import io.chronicle.core.RejectReason;
import org.apache.flink.configuration.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;

/**
 * Checks the exactly-once promise on the tables of a stopped job: every Kafka offset it consumed is
 * accounted for once, as a row of {@code points_raw} (or {@code events}) or as a rejected record,
 * and none twice. Per partition of each topic the offsets found must be exactly 0 to the highest
 * one, each once. Rejections for lateness ({@code too_late}) are left out: such a record is in
 * {@code points_raw} or {@code events} as well. Run it after the job stopped (or with a savepoint),
 * as a running job commits its tables one after the other.
 *
 * <pre>OffsetAudit [--config chronicle.yaml] [--chronicle.key value]...</pre>
 *
 * <p>It also reads the dead-letter topic ({@code read_committed}, as its consumers do) and checks
 * that it holds every row of {@code rejected} exactly once and nothing else, so the topic should be
 * the audited job's own.
 *
 * <p>Prints one line per partition, with the Kafka end offset beside the highest offset found, and
 * exits with status 1 when an offset is missing or doubled, or the dead-letter topic differs.
 */
public final class OffsetAudit {

    private OffsetAudit() {}

    /** The offsets of one topic partition found in the tables. */
    static final class PartitionOffsets {
        private final BitSet seen = new BitSet();
        /** The parts after the first of the records of batch formats, by offset. */
        private final Map<Long, BitSet> parts = new HashMap<>();
        private long records;
        private long doubled;
        private long highest = -1;

        void add(long offset) {
            add(offset, 0);
        }

        /**
         * A row of the {@code index}-th point (or refused part) of the record at {@code offset}:
         * a record of a batch format has a row for each, the first of them at index 0.
         */
        void add(long offset, int index) {
            if (offset < 0 || offset > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("offset out of the audited range: " + offset);
            }
            records++;
            if (index == 0) {
                if (seen.get((int) offset)) {
                    doubled++;
                }
                seen.set((int) offset);
            } else {
                BitSet found = parts.computeIfAbsent(offset, o -> new BitSet());
                if (found.get(index)) {
                    doubled++;
                }
                found.set(index);
            }
            highest = Math.max(highest, offset);
        }

        long records() {
            return records;
        }

        long highest() {
            return highest;
        }

        /** Offsets from 0 to the highest one found that no row holds. */
        long missing() {
            return highest + 1 - seen.cardinality();
        }

        /** Rows beyond the first for the same offset. */
        long doubled() {
            return doubled;
        }

        boolean exactlyOnce() {
            return missing() == 0 && doubled == 0;
        }
    }

    /** Offsets by topic and partition, from the rows of each table read. */
    static final class Audit {
        final Map<TopicPartition, PartitionOffsets> partitions =
                new TreeMap<>((a, b) -> a.topic().equals(b.topic())
                        ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
        final Map<String, Long> rowsByTable = new TreeMap<>();
        /** Source coordinates ({@code topic/partition/offset}) of the rejected rows, with counts. */
        final Map<String, Integer> rejected = new HashMap<>();

        void add(String table, String topic, int partition, long offset) {
            add(table, topic, partition, offset, 0);
        }

        void add(String table, String topic, int partition, long offset, int index) {
            partitions.computeIfAbsent(new TopicPartition(topic, partition), p -> new PartitionOffsets())
                    .add(offset, index);
            rowsByTable.merge(table, 1L, Long::sum);
        }

        void addRejected(String topic, int partition, long offset, int index) {
            rejected.merge(topic + "/" + partition + "/" + offset + (index == 0 ? "" : "#" + index), 1, Integer::sum);
        }

        boolean exactlyOnce() {
            return partitions.values().stream().allMatch(PartitionOffsets::exactlyOnce);
        }
    }

    /**
     * How the dead-letter topic's messages, keyed by source coordinates, match the rejected rows:
     * rows without their message ({@code missing}), and messages beyond the rows ({@code extra},
     * written twice or for no row).
     */
    record DeadLetterMatch(long messages, long missing, long extra) {

        static DeadLetterMatch of(Map<String, Integer> rejected, Map<String, Integer> onTopic) {
            Set<String> keys = new HashSet<>(rejected.keySet());
            keys.addAll(onTopic.keySet());
            long missing = 0;
            long extra = 0;
            for (String key : keys) {
                int difference = onTopic.getOrDefault(key, 0) - rejected.getOrDefault(key, 0);
                missing += Math.max(0, -difference);
                extra += Math.max(0, difference);
            }
            return new DeadLetterMatch(onTopic.values().stream().mapToLong(Integer::longValue).sum(), missing, extra);
        }

        boolean exact() {
            return missing == 0 && extra == 0;
        }
    }

    static final String USAGE = String.join("\n",
            "usage: OffsetAudit [--config FILE] [--KEY VALUE]...",
            "",
            "Checks that every Kafka offset of the points and events topics a stopped job consumed is in",
            "points_raw, events or rejected exactly once, and every rejected record on the dead-letter",
            "topic once. Give the job's Kafka, topics, catalog and S3 options. Exits 0 when exactly",
            "once, 1 when not.",
            "",
            CommandLine.configurationUsage());

    public static void main(String[] args) throws Exception {
        if (CommandLine.wantsHelp(args, 0)) {
            System.out.println(USAGE);
            return;
        }
        Configuration conf;
        try {
            conf = ChronicleConfig.fromArgs(args);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            CommandLine.printError(System.err, "OffsetAudit", e.getMessage(), USAGE);
            System.exit(CommandLine.USAGE_ERROR);
            return;
        }
        Audit audit = read(conf);
        List<String> topics = new ArrayList<>(ChronicleConfig.pointTopics(conf).keySet());
        topics.addAll(ChronicleConfig.eventTopics(conf).keySet());
        Map<TopicPartition, Long> ends = endOffsets(conf, topics);
        // A partition of which no row was found is listed too, so its records show as not consumed.
        ends.keySet().forEach(partition -> audit.partitions.computeIfAbsent(partition, p -> new PartitionOffsets()));
        System.out.println("rows read: " + audit.rowsByTable.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        audit.partitions.forEach((partition, offsets) -> System.out.printf(
                "%s: offsets 0..%d, %d rows, missing %d, doubled %d; Kafka end offset %d (%d not consumed)%n",
                partition, offsets.highest(), offsets.records(), offsets.missing(), offsets.doubled(),
                ends.get(partition), ends.get(partition) - offsets.highest() - 1));
        DeadLetterMatch deadLetters = DeadLetterMatch.of(audit.rejected, deadLetterKeys(conf));
        System.out.printf("%s (read_committed): %d messages; rejected rows without one %d, messages beyond"
                        + " the rejected rows %d%n", conf.get(ChronicleOptions.TOPIC_DEAD_LETTER),
                deadLetters.messages(), deadLetters.missing(), deadLetters.extra());
        boolean exactlyOnce = !audit.partitions.isEmpty() && audit.exactlyOnce() && deadLetters.exact();
        System.out.println(exactlyOnce ? "every offset exactly once" : "NOT exactly once (or nothing read)");
        System.exit(exactlyOnce ? 0 : 1);
    }

    static Audit read(Configuration conf) throws IOException {
        Catalog catalog = ChronicleCatalogLoader.from(conf).loadCatalog();
        String namespace = conf.get(ChronicleOptions.CATALOG_NAMESPACE);
        Audit audit = new Audit();
        for (String name : List.of("points_raw", "events", "rejected")) {
            Table table = catalog.loadTable(TableIdentifier.of(namespace, name));
            boolean rejected = name.equals("rejected");
            List<String> columns = new ArrayList<>(List.of("source_topic", "source_partition", "source_offset",
                    "source_index"));
            if (rejected) {
                columns.add("reason_code");
            }
            try (CloseableIterable<Record> rows = IcebergGenerics.read(table).select(columns).build()) {
                for (Record row : rows) {
                    String topic = (String) row.getField("source_topic");
                    int partition = (Integer) row.getField("source_partition");
                    long offset = (Long) row.getField("source_offset");
                    Integer index = (Integer) row.getField("source_index");
                    int at = index == null ? 0 : index;
                    if (rejected) {
                        audit.addRejected(topic, partition, offset, at);
                        if (RejectReason.TOO_LATE.code().equals(row.getField("reason_code"))) {
                            continue;
                        }
                    }
                    audit.add(name, topic, partition, offset, at);
                }
            }
        }
        return audit;
    }

    /** The keys of the dead-letter topic's committed messages, with counts. */
    private static Map<String, Integer> deadLetterKeys(Configuration conf) {
        Map<String, Object> client = new HashMap<>(
                ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        client.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        client.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        client.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, Integer> keys = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(client, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(conf.get(ChronicleOptions.TOPIC_DEAD_LETTER))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed, the end is the last stable offset: nothing past it is committed.
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the dead-letter topic was not read to its end in 2 minutes");
                }
                for (ConsumerRecord<byte[], byte[]> message : consumer.poll(Duration.ofSeconds(1))) {
                    keys.merge(new String(message.key(), StandardCharsets.UTF_8), 1, Integer::sum);
                }
            }
        }
        return keys;
    }

    /** The end offset of every partition of the topics. */
    private static Map<TopicPartition, Long> endOffsets(Configuration conf, List<String> topics)
            throws ExecutionException, InterruptedException {
        Map<String, Object> client = new HashMap<>(
                ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        try (Admin admin = Admin.create(client)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get().forEach((topic, description) ->
                    description.partitions().forEach(p ->
                            latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
            return admin.listOffsets(latest).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }
}
