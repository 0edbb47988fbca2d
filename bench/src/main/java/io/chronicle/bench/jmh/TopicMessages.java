package io.chronicle.bench.jmh;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.TraceRow;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sinks.RowJsonSerializer;
import io.chronicle.sinks.RowJsonWriter;
import io.chronicle.sinks.RowProjection;
import org.apache.flink.formats.json.JsonRowDataSerializationSchema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Arrays;
import java.util.Random;

/**
 * One change of a trace as its message on the {@code traces} topic, key and value, from its trace
 * row: the baseline with flink-json's serialization schema (a tree of JSON nodes per row, then
 * written), as the view topics were encoded before; {@code rowJsonSerializer} with the topic's own
 * serializer, which writes the same bytes field by field. The rows are traces in every state, with
 * the nulls of their open fields; each message is checked to be flink-json's, byte for byte, as the
 * benchmark sets up.
 */
@State(Scope.Thread)
public class TopicMessages extends MicroBenchmark {

    private static final int ROWS = 4096;
    private static final String[] STATUSES = {"pending", "assigned", "in_progress", "completed", "failed"};

    private final RowConverters.TraceToRow toRow = new RowConverters.TraceToRow();
    private TraceRow[] traces;
    private JsonRowDataSerializationSchema flinkJsonValue;
    private JsonRowDataSerializationSchema flinkJsonKey;
    private RowProjection keys;
    private RowJsonSerializer<TraceRow> serializer;
    private int next;

    @Setup
    public void setUp() throws Exception {
        Random random = new Random(16);
        traces = new TraceRow[ROWS];
        long start = 1_795_300_000_000_000L;
        for (int i = 0; i < ROWS; i++) {
            TraceRow t = new TraceRow();
            t.tenant = "tenant-" + random.nextInt(4);
            t.traceId = "trace-" + random.nextInt(1_000_000);
            t.taskTitle = "Summarize the quarterly report #" + random.nextInt(500);
            t.owner = "owner-" + random.nextInt(50);
            int state = random.nextInt(STATUSES.length);
            t.status = STATUSES[state];
            t.createdAtMicros = start + random.nextInt(1_000_000_000);
            if (state >= 1) {
                t.assignedAgent = "agent-" + random.nextInt(200);
                t.assignedAtMicros = t.createdAtMicros + random.nextInt(5_000_000);
            }
            if (state >= 2) {
                t.startedAtMicros = t.assignedAtMicros + random.nextInt(5_000_000);
                t.timeToPickupMs = (t.startedAtMicros - t.assignedAtMicros) / 1000;
            }
            if (state >= 3) {
                t.completedAtMicros = t.startedAtMicros + random.nextInt(60_000_000);
                t.durationMs = (t.completedAtMicros - t.startedAtMicros) / 1000;
                t.scoringBreakdown = "{\"quality\":" + random.nextInt(10) + ",\"speed\":" + random.nextInt(10) + "}";
            }
            if (state == 4) {
                t.error = "tool call timed out after 30 s";
            }
            t.spanCount = 1 + random.nextInt(20);
            t.lastEventTimeMicros = t.createdAtMicros + random.nextInt(90_000_000);
            traces[i] = t;
        }
        RowType rowType = FlinkSchemaUtil.convert(ChronicleTable.TRACES.schema());
        flinkJsonValue = flinkJson(rowType);
        int[] keyPositions = {rowType.getFieldIndex("tenant"), rowType.getFieldIndex("trace_id")};
        flinkJsonKey = flinkJson(RowType.of(
                new LogicalType[] {rowType.getTypeAt(keyPositions[0]), rowType.getTypeAt(keyPositions[1])},
                new String[] {"tenant", "trace_id"}));
        keys = RowProjection.of(rowType, keyPositions);
        serializer = RowJsonSerializer.keyedByIdentifier("traces", ChronicleTable.TRACES, toRow);
        serializer.open(null, null);
        for (TraceRow trace : traces) {
            ProducerRecord<byte[], byte[]> message = serializer.serialize(trace, null, 0L);
            RowData row = toRow.map(trace);
            if (!Arrays.equals(message.value(), flinkJsonValue.serialize(row))
                    || !Arrays.equals(message.key(), flinkJsonKey.serialize(keys.project(row)))) {
                throw new IllegalStateException("The topic's message of " + trace + " is not flink-json's");
            }
        }
    }

    private static JsonRowDataSerializationSchema flinkJson(RowType rowType) throws Exception {
        JsonRowDataSerializationSchema json = RowJsonWriter.flinkJson(rowType);
        json.open(null);
        return json;
    }

    private TraceRow nextTrace() {
        return traces[next++ & (ROWS - 1)];
    }

    @Benchmark
    public void baselineFlinkJson(Blackhole bh) throws Exception {
        RowData row = toRow.map(nextTrace());
        bh.consume(flinkJsonKey.serialize(keys.project(row)));
        bh.consume(flinkJsonValue.serialize(row));
    }

    @Benchmark
    public ProducerRecord<byte[], byte[]> rowJsonSerializer() {
        return serializer.serialize(nextTrace(), null, 0L);
    }
}
