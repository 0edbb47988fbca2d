package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableDefinition;
import io.chronicle.core.Event;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.alerts.AlertNotification;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.RowDataSerializer;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The step before each Iceberg writer: a record whose row the writer would fail on is skipped and
 * counted, the others reach the writer unchanged.
 */
class ToTableRowsTest {

    private static final Provenance FROM = new Provenance("points", 0, 7L, 1_795_300_000_000_000L);

    @Test
    void pointsTheWriterWouldFailOnAreSkippedAndCounted() throws Exception {
        MetricPoint good = point("cpu", Map.of("host", "a"));
        MetricPoint noMetric = point(null, Map.of("host", "a"));
        Map<String, String> nullTag = new HashMap<>();
        nullTag.put("host", null);
        MetricPoint tagWithoutValue = point("cpu", nullTag);
        MetricPoint noProvenance = point("cpu", Map.of());
        noProvenance.provenance = null;
        MetricPoint alsoGood = point("mem", Map.of());

        Harness<MetricPoint> h = new Harness<>(ChronicleTable.POINTS_RAW, new RowConverters.PointToRow(), MetricPoint.class);
        List<RowData> rows = h.run(List.of(good, noMetric, tagWithoutValue, noProvenance, alsoGood));

        assertThat(rows).extracting(row -> row.getString(1).toString()).containsExactly("cpu", "mem");
        assertThat(h.skipped()).isEqualTo(3);
    }

    @Test
    void aRejectWithoutAMessageIsKeptUnderItsCode() throws Exception {
        RejectedRecord r = new RejectedRecord();
        r.reasonCode = "malformed_json";
        r.payload = "{".getBytes(StandardCharsets.UTF_8);
        r.kafkaTimestampMillis = 1_795_300_000_000L;
        r.provenance = FROM;
        RejectedRecord noCode = new RejectedRecord();
        noCode.provenance = FROM;

        Harness<RejectedRecord> h = new Harness<>(ChronicleTable.REJECTED, new RowConverters.RejectedToRow(1024), RejectedRecord.class);
        List<RowData> rows = h.run(List.of(r, noCode));

        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).getString(1).toString()).isEqualTo("malformed_json");
        assertThat(h.skipped()).isEqualTo(1);
    }

    @Test
    void anEventWithoutItsRequiredMetadataIsSkippedAndTheOthersWritten() throws Exception {
        Event noMetadata = event("e-1");
        noMetadata.metadata = null;

        Harness<Event> h = new Harness<>(ChronicleTable.EVENTS, new RowConverters.EventToRow(), Event.class);
        List<RowData> rows = h.run(List.of(event("e-0"), noMetadata, event("e-2")));

        assertThat(rows).extracting(row -> row.getString(1).toString()).containsExactly("e-0", "e-2");
        assertThat(h.skipped()).isEqualTo(1);
    }

    @Test
    void theSchemaCheckNamesTheColumn() throws Exception {
        Event noMetadata = event("e-1");
        noMetadata.metadata = null;
        RowType events = FlinkSchemaUtil.convert(ChronicleTable.EVENTS.schema());
        assertThat(ToTableRows.problem(new RowConverters.EventToRow().map(noMetadata), events))
                .isEqualTo("has no value for the required column 'metadata'");
        assertThat(ToTableRows.problem(new RowConverters.EventToRow().map(event("e-0")), events)).isNull();

        AlertNotification alert = new AlertNotification();
        alert.fingerprint = "f";
        alert.ruleName = "r";
        alert.state = AlertNotification.FIRING;
        alert.labels = new HashMap<>();
        alert.labels.put("host", null);
        alert.annotations = Map.of();
        assertThat(ToTableRows.problem(new RowConverters.AlertToRow().map(alert),
                FlinkSchemaUtil.convert(ChronicleTable.ALERTS.schema())))
                .isEqualTo("has an entry without a value in the map column 'labels'");
        assertThat(ToTableRows.problem(new RowConverters.EventToRow().map(event("e-0")),
                FlinkSchemaUtil.convert(ChronicleTable.POINTS_RAW.schema())))
                .isEqualTo("has 16 columns, the table 11");
    }

    /** The process function in Flink's operator harness, with its metrics intercepted. */
    private static final class Harness<T> {
        private final InterceptedMetrics metrics = new InterceptedMetrics();
        private final OneInputStreamOperatorTestHarness<T, RowData> harness;
        private final RowType rowType;

        Harness(TableDefinition table, RowConverter<T> toRow, Class<T> type) throws Exception {
            rowType = FlinkSchemaUtil.convert(table.schema());
            MockEnvironment env = metrics.environment();
            harness = new OneInputStreamOperatorTestHarness<>(
                    new ProcessOperator<>(new ToTableRows<>(table.tableName(), toRow, rowType)),
                    TypeInformation.of(type).createSerializer(new SerializerConfigImpl()), env);
        }

        List<RowData> run(List<T> records) throws Exception {
            harness.setup(new RowDataSerializer(rowType));
            harness.open();
            for (T record : records) {
                harness.processElement(record, 0L);
            }
            List<RowData> rows = harness.extractOutputValues();
            harness.close();
            return rows;
        }

        long skipped() {
            return ((Counter) metrics.group.get(ToTableRows.ROWS_SKIPPED)).getCount();
        }
    }

    private static Event event(String id) {
        Event e = new Event();
        e.tenant = "acme";
        e.eventId = id;
        e.traceId = "t";
        e.eventType = "task.created";
        e.eventTimeMicros = 1_795_300_000_000_000L;
        e.metadata = "{}";
        e.provenance = FROM;
        return e;
    }

    private static MetricPoint point(String metric, Map<String, String> tags) {
        MetricPoint p = new MetricPoint();
        p.tenant = "acme";
        p.metric = metric;
        p.tags = tags;
        p.value = 1.0;
        p.timestampMicros = 1_795_300_000_000_000L;
        p.seriesId = 1L;
        p.provenance = FROM;
        return p;
    }
}
