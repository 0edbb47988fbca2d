package io.chronicle.sinks;

import io.chronicle.catalog.TableDefinition;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.kafka.clients.producer.ProducerRecord;


/**
 * A table's rows as the JSON messages of its topic: flink-json's encoding of the row type Iceberg's
 * schema gives the table ({@link RowJsonWriter}), from the same {@link RowData} the table's writer
 * gets. The table's schema is the one definition: a column added to it is on the topic too, under
 * the same name. Times are ISO-8601 in UTC, binary columns base64, maps JSON objects.
 */
public final class RowJsonSerializer<T> implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final MapFunction<T, RowData> toRow;
    private final RowJsonWriter value;
    private final RowJsonWriter key;

    private RowJsonSerializer(String topic, MapFunction<T, RowData> toRow, RowJsonWriter value, RowJsonWriter key) {
        this.topic = topic;
        this.toRow = toRow;
        this.value = value;
        this.key = key;
    }

    /** Messages keyed by the JSON of the table's identifier columns, as a compacted topic needs. */
    public static <T> RowJsonSerializer<T> keyedByIdentifier(
            String topic, TableDefinition table, MapFunction<T, RowData> toRow) {
        RowType rowType = FlinkSchemaUtil.convert(table.schema());
        // In the table's column order, so the key's JSON is the same for every message.
        int[] keyPositions = table.schema().identifierFieldNames().stream()
                .mapToInt(rowType::getFieldIndex)
                .sorted()
                .toArray();
        if (keyPositions.length == 0) {
            throw new IllegalArgumentException("Table " + table.tableName() + " has no identifier columns");
        }
        return new RowJsonSerializer<>(topic, toRow, RowJsonWriter.of(rowType), RowJsonWriter.of(rowType, keyPositions));
    }

    @Override
    public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws Exception {
        value.open(context);
        key.open(context);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(T record, KafkaSinkContext context, Long timestamp) {
        try {
            RowData row = toRow.map(record);
            return new ProducerRecord<>(topic, null, timestamp, key.write(row), value.write(row));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot encode a row for topic " + topic + ": " + e, e);
        }
    }
}
