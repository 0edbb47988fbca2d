package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableDefinition;
import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TraceRow;
import io.chronicle.core.alerts.AlertNotification;
import io.chronicle.core.alerts.AnomalyRecord;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.MapData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.iceberg.flink.FlinkSchemaUtil;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Maps Chronicle's records to the Flink {@link RowData} of their Iceberg table. Field order
 * follows the schemas in {@link ChronicleTable} and {@link RollupTable}; a test holds them
 * together.
 */
public final class RowConverters {

    private RowConverters() {}

    /** The row type information of a table, with Flink's own row serializer. */
    public static TypeInformation<RowData> rowType(TableDefinition table) {
        return InternalTypeInfo.of(FlinkSchemaUtil.convert(table.schema()));
    }

    public static final class PointToRow implements RowConverter<MetricPoint> {
        private static final long serialVersionUID = 1L;

        private transient RepeatedStrings<StringData> strings;

        @Override
        public RowData map(MetricPoint p) {
            if (strings == null) {
                strings = new RepeatedStrings<>(StringData::fromBytes);
            }
            GenericRowData row = new GenericRowData(11);
            row.setField(0, strings.of(p.tenant));
            row.setField(1, strings.of(p.metric));
            row.setField(2, stringMap(p.tags, strings::of));
            row.setField(3, p.value);
            row.setField(4, micros(p.timestampMicros));
            row.setField(5, p.seriesId);
            row.setField(6, strings.of(p.provenance.topic));
            row.setField(7, p.provenance.partition);
            row.setField(8, p.provenance.offset);
            row.setField(9, micros(p.provenance.ingestedAtMicros));
            row.setField(10, p.provenance.index);
            return row;
        }

        @Override
        public String coordinates(MetricPoint p) {
            return RecordCoordinates.of(p.provenance);
        }
    }

    /** Reads a {@code points_raw} row back into a point, for recomputing from raw data. */
    public static final class RowToPoint implements MapFunction<RowData, MetricPoint> {
        private static final long serialVersionUID = 1L;

        @Override
        public MetricPoint map(RowData row) {
            MetricPoint p = new MetricPoint();
            p.tenant = row.getString(0).toString();
            p.metric = row.getString(1).toString();
            MapData tags = row.getMap(2);
            Map<String, String> tagMap = new TreeMap<>();
            for (int i = 0; i < tags.size(); i++) {
                tagMap.put(tags.keyArray().getString(i).toString(),
                        tags.valueArray().getString(i).toString());
            }
            p.tags = tagMap;
            p.value = row.getDouble(3);
            p.timestampMicros = toMicros(row.getTimestamp(4, 6));
            p.seriesId = row.getLong(5);
            p.provenance = new Provenance(row.getString(6).toString(), row.getInt(7),
                    row.getLong(8), row.isNullAt(10) ? 0 : row.getInt(10), toMicros(row.getTimestamp(9, 6)));
            return p;
        }

        private static long toMicros(TimestampData ts) {
            return ts.getMillisecond() * 1_000L + ts.getNanoOfMillisecond() / 1_000;
        }
    }

    public static final class EventToRow implements RowConverter<Event> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(Event e) {
            GenericRowData row = new GenericRowData(16);
            row.setField(0, StringData.fromString(e.tenant));
            row.setField(1, StringData.fromString(e.eventId));
            row.setField(2, StringData.fromString(e.traceId));
            row.setField(3, StringData.fromString(e.source));
            row.setField(4, StringData.fromString(e.eventType));
            row.setField(5, micros(e.eventTimeMicros));
            row.setField(6, StringData.fromString(e.metadata));
            row.setField(7, StringData.fromString(e.namespace));
            row.setField(8, StringData.fromString(e.schemaId));
            row.setField(9, e.schemaVersion);
            row.setField(10, StringData.fromString(e.aggregateId));
            setProvenance(row, 11, e.provenance);
            row.setField(15, e.provenance.index);
            return row;
        }

        @Override
        public String coordinates(Event e) {
            return RecordCoordinates.of(e.provenance);
        }
    }

    /**
     * A refused record as its {@code rejected} row, the payload cut to a bound: the table's
     * ({@code chronicle.rejected.max-payload-bytes}) or the dead-letter message's. The row tells the
     * original length and whether the payload was cut.
     */
    public static final class RejectedToRow implements RowConverter<RejectedRecord> {
        private static final long serialVersionUID = 1L;

        static final int PAYLOAD = 3;
        static final int PAYLOAD_SIZE = 9;
        static final int PAYLOAD_TRUNCATED = 10;
        static final int SOURCE_INDEX = 11;

        private final int maxPayloadBytes;

        public RejectedToRow(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
        }

        @Override
        public GenericRowData map(RejectedRecord r) {
            GenericRowData row = new GenericRowData(12);
            row.setField(0, StringData.fromString(r.reasonCode));
            // A reason is required; a rejection without a message is still kept, under its code.
            row.setField(1, StringData.fromString(r.message != null ? r.message : r.reasonCode));
            row.setField(2, StringData.fromString(r.tenant));
            row.setField(4, TimestampData.fromEpochMillis(r.kafkaTimestampMillis));
            setProvenance(row, 5, r.provenance);
            boolean cut = r.payload != null && r.payload.length > maxPayloadBytes;
            row.setField(PAYLOAD, cut ? Arrays.copyOf(r.payload, maxPayloadBytes) : r.payload);
            row.setField(PAYLOAD_SIZE, r.payload == null ? null : r.payload.length);
            row.setField(PAYLOAD_TRUNCATED, cut);
            row.setField(SOURCE_INDEX, r.provenance.index);
            return row;
        }

        @Override
        public String coordinates(RejectedRecord r) {
            return RecordCoordinates.of(r.provenance);
        }
    }

    public static final class RollupToRow implements RowConverter<RollupRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(RollupRow r) {
            RollupAggregate a = r.aggregate;
            GenericRowData row = new GenericRowData(17);
            row.setField(0, StringData.fromString(r.tenant));
            row.setField(1, StringData.fromString(r.metric));
            row.setField(2, tags(r.tags));
            row.setField(3, r.seriesId);
            row.setField(4, micros(r.windowStartMicros));
            row.setField(5, micros(r.windowEndMicros));
            row.setField(6, a.count);
            row.setField(7, a.totalSum());
            row.setField(8, a.min);
            row.setField(9, a.max);
            row.setField(10, a.firstValue);
            row.setField(11, micros(a.firstTsMicros));
            row.setField(12, a.lastValue);
            row.setField(13, micros(a.lastTsMicros));
            row.setField(14, a.totalSumSquares());
            row.setField(15, r.counter ? a.totalIncrease() : null);
            row.setField(16, a.sketch);
            return row;
        }

        @Override
        public String coordinates(RollupRow r) {
            return "tenant " + RecordCoordinates.quote(r.tenant) + ", series " + r.seriesId
                    + ", window from " + r.windowStartMicros + "us";
        }
    }

    public static final class TraceToRow implements RowConverter<TraceRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(TraceRow t) {
            GenericRowData row = new GenericRowData(19);
            row.setField(0, StringData.fromString(t.tenant));
            row.setField(1, StringData.fromString(t.traceId));
            row.setField(2, StringData.fromString(t.taskTitle));
            row.setField(3, StringData.fromString(t.owner));
            row.setField(4, StringData.fromString(t.status));
            row.setField(5, StringData.fromString(t.assignedAgent));
            row.setField(6, nullableMicros(t.createdAtMicros));
            row.setField(7, nullableMicros(t.assignedAtMicros));
            row.setField(8, nullableMicros(t.startedAtMicros));
            row.setField(9, nullableMicros(t.completedAtMicros));
            row.setField(10, t.durationMs);
            row.setField(11, t.timeToPickupMs);
            row.setField(12, t.spanCount);
            row.setField(13, StringData.fromString(t.error));
            row.setField(14, StringData.fromString(t.scoringBreakdown));
            row.setField(15, micros(t.lastEventTimeMicros));
            row.setField(16, t.illegalTransitions);
            row.setField(17, StringData.fromString(t.lastIllegalTransition));
            row.setField(18, t.eventsDropped);
            return row;
        }

        @Override
        public String coordinates(TraceRow t) {
            return "tenant " + RecordCoordinates.quote(t.tenant) + ", trace " + RecordCoordinates.quote(t.traceId);
        }
    }

    public static final class AgentMetricsToRow implements RowConverter<AgentMetricsRow> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(AgentMetricsRow a) {
            GenericRowData row = new GenericRowData(10);
            row.setField(0, StringData.fromString(a.tenant));
            row.setField(1, StringData.fromString(a.agentId));
            row.setField(2, a.metricDate);
            row.setField(3, a.tasksCompleted);
            row.setField(4, a.tasksFailed);
            row.setField(5, a.avgDurationMs);
            row.setField(6, a.p95DurationMs);
            row.setField(7, a.busyMs);
            row.setField(8, a.uptimeMs);
            row.setField(9, a.utilizationPct);
            return row;
        }

        @Override
        public String coordinates(AgentMetricsRow a) {
            return "tenant " + RecordCoordinates.quote(a.tenant) + ", agent " + RecordCoordinates.quote(a.agentId)
                    + ", day " + a.metricDate;
        }
    }

    public static final class AlertToRow implements RowConverter<AlertNotification> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(AlertNotification a) {
            GenericRowData row = new GenericRowData(12);
            row.setField(0, StringData.fromString(a.fingerprint));
            row.setField(1, StringData.fromString(a.ruleName));
            row.setField(2, StringData.fromString(a.tenant));
            row.setField(3, StringData.fromString(a.state));
            row.setField(4, tags(a.labels));
            row.setField(5, tags(a.annotations));
            row.setField(6, micros(a.startsAtMicros));
            row.setField(7, nullableMicros(a.endsAtMicros));
            row.setField(8, micros(a.changedAtMicros));
            row.setField(9, a.value);
            row.setField(10, a.seriesId);
            row.setField(11, StringData.fromString(a.generatorUrl));
            return row;
        }

        @Override
        public String coordinates(AlertNotification a) {
            return "rule " + RecordCoordinates.quote(a.ruleName) + ", fingerprint " + RecordCoordinates.quote(a.fingerprint);
        }
    }

    public static final class AnomalyToRow implements RowConverter<AnomalyRecord> {
        private static final long serialVersionUID = 1L;

        @Override
        public RowData map(AnomalyRecord a) {
            GenericRowData row = new GenericRowData(11);
            row.setField(0, StringData.fromString(a.tenant));
            row.setField(1, StringData.fromString(a.ruleName));
            row.setField(2, StringData.fromString(a.model));
            row.setField(3, StringData.fromString(a.metric));
            row.setField(4, tags(a.tags));
            row.setField(5, a.seriesId);
            row.setField(6, micros(a.tsMicros));
            row.setField(7, a.value);
            row.setField(8, a.expected);
            row.setField(9, a.sigma);
            row.setField(10, a.score);
            return row;
        }

        @Override
        public String coordinates(AnomalyRecord a) {
            return "rule " + RecordCoordinates.quote(a.ruleName) + ", series " + a.seriesId + ", at " + a.tsMicros + "us";
        }
    }

    private static MapData tags(Map<String, String> tags) {
        return stringMap(tags, StringData::fromString);
    }

    /**
     * A string map as map data over two parallel arrays: the table writers only walk keys and
     * values, so there is nothing to gain from hashing them into a map first.
     */
    static MapData stringMap(Map<String, String> map, Function<String, StringData> encode) {
        Object[] keys = new Object[map.size()];
        Object[] values = new Object[map.size()];
        int i = 0;
        for (Map.Entry<String, String> entry : map.entrySet()) {
            keys[i] = encode.apply(entry.getKey());
            values[i++] = encode.apply(entry.getValue());
        }
        return new ArrayMapData(new GenericArrayData(keys), new GenericArrayData(values));
    }

    /** Map data as parallel key and value arrays. */
    private record ArrayMapData(GenericArrayData keyArray, GenericArrayData valueArray) implements MapData {
        @Override
        public int size() {
            return keyArray.size();
        }
    }

    /** Topic, partition, offset, then the Chronicle-set time, from column {@code first} on. */
    private static void setProvenance(GenericRowData row, int first, Provenance provenance) {
        row.setField(first, StringData.fromString(provenance.topic));
        row.setField(first + 1, provenance.partition);
        row.setField(first + 2, provenance.offset);
        row.setField(first + 3, micros(provenance.ingestedAtMicros));
    }

    private static TimestampData nullableMicros(Long epochMicros) {
        return epochMicros == null ? null : micros(epochMicros);
    }

    static TimestampData micros(long epochMicros) {
        return TimestampData.fromEpochMillis(
                Math.floorDiv(epochMicros, 1_000L), (int) Math.floorMod(epochMicros, 1_000L) * 1_000);
    }
}
