package io.chronicle.sinks;

import io.chronicle.catalog.TableDefinition;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonFormatOptions;
import org.apache.flink.formats.json.JsonRowDataSerializationSchema;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/**
 * A table's rows as the JSON messages of its topic: flink-json's encoding of the row type Iceberg's
 * schema gives the table, from the same {@link RowData} the table's writer gets. The table's schema
 * is the one definition: a column added to it is on the topic too, under the same name. Times are
 * ISO-8601 in UTC, binary columns base64, maps JSON objects.
 */
public final class RowJsonSerializer<T> implements KafkaRecordSerializationSchema<T> {

    private static final long serialVersionUID = 1L;

    private final String topic;
    private final MapFunction<T, RowData> toRow;
    private final JsonRowDataSerializationSchema value;
    private final KeyEncoder key;

    private RowJsonSerializer(String topic, MapFunction<T, RowData> toRow, RowType rowType, KeyEncoder key) {
        this.topic = topic;
        this.toRow = toRow;
        this.value = json(rowType);
        this.key = key;
    }

    /** Messages keyed by the JSON of the table's identifier columns, as a compacted topic needs. */
    public static <T> RowJsonSerializer<T> keyedByIdentifier(
            String topic, TableDefinition table, MapFunction<T, RowData> toRow) {
        RowType rowType = FlinkSchemaUtil.convert(table.schema());
        // In the table's column order, so the key's JSON is the same for every message.
        List<String> keyColumns = table.schema().identifierFieldNames().stream()
                .sorted(Comparator.comparingInt(rowType::getFieldIndex))
                .toList();
        if (keyColumns.isEmpty()) {
            throw new IllegalArgumentException("Table " + table.tableName() + " has no identifier columns");
        }
        int[] positions = keyColumns.stream().mapToInt(rowType::getFieldIndex).toArray();
        RowType keyType = RowType.of(
                keyColumns.stream().map(c -> rowType.getTypeAt(rowType.getFieldIndex(c)))
                        .toArray(LogicalType[]::new),
                keyColumns.toArray(new String[0]));
        RowData.FieldGetter[] getters = new RowData.FieldGetter[positions.length];
        for (int i = 0; i < positions.length; i++) {
            getters[i] = RowData.createFieldGetter(rowType.getTypeAt(positions[i]), positions[i]);
        }
        JsonRowDataSerializationSchema keyJson = json(keyType);
        return new RowJsonSerializer<>(topic, toRow, rowType, new KeyEncoder() {
            private static final long serialVersionUID = 1L;

            @Override
            public void open(SerializationSchema.InitializationContext context) throws Exception {
                keyJson.open(context);
            }

            @Override
            public byte[] encode(RowData row) {
                GenericRowData keyRow = new GenericRowData(getters.length);
                for (int i = 0; i < getters.length; i++) {
                    keyRow.setField(i, getters[i].getFieldOrNull(row));
                }
                return keyJson.serialize(keyRow);
            }
        });
    }

    /** flink-json's encoding of rows of {@code rowType}: times ISO-8601, binary base64, nulls written. */
    static JsonRowDataSerializationSchema json(RowType rowType) {
        return new JsonRowDataSerializationSchema(rowType, TimestampFormat.ISO_8601,
                JsonFormatOptions.MapNullKeyMode.FAIL, "null", true, false);
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
            return new ProducerRecord<>(topic, null, timestamp, key.encode(row), value.serialize(row));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot encode a row for topic " + topic + ": " + e, e);
        }
    }

    /** The message key of a row. */
    private interface KeyEncoder extends Serializable {
        void open(SerializationSchema.InitializationContext context) throws Exception;

        byte[] encode(RowData row);
    }
}
