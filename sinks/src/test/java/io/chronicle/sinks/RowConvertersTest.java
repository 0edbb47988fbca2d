package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableDefinition;
import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.RollupPolicy;
import io.chronicle.core.TraceRow;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.core.rollup.SketchCodec;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Each converter produces rows of exactly its table's shape, serializable by Flink's row serializer. */
class RowConvertersTest {

    private static final Provenance FROM = new Provenance("t", 3, 99L, 2, 1_795_300_000_123_456L);

    @Test
    void pointRowMatchesPointsRawSchema() throws Exception {
        MetricPoint p = new MetricPoint();
        p.tenant = "acme";
        p.metric = "cpu";
        p.tags = new TreeMap<>(Map.of("host", "a"));
        p.value = 0.5;
        p.timestampMicros = 1_795_300_000_000_001L;
        p.seriesId = 7L;
        p.provenance = FROM;
        RowData row = roundTrip(ChronicleTable.POINTS_RAW, new RowConverters.PointToRow().map(p));
        assertThat(new RowConverters.RowToPoint().map(row)).as("read back from points_raw").isEqualTo(p);
        assertThat(row.getString(1).toString()).isEqualTo("cpu");
        assertThat(row.getMap(2).size()).isEqualTo(1);
        assertThat(row.getDouble(3)).isEqualTo(0.5);
        assertThat(row.getTimestamp(4, 6).toInstant()).isEqualTo(Instant.parse("2026-11-21T22:26:40.000001Z"));
        assertThat(row.getLong(5)).isEqualTo(7L);
        assertThat(row.getLong(8)).isEqualTo(99L);
        assertThat(row.getTimestamp(9, 6)).isEqualTo(TimestampData.fromEpochMillis(1_795_300_000_123L, 456_000));
    }

    @Test
    void eventRowMatchesEventsSchema() throws Exception {
        Event e = new Event();
        e.tenant = "default";
        e.eventId = "e";
        e.traceId = "t";
        e.eventType = "task.created";
        e.eventTimeMicros = 1_795_300_000_000_000L;
        e.metadata = "{}";
        e.schemaVersion = 2;
        e.provenance = FROM;
        RowData row = roundTrip(ChronicleTable.EVENTS, new RowConverters.EventToRow().map(e));
        assertThat(row.isNullAt(3)).isTrue();
        assertThat(row.getInt(9)).isEqualTo(2);
        assertThat(row.getString(11).toString()).isEqualTo("t");
        assertThat(row.getInt(15)).isEqualTo(FROM.index);
    }

    @Test
    void rejectedRowMatchesRejectedSchemaWithThePayloadCutToTheTablesBound() throws Exception {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = "malformed_json";
        r.message = "bad";
        r.payload = "{\"metric\":".getBytes(StandardCharsets.UTF_8);
        r.kafkaTimestampMillis = 1_795_300_000_000L;
        r.provenance = FROM;

        RowData whole = roundTrip(ChronicleTable.REJECTED, new RowConverters.RejectedToRow(10).map(r));
        assertThat(whole.getBinary(3)).isEqualTo(r.payload);
        assertThat(whole.isNullAt(2)).isTrue();
        assertThat(whole.getInt(9)).as("payload_size").isEqualTo(10);
        assertThat(whole.getBoolean(10)).as("payload_truncated").isFalse();

        RowData cut = roundTrip(ChronicleTable.REJECTED, new RowConverters.RejectedToRow(9).map(r));
        assertThat(cut.getBinary(3)).isEqualTo("{\"metric\"".getBytes(StandardCharsets.UTF_8));
        assertThat(cut.getInt(9)).isEqualTo(10);
        assertThat(cut.getBoolean(10)).isTrue();

        r.payload = null;
        RowData tombstone = roundTrip(ChronicleTable.REJECTED, new RowConverters.RejectedToRow(9).map(r));
        assertThat(tombstone.isNullAt(3)).isTrue();
        assertThat(tombstone.isNullAt(9)).as("no value, no size").isTrue();
        assertThat(tombstone.getBoolean(10)).isFalse();
    }

    @Test
    void traceRowMatchesTracesSchemaWithNullsForStepsNotTaken() throws Exception {
        TraceRow t = new TraceRow();
        t.tenant = "acme";
        t.traceId = "tr";
        t.status = "assigned";
        t.assignedAgent = "agent-1";
        t.createdAtMicros = 1_795_300_000_000_000L;
        t.assignedAtMicros = 1_795_300_001_000_000L;
        t.spanCount = 2;
        t.lastEventTimeMicros = 1_795_300_001_000_000L;
        RowData row = roundTrip(ChronicleTable.TRACES, new RowConverters.TraceToRow().map(t));
        assertThat(row.getString(4).toString()).isEqualTo("assigned");
        assertThat(row.getTimestamp(7, 6).toInstant()).isEqualTo(Instant.ofEpochSecond(1_795_300_001L));
        assertThat(row.isNullAt(8)).isTrue();
        assertThat(row.isNullAt(10)).isTrue();
        assertThat(row.getInt(12)).isEqualTo(2);
        assertThat(row.getInt(16)).isZero();
        assertThat(row.getLong(18)).as("events_dropped, the appended column").isZero();
    }

    @Test
    void aTraceThatRefusedEventsCountsThemInItsLastColumn() throws Exception {
        TraceRow t = new TraceRow();
        t.tenant = "acme";
        t.traceId = "hot";
        t.status = "pending";
        t.spanCount = 10_000;
        t.lastEventTimeMicros = 1_795_300_000_000_000L;
        t.eventsDropped = 90_000;
        RowData row = roundTrip(ChronicleTable.TRACES, new RowConverters.TraceToRow().map(t));
        assertThat(ChronicleTable.TRACES.schema().columns().get(18).name()).isEqualTo("events_dropped");
        assertThat(row.getLong(18)).isEqualTo(90_000L);
    }

    @Test
    void agentMetricsRowMatchesAgentMetricsSchema() throws Exception {
        AgentMetricsRow a = new AgentMetricsRow();
        a.tenant = "acme";
        a.agentId = "agent-1";
        a.metricDate = 20_700;
        a.tasksCompleted = 3;
        a.avgDurationMs = 1500.0;
        a.busyMs = 10;
        a.uptimeMs = 40;
        a.utilizationPct = 25.0;
        RowData row = roundTrip(ChronicleTable.AGENT_METRICS, new RowConverters.AgentMetricsToRow().map(a));
        assertThat(row.getInt(2)).isEqualTo(20_700);
        assertThat(row.getLong(3)).isEqualTo(3L);
        assertThat(row.getDouble(5)).isEqualTo(1500.0);
        assertThat(row.isNullAt(6)).isTrue();
        assertThat(row.getDouble(9)).isEqualTo(25.0);
    }

    @Test
    void alertAndAnomalyRowsMatchTheirSchemas() throws Exception {
        io.chronicle.core.alerts.AlertNotification n = new io.chronicle.core.alerts.AlertNotification();
        n.fingerprint = "5158976e13672c2e";
        n.ruleName = "HighCpu";
        n.state = "firing";
        n.labels = Map.of("alertname", "HighCpu", "host", "web-1");
        n.annotations = Map.of();
        n.startsAtMicros = 1_795_300_000_000_000L;
        n.changedAtMicros = 1_795_300_000_000_000L;
        n.value = 0.97;
        RowData alert = roundTrip(ChronicleTable.ALERTS, new RowConverters.AlertToRow().map(n));
        assertThat(alert.getString(3).toString()).isEqualTo("firing");
        assertThat(alert.getMap(4).size()).isEqualTo(2);
        assertThat(alert.isNullAt(7)).as("no end while firing").isTrue();
        assertThat(alert.getDouble(9)).isEqualTo(0.97);

        io.chronicle.core.alerts.AnomalyRecord a = new io.chronicle.core.alerts.AnomalyRecord();
        a.tenant = "acme";
        a.ruleName = "CpuAnomaly";
        a.model = "ewma";
        a.metric = "cpu";
        a.tags = Map.of("host", "web-1");
        a.tsMicros = 1_795_300_000_000_000L;
        a.value = 80;
        a.expected = 50;
        a.sigma = 1;
        a.score = 10;
        RowData anomaly = roundTrip(ChronicleTable.ANOMALIES, new RowConverters.AnomalyToRow().map(a));
        assertThat(anomaly.getDouble(10)).isEqualTo(10.0);
    }

    @Test
    void rollupRowMatchesTheTierSchemaWithIncreaseOnlyForCounters() throws Exception {
        RollupTable table = new RollupTable(RollupPolicy.Tier.parse("t", "5m"));
        RollupRow r = new RollupRow();
        r.tenant = "acme";
        r.metric = "requests_total";
        r.tags = new TreeMap<>(Map.of("host", "a"));
        r.seriesId = 9L;
        r.windowStartMicros = 1_795_299_900_000_000L;
        r.windowEndMicros = 1_795_300_200_000_000L;
        r.counter = true;
        r.aggregate = RollupAggregate.ofSortedSamples(
                new long[] {1_795_299_900_000_000L, 1_795_299_960_000_000L},
                new double[] {10, 4}, 2, true, 7);
        RowData row = roundTrip(table, new RowConverters.RollupToRow().map(r));
        assertThat(row.getTimestamp(4, 6).toInstant()).isEqualTo(Instant.ofEpochSecond(1_795_299_900L));
        assertThat(row.getLong(6)).isEqualTo(2L);
        assertThat(row.getDouble(7)).isEqualTo(14.0);
        assertThat(row.getDouble(8)).isEqualTo(4.0);
        assertThat(row.getDouble(12)).as("last value").isEqualTo(4.0);
        assertThat(row.getDouble(14)).isEqualTo(116.0);
        assertThat(row.getDouble(15)).as("3 from 7 to 10, then a reset counting 4").isEqualTo(7.0);
        assertThat(SketchCodec.quantile(row.getBinary(16), 1.0)).isCloseTo(10.0, within(0.1));

        r.counter = false;
        assertThat(roundTrip(table, new RowConverters.RollupToRow().map(r)).isNullAt(15)).isTrue();
    }

    private static RowData roundTrip(TableDefinition table, RowData row) throws Exception {
        assertThat(row.getArity()).isEqualTo(table.schema().columns().size());
        TypeSerializer<RowData> serializer =
                RowConverters.rowType(table).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(row, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
