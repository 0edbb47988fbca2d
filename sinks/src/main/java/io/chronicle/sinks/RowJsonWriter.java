package io.chronicle.sinks;

import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.common.TimeFormats;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonFormatOptions;
import org.apache.flink.formats.json.JsonRowDataSerializationSchema;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.Base64Variant;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonEncoding;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.JsonGenerator;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.core.util.ByteArrayBuilder;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.utils.LogicalTypeChecks;
import org.apache.flink.util.jackson.JacksonMapperFactory;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * Fields of a row as one JSON object, byte for byte as flink-json writes them ({@link #flinkJson}:
 * ISO-8601 times in UTC, binary as base64, nulls written): straight into Jackson's generator of
 * flink-json's own mapper, field by field, with no tree of nodes built and walked per row. A row
 * type holding anything but the scalar types Chronicle's tables use (a decimal, a list, a map, a
 * struct; a column a user added, say) is written by flink-json itself, so any schema is on the
 * topic as flink-json would write it.
 */
public final class RowJsonWriter implements Serializable {

    private static final long serialVersionUID = 1L;

    private final RowType rowType;
    private final int[] positions;

    private transient ObjectMapper mapper;
    private transient ByteArrayBuilder buffer;
    private transient Field[] fields;
    private transient JsonRowDataSerializationSchema flinkJson;
    private transient RowProjection projection;

    private RowJsonWriter(RowType rowType, int[] positions) {
        this.rowType = rowType;
        this.positions = positions;
    }

    /** Every field of rows of {@code rowType}, in order. */
    static RowJsonWriter of(RowType rowType) {
        int[] all = new int[rowType.getFieldCount()];
        Arrays.setAll(all, i -> i);
        return new RowJsonWriter(rowType, all);
    }

    /** The fields at {@code positions} of rows of {@code rowType}, in that order. */
    static RowJsonWriter of(RowType rowType, int[] positions) {
        return new RowJsonWriter(rowType, positions.clone());
    }

    /** flink-json's writer of rows of {@code rowType}: the encoding this one reproduces. */
    public static JsonRowDataSerializationSchema flinkJson(RowType rowType) {
        return new JsonRowDataSerializationSchema(rowType, TimestampFormat.ISO_8601,
                JsonFormatOptions.MapNullKeyMode.FAIL, "null", true, false);
    }

    void open(SerializationSchema.InitializationContext context) throws Exception {
        ObjectMapper flinkJsonMapper = JacksonMapperFactory.createObjectMapper();
        Field[] written = new Field[positions.length];
        for (int i = 0; i < positions.length; i++) {
            LogicalType type = rowType.getTypeAt(positions[i]);
            Writer writer = writerOf(type, flinkJsonMapper.getSerializationConfig().getBase64Variant());
            if (writer == null) {
                openFlinkJson(context);
                return;
            }
            written[i] = new Field(rowType.getFieldNames().get(positions[i]), positions[i], writer);
        }
        mapper = flinkJsonMapper;
        buffer = new ByteArrayBuilder(512);
        fields = written;
    }

    byte[] write(RowData row) {
        if (flinkJson != null) {
            return flinkJson.serialize(projection.project(row));
        }
        buffer.reset();
        try (JsonGenerator json = mapper.createGenerator(buffer, JsonEncoding.UTF8)) {
            json.writeStartObject();
            for (Field field : fields) {
                json.writeFieldName(field.name);
                if (row.isNullAt(field.position)) {
                    json.writeNull();
                } else {
                    field.writer.write(json, row, field.position);
                }
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a row as JSON: " + e.getMessage(), e);
        }
        return buffer.toByteArray();
    }

    private void openFlinkJson(SerializationSchema.InitializationContext context) throws Exception {
        String[] names = new String[positions.length];
        LogicalType[] types = new LogicalType[positions.length];
        for (int i = 0; i < positions.length; i++) {
            names[i] = rowType.getFieldNames().get(positions[i]);
            types[i] = rowType.getTypeAt(positions[i]);
        }
        projection = RowProjection.of(rowType, positions);
        flinkJson = flinkJson(RowType.of(types, names));
        flinkJson.open(context);
    }

    /** The writer of a non-null value of {@code type}, or null for one flink-json writes. */
    private static Writer writerOf(LogicalType type, Base64Variant base64) {
        return switch (type.getTypeRoot()) {
            case BOOLEAN -> (json, row, at) -> json.writeBoolean(row.getBoolean(at));
            case INTEGER -> (json, row, at) -> json.writeNumber(row.getInt(at));
            case BIGINT -> (json, row, at) -> json.writeNumber(row.getLong(at));
            case DOUBLE -> (json, row, at) -> json.writeNumber(row.getDouble(at));
            case CHAR, VARCHAR -> (json, row, at) -> json.writeString(row.getString(at).toString());
            case BINARY, VARBINARY -> (json, row, at) -> {
                byte[] bytes = row.getBinary(at);
                json.writeBinary(base64, bytes, 0, bytes.length);
            };
            case DATE -> (json, row, at) -> json.writeString(IsoTimes.date(row.getInt(at)));
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE -> {
                int precision = LogicalTypeChecks.getPrecision(type);
                yield (json, row, at) -> json.writeString(IsoTimes.utcTimestamp(row.getTimestamp(at, precision)));
            }
            default -> null;
        };
    }

    /** Field name, position and writer. */
    private record Field(String name, int position, Writer writer) {
    }

    /** Writes the non-null value at a position of a row. */
    @FunctionalInterface
    private interface Writer {
        void write(JsonGenerator json, RowData row, int position) throws IOException;
    }

    /**
     * flink-json's ISO-8601 texts ({@link TimeFormats}): the date as {@code ISO_LOCAL_DATE}, the
     * instant as {@code ISO_LOCAL_DATE 'T' ISO_LOCAL_TIME 'Z'} in UTC, whose fraction has as many
     * digits as it needs and none for a whole second. Years 0 to 9999 are written here; others, which
     * take a sign, by the formatter.
     */
    static final class IsoTimes {

        private static final DateTimeFormatter INSTANT = TimeFormats.ISO8601_TIMESTAMP_WITH_LOCAL_TIMEZONE_FORMAT;
        private static final long MILLIS_PER_DAY = 86_400_000;
        private static final long MIN_DAY = LocalDate.of(0, 1, 1).toEpochDay();
        private static final long MAX_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

        private IsoTimes() {
        }

        static String date(int epochDay) {
            LocalDate date = LocalDate.ofEpochDay(epochDay);
            if (epochDay < MIN_DAY || epochDay > MAX_DAY) {
                return DateTimeFormatter.ISO_LOCAL_DATE.format(date);
            }
            char[] text = new char[10];
            writeDate(text, date);
            return new String(text);
        }

        static String utcTimestamp(TimestampData timestamp) {
            long millis = timestamp.getMillisecond();
            long epochDay = Math.floorDiv(millis, MILLIS_PER_DAY);
            if (epochDay < MIN_DAY || epochDay > MAX_DAY) {
                return INSTANT.format(timestamp.toInstant().atOffset(ZoneOffset.UTC));
            }
            long millisOfDay = millis - epochDay * MILLIS_PER_DAY;
            int secondOfDay = (int) (millisOfDay / 1000);
            int nanos = (int) (millisOfDay % 1000) * 1_000_000 + timestamp.getNanoOfMillisecond();
            char[] text = new char[30];
            writeDate(text, LocalDate.ofEpochDay(epochDay));
            text[10] = 'T';
            two(text, 11, secondOfDay / 3600);
            text[13] = ':';
            two(text, 14, secondOfDay / 60 % 60);
            text[16] = ':';
            two(text, 17, secondOfDay % 60);
            int end = 19;
            if (nanos != 0) {
                text[end++] = '.';
                int digits = 9;
                while (nanos % 10 == 0) {
                    nanos /= 10;
                    digits--;
                }
                for (int i = digits - 1; i >= 0; i--) {
                    text[end + i] = (char) ('0' + nanos % 10);
                    nanos /= 10;
                }
                end += digits;
            }
            text[end++] = 'Z';
            return new String(text, 0, end);
        }

        private static void writeDate(char[] text, LocalDate date) {
            int year = date.getYear();
            two(text, 0, year / 100);
            two(text, 2, year % 100);
            text[4] = '-';
            two(text, 5, date.getMonthValue());
            text[7] = '-';
            two(text, 8, date.getDayOfMonth());
        }

        private static void two(char[] text, int at, int value) {
            text[at] = (char) ('0' + value / 10);
            text[at + 1] = (char) ('0' + value % 10);
        }
    }
}
