package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.core.RejectedRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A refused record as its dead-letter message: its {@code rejected} row as JSON
 * ({@link RowJsonWriter}), keyed by its source coordinates, and never larger than the
 * producer takes. The payload is cut to {@code chronicle.dead-letter.max-payload-bytes}. A message
 * that is still too large (a tenant header or a reason of many kilobytes) has its text columns cut
 * to {@value #MAX_TEXT_CHARS} characters, then its payload cut to what fits. {@code payload_size}
 * keeps the original length, {@code payload_truncated} tells the payload was cut, and
 * {@value #PAYLOADS_CUT} counts such messages.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<RejectedRecord> {

    private static final long serialVersionUID = 1L;

    /** Dead-letter messages whose payload is shorter than the original record's value. */
    public static final String PAYLOADS_CUT = "payloadsCut";

    /** Length a text column is cut to when the message would not fit otherwise. */
    static final int MAX_TEXT_CHARS = 1024;
    /** Marks the end of a cut text column. */
    static final String CUT_MARK = "…";

    private final String topic;
    private final RowConverters.RejectedToRow toRow;
    private final RowType rowType;
    private final RowJsonWriter json;
    private final int maxMessageBytes;
    private transient Counter payloadsCut;

    /**
     * @param maxPayloadBytes {@code chronicle.dead-letter.max-payload-bytes}
     * @param maxMessageBytes the most bytes of key plus value the producer takes
     */
    public DeadLetterSerializer(String topic, int maxPayloadBytes, int maxMessageBytes) {
        this.topic = topic;
        this.toRow = new RowConverters.RejectedToRow(maxPayloadBytes);
        this.rowType = FlinkSchemaUtil.convert(ChronicleTable.REJECTED.schema());
        this.json = RowJsonWriter.of(rowType);
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws Exception {
        json.open(context);
        payloadsCut = context.getMetricGroup().counter(PAYLOADS_CUT);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(RejectedRecord r, KafkaSinkContext context, Long timestamp) {
        // A part of a batch record is keyed with its place in it; a whole record as it always was.
        byte[] key = (r.provenance.topic + "/" + r.provenance.partition + "/" + r.provenance.offset
                + (r.provenance.index == 0 ? "" : "#" + r.provenance.index))
                .getBytes(StandardCharsets.UTF_8);
        int room = maxMessageBytes - key.length;
        GenericRowData row = toRow.map(r);
        byte[] value = json.write(row);
        if (value.length > room && cutText(row)) {
            value = json.write(row);
        }
        byte[] payload = (byte[]) row.getField(RowConverters.RejectedToRow.PAYLOAD);
        if (value.length > room && payload != null && payload.length > 0) {
            // Measured with an empty payload and the flag set, the rest is known to the byte; the
            // payload then takes whole groups of 3 bytes, 4 characters of base64 each, fewer than
            // it has.
            row.setField(RowConverters.RejectedToRow.PAYLOAD_TRUNCATED, true);
            row.setField(RowConverters.RejectedToRow.PAYLOAD, new byte[0]);
            long others = json.write(row).length;
            long fits = Math.max(0, (room - others) / 4 * 3);
            int kept = (int) Math.min(fits, (payload.length - 1) / 3 * 3);
            row.setField(RowConverters.RejectedToRow.PAYLOAD, Arrays.copyOf(payload, kept));
            value = json.write(row);
        }
        if (Boolean.TRUE.equals(row.getField(RowConverters.RejectedToRow.PAYLOAD_TRUNCATED))) {
            payloadsCut.inc();
        }
        // Still too large only if the fields around the payload are: CheckedMessages skips it.
        return new ProducerRecord<>(topic, null, timestamp, key, value);
    }

    /** Cuts every text column longer than {@value #MAX_TEXT_CHARS}; whether one was. */
    private boolean cutText(GenericRowData row) {
        boolean cut = false;
        for (int i = 0; i < row.getArity(); i++) {
            if (rowType.getTypeAt(i).getTypeRoot() == LogicalTypeRoot.VARCHAR && row.getField(i) != null) {
                String text = row.getField(i).toString();
                if (text.length() > MAX_TEXT_CHARS) {
                    // Not between the two halves of a surrogate pair.
                    int end = Character.isHighSurrogate(text.charAt(MAX_TEXT_CHARS - 1)) ? MAX_TEXT_CHARS - 1 : MAX_TEXT_CHARS;
                    row.setField(i, StringData.fromString(text.substring(0, end) + CUT_MARK));
                    cut = true;
                }
            }
        }
        return cut;
    }
}
