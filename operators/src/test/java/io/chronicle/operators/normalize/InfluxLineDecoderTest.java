package io.chronicle.operators.normalize;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.ChronicleOptions.InfluxPrecision;
import io.chronicle.core.ChronicleOptions.TenantSource;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.RawRecord;
import io.chronicle.core.RejectReason;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TenantNames;
import io.chronicle.core.alerts.HealthRules;
import io.chronicle.core.rollup.SketchCodec;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.types.Either;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class InfluxLineDecoderTest {

    /** 2023-11-14T22:14:20Z, the "now" of these tests: a minute after {@link #T}. */
    static final long NOW_MICROS = 1_700_000_060_000_000L;
    /** 2023-11-14T22:13:20Z in nanoseconds, as Telegraf writes it. */
    static final String T = "1700000000000000000";
    static final long T_MICROS = 1_700_000_000_000_000L;
    static final long KAFKA_TS_MILLIS = 1_700_000_030_000L;

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** The reasons a field is refused for, apart from its line. */
    private static final Set<String> FIELD_REASONS = Set.of("wrong_type", "non_finite_value",
            "value_out_of_range", "invalid_metric_name", "reserved_metric_name");

    private final InfluxLineDecoder decoder = decoder(Map.of(), InfluxPrecision.NS);

    // ---- helpers ----------------------------------------------------------------------------

    static NormalizerSettings settings(Map<String, String> options) {
        return NormalizerSettings.from(ChronicleConfig.validated(Configuration.fromMap(options)));
    }

    static InfluxLineDecoder decoder(Map<String, String> options, InfluxPrecision precision) {
        return new InfluxLineDecoder(settings(options), precision);
    }

    static RawRecord raw(String value) {
        return raw(value == null ? null : value.getBytes(StandardCharsets.UTF_8), null);
    }

    static RawRecord raw(byte[] value, String tenantHeader) {
        return new RawRecord("telegraf", 2, 77L, KAFKA_TS_MILLIS,
                tenantHeader == null ? null : new byte[][] {tenantHeader.getBytes(StandardCharsets.UTF_8)}, value);
    }

    static List<Either<RejectedRecord, MetricPoint>> decode(InfluxLineDecoder decoder, RawRecord raw) {
        List<Either<RejectedRecord, MetricPoint>> out = new ArrayList<>();
        decoder.decode(raw, NOW_MICROS, new ListCollector<>(out));
        return out;
    }

    /** Each output in one line: "#index tenant metric{tags} value @micros" or "#index reason [tenant] payload". */
    static List<String> show(List<Either<RejectedRecord, MetricPoint>> out) {
        return out.stream().map(InfluxLineDecoderTest::show).collect(Collectors.toList());
    }

    static String show(Either<RejectedRecord, MetricPoint> item) {
        if (item.isRight()) {
            MetricPoint p = item.right();
            return "#" + p.provenance.index + " " + p.tenant + " " + p.metric + p.tags + " " + p.value
                    + " @" + p.timestampMicros;
        }
        RejectedRecord r = item.left();
        return "#" + r.provenance.index + " " + r.reasonCode + " [" + r.tenant + "] "
                + (r.payload == null ? "null" : new String(r.payload, StandardCharsets.UTF_8));
    }

    private List<String> decodeShown(String value) {
        return show(decode(decoder, raw(value)));
    }

    private static RejectedRecord onlyRejection(List<Either<RejectedRecord, MetricPoint>> out) {
        assertThat(out).hasSize(1);
        assertThat(out.get(0).isLeft()).isTrue();
        return out.get(0).left();
    }

    // ---- Telegraf's own lines -------------------------------------------------------------------

    @Test
    void decodesTelegrafsCpuLineIntoAPointPerField() {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder,
                raw("cpu,cpu=cpu0,host=server01 usage_idle=99.5,usage_user=0.3 " + T));
        assertThat(show(out)).containsExactly(
                "#0 default cpu_usage_idle{cpu=cpu0, host=server01} 99.5 @" + T_MICROS,
                "#1 default cpu_usage_user{cpu=cpu0, host=server01} 0.3 @" + T_MICROS);
        MetricPoint point = out.get(0).right();
        assertThat(point.tags).isInstanceOf(TreeMap.class);
        assertThat(point.seriesId).isEqualTo(SeriesIdReference.xxh64Series(
                "default", "cpu_usage_idle", "cpu", "cpu0", "host", "server01"));
        assertThat(point.provenance.topic).isEqualTo("telegraf");
        assertThat(point.provenance.partition).isEqualTo(2);
        assertThat(point.provenance.offset).isEqualTo(77L);
        assertThat(point.provenance.ingestedAtMicros).isEqualTo(NOW_MICROS);
        // Each point has a map of its own.
        assertThat(out.get(1).right().tags).isEqualTo(point.tags).isNotSameAs(point.tags);
    }

    @Test
    void decodesIntegerFloatUnsignedAndBooleanFields() {
        assertThat(decodeShown("mem,host=h available=1024i,used_percent=12.5 " + T)).containsExactly(
                "#0 default mem_available{host=h} 1024.0 @" + T_MICROS,
                "#1 default mem_used_percent{host=h} 12.5 @" + T_MICROS);
        assertThat(decodeShown("disk,path=/,device=sda1 free=1u,inodes_used=3i " + T)).containsExactly(
                "#0 default disk_free{device=sda1, path=/} 1.0 @" + T_MICROS,
                "#1 default disk_inodes_used{device=sda1, path=/} 3.0 @" + T_MICROS);
        assertThat(decodeShown("net,iface=eth0 a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE " + T))
                .containsExactly(
                        "#0 default net_a{iface=eth0} 1.0 @" + T_MICROS,
                        "#1 default net_b{iface=eth0} 1.0 @" + T_MICROS,
                        "#2 default net_c{iface=eth0} 1.0 @" + T_MICROS,
                        "#3 default net_d{iface=eth0} 1.0 @" + T_MICROS,
                        "#4 default net_e{iface=eth0} 1.0 @" + T_MICROS,
                        "#5 default net_f{iface=eth0} 0.0 @" + T_MICROS,
                        "#6 default net_g{iface=eth0} 0.0 @" + T_MICROS,
                        "#7 default net_h{iface=eth0} 0.0 @" + T_MICROS,
                        "#8 default net_i{iface=eth0} 0.0 @" + T_MICROS,
                        "#9 default net_j{iface=eth0} 0.0 @" + T_MICROS);
    }

    @Test
    void aStringFieldIsRefusedAloneAsALineOfItsOwn() {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder,
                raw("system,host=h uptime=1234i,uptime_format=\"0 days, 0:20\" " + T));
        assertThat(show(out)).containsExactly(
                "#0 default system_uptime{host=h} 1234.0 @" + T_MICROS,
                "#1 wrong_type [default] system,host=h uptime_format=\"0 days, 0:20\" " + T);
        assertThat(out.get(1).left().message).isEqualTo(
                "field 'uptime_format' is a string; Chronicle keeps numbers (floats, integers and booleans) only");
        // The line the rejection keeps is the field again, as it came.
        assertThat(show(decode(decoder, raw(out.get(1).left().payload, null))))
                .containsExactly("#0 wrong_type [default] system,host=h uptime_format=\"0 days, 0:20\" " + T);
    }

    @Test
    void theFieldValueIsNamedByItsMeasurementAlone() {
        assertThat(decodeShown("temperature,room=kitchen value=21.5,max=30 " + T)).containsExactly(
                "#0 default temperature{room=kitchen} 21.5 @" + T_MICROS,
                "#1 default temperature_max{room=kitchen} 30.0 @" + T_MICROS);
    }

    @Test
    void aLineWithoutTagsIsAPointWithoutTags() {
        assertThat(decodeShown("uptime value=1 " + T)).containsExactly("#0 default uptime{} 1.0 @" + T_MICROS);
    }

    // ---- syntax ------------------------------------------------------------------------------

    @Test
    void unescapesMeasurementTagsAndFieldKeys() {
        assertThat(decodeShown("disk\\ io\\,x=y,mount\\ point=C:\\ drive\\,1,path=C:\\dir,k=a\\=b"
                + " read\\=bytes=1,w\\ b\\,c=2 " + T)).containsExactly(
                "#0 default disk_io_x_y_read_bytes{k=a=b, mount_point=C: drive,1, path=C:\\dir} 1.0 @" + T_MICROS,
                "#1 default disk_io_x_y_w_b_c{k=a=b, mount_point=C: drive,1, path=C:\\dir} 2.0 @" + T_MICROS);
    }

    @Test
    void aStringValueMayHoldQuotesBackslashesSpacesCommasAndEquals() {
        String line = "log,host=h msg=\"a \\\"b\\\", c=d \\\\\",count=3i " + T;
        assertThat(decodeShown(line)).containsExactly(
                "#0 default log_count{host=h} 3.0 @" + T_MICROS,
                "#1 wrong_type [default] log,host=h msg=\"a \\\"b\\\", c=d \\\\\" " + T);
    }

    @Test
    void readsEveryLineOfARecordSkippingCommentsAndBlankLines() {
        String value = "# written by telegraf\r\n"
                + "\r\n"
                + "cpu,host=a usage=1 " + T + "\r\n"
                + "   \n"
                + "  # an indented comment\n"
                + "  mem,host=a used=2i   " + T + "  \n"
                + "\n";
        assertThat(decodeShown(value)).containsExactly(
                "#0 default cpu_usage{host=a} 1.0 @" + T_MICROS,
                "#1 default mem_used{host=a} 2.0 @" + T_MICROS);
    }

    @Test
    void sectionsMayBeSeparatedByMoreThanOneSpace() {
        assertThat(decodeShown("cpu,host=a    usage=1     " + T)).containsExactly(
                "#0 default cpu_usage{host=a} 1.0 @" + T_MICROS);
    }

    static Stream<Arguments> floats() {
        return Stream.of(
                arguments("1", 1.0), arguments("-1.5", -1.5), arguments("1.5e3", 1500.0),
                arguments("1.", 1.0), arguments(".5", 0.5), arguments("+2", 2.0), arguments("1E-2", 0.01),
                arguments("-0", -0.0), arguments("-.5e+1", -5.0), arguments("1e-400", 0.0),
                arguments("007", 7.0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floats")
    void readsFloats(String text, double expected) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw("m v=" + text + " " + T));
        assertThat(out).hasSize(1);
        assertThat(out.get(0).right().value).isEqualTo(expected);
    }

    @Test
    void readsTheExtremeIntegersAndRoundsThemAsPrometheusDoes() {
        assertThat(decodeShown("m a=9223372036854775807i,b=-9223372036854775808i,c=18446744073709551615u,"
                + "d=0u,e=9007199254740993i " + T)).containsExactly(
                "#0 default m_a{} 9.223372036854776E18 @" + T_MICROS,
                "#1 default m_b{} -9.223372036854776E18 @" + T_MICROS,
                "#2 default m_c{} 1.8446744073709552E19 @" + T_MICROS,
                "#3 default m_d{} 0.0 @" + T_MICROS,
                "#4 default m_e{} 9.007199254740992E15 @" + T_MICROS);
    }

    static Stream<Arguments> malformedLines() {
        return Stream.of(
                arguments("no fields", "cpu"),
                arguments("no fields after tags", "cpu,host=a"),
                arguments("no fields, a trailing space", "cpu,host=a "),
                arguments("no measurement", ",host=a v=1"),
                arguments("empty tag key", "cpu,=a v=1"),
                arguments("empty tag value", "cpu,host= v=1"),
                arguments("tag without value", "cpu,host v=1"),
                arguments("trailing tag comma", "cpu, v=1"),
                arguments("unescaped '=' in a tag value", "cpu,host=a=b v=1"),
                arguments("field without value", "cpu v"),
                arguments("empty field value", "cpu v="),
                arguments("empty field key", "cpu =1"),
                arguments("trailing field comma", "cpu v=1,"),
                arguments("empty field between commas", "cpu v=1,,w=2"),
                arguments("duplicate field", "cpu v=1,v=2"),
                arguments("duplicate field after unescaping", "cpu a\\ b=1,a\\ b=2"),
                arguments("timestamp not an integer", "cpu v=1 12a"),
                arguments("timestamp with a fraction", "cpu v=1 1700000000.5"),
                arguments("content after the timestamp", "cpu v=1 " + T + " 5"),
                arguments("unterminated string", "cpu v=\"abc"),
                arguments("content after a string", "cpu v=\"a\"b"),
                arguments("escaped closing quote", "cpu v=\"a\\\""),
                arguments("NaN", "cpu v=NaN"),
                arguments("nan", "cpu v=nan"),
                arguments("inf", "cpu v=inf"),
                arguments("Infinity", "cpu v=Infinity"),
                arguments("-Infinity", "cpu v=-Infinity"),
                arguments("two points", "cpu v=1.2.3"),
                arguments("a word", "cpu v=abc"),
                arguments("yes", "cpu v=yes"),
                arguments("exponent without digits", "cpu v=1e"),
                arguments("sign alone", "cpu v=-"),
                arguments("point alone", "cpu v=."),
                arguments("hex", "cpu v=0x10"),
                arguments("Java's double suffix", "cpu v=1d"),
                arguments("integer with a plus", "cpu v=+1i"),
                arguments("integer with a fraction", "cpu v=1.5i"),
                arguments("i alone", "cpu v=i"),
                arguments("negative unsigned", "cpu v=-1u"),
                arguments("u alone", "cpu v=u"),
                arguments("integer past the signed range", "cpu v=9223372036854775808i"),
                arguments("integer below the signed range", "cpu v=-9223372036854775809i"),
                arguments("unsigned past the range", "cpu v=18446744073709551616u"),
                arguments("unsigned far past the range", "cpu v=99999999999999999999u"),
                arguments("a NUL byte", "cpu,host=a\0 v=1"),
                arguments("escaped space to the end", "cpu\\ v=1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedLines")
    void refusesAMalformedLineWhole(String name, String line) {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(line + "\nok v=1 " + T));
        assertThat(show(out)).containsExactly(
                "#0 malformed_line [null] " + line,
                "#1 default ok_v{} 1.0 @" + T_MICROS);
        assertThat(out.get(0).left().message).isNotBlank();
    }

    @Test
    void malformedMessagesNameWhatIsWrong() {
        assertThat(onlyRejection(decode(decoder, raw("cpu v=9223372036854775808i"))).message)
                .isEqualTo("value of field 'v' '9223372036854775808i' is beyond the signed 64-bit range");
        assertThat(onlyRejection(decode(decoder, raw("cpu v=NaN"))).message).isEqualTo(
                "value of field 'v' 'NaN' is not a float, an integer (i), an unsigned (u), a boolean or a string");
        assertThat(onlyRejection(decode(decoder, raw("cpu v=1,v=2"))).message).isEqualTo("field 'v' is given twice");
        assertThat(onlyRejection(decode(decoder, raw("cpu,host=a"))).message).isEqualTo("the line has no fields");
        assertThat(onlyRejection(decode(decoder, raw("cpu\0 v=1"))).message).isEqualTo("the line holds a NUL byte");
    }

    @Test
    void aDuplicateTagRefusesTheLineAsAnInvalidTag() {
        RejectedRecord r = onlyRejection(decode(decoder, raw("cpu,host=a,host=b v=1 " + T)));
        assertThat(r.reasonCode).isEqualTo("invalid_tag");
        assertThat(r.message).isEqualTo("tag 'host' is given twice");
    }

    @Test
    void refusesALineThatIsNotUtf8() {
        byte[] bad = "cpu,host=XX v=1 ".getBytes(StandardCharsets.UTF_8);
        bad[9] = (byte) 0xC3;
        bad[10] = (byte) 0x28;
        byte[] good = ("\ncpu,host=é v=2 " + T).getBytes(StandardCharsets.UTF_8);
        byte[] value = concat(bad, T.getBytes(StandardCharsets.UTF_8), good);
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(value, null));
        assertThat(out).hasSize(2);
        RejectedRecord r = out.get(0).left();
        assertThat(r.reasonCode).isEqualTo("invalid_utf8");
        assertThat(r.message).isEqualTo("the line is not valid UTF-8");
        assertThat(r.provenance.index).isZero();
        assertThat(r.payload).isEqualTo(concat(bad, T.getBytes(StandardCharsets.UTF_8)));
        assertThat(show(out.get(1))).isEqualTo("#1 default cpu_v{host=é} 2.0 @" + T_MICROS);
        // Overlong forms and encoded surrogates are not UTF-8 either.
        for (byte[] invalid : new byte[][] {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, {(byte) 0xFF}}) {
            byte[] line = concat("cpu,host=".getBytes(StandardCharsets.UTF_8), invalid, " v=1".getBytes(StandardCharsets.UTF_8));
            assertThat(onlyRejection(decode(decoder, raw(line, null))).reasonCode).isEqualTo("invalid_utf8");
        }
    }

    // ---- timestamps --------------------------------------------------------------------------

    static Stream<Arguments> precisions() {
        return Stream.of(
                arguments(InfluxPrecision.NS, "1700000000123456789", 1_700_000_000_123_456L),
                arguments(InfluxPrecision.US, "1700000000123456", 1_700_000_000_123_456L),
                arguments(InfluxPrecision.MS, "1700000000123", 1_700_000_000_123_000L),
                arguments(InfluxPrecision.S, "1700000000", 1_700_000_000_000_000L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("precisions")
    void readsTimestampsInTheConfiguredPrecision(InfluxPrecision precision, String timestamp, long micros) {
        assertThat(show(decode(decoder(Map.of(), precision), raw("cpu v=1 " + timestamp))))
                .containsExactly("#0 default cpu_v{} 1.0 @" + micros);
    }

    @Test
    void aLineWithoutTimestampTakesTheKafkaTimestamp() {
        assertThat(decodeShown("cpu v=1\ncpu w=2  ")).containsExactly(
                "#0 default cpu_v{} 1.0 @" + KAFKA_TS_MILLIS * 1000,
                "#1 default cpu_w{} 2.0 @" + KAFKA_TS_MILLIS * 1000);
    }

    @Test
    void refusesTimestampsOutOfRange() {
        assertThat(decodeShown("cpu v=1 1\ncpu v=2 1800000000000000000\ncpu v=3 -" + T)).containsExactly(
                "#0 timestamp_out_of_range [default] cpu v=1 1",
                "#1 timestamp_out_of_range [default] cpu v=2 1800000000000000000",
                "#2 timestamp_out_of_range [default] cpu v=3 -" + T);
        // A Kafka timestamp out of range too.
        RawRecord old = new RawRecord("telegraf", 0, 1L, 5L, null, "cpu v=1".getBytes(StandardCharsets.UTF_8));
        assertThat(onlyRejection(decode(decoder, old)).reasonCode).isEqualTo("timestamp_out_of_range");
    }

    @Test
    void refusesTimestampsBeyondTheirRangeAsInvalid() {
        assertThat(decodeShown("cpu v=1 99999999999999999999\ncpu v=2 -9223372036854775809")).containsExactly(
                "#0 invalid_timestamp [default] cpu v=1 99999999999999999999",
                "#1 invalid_timestamp [default] cpu v=2 -9223372036854775809");
        List<Either<RejectedRecord, MetricPoint>> seconds = decode(decoder(Map.of(), InfluxPrecision.S),
                raw("cpu v=1 9223372036854775807"));
        assertThat(onlyRejection(seconds).reasonCode).isEqualTo("invalid_timestamp");
        assertThat(onlyRejection(seconds).message).isEqualTo("timestamp 9223372036854775807 s is out of range");
        // The extremes in nanoseconds are only out of the accepted range.
        assertThat(onlyRejection(decode(decoder, raw("cpu v=1 -9223372036854775808"))).reasonCode)
                .isEqualTo("timestamp_out_of_range");
    }

    // ---- a record partly bad -------------------------------------------------------------------

    @Test
    void keepsTheGoodPartsOfARecordAndRefusesTheBadOnesEachWithItsPlace() {
        String value = "cpu,host=a usage_idle=99.5,usage_user=0.3 " + T + "\n"
                + "cpu,host=a usage_idle=oops " + T + "\n"
                + "# comment\n"
                + "system,host=a uptime=5i,uptime_format=\"5 s\",load1=1e400,load5=0.5 " + T + "\n"
                + "mem,host=a,host=b used=1i " + T + "\n"
                + "disk,host=a free=1u\n";
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(value));
        assertThat(show(out)).containsExactly(
                "#0 default cpu_usage_idle{host=a} 99.5 @" + T_MICROS,
                "#1 default cpu_usage_user{host=a} 0.3 @" + T_MICROS,
                "#2 malformed_line [null] cpu,host=a usage_idle=oops " + T,
                "#3 default system_uptime{host=a} 5.0 @" + T_MICROS,
                "#4 default system_load5{host=a} 0.5 @" + T_MICROS,
                "#5 wrong_type [default] system,host=a uptime_format=\"5 s\" " + T,
                "#6 non_finite_value [default] system,host=a load1=1e400 " + T,
                "#7 invalid_tag [null] mem,host=a,host=b used=1i " + T,
                "#8 default disk_free{host=a} 1.0 @" + KAFKA_TS_MILLIS * 1000);
        assertThat(out.get(6).left().message).isEqualTo("value Infinity of field 'load1' is not finite");
        for (Either<RejectedRecord, MetricPoint> item : out) {
            if (item.isLeft()) {
                assertThat(item.left().kafkaTimestampMillis).isEqualTo(KAFKA_TS_MILLIS);
                assertThat(item.left().provenance.offset).isEqualTo(77L);
                assertThat(item.left().provenance.ingestedAtMicros).isEqualTo(NOW_MICROS);
            }
        }
    }

    @Test
    void refusesValuesTheRollupsCannotHold() {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder,
                raw("m a=1.7976931348623157e308,b=-1.78E308,c=1.7798941929329858E308 " + T));
        assertThat(show(out)).containsExactly(
                "#0 default m_c{} 1.7798941929329858E308 @" + T_MICROS,
                "#1 value_out_of_range [default] m a=1.7976931348623157e308,b=-1.78E308 " + T);
        assertThat(out.get(1).left().message).isEqualTo("value 1.7976931348623157E308 of field 'a' is beyond"
                + " the range the rollups hold: magnitudes up to " + SketchCodec.MAX_MAGNITUDE
                + " (and 1 more field of the line with the same reason)");
        assertThat(decodeShown("m a=-1e400")).containsExactly("#0 non_finite_value [default] m a=-1e400");
    }

    @Test
    void theBadFieldsOfALineAreRefusedTogetherOneRejectionPerReason() {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(
                "m,host=a s1=\"x\",v=1,big=1e400,s2=\"y, z\",w=2i,s3=\"\",small=-1e400 " + T + "\n"
                        + "m,host=b s=\"x\",t=\"y\"\n"
                        + "n v=3 " + T));
        assertThat(show(out)).containsExactly(
                "#0 default m_v{host=a} 1.0 @" + T_MICROS,
                "#1 default m_w{host=a} 2.0 @" + T_MICROS,
                "#2 wrong_type [default] m,host=a s1=\"x\",s2=\"y, z\",s3=\"\" " + T,
                "#3 non_finite_value [default] m,host=a big=1e400,small=-1e400 " + T,
                "#4 wrong_type [default] m,host=b s=\"x\",t=\"y\"",
                "#5 default n_v{} 3.0 @" + T_MICROS);
        assertThat(out.get(2).left().message).isEqualTo("field 's1' is a string; Chronicle keeps numbers"
                + " (floats, integers and booleans) only (and 2 more fields of the line with the same reason)");
        assertThat(out.get(3).left().message).isEqualTo(
                "value Infinity of field 'big' is not finite (and 1 more field of the line with the same reason)");
        // Each payload is a line of just its fields, refused again whole for the same reason, as it was.
        for (int i : new int[] {2, 3, 4}) {
            RejectedRecord r = out.get(i).left();
            RejectedRecord again = onlyRejection(decode(decoder, raw(r.payload, null)));
            assertThat(again.reasonCode).isEqualTo(r.reasonCode);
            assertThat(again.message).isEqualTo(r.message);
            assertThat(again.payload).isEqualTo(r.payload);
            assertThat(again.provenance.index).isZero();
        }
    }

    /**
     * A line made to multiply its bytes: long checked tags (a raised payload limit lets the line
     * be large) and thousands of bad fields, which would each repeat them were they refused one
     * by one. Grouped, the rejections are a few, and their payloads together at most twice the
     * record: each holds the line's series once and its own fields.
     */
    @Test
    void aLineOfThousandsOfBadFieldsCostsAtMostAFewCopiesOfItself() {
        InfluxLineDecoder large = decoder(Map.of(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "8388608"),
                InfluxPrecision.NS);
        StringBuilder line = new StringBuilder("m");
        for (int t = 0; t < 64; t++) {
            line.append(",t").append(t).append('=').append("v".repeat(1024));
        }
        int seriesBytes = line.length();
        List<String> strings = new ArrayList<>();
        List<String> infinite = new ArrayList<>();
        line.append(' ');
        for (int f = 0; f < 2_000; f++) {
            String string = "s" + f + "=\"" + "x".repeat(f % 50) + "\"";
            String inf = "i" + f + "=1e400";
            strings.add(string);
            infinite.add(inf);
            line.append(string).append(',').append(inf).append(',');
        }
        line.append("ok=1 ").append(T);
        // A second line whose measurement alone is too long a name: every field of it refused.
        StringBuilder named = new StringBuilder("m".repeat(200_000)).append(' ');
        for (int f = 0; f < 2_000; f++) {
            named.append(f == 0 ? "" : ",").append("f").append(f).append("=1");
        }
        byte[] value = (line + "\n" + named).getBytes(StandardCharsets.UTF_8);
        List<Either<RejectedRecord, MetricPoint>> out = decode(large, raw(value, null));

        assertThat(out).hasSize(4);
        assertThat(show(out.get(0))).startsWith("#0 default m_ok{t0=v");
        long payloadBytes = 0;
        for (int i = 1; i < out.size(); i++) {
            RejectedRecord r = out.get(i).left();
            assertThat(r.provenance.index).isEqualTo(i);
            payloadBytes += r.payload.length;
        }
        assertThat(payloadBytes).isLessThanOrEqualTo(2L * value.length);
        String series = line.substring(0, seriesBytes);
        RejectedRecord wrongType = out.get(1).left();
        assertThat(wrongType.reasonCode).isEqualTo("wrong_type");
        assertThat(wrongType.message).endsWith(" (and 1,999 more fields of the line with the same reason)");
        assertThat(new String(wrongType.payload, StandardCharsets.UTF_8))
                .isEqualTo(series + " " + String.join(",", strings) + " " + T);
        RejectedRecord nonFinite = out.get(2).left();
        assertThat(nonFinite.reasonCode).isEqualTo("non_finite_value");
        assertThat(new String(nonFinite.payload, StandardCharsets.UTF_8))
                .isEqualTo(series + " " + String.join(",", infinite) + " " + T);
        RejectedRecord invalidName = out.get(3).left();
        assertThat(invalidName.reasonCode).isEqualTo("invalid_metric_name");
        assertThat(invalidName.payload).isEqualTo(named.toString().getBytes(StandardCharsets.UTF_8));
        // Produced again, each payload is its parts again: refused whole, nothing accepted.
        for (RejectedRecord r : List.of(wrongType, nonFinite, invalidName)) {
            RejectedRecord again = onlyRejection(decode(large, raw(r.payload, null)));
            assertThat(again.reasonCode).isEqualTo(r.reasonCode);
            assertThat(again.payload).isEqualTo(r.payload);
        }
    }

    /**
     * A line of long tags ({@code tags} of 1 KiB) whose bad fields are of every reason a field is
     * refused for, and a good one: grouped, its five rejections each still repeat the tags.
     */
    private static String fiveReasonLine(int n, int tags) {
        StringBuilder line = new StringBuilder("chronicle_dead_letters");
        for (int t = 0; t < tags; t++) {
            line.append(",t").append(t).append('=').append(n).append("v".repeat(1020));
        }
        return line.append(" ok=1,s=\"x\",per_second=2,i=1e400,o=1.7976931348623157e308,")
                .append("f".repeat(300)).append("=3 ").append(T).toString();
    }

    private static long payloadBytes(List<Either<RejectedRecord, MetricPoint>> out) {
        return out.stream().filter(Either::isLeft).mapToLong(e -> e.left().payload.length).sum();
    }

    /**
     * The worst a record can do with grouping per line: many lines of long tags, each with bad
     * fields of five reasons, whose rejections would take five times the record. Past the budget
     * of twice the record and 64 KiB, the record is refused whole, as received, for the reason of
     * its first refused part; none of its points is emitted, they are in that payload.
     */
    @Test
    void aRecordWhoseRefusedFieldsWouldTakeMoreThanTwiceItsBytesIsRefusedWhole() {
        InfluxLineDecoder large = decoder(Map.of(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "8388608"),
                InfluxPrecision.NS);
        StringBuilder lines = new StringBuilder("cpu,host=a usage=1 " + T);
        for (int n = 0; n < 100; n++) {
            lines.append('\n').append(fiveReasonLine(n, 64));
        }
        byte[] value = lines.toString().getBytes(StandardCharsets.UTF_8);
        List<Either<RejectedRecord, MetricPoint>> out = decode(large, raw(value, null));

        RejectedRecord whole = onlyRejection(out);
        assertThat(whole.payload).isSameAs(value);
        assertThat(whole.provenance.index).isZero();
        assertThat(whole.reasonCode).isEqualTo("wrong_type");
        assertThat(whole.message).isEqualTo("refused whole: its refused parts (first: field 's' is a string;"
                + " Chronicle keeps numbers (floats, integers and booleans) only) would take more than twice"
                + " the record's bytes");
        // Its lines may name several tenants: the record's, as for any record refused whole.
        assertThat(whole.tenant).isNull();
        assertThat(payloadBytes(out)).isLessThanOrEqualTo(2L * value.length + 64 * 1024);
        // One line of fewer tags alone is kept in parts: five rejections of its tags, within the 64 KiB slack.
        byte[] one = fiveReasonLine(0, 8).getBytes(StandardCharsets.UTF_8);
        List<Either<RejectedRecord, MetricPoint>> parts = decode(large, raw(one, null));
        assertThat(show(parts)).hasSize(6).first().asString().startsWith("#0 default chronicle_dead_letters_ok{t0=0v");
        assertThat(parts.subList(1, 6).stream().map(e -> e.left().reasonCode)).containsExactly("wrong_type",
                "reserved_metric_name", "non_finite_value", "value_out_of_range", "invalid_metric_name");
        System.out.printf("line protocol, 100 lines of 5 reasons: %,d bytes; one line's parts take %.2fx its"
                + " bytes; the record's payloads %.2fx%n", value.length, (double) payloadBytes(parts) / one.length,
                (double) payloadBytes(out) / value.length);
    }

    /**
     * A record whose refused parts take just less than the budget keeps them, and its points;
     * one line more and it is refused whole.
     */
    @Test
    void aRecordJustUnderTheBudgetKeepsItsRefusedPartsAndPoints() {
        InfluxLineDecoder large = decoder(Map.of(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "8388608"),
                InfluxPrecision.NS);
        List<Either<RejectedRecord, MetricPoint>> kept = null;
        int lines = 0;
        while (true) {
            StringBuilder record = new StringBuilder("cpu,host=a usage=1 " + T);
            for (int n = 0; n <= lines; n++) {
                record.append('\n').append(fiveReasonLine(n, 8));
            }
            byte[] value = record.toString().getBytes(StandardCharsets.UTF_8);
            List<Either<RejectedRecord, MetricPoint>> out = decode(large, raw(value, null));
            long limit = 2L * value.length + 64 * 1024;
            if (out.size() == 1) {
                assertThat(out.get(0).left().payload).isSameAs(value);
                assertThat(out.get(0).left().message).startsWith("refused whole: ");
                break;
            }
            lines++;
            kept = out;
            long payloads = payloadBytes(out);
            assertThat(payloads).isLessThanOrEqualTo(limit);
            // The line after is refused whole: its five parts would pass the budget.
            System.out.printf("line protocol, %d lines of 5 reasons kept in parts: payloads %,d of a budget of %,d%n",
                    lines, payloads, limit);
        }
        assertThat(lines).isGreaterThanOrEqualTo(2);
        // The good line and each line's good field are points; each line's five reasons a rejection.
        assertThat(kept).hasSize(1 + 6 * lines);
        assertThat(show(kept.get(0))).isEqualTo("#0 default cpu_usage{host=a} 1.0 @" + T_MICROS);
        for (int n = 0; n < lines; n++) {
            assertThat(show(kept.get(1 + 6 * n))).startsWith("#" + (1 + 6 * n) + " default chronicle_dead_letters_ok{");
            for (int g = 2; g <= 6; g++) {
                assertThat(kept.get(6 * n + g).isLeft()).isTrue();
                assertThat(kept.get(6 * n + g).left().provenance.index).isEqualTo(6 * n + g);
            }
        }
    }

    // ---- names -------------------------------------------------------------------------------

    @Test
    void sanitizesNamesAsTelegrafsPrometheusOutputDoes() {
        assertThat(decodeShown("1cpu.load-avg,host.name=a,9x=b,zoné=c,ok:no=d last-1m=1,a:b=2 " + T))
                .containsExactly(
                        "#0 default _1cpu_load_avg_last_1m{_9x=b, host_name=a, ok_no=d, zon_=c} 1.0 @" + T_MICROS,
                        "#1 default _1cpu_load_avg_a:b{_9x=b, host_name=a, ok_no=d, zon_=c} 2.0 @" + T_MICROS);
        // A character beyond the BMP is one underscore, as Telegraf replaces runes.
        assertThat(decodeShown("m\uD83D\uDE00 value=1 " + T)).containsExactly("#0 default m_{} 1.0 @" + T_MICROS);
        assertThat(decodeShown("m value=1,\"q\"=2 " + T)).containsExactly(
                "#0 default m{} 1.0 @" + T_MICROS,
                "#1 default m__q_{} 2.0 @" + T_MICROS);
    }

    @Test
    void refusesTwoTagsThatBecomeOneName() {
        RejectedRecord r = onlyRejection(decode(decoder, raw("cpu,a-b=1,a.b=2 v=1 " + T)));
        assertThat(r.reasonCode).isEqualTo("invalid_tag");
        assertThat(r.message).isEqualTo("tags 'a-b' and 'a.b' are both named 'a_b' in Prometheus");
        assertThat(r.payload).isEqualTo(("cpu,a-b=1,a.b=2 v=1 " + T).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void refusesTheHealthSeriesNamesFieldByField() {
        assertThat(HealthRules.METRICS).contains("chronicle_dead_letters_per_second");
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(
                "chronicle_dead_letters_per_second value=1,x=2 " + T + "\n"
                        + "chronicle_dead_letters per_second=3 " + T));
        assertThat(show(out)).containsExactly(
                "#0 default chronicle_dead_letters_per_second_x{} 2.0 @" + T_MICROS,
                "#1 reserved_metric_name [default] chronicle_dead_letters_per_second value=1 " + T,
                "#2 reserved_metric_name [default] chronicle_dead_letters per_second=3 " + T);
        assertThat(out.get(1).left().message)
                .isEqualTo("metric name 'chronicle_dead_letters_per_second' is reserved for Chronicle's own health series");
    }

    @Test
    void refusesAMetricNameTooLongFieldByField() {
        String measurement = "m".repeat(250);
        assertThat(decodeShown(measurement + " abcd=1,abcde=2 " + T)).containsExactly(
                "#0 default " + measurement + "_abcd{} 1.0 @" + T_MICROS,
                "#1 invalid_metric_name [default] " + measurement + " abcde=2 " + T);
    }

    @Test
    void refusesTagsThePointsCannotHold() {
        assertThat(onlyRejection(decode(decoder, raw("cpu," + "k".repeat(257) + "=a v=1 " + T))).reasonCode)
                .isEqualTo("invalid_tag");
        assertThat(onlyRejection(decode(decoder, raw("cpu,k=" + "v".repeat(1025) + " v=1 " + T))).reasonCode)
                .isEqualTo("invalid_tag");
        assertThat(show(decode(decoder, raw("cpu,k=" + "v".repeat(1024) + " v=1 " + T)))).hasSize(1)
                .allSatisfy(s -> assertThat(s).startsWith("#0 default cpu_v"));
        RejectedRecord control = onlyRejection(decode(decoder, raw("cpu,k=a\tb v=1 " + T)));
        assertThat(control.reasonCode).isEqualTo("invalid_tag");
        assertThat(control.message).isEqualTo("value of tag 'k' holds a control character U+0009 at index 1");
    }

    @Test
    void refusesMoreTagsThanAllowed() {
        InfluxLineDecoder two = decoder(Map.of(ChronicleOptions.INGEST_MAX_TAGS.key(), "2"), InfluxPrecision.NS);
        List<Either<RejectedRecord, MetricPoint>> out = decode(two, raw(
                "cpu,a=1,b=2,c=3 v=1 " + T + "\n"
                        + "cpu,a=1,b=2,tenant=acme v=1 " + T));
        assertThat(show(out)).containsExactly(
                "#0 too_many_tags [default] cpu,a=1,b=2,c=3 v=1 " + T,
                "#1 acme cpu_v{a=1, b=2} 1.0 @" + T_MICROS);
        assertThat(out.get(0).left().message).isEqualTo("more than 2 tags");
    }

    // ---- tenants -----------------------------------------------------------------------------

    @Test
    void aTenantTagNamesTheLinesTenantInPayloadMode() {
        List<Either<RejectedRecord, MetricPoint>> out = decode(decoder, raw(
                ("cpu,tenant=acme,host=a v=1,s=\"x\" " + T + "\ncpu,host=a v=2 " + T).getBytes(StandardCharsets.UTF_8),
                "globex"));
        assertThat(show(out)).containsExactly(
                "#0 acme cpu_v{host=a} 1.0 @" + T_MICROS,
                "#1 wrong_type [acme] cpu,tenant=acme,host=a s=\"x\" " + T,
                "#2 globex cpu_v{host=a} 2.0 @" + T_MICROS);
        assertThat(out.get(0).right().seriesId)
                .isEqualTo(SeriesIdReference.xxh64Series("acme", "cpu_v", "host", "a"));
    }

    @Test
    void aTenantTagIsIgnoredAndDroppedInTheHeaderModes() {
        for (TenantSource source : new TenantSource[] {TenantSource.HEADER, TenantSource.HEADER_ONLY}) {
            InfluxLineDecoder header = decoder(
                    Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), source.toString()), InfluxPrecision.NS);
            List<Either<RejectedRecord, MetricPoint>> out = decode(header, raw(
                    ("cpu,tenant=acme,host=a v=1 " + T + "\ncpu,tenant=a/b v=2 " + T + "\nbad")
                            .getBytes(StandardCharsets.UTF_8), "globex"));
            assertThat(show(out)).as(source.toString()).containsExactly(
                    "#0 globex cpu_v{host=a} 1.0 @" + T_MICROS,
                    "#1 globex cpu_v{} 2.0 @" + T_MICROS,
                    "#2 malformed_line [globex] bad");
        }
        InfluxLineDecoder header = decoder(
                Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header"), InfluxPrecision.NS);
        assertThat(show(decode(header, raw("cpu,tenant=acme v=1 " + T))))
                .containsExactly("#0 default cpu_v{} 1.0 @" + T_MICROS);
        InfluxLineDecoder headerOnly = decoder(
                Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header-only"), InfluxPrecision.NS);
        RejectedRecord missing = onlyRejection(decode(headerOnly, raw("cpu,tenant=acme v=1 " + T)));
        assertThat(missing.reasonCode).isEqualTo("missing_tenant");
        assertThat(missing.provenance.index).isZero();
    }

    @Test
    void refusesLinesOfTenantsThatMayNotWrite() {
        InfluxLineDecoder allowlist = decoder(Map.of(ChronicleOptions.INGEST_TENANTS.key(), "acme;globex"),
                InfluxPrecision.NS);
        List<Either<RejectedRecord, MetricPoint>> out = decode(allowlist, raw(
                "cpu,tenant=acme v=1 " + T + "\n"
                        + "cpu,tenant=initech v=2 " + T + "\n"
                        + "cpu v=3 " + T + "\n"
                        + "cpu,tenant=chronicle v=4 " + T + "\n"
                        + "cpu,tenant=a/b v=5 " + T));
        assertThat(show(out)).containsExactly(
                "#0 acme cpu_v{} 1.0 @" + T_MICROS,
                "#1 tenant_not_allowed [null] cpu,tenant=initech v=2 " + T,
                "#2 tenant_not_allowed [null] cpu v=3 " + T,
                "#3 reserved_tenant [null] cpu,tenant=chronicle v=4 " + T,
                "#4 invalid_field [null] cpu,tenant=a/b v=5 " + T);
        assertThat(out.get(1).left().message).isEqualTo("tenant 'initech' is not in chronicle.ingest.tenants");
        // With an allowed tenant header, a refused line's row carries the header's tenant.
        assertThat(show(decode(allowlist, raw(("cpu,tenant=initech v=2 " + T).getBytes(StandardCharsets.UTF_8), "globex"))))
                .containsExactly("#0 tenant_not_allowed [globex] cpu,tenant=initech v=2 " + T);
        // In header mode a tenant that may not write is refused with the whole record.
        InfluxLineDecoder header = decoder(Map.of(ChronicleOptions.INGEST_TENANTS.key(), "acme",
                ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header"), InfluxPrecision.NS);
        RawRecord globex = raw(("cpu v=1 " + T + "\ncpu v=2 " + T).getBytes(StandardCharsets.UTF_8), "globex");
        List<Either<RejectedRecord, MetricPoint>> refused = decode(header, globex);
        assertThat(onlyRejection(refused).reasonCode).isEqualTo("tenant_not_allowed");
        assertThat(refused.get(0).left().payload).isSameAs(globex.value);
        assertThat(refused.get(0).left().tenant).isNull();
    }

    // ---- whole records -----------------------------------------------------------------------

    @Test
    void refusesEmptyAndOversizedRecordsWhole() {
        for (RawRecord empty : new RawRecord[] {raw((String) null), raw("")}) {
            RejectedRecord r = onlyRejection(decode(decoder, empty));
            assertThat(r.reasonCode).isEqualTo("empty_payload");
            assertThat(r.message).isEqualTo("record has no value");
            assertThat(r.provenance.index).isZero();
            assertThat(r.payload).isSameAs(empty.value);
        }
        InfluxLineDecoder small = decoder(Map.of(ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "64"),
                InfluxPrecision.NS);
        RawRecord big = raw("cpu v=1 " + T + "\n" + "cpu v=2 " + T + "\n" + "cpu v=3 " + T + "\n");
        RejectedRecord r = onlyRejection(decode(small, big));
        assertThat(r.reasonCode).isEqualTo("oversized_payload");
        assertThat(r.message).isEqualTo("record is 84 bytes, more than the 64 allowed");
        assertThat(r.payload).isSameAs(big.value);
        assertThat(r.tenant).isNull();
        // A record of only comments and blank lines holds nothing: refused as empty, whole.
        RawRecord comments = raw("# nothing\n\n   \r\n");
        RejectedRecord none = onlyRejection(decode(decoder, comments));
        assertThat(none.reasonCode).isEqualTo("empty_payload");
        assertThat(none.message).isEqualTo("record holds no line of line protocol, only blank lines and comments");
        assertThat(none.provenance.index).isZero();
        assertThat(none.payload).isSameAs(comments.value);
    }

    @Test
    void refusesAnInvalidTenantHeaderWithTheWholeRecord() {
        RawRecord twoHeaders = new RawRecord("telegraf", 0, 1L, KAFKA_TS_MILLIS,
                new byte[][] {"a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8)},
                "cpu v=1".getBytes(StandardCharsets.UTF_8));
        assertThat(onlyRejection(decode(decoder, twoHeaders)).reasonCode).isEqualTo("invalid_field");
    }

    // ---- never throws ------------------------------------------------------------------------

    @Test
    void anUnexpectedErrorRefusesItsLineAndDecodingGoesOn() {
        // No default tenant: resolving a line that names none fails as Chronicle never expects.
        NormalizerSettings broken = new NormalizerSettings(64 * 1024, 64, 0L, 120_000_000L,
                new TenantRules(TenantSource.PAYLOAD_THEN_HEADER, "tenant", null, Set.of()));
        List<Either<RejectedRecord, MetricPoint>> out = decode(new InfluxLineDecoder(broken, InfluxPrecision.NS),
                raw("cpu v=1 " + T + "\ncpu,tenant=acme v=2,w=3 " + T));
        assertThat(show(out)).containsExactly(
                "#0 unexpected_error [null] cpu v=1 " + T,
                "#1 acme cpu_v{} 2.0 @" + T_MICROS,
                "#2 acme cpu_w{} 3.0 @" + T_MICROS);
        assertThat(out.get(0).left().message).startsWith("java.lang.NullPointerException");
    }

    @Test
    void isSerializableAndDecodesTheSameAfterwards() throws Exception {
        String value = "cpu,host=a v=1,s=\"x\" " + T + "\nbad";
        List<String> before = decodeShown(value);
        InfluxLineDecoder copy = InstantiationUtil.clone(decoder);
        assertThat(show(decode(copy, raw(value)))).isEqualTo(before).hasSize(3);
    }

    /**
     * Valid lines mutated byte by byte, and random bytes: the decoder never throws nor fails
     * unexpectedly, numbers what it emits 0..n-1, emits only points that pass every check again,
     * and keeps in each part's rejection a payload that is refused again whole for the same
     * reason; the refused fields of a line, one rejection per reason, regroup to themselves.
     */
    @Test
    void survivesMutatedLinesAndRandomBytes() {
        String[] seeds = {
                "cpu,cpu=cpu0,host=server01 usage_idle=99.5,usage_user=0.3 " + T,
                "mem,host=h available=1024i,used_percent=12.5 " + T,
                "system,host=h uptime=1234i,uptime_format=\"0 days, 0:20\" " + T,
                "disk,path=/,device=sda1 free=1u,inodes_used=3i " + T,
                "net,iface=eth0 up=true,down=F " + T,
                "temperature,room=k\\ 1 value=21.5",
                "my\\ m\\,x,tag\\ k=a\\,b\\=c,x.y=é f\\=x=1.5e3,s=\"q\\\"\\\\\" " + T,
                "cpu,tenant=acme,host=a v=-1.,w=.5E-3 1700000000000000001",
                "# a comment",
                "m,a=1,b=2,c=3 x=18446744073709551615u,y=-9223372036854775808i",
                "m,a=1,b=2,c=3,d=4 x=1",
        };
        byte[] specials = {' ', ',', '=', '\\', '"', '\n', '\r', '#', 0, 't', 'i', 'u', 'e', '.', '-', '+', '9',
                (byte) 0xC3, (byte) 0xA9, (byte) 0x80, (byte) 0xFF, (byte) 0xED, (byte) 0xF0, 0x7F, '\t'};
        InfluxLineDecoder[] decoders = {
                decoder(Map.of(ChronicleOptions.INGEST_MAX_TAGS.key(), "3"), InfluxPrecision.NS),
                decoder(Map.of(ChronicleOptions.INGEST_TENANT_SOURCE.key(), "header",
                        ChronicleOptions.INGEST_TENANTS.key(), "acme;default;globex"), InfluxPrecision.US),
                decoder(Map.of(ChronicleOptions.INGEST_TENANTS.key(), "acme;globex",
                        ChronicleOptions.INGEST_MAX_PAYLOAD_BYTES.key(), "300"), InfluxPrecision.MS),
        };
        Set<String> codes = Arrays.stream(RejectReason.values()).map(RejectReason::code).collect(Collectors.toSet());
        Map<String, Integer> seen = new HashMap<>();
        Random random = new Random(0x1F1_0E_2026L);
        int points = 0;
        int fieldRejections = 0;
        int wholes = 0;
        for (int c = 0; c < 20_000; c++) {
            byte[] value;
            if (c % 10 == 0) {
                value = new byte[random.nextInt(40)];
                for (int i = 0; i < value.length; i++) {
                    value[i] = random.nextBoolean() ? specials[random.nextInt(specials.length)] : (byte) random.nextInt(256);
                }
            } else {
                ByteArrayOutputStream lines = new ByteArrayOutputStream();
                for (int n = 1 + random.nextInt(4); n > 0; n--) {
                    lines.writeBytes(seeds[random.nextInt(seeds.length)].getBytes(StandardCharsets.UTF_8));
                    lines.write(random.nextInt(4) == 0 ? '\r' : '\n');
                    lines.write('\n');
                }
                value = mutate(lines.toByteArray(), random, specials);
            }
            String header = switch (random.nextInt(4)) {
                case 0 -> "globex";
                case 1 -> "a/b";
                default -> null;
            };
            InfluxLineDecoder decoder = decoders[c % decoders.length];
            RawRecord raw = raw(value, header);
            List<Either<RejectedRecord, MetricPoint>> out;
            try {
                out = decode(decoder, raw);
            } catch (Throwable t) {
                throw new AssertionError("case " + c + " threw on " + Arrays.toString(value), t);
            }
            long partBytes = 0;
            for (int i = 0; i < out.size(); i++) {
                Either<RejectedRecord, MetricPoint> item = out.get(i);
                String context = "case " + c + " item " + i + " of " + new String(value, StandardCharsets.UTF_8);
                if (item.isRight()) {
                    points++;
                    checkPoint(item.right(), i, decoder, context);
                    continue;
                }
                RejectedRecord r = item.left();
                seen.merge(r.reasonCode, 1, Integer::sum);
                assertThat(r.provenance.index).as(context).isEqualTo(i);
                assertThat(codes).as(context).contains(r.reasonCode);
                assertThat(r.reasonCode).as(context + ": " + r.message).isNotEqualTo("unexpected_error");
                assertThat(r.message).as(context).isNotBlank();
                assertThat(r.payload).as(context).isNotNull();
                if (r.payload == raw.value) {
                    // The record whole: refused before its lines were read, or its refused parts
                    // past the budget; at index 0 and alone either way.
                    assertThat(out).as(context).hasSize(1);
                    assertThat(r.provenance.index).as(context).isZero();
                    if (FIELD_REASONS.contains(r.reasonCode) || r.message.startsWith("refused whole: ")) {
                        assertThat(r.message).as(context).startsWith("refused whole: its refused parts (first: ");
                        wholes++;
                    }
                } else {
                    partBytes += r.payload.length;
                    // A part's payload is a line of its own, refused again whole for the same reason.
                    List<Either<RejectedRecord, MetricPoint>> again = decode(decoder, raw(r.payload, header));
                    assertThat(again).as(context).hasSize(1);
                    assertThat(again.get(0).isLeft()).as(context).isTrue();
                    assertThat(again.get(0).left().reasonCode).as(context).isEqualTo(r.reasonCode);
                    if (FIELD_REASONS.contains(r.reasonCode)) {
                        // The refused fields of one reason, a line that regroups to itself.
                        assertThat(again.get(0).left().payload).as(context).isEqualTo(r.payload);
                        assertThat(again.get(0).left().message).as(context).isEqualTo(r.message);
                        fieldRejections++;
                    }
                }
            }
            // The budget: the payloads of the refused parts take at most twice the record and 64 KiB.
            assertThat(partBytes).as("case " + c).isLessThanOrEqualTo(2L * value.length + 64 * 1024);
        }
        // The records are small: none passes the budget.
        assertThat(wholes).isZero();
        // The cases reach both outcomes and the line's refusals, not only one.
        assertThat(points).isGreaterThan(5_000);
        assertThat(fieldRejections).isGreaterThan(500);
        assertThat(seen).containsKeys("malformed_line", "invalid_utf8", "wrong_type", "invalid_tag",
                "too_many_tags", "tenant_not_allowed", "invalid_field", "oversized_payload");
    }

    private static void checkPoint(MetricPoint p, int index, InfluxLineDecoder decoder, String context) {
        assertThat(p.provenance.index).as(context).isEqualTo(index);
        assertThat(p.metric).as(context).matches(METRIC_NAME).hasSizeLessThanOrEqualTo(255);
        assertThat(HealthRules.METRICS).as(context).doesNotContain(p.metric);
        assertThat(p.tags).as(context).isInstanceOf(TreeMap.class).doesNotContainKey("tenant")
                .hasSizeLessThanOrEqualTo(64);
        p.tags.forEach((k, v) -> {
            assertThat(k).as(context).matches(LABEL_NAME);
            assertThat(v).as(context).isNotEmpty().hasSizeLessThanOrEqualTo(1024);
            assertThat(Texts.invalidAt(v, true)).as(context).isNegative();
        });
        assertThat(Double.isFinite(p.value) && SketchCodec.holds(p.value)).as(context).isTrue();
        assertThat(TenantNames.isValid(p.tenant)).as(context).isTrue();
        assertThat(p.timestampMicros).as(context).isBetween(946_684_800_000_000L, NOW_MICROS + 120_000_000L);
        assertThat(p.seriesId).as(context).isEqualTo(new SeriesIds().seriesId(p.tenant, p.metric, (TreeMap<String, String>) p.tags));
        assertThat(p.provenance.ingestedAtMicros).as(context).isEqualTo(NOW_MICROS);
    }

    private static byte[] mutate(byte[] bytes, Random random, byte[] specials) {
        byte[] value = bytes.clone();
        for (int m = 1 + random.nextInt(3); m > 0 && value.length > 0; m--) {
            int at = random.nextInt(value.length);
            byte b = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : specials[random.nextInt(specials.length)];
            switch (random.nextInt(5)) {
                case 0 -> value[at] = b;
                case 1 -> value[at] ^= (byte) (1 << random.nextInt(8));
                case 2 -> value = concat(Arrays.copyOf(value, at), new byte[] {b}, Arrays.copyOfRange(value, at, value.length));
                case 3 -> value = concat(Arrays.copyOf(value, at), Arrays.copyOfRange(value, at + 1, value.length));
                default -> value = Arrays.copyOf(value, at);
            }
        }
        return value;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
