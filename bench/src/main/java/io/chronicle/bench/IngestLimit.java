package io.chronicle.bench;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.jobs.IngestJob;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The ceiling of ingest on this machine: no Flink, only what any ingest path must do. As many
 * threads as the jobs' parallelism each poll their share of the topic's partitions with a
 * consumer of their own, set up as the job's Kafka source sets up its consumer, and turn every
 * record into a canonical point (or a rejection) through the same deserializer as the job's
 * source.
 */
final class IngestLimit implements Variant {

    static final String NAME = "limit";
    private static final Duration POLL = Duration.ofMillis(100);

    private final BenchEnvironment env;
    private final IngestSuite.Input input;
    private final int threads;

    IngestLimit(BenchEnvironment env, IngestSuite.Input input, int threads) {
        this.env = env;
        this.input = input;
        this.threads = threads;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Report.Run run(int round) throws Exception {
        Configuration conf = input.reading(env.chronicleConf("limit_" + round, input.pointsTopic()));
        List<Reader> readers = new ArrayList<>();
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < input.partitions(); p++) {
            partitions.add(new TopicPartition(input.pointsTopic(), p));
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                List<TopicPartition> share = new ArrayList<>();
                for (int p = t; p < partitions.size(); p += threads) {
                    share.add(partitions.get(p));
                }
                readers.add(new Reader(consumer(conf), share, IngestJob.pointsDeserializer(conf)));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Reader.Counts>> done = new ArrayList<>();
            for (Reader reader : readers) {
                done.add(pool.submit(() -> {
                    start.await();
                    return reader.call();
                }));
            }
            long points = 0;
            long rejects = 0;
            double seconds;
            double cpuSeconds;
            double jitSeconds;
            HeapSampler.Peaks peaks;
            try (HeapSampler heap = HeapSampler.start()) {
                JitCpu jit = new JitCpu();
                double cpuBefore = BenchEnvironment.processCpuSeconds();
                long began = System.nanoTime();
                start.countDown();
                for (Future<Reader.Counts> reader : done) {
                    Reader.Counts counts = reader.get();
                    points += counts.points();
                    rejects += counts.rejects();
                }
                seconds = (System.nanoTime() - began) / 1e9;
                cpuSeconds = BenchEnvironment.processCpuSeconds() - cpuBefore;
                jitSeconds = jit.seconds();
                peaks = heap.stop();
            }

            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put(IngestSuite.PARSED, points);
            counts.put(IngestSuite.REJECTED, rejects);
            counts.put(IngestSuite.SUSTAINED, Math.round(input.points() / seconds));
            counts.put(IngestSuite.SUSTAINED_CPU_NS, Math.round(cpuSeconds * 1e9 / input.points()));
            if (!Double.isNaN(jitSeconds)) {
                counts.put(IngestSuite.SUSTAINED_JIT_CPU_NS, Math.round(jitSeconds * 1e9 / input.points()));
            }
            counts.put(IngestSuite.HEAP_MB, peaks.usedBytes() >> 20);
            counts.put(IngestSuite.HEAP_AFTER_GC_MB, peaks.afterGcBytes() >> 20);
            return new Report.Run(name(), round, input.points(),
                    new BenchEnvironment.JobTimes(seconds, seconds, cpuSeconds, 0, BenchEnvironment.loadAverage()),
                    counts);
        } finally {
            pool.shutdownNow();
            readers.forEach(Reader::close);
        }
    }

    /**
     * A consumer as the job's Kafka source makes one: byte arrays, no auto-commit, the properties
     * Chronicle passes its sources (under {@code chronicle.kafka.properties.}), and otherwise Kafka's own
     * defaults for fetch sizes and records per poll, which the source keeps too.
     */
    private KafkaConsumer<byte[], byte[]> consumer(Configuration conf) {
        Map<String, Object> props = new HashMap<>(ChronicleConfig.withPrefix(conf, ChronicleOptions.KAFKA_PROPERTIES_PREFIX));
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, conf.get(ChronicleOptions.KAFKA_BOOTSTRAP_SERVERS));
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** One thread's share: its partitions read from the start to the end they had when it began. */
    private static final class Reader implements Callable<Reader.Counts>, AutoCloseable {

        record Counts(long points, long rejects) {}

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final List<TopicPartition> partitions;
        private final NormalizingDeserializer<MetricPoint> deserializer;
        private final Map<TopicPartition, Long> ends;
        private final Counter counter = new Counter();

        Reader(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions,
                NormalizingDeserializer<MetricPoint> deserializer) {
            this.consumer = consumer;
            this.partitions = partitions;
            this.deserializer = deserializer;
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            this.ends = consumer.endOffsets(partitions);
            partitions.forEach(consumer::position);
        }

        @Override
        public Counts call() {
            List<TopicPartition> reading = new ArrayList<>(partitions);
            while (!reading.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
                    deserializer.deserialize(record, counter);
                }
                reading.removeIf(p -> consumer.position(p) >= ends.get(p));
            }
            return new Counts(counter.points, counter.rejects);
        }

        @Override
        public void close() {
            consumer.close();
        }
    }

    /** Counts what the deserializer gives, as the source's collector would pass it on. */
    private static final class Counter implements Collector<Either<RejectedRecord, MetricPoint>> {
        long points;
        long rejects;
        /** Keeps each record reachable after it is counted, so the JIT builds every one in full. */
        Either<RejectedRecord, MetricPoint> last;

        @Override
        public void collect(Either<RejectedRecord, MetricPoint> record) {
            if (record.isRight()) {
                points++;
            } else {
                rejects++;
            }
            last = record;
        }

        @Override
        public void close() {}
    }
}
