package io.chronicle.bench.jmh;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.operators.rollup.PointBatch;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.util.Arrays;
import java.util.Map;

/**
 * One batch of a series' points across a network exchange of the rollups: written by Flink's POJO
 * serializer and read back, as the source hands it to the limit of active series and that to the
 * 5m tier. The baseline carries the tags as a map, as batches did before, which Flink's map and
 * string serializers write char by char; {@code pointBatch} carries them as one byte array. Here
 * twenty points per batch, this workload's points per series and window, so the points are most
 * of a batch; {@link SinglePointBatchExchange} has one, as at a million series.
 */
@State(Scope.Thread)
public class BatchExchange extends MicroBenchmark {

    /** How many points each batch holds. */
    int pointsPerBatch() {
        return 20;
    }

    private PointBatch[] batches;
    private MapTagsBatch[] baselineBatches;
    private TypeSerializer<PointBatch> serializer;
    private TypeSerializer<MapTagsBatch> baselineSerializer;
    private final DataOutputSerializer out = new DataOutputSerializer(4096);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private int next;

    /** A batch as it was before its tags were bytes: the same fields, the tags a map. */
    public static class MapTagsBatch {
        public String tenant;
        public String metric;
        public Map<String, String> tags;
        public long seriesId;
        public String topic;
        public long[] tsMicros;
        public double[] values;
        public int[] partitions;
        public long[] offsets;
        public int[] indexes;

        public MapTagsBatch() {}
    }

    @Setup
    public void setUp() throws IOException {
        int pointsPerBatch = pointsPerBatch();
        NormalizingDeserializer<MetricPoint> deserializer = IngestPaths.points();
        ConsumerRecord<byte[], byte[]>[] records = Inputs.records(Inputs.POINTS_TOPIC, Inputs.points());
        Inputs.Last<Either<RejectedRecord, MetricPoint>> last = new Inputs.Last<>();
        batches = new PointBatch[records.length];
        baselineBatches = new MapTagsBatch[records.length];
        for (int i = 0; i < records.length; i++) {
            deserializer.deserialize(records[i], last);
            MetricPoint point = last.record.right();
            PointBatch batch = PointBatch.of(point);
            batch.tsMicros = filled(point.timestampMicros);
            batch.values = new double[pointsPerBatch];
            Arrays.fill(batch.values, point.value);
            batch.partitions = new int[pointsPerBatch];
            batch.offsets = filled(point.provenance.offset);
            batches[i] = batch;
            MapTagsBatch baseline = new MapTagsBatch();
            baseline.tenant = batch.tenant;
            baseline.metric = batch.metric;
            baseline.tags = point.tags;
            baseline.seriesId = batch.seriesId;
            baseline.topic = batch.topic;
            baseline.tsMicros = batch.tsMicros;
            baseline.values = batch.values;
            baseline.partitions = batch.partitions;
            baseline.offsets = batch.offsets;
            baselineBatches[i] = baseline;
        }
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        serializer = TypeInformation.of(PointBatch.class).createSerializer(config);
        baselineSerializer = TypeInformation.of(MapTagsBatch.class).createSerializer(config);
        for (int i = 0; i < batches.length; i++) {
            if (!exchange(batches[i]).tags().equals(exchange(baselineBatches[i]).tags)) {
                throw new IllegalStateException("The tags of " + batches[i] + " did not cross alike");
            }
        }
    }

    private long[] filled(long first) {
        long[] values = new long[pointsPerBatch()];
        for (int i = 0; i < values.length; i++) {
            values[i] = first + i;
        }
        return values;
    }

    private PointBatch exchange(PointBatch batch) throws IOException {
        out.clear();
        serializer.serialize(batch, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return serializer.deserialize(in);
    }

    private MapTagsBatch exchange(MapTagsBatch batch) throws IOException {
        out.clear();
        baselineSerializer.serialize(batch, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return baselineSerializer.deserialize(in);
    }

    @Benchmark
    public MapTagsBatch baselineTagsAsMap() throws IOException {
        return exchange(baselineBatches[next++ & Inputs.MASK]);
    }

    @Benchmark
    public PointBatch pointBatch() throws IOException {
        return exchange(batches[next++ & Inputs.MASK]);
    }
}
