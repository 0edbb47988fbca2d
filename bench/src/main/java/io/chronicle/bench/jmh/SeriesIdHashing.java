package io.chronicle.bench.jmh;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.operators.normalize.SeriesIds;
import io.chronicle.sources.NormalizingDeserializer;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The series id of a normalized point ({@link SeriesIds}: tenant, metric and sorted tags encoded,
 * then XXH64) against XXH64 alone over the same encoding built beforehand, which tells what the
 * encoding adds to the hash.
 */
@State(Scope.Thread)
public class SeriesIdHashing extends MicroBenchmark {

    private static final XXHash64 XXH64 = XXHashFactory.fastestJavaInstance().hash64();

    private final SeriesIds seriesIds = new SeriesIds();
    private String[] tenants;
    private String[] metrics;
    private SortedMap<String, String>[] tags;
    private byte[][] encoded;
    private int next;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() {
        ConsumerRecord<byte[], byte[]>[] records = Inputs.records(Inputs.POINTS_TOPIC, Inputs.points());
        NormalizingDeserializer<MetricPoint> deserializer = IngestPaths.points();
        Inputs.Last<Either<RejectedRecord, MetricPoint>> out = new Inputs.Last<>();
        tenants = new String[Inputs.COUNT];
        metrics = new String[Inputs.COUNT];
        tags = new SortedMap[Inputs.COUNT];
        encoded = new byte[Inputs.COUNT][];
        for (int i = 0; i < Inputs.COUNT; i++) {
            deserializer.deserialize(records[i], out);
            MetricPoint point = out.record.right();
            tenants[i] = point.tenant;
            metrics[i] = point.metric;
            tags[i] = new TreeMap<>(point.tags);
            encoded[i] = encode(point);
            long hashed = XXH64.hash(encoded[i], 0, encoded[i].length, 0L);
            long id = seriesIds.seriesId(tenants[i], metrics[i], tags[i]);
            if (hashed != point.seriesId || id != point.seriesId) {
                throw new IllegalStateException("series id of " + point + ": hashed " + hashed + ", computed " + id);
            }
        }
    }

    /** The documented encoding: each string as a 4-byte big-endian length and its UTF-8 bytes. */
    private static byte[] encode(MetricPoint point) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        append(out, point.tenant);
        append(out, point.metric);
        for (Map.Entry<String, String> tag : new TreeMap<>(point.tags).entrySet()) {
            append(out, tag.getKey());
            append(out, tag.getValue());
        }
        return out.toByteArray();
    }

    private static void append(ByteArrayOutputStream out, String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(ByteBuffer.allocate(4).putInt(utf8.length).array());
        out.writeBytes(utf8);
    }

    @Benchmark
    public long baselineXxh64OfEncoded() {
        byte[] bytes = encoded[next++ & Inputs.MASK];
        return XXH64.hash(bytes, 0, bytes.length, 0L);
    }

    @Benchmark
    public long seriesId() {
        int i = next++ & Inputs.MASK;
        return seriesIds.seriesId(tenants[i], metrics[i], tags[i]);
    }
}
