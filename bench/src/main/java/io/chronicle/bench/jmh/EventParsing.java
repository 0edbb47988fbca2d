package io.chronicle.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chronicle.core.Event;
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
import java.time.Instant;

/**
 * One lifecycle event from Kafka bytes: the ingest job's deserializer (normalization into the
 * canonical {@link Event}, ISO-8601 time, metadata re-serialized as compact JSON), the same with
 * its normalizer's Jackson path alone (as before the byte reader), and Jackson reading the same
 * bytes into a tree.
 */
@State(Scope.Thread)
public class EventParsing extends MicroBenchmark {

    private final ObjectMapper mapper = new ObjectMapper();
    private final Inputs.Last<Either<RejectedRecord, Event>> out = new Inputs.Last<>();
    private NormalizingDeserializer<Event> deserializer;
    private NormalizingDeserializer<Event> jacksonPath;
    private ConsumerRecord<byte[], byte[]>[] records;
    private int next;

    @Setup
    public void setUp() throws IOException {
        records = Inputs.records(Inputs.EVENTS_TOPIC, Inputs.events());
        deserializer = IngestPaths.events();
        jacksonPath = IngestPaths.eventsByJackson();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            check(record);
        }
    }

    /** Every payload normalizes into the event the Jackson path reads, and the one Jackson's tree holds. */
    private void check(ConsumerRecord<byte[], byte[]> record) throws IOException {
        Event event = IngestPaths.readAlike(record, deserializer, jacksonPath, e -> e.provenance);
        JsonNode tree = mapper.readTree(record.value());
        Instant time = Instant.parse(tree.get("timestamp").asText());
        boolean same = event.eventId.equals(tree.get("event_id").asText())
                && event.traceId.equals(tree.get("trace_id").asText())
                && event.eventType.equals(tree.get("event_type").asText())
                && event.source.equals(tree.get("source").asText())
                && event.eventTimeMicros == time.toEpochMilli() * 1_000
                && mapper.readTree(event.metadata).equals(tree.get("metadata"));
        if (!same) {
            throw new IllegalStateException(event + " differs from " + tree);
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
