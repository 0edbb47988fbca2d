package io.chronicle.sinks;

import io.chronicle.catalog.ChronicleTable;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.formats.json.JsonRowDataSerializationSchema;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON of rows, written field by field, against flink-json's own writer of the same row type:
 * byte for byte, for random rows of every type Chronicle's tables hold (hostile strings, every
 * double, times at the edges of the formats' years, nulls) and for types written by flink-json.
 */
class RowJsonWriterTest {

    private static final String[] TEXTS = {"", "acme", "a \"quoted\" \\ back", "tab\tnew\nline\u0000nul\u001f",
            "é日本🙂", "\ud800 lone", "</script>", "x".repeat(3000), "\u2028\u2029", "null"};
    private static final double[] DOUBLES = {0.0, -0.0, 1.5, -1e-300, Double.MIN_VALUE, Double.MAX_VALUE,
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e21, 123456789.125, 0.1 + 0.2};
    // The microseconds of the instants at the edges: year 0, 9999 and 10000, 1969, 1970 and the epoch.
    private static final long[] INSTANTS_MICROS = {
            micros(LocalDateTime.of(0, 1, 1, 0, 0)), micros(LocalDateTime.of(0, 1, 1, 0, 0)) - 1,
            micros(LocalDateTime.of(9999, 12, 31, 23, 59, 59, 999_999_000)),
            micros(LocalDateTime.of(10000, 1, 1, 0, 0)), micros(LocalDateTime.of(-5, 3, 1, 12, 0)),
            -1, 0, 1, 1_000, 1_000_000, 1_795_300_001_500_000L, 1_795_300_001_000_010L, -86_400_000_000L};

    @ParameterizedTest
    @EnumSource(value = ChronicleTable.class, names = {"TRACES", "AGENT_METRICS", "REJECTED"})
    void theTablesRowsAreWrittenAsFlinkJsonWritesThem(ChronicleTable table) throws Exception {
        assertWrittenAsFlinkJson(FlinkSchemaUtil.convert(table.schema()), 3_000);
    }

    @Test
    void everyScalarTypeNullableOrNotIsWrittenAsFlinkJsonWritesIt() throws Exception {
        assertWrittenAsFlinkJson(RowType.of(
                new LogicalType[] {new BooleanType(), new IntType(false), new BigIntType(), new DoubleType(),
                        new VarCharType(false, VarCharType.MAX_LENGTH), new VarBinaryType(VarBinaryType.MAX_LENGTH),
                        new DateType(), new LocalZonedTimestampType(6), new LocalZonedTimestampType(3),
                        new LocalZonedTimestampType(9), new LocalZonedTimestampType(0)},
                new String[] {"b", "i", "l", "d", "s", "bytes", "day", "ts6", "ts3", "ts9", "ts0"}), 5_000);
    }

    /** A decimal, a list, a map, a struct or a zoneless time: flink-json writes the row. */
    @Test
    void aRowTypeWithOtherTypesIsWrittenByFlinkJson() throws Exception {
        RowType type = RowType.of(
                new LogicalType[] {new VarCharType(VarCharType.MAX_LENGTH), new DecimalType(10, 3),
                        new ArrayType(new IntType()),
                        new MapType(new VarCharType(VarCharType.MAX_LENGTH), new DoubleType()),
                        RowType.of(new LogicalType[] {new IntType()}, new String[] {"inner"}),
                        new TimestampType(6)},
                new String[] {"s", "dec", "list", "map", "struct", "local"});
        GenericRowData row = GenericRowData.of(StringData.fromString("a"),
                DecimalData.fromBigDecimal(new java.math.BigDecimal("1.250"), 10, 3),
                new GenericArrayData(new Integer[] {1, null}),
                new GenericMapData(Map.of(StringData.fromString("k"), 2.5)),
                GenericRowData.of(7), TimestampData.fromLocalDateTime(LocalDateTime.of(2026, 12, 7, 1, 2, 3)));

        assertThat(written(RowJsonWriter.of(type), row)).isEqualTo(flinkJson(type, row));
        GenericRowData nulls = new GenericRowData(6);
        assertThat(written(RowJsonWriter.of(type), nulls)).isEqualTo(flinkJson(type, nulls));
        // A projection of it: the map and the string.
        RowType projected = RowType.of(new LogicalType[] {type.getTypeAt(3), type.getTypeAt(0)},
                new String[] {"map", "s"});
        assertThat(written(RowJsonWriter.of(type, new int[] {3, 0}), row))
                .isEqualTo(flinkJson(projected, GenericRowData.of(row.getField(3), row.getField(0))));
    }

    @Test
    void aProjectionIsItsFieldsInTheOrderGiven() throws Exception {
        RowType type = FlinkSchemaUtil.convert(ChronicleTable.AGENT_METRICS.schema());
        Random random = new Random(3);
        for (int run = 0; run < 500; run++) {
            GenericRowData row = randomRow(type, random);
            GenericRowData key = GenericRowData.of(row.getField(0), row.getField(2));
            RowType keyType = RowType.of(new LogicalType[] {type.getTypeAt(0), type.getTypeAt(2)},
                    new String[] {"tenant", "metric_date"});

            assertThat(new String(written(RowJsonWriter.of(type, new int[] {0, 2}), row), StandardCharsets.UTF_8))
                    .isEqualTo(new String(flinkJson(keyType, key), StandardCharsets.UTF_8));
        }
    }

    @Test
    void isoTimesMatchFlinkJsonsFormatterAcrossTheYears() {
        Random random = new Random(11);
        for (int run = 0; run < 200_000; run++) {
            long millis = random.nextLong() % 400_000_000_000_000L;
            int nanoOfMilli = random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000);
            TimestampData timestamp = TimestampData.fromEpochMillis(random.nextInt(3) == 0 ? millis / 1000 * 1000 : millis,
                    nanoOfMilli);
            assertThat(RowJsonWriter.IsoTimes.utcTimestamp(timestamp)).isEqualTo(
                    org.apache.flink.formats.common.TimeFormats.ISO8601_TIMESTAMP_WITH_LOCAL_TIMEZONE_FORMAT
                            .format(timestamp.toInstant().atOffset(ZoneOffset.UTC)));
            int day = (int) (random.nextLong() % 4_000_000);
            assertThat(RowJsonWriter.IsoTimes.date(day))
                    .isEqualTo(java.time.format.DateTimeFormatter.ISO_LOCAL_DATE.format(LocalDate.ofEpochDay(day)));
        }
    }

    private static void assertWrittenAsFlinkJson(RowType type, int runs) throws Exception {
        RowJsonWriter writer = RowJsonWriter.of(type);
        writer.open(null);
        JsonRowDataSerializationSchema reference = RowJsonWriter.flinkJson(type);
        reference.open(null);
        Random random = new Random(type.getFieldCount());
        for (int run = 0; run < runs; run++) {
            GenericRowData row = randomRow(type, random);
            String expected = new String(reference.serialize(row), StandardCharsets.UTF_8);
            // The same writer again and again: nothing of a row is left for the next.
            assertThat(new String(writer.write(row), StandardCharsets.UTF_8)).isEqualTo(expected);
        }
    }

    private static GenericRowData randomRow(RowType type, Random random) {
        GenericRowData row = new GenericRowData(type.getFieldCount());
        for (int i = 0; i < type.getFieldCount(); i++) {
            LogicalType field = type.getTypeAt(i);
            if (field.isNullable() && random.nextInt(4) == 0) {
                continue;
            }
            row.setField(i, switch (field.getTypeRoot()) {
                case BOOLEAN -> random.nextBoolean();
                case INTEGER -> random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(100) - 50;
                case BIGINT -> random.nextInt(3) == 0 ? random.nextLong() : (long) random.nextInt(100_000);
                case DOUBLE -> random.nextBoolean() ? DOUBLES[random.nextInt(DOUBLES.length)] : random.nextGaussian() * 1e6;
                case VARCHAR -> StringData.fromString(TEXTS[random.nextInt(TEXTS.length)] + random.nextInt(10));
                case VARBINARY, BINARY -> {
                    byte[] bytes = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(200)];
                    random.nextBytes(bytes);
                    yield bytes;
                }
                case DATE -> random.nextInt(3) == 0 ? (int) (random.nextLong() % 4_000_000) : 20_000 + random.nextInt(1000);
                case TIMESTAMP_WITH_LOCAL_TIME_ZONE -> {
                    long micros = random.nextBoolean() ? INSTANTS_MICROS[random.nextInt(INSTANTS_MICROS.length)]
                            : 1_795_300_000_000_000L + random.nextLong() % 100_000_000_000L;
                    yield TimestampData.fromEpochMillis(Math.floorDiv(micros, 1000),
                            (int) Math.floorMod(micros, 1000) * 1000);
                }
                default -> throw new IllegalArgumentException("No random values of " + field);
            });
        }
        return row;
    }

    private static long micros(LocalDateTime utc) {
        return Math.multiplyExact(utc.toEpochSecond(ZoneOffset.UTC), 1_000_000L) + utc.getNano() / 1000;
    }

    private static byte[] written(RowJsonWriter writer, RowData row) throws Exception {
        writer.open(null);
        return writer.write(row);
    }

    private static byte[] flinkJson(RowType type, RowData row) throws Exception {
        JsonRowDataSerializationSchema json = RowJsonWriter.flinkJson(type);
        json.open((SerializationSchema.InitializationContext) null);
        return json.serialize(row);
    }
}
