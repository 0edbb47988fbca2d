package io.chronicle.bench.jmh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RejectedRecord;
import io.chronicle.sources.NormalizingDeserializer;
import org.apache.flink.types.Either;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * One metric point from Kafka bytes: the ingest job's deserializer (tenant header, normalization
 * into the canonical {@link MetricPoint} with its series id, or a rejection), the same with its
 * normalizer's Jackson path alone (as before the byte reader), and Jackson reading the same bytes
 * into a tree, into a plain object, and token by token.
 */
@State(Scope.Thread)
public class PointParsing extends MicroBenchmark {

    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonFactory factory = new JsonFactory();
    private final Inputs.Last<Either<RejectedRecord, MetricPoint>> out = new Inputs.Last<>();
    private NormalizingDeserializer<MetricPoint> deserializer;
    private NormalizingDeserializer<MetricPoint> jacksonPath;
    private ConsumerRecord<byte[], byte[]>[] records;
    private int next;

    /** The fields of a point, as a databind target. */
    public static final class PointPojo {
        public String tenant;
        public String metric;
        public Map<String, String> tags;
        public double value;
        public long timestamp;
    }

    @Setup
    public void setUp() throws IOException {
        records = Inputs.records(Inputs.POINTS_TOPIC, Inputs.points());
        deserializer = IngestPaths.points();
        jacksonPath = IngestPaths.pointsByJackson();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            check(record);
        }
    }

    /** Every payload normalizes into the point Jackson reads from it, and binds to the same fields. */
    private void check(ConsumerRecord<byte[], byte[]> record) throws IOException {
        MetricPoint point = IngestPaths.readAlike(record, deserializer, jacksonPath, p -> p.provenance);
        JsonNode tree = mapper.readTree(record.value());
        PointPojo pojo = mapper.readValue(record.value(), PointPojo.class);
        Map<String, String> tags = new TreeMap<>();
        tree.get("tags").properties().forEach(e -> tags.put(e.getKey(), e.getValue().asText()));
        boolean same = point.metric.equals(tree.get("metric").asText()) && point.metric.equals(pojo.metric)
                && point.tenant.equals(tree.get("tenant").asText()) && point.tags.equals(tags)
                && pojo.tags.equals(tags) && point.value == tree.get("value").asDouble() && point.value == pojo.value
                && point.timestampMicros == tree.get("timestamp").asLong() * 1_000
                && point.timestampMicros == pojo.timestamp * 1_000 && point.seriesId != 0;
        if (!same) {
            throw new IllegalStateException(point + " differs from " + tree);
        }
    }

    private ConsumerRecord<byte[], byte[]> nextRecord() {
        return records[next++ & Inputs.MASK];
    }

    @Benchmark
    public JsonNode baselineReadTree() throws IOException {
        return mapper.readTree(nextRecord().value());
    }

    @Benchmark
    public PointPojo databindPojo() throws IOException {
        return mapper.readValue(nextRecord().value(), PointPojo.class);
    }

    /** Every token and value read and dropped: what any parse of these bytes must at least do. */
    @Benchmark
    public void streamingValues(Blackhole bh) throws IOException {
        try (JsonParser parser = factory.createParser(nextRecord().value())) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                switch (token) {
                    case FIELD_NAME -> bh.consume(parser.currentName());
                    case VALUE_STRING -> bh.consume(parser.getText());
                    case VALUE_NUMBER_INT -> bh.consume(parser.getLongValue());
                    case VALUE_NUMBER_FLOAT -> bh.consume(parser.getDoubleValue());
                    default -> bh.consume(token);
                }
            }
        }
    }

    @Benchmark
    public void normalizingDeserializer(Blackhole bh) {
        deserializer.deserialize(nextRecord(), out);
        bh.consume(out.record);
    }

    @Benchmark
    public void normalizingDeserializerJacksonPath(Blackhole bh) {
        jacksonPath.deserialize(nextRecord(), out);
        bh.consume(out.record);
    }
}
