package io.chronicle.bench;

import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.MaintenanceSettings;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The life suite's arithmetic: its days of input, its reference, its compressed settings, its summary. */
class LifeSuiteTest {

    private static Configuration conf(String... pairs) {
        List<String> args = new java.util.ArrayList<>(List.of("--series", "100", "--points-per-day", "2400",
                "--days", "3", "--traces-per-day", "20", "--agents", "8"));
        args.addAll(List.of(pairs));
        return BenchOptions.parse(args, new LifeSuite().options());
    }

    @Test
    void eachDayHoldsItsOwnPointsAndEventsAndTheReferenceCountsThemByDay() {
        LifeWorkload workload = new LifeWorkload(conf());
        // 24 samples a series a day: one an hour.
        assertThat(LifeWorkload.sampleInterval(conf())).isEqualTo(Duration.ofHours(1));
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        for (int day = 1; day <= 3; day++) {
            assertThat(workload.producePoints(producer, "points", day)).isEqualTo(2_400);
            workload.produceEvents(producer, "events", day);
        }
        // Every point of a day lies in that day.
        long start = LifeWorkload.dayStart(2).toEpochMilli();
        long end = LifeWorkload.dayStart(3).toEpochMilli();
        assertThat(producer.history().stream().filter(r -> r.topic().equals("points")).skip(2_400).limit(2_400)
                .mapToLong(r -> LifeWorkload.timestampOf(r.value())))
                .allMatch(ts -> ts >= start && ts < end);
        assertThat(workload.pointsProduced()).isEqualTo(7_200);
        assertThat(workload.pointsFrom(2)).isEqualTo(4_800);
        assertThat(workload.pointsBetween(1, 3)).isEqualTo(4_800);
        assertThat(workload.pointsBetween(-29, 1)).isZero();
        long events = producer.history().stream().filter(r -> r.topic().equals("events")).count();
        assertThat(workload.eventsProduced()).isEqualTo(events);
        assertThat(workload.firstTraceId()).isNotNull().doesNotStartWith("hb-");
        assertThat(workload.lastDays(2).records()).isNotNull();
    }

    @Test
    void pointsPerDayThatDoNotSampleEverySeriesEvenlyFailNamingTheOption() {
        assertThatThrownBy(() -> new LifeWorkload(conf("--points-per-day", "2450")))
                .hasMessageContaining("'points-per-day'").hasMessageContaining("'series'");
    }

    @Test
    void readsThePointsTimestampFromItsPayload() {
        byte[] json = "{\"metric\":\"m\",\"value\":1.5,\"timestamp\":1735693200000}".getBytes(StandardCharsets.UTF_8);
        assertThat(LifeWorkload.timestampOf(json)).isEqualTo(1_735_693_200_000L);
        assertThat(LifeWorkload.dayOf(LifeWorkload.START.toEpochMilli())).isEqualTo(1);
        assertThat(LifeWorkload.dayOf(LifeWorkload.dayStart(2).toEpochMilli() - 1)).isEqualTo(1);
        assertThat(LifeWorkload.dayOf(LifeWorkload.dayStart(2).toEpochMilli())).isEqualTo(2);
    }

    @Test
    void theMaintenanceSettingsAreTheSimulatedDaysFractionsAndValid() {
        Configuration conf = new Configuration();
        LifeRun.compress(conf, Duration.ofSeconds(48));
        MaintenanceSettings settings = MaintenanceSettings.from(conf);
        assertThat(settings.checkInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.compactionInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.snapshotsMaxAge()).isEqualTo(Duration.ofSeconds(48));
        assertThat(settings.snapshotsInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(settings.orphansMinAge()).isEqualTo(MaintenanceSettings.MIN_ORPHAN_AGE);
        // The job's own retention, by the wall clock, runs once at its start and not again.
        assertThat(conf.get(ChronicleOptions.RETENTION_INTERVAL)).isGreaterThan(Duration.ofDays(365));
    }

    @Test
    void theReferenceOfEachQuery() {
        LifeWorkload workload = new LifeWorkload(conf());
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer());
        for (int day = 1; day <= 3; day++) {
            workload.producePoints(producer, "points", day);
        }
        assertThat(LifeSuite.expected(LifeQueries.Query.RAW, workload, 3).exact()).containsExactly(7_200L);
        // The tier's 30 days before day 3: days 1 and 2, every series.
        assertThat(LifeSuite.expected(LifeQueries.Query.TIER, workload, 3).exact()).containsExactly(100L, 4_800L);
        assertThat(LifeSuite.expected(LifeQueries.Query.TIER, workload, 1).exact()).containsExactly(0L, 0L);
        assertThat(LifeSuite.expected(LifeQueries.Query.TRACE, workload, 3).exact()).containsExactly(1L);
    }

    @Test
    void answersAgreeOnExactFiguresAndOnSumsUpToTheirOrder() {
        List<List<Object>> trino = List.of(List.of(7L, 10L, 0.1), List.of(8L, 5L, 0.2));
        List<List<Object>> flink = List.of(List.of(8L, 5L, 0.2), List.of(7L, 10L, 0.1));
        LifeQueries.Answer a = LifeQueries.answer(LifeQueries.Query.TIER, trino);
        LifeQueries.Answer b = LifeQueries.answer(LifeQueries.Query.TIER, flink);
        assertThat(a.exact()).containsExactly(2L, 15L);
        assertThat(a.agrees(b)).isTrue();
        assertThat(a.agrees(LifeQueries.answer(LifeQueries.Query.TIER, List.of(List.of(7L, 10L, 0.1))))).isFalse();
        assertThat(LifeQueries.answer(LifeQueries.Query.RAW, List.of(java.util.Arrays.asList(0L, null))).exact())
                .containsExactly(0L);
        assertThat(LifeQueries.answer(LifeQueries.Query.TRACE, List.of()).exact()).containsExactly(0L);
    }

    @Test
    void theQueriesSayTheSameInBothDialects() {
        String trino = LifeQueries.sql(LifeQueries.Query.TIER, "life_on", LifeWorkload.dayStart(31), "t", true);
        String flink = LifeQueries.sql(LifeQueries.Query.TIER, "life_on", LifeWorkload.dayStart(31), "t", false);
        assertThat(trino).contains("chronicle.life_on.rollup_1h")
                .contains("from_iso8601_timestamp('2025-01-01T00:00:00Z')")
                .contains("from_iso8601_timestamp('2025-01-31T00:00:00Z')");
        assertThat(flink).contains(" life_on.rollup_1h").contains("TO_TIMESTAMP_LTZ(1735689600000, 3)");
    }

    @Test
    void curvesCompareEachFigureOnTheFirstDayPastItsWindowWithTheLastDay() {
        List<Map<String, Object>> on = new java.util.ArrayList<>();
        List<Map<String, Object>> off = new java.util.ArrayList<>();
        for (int day = 1; day <= 10; day++) {
            on.add(Map.of("day", day, "raw MB", (double) Math.min(day, 7), "load", 1.0));
            off.add(Map.of("day", day, "raw MB", (double) day, "load", 1.0));
        }
        List<Map<String, Object>> curves = LifeCurves.of(on, off);
        assertThat(curves).hasSize(1);
        Map<String, Object> raw = curves.get(0);
        assertThat(raw.get("W")).isEqualTo(8);
        assertThat(raw.get("on last ÷ W")).isEqualTo(1.0);
        assertThat(raw.get("off last ÷ W")).isEqualTo(10.0 / 8);
        assertThat(raw.get("off ÷ on, last")).isEqualTo(10.0 / 7);
        assertThat(LifeCurves.windowDay("5m files/part")).isEqualTo(15);
        assertThat(LifeCurves.windowDay("trino 1h 30 d ms")).isEqualTo(31);
    }
}
