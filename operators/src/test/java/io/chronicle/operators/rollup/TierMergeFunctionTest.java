package io.chronicle.operators.rollup;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.rollup.RollupAggregate;
import io.chronicle.core.rollup.RollupRow;
import io.chronicle.core.rollup.SketchCodec;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** An hour built from twelve 5-minute rows equals the hour computed from the raw samples. */
class TierMergeFunctionTest {

    private static final long SECOND = 1_000_000L;
    private static final long FIVE_MINUTES = 300 * SECOND;
    private static final long HOUR = 3_600 * SECOND;
    private static final long LATENESS = 60 * SECOND;

    @Test
    void anHourFromFiveMinuteRowsMatchesTheHourFromRawSamples() throws Exception {
        var fine = new KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow>(
                new KeyedProcessOperator<>(new SeriesRollupFunction(FIVE_MINUTES, Policies.lateness(LATENESS),
                        10 * HOUR, new CounterRule(Set.of()), 8)),
                p -> p.seriesId, Types.LONG);
        var coarse = new KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow>(
                new KeyedProcessOperator<>(new TierMergeFunction(FIVE_MINUTES, HOUR, Policies.lateness(LATENESS))),
                r -> r.seriesId, Types.LONG);
        fine.open();
        coarse.open();

        Random random = new Random(11);
        int n = 3_600 / 5;
        long[] ts = new long[n];
        double[] values = new double[n];
        double counter = 0;
        for (int i = 0; i < n; i++) {
            ts[i] = i * 5 * SECOND;
            counter = random.nextInt(50) == 0 ? random.nextInt(10) : counter + random.nextInt(100);
            values[i] = counter;
            MetricPoint p = new MetricPoint();
            p.tenant = "default";
            p.metric = "requests_total";
            p.tags = new TreeMap<>(Map.of("host", "a"));
            p.seriesId = 42L;
            p.timestampMicros = ts[i];
            p.value = values[i];
            p.provenance = new Provenance("points", 0, i, 0);
            fine.processElement(new StreamRecord<>(PointBatch.of(p), ts[i] / 1000));
        }
        long watermarkMillis = (HOUR + LATENESS) / 1000;
        fine.processWatermark(watermarkMillis);
        List<RollupRow> fiveMinuteRows = fine.extractOutputValues();
        assertThat(fiveMinuteRows).hasSize(12);
        for (RollupRow row : fiveMinuteRows) {
            coarse.processElement(new StreamRecord<>(row, watermarkMillis - 1));
        }
        coarse.processWatermark(watermarkMillis);

        List<RollupRow> hours = coarse.extractOutputValues();
        assertThat(hours).hasSize(1);
        RollupAggregate hour = hours.get(0).aggregate;
        RollupAggregate reference = RollupAggregate.ofSortedSamples(ts, values, n, true, Double.NaN);
        assertThat(hours.get(0).windowStartMicros).isZero();
        assertThat(hours.get(0).windowEndMicros).isEqualTo(HOUR);
        assertThat(hour.count).isEqualTo(n);
        assertThat(hour.min).isEqualTo(reference.min);
        assertThat(hour.max).isEqualTo(reference.max);
        assertThat(hour.firstValue).isEqualTo(values[0]);
        assertThat(hour.lastValue).isEqualTo(values[n - 1]);
        assertThat(hour.lastTsMicros).isEqualTo(ts[n - 1]);
        assertThat(hour.totalSum()).isCloseTo(reference.totalSum(), within(Math.abs(reference.totalSum()) * 1e-12));
        assertThat(hour.totalIncrease()).isCloseTo(reference.totalIncrease(), within(reference.totalIncrease() * 1e-12));
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            double exact = sorted[(int) Math.floor(q * (n - 1))];
            assertThat(hour.quantile(q)).isCloseTo(exact, within(exact * SketchCodec.RELATIVE_ACCURACY + 1e-9));
        }
        assertThat(coarse.numKeyedStateEntries()).isZero();
        assertThat(coarse.numEventTimeTimers()).isZero();
        fine.close();
        coarse.close();
    }

    @Test
    void aFineRowAfterItsCoarseWindowWasWrittenIsCountedNotFatal() throws Exception {
        var coarse = new KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow>(
                new KeyedProcessOperator<>(new TierMergeFunction(FIVE_MINUTES, HOUR, Policies.lateness(LATENESS))),
                r -> r.seriesId, Types.LONG);
        coarse.open();
        RollupRow row = new RollupRow();
        row.tenant = "default";
        row.metric = "cpu";
        row.tags = Map.of();
        row.seriesId = 1L;
        row.windowStartMicros = 0;
        row.windowEndMicros = FIVE_MINUTES;
        row.aggregate = RollupAggregate.ofSortedSamples(new long[] {0}, new double[] {1}, 1, false, Double.NaN);
        coarse.processWatermark((HOUR + LATENESS) / 1000);
        coarse.processElement(new StreamRecord<>(row, 0));
        assertThat(coarse.extractOutputValues()).isEmpty();
        assertThat(coarse.numKeyedStateEntries()).isZero();
        coarse.close();
    }

    /** The extremes the normalizer accepts merge into an hour whose sums saturate, without failing. */
    @Test
    void rowsOfTheLargestAndSmallestValuesMergeWithoutFailing() throws Exception {
        var coarse = new KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow>(
                new KeyedProcessOperator<>(new TierMergeFunction(FIVE_MINUTES, HOUR, Policies.lateness(LATENESS))),
                r -> r.seriesId, Types.LONG);
        coarse.open();
        double max = SketchCodec.MAX_MAGNITUDE;
        double tiny = 3e-308;
        double[][] windows = {{max, max}, {tiny, -tiny}, {-max}};
        for (int w = 0; w < windows.length; w++) {
            double[] values = windows[w];
            long[] ts = new long[values.length];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = w * FIVE_MINUTES + i * SECOND;
            }
            RollupRow row = new RollupRow();
            row.tenant = "default";
            row.metric = "cpu";
            row.tags = Map.of();
            row.seriesId = 1L;
            row.windowStartMicros = w * FIVE_MINUTES;
            row.windowEndMicros = (w + 1) * FIVE_MINUTES;
            row.aggregate = RollupAggregate.ofSortedSamples(ts, values, values.length, false, Double.NaN);
            coarse.processElement(new StreamRecord<>(row, 0));
        }
        coarse.processWatermark((HOUR + LATENESS) / 1000);
        List<RollupRow> hours = coarse.extractOutputValues();
        assertThat(hours).hasSize(1);
        RollupAggregate hour = hours.get(0).aggregate;
        assertThat(hour.count).isEqualTo(5);
        assertThat(hour.min).isEqualTo(-max);
        assertThat(hour.max).isEqualTo(max);
        assertThat(hour.totalSum()).as("+Infinity from the first window meets -max: still +Infinity")
                .isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(hour.quantile(1)).isCloseTo(max, within(max * SketchCodec.RELATIVE_ACCURACY));
        assertThat(hour.quantile(0)).isCloseTo(-max, within(max * SketchCodec.RELATIVE_ACCURACY));
        assertThat(hour.quantile(0.5)).isCloseTo(tiny, within(tiny * SketchCodec.RELATIVE_ACCURACY));
        coarse.close();
    }

    @ParameterizedTest(name = "RocksDB: {0}")
    @ValueSource(booleans = {false, true})
    void manyHoursOfOneSeriesAreWrittenInOrderOverALongHistory(boolean rocksDb) throws Exception {
        var coarse = new KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow>(
                new KeyedProcessOperator<>(new TierMergeFunction(FIVE_MINUTES, HOUR, Policies.lateness(LATENESS))),
                r -> r.seriesId, Types.LONG);
        if (rocksDb) {
            coarse.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        coarse.open();
        int hours = 200;
        // Each 5-minute row arrives when the fine tier writes it: at its end plus the lateness.
        for (int i = 0; i < hours * 12; i++) {
            RollupRow row = new RollupRow();
            row.tenant = "default";
            row.metric = "cpu";
            row.tags = Map.of();
            row.seriesId = 1L;
            row.windowStartMicros = i * FIVE_MINUTES;
            row.windowEndMicros = (i + 1) * FIVE_MINUTES;
            row.aggregate = RollupAggregate.ofSortedSamples(
                    new long[] {row.windowStartMicros}, new double[] {i}, 1, false, Double.NaN);
            long writtenAtMillis = (row.windowEndMicros + LATENESS) / 1000;
            coarse.processElement(new StreamRecord<>(row, writtenAtMillis - 1));
            coarse.processWatermark(writtenAtMillis);
        }

        List<RollupRow> rows = coarse.extractOutputValues();
        assertThat(rows).hasSize(hours);
        List<String> unexpected = new ArrayList<>();
        for (int h = 0; h < hours; h++) {
            RollupRow row = rows.get(h);
            // The values 12h to 12h + 11.
            double sum = 12 * 12 * h + 66;
            if (row.windowStartMicros != h * HOUR || row.aggregate.count != 12
                    || row.aggregate.totalSum() != sum) {
                unexpected.add(h + ": " + row + " sum " + row.aggregate.totalSum());
            }
        }
        assertThat(unexpected).isEmpty();
        assertThat(coarse.numEventTimeTimers()).isZero();
        if (!rocksDb) {
            assertThat(coarse.numKeyedStateEntries()).isZero();
        }
        coarse.close();
    }

    /**
     * An hour restored from a version that merged each fine row's sketch into the open window as
     * it came (the window's row holds that sketch) takes the rows after the restore, one of them
     * for a fine window seen already, into a sketch equal to the one of every sample, bin for bin.
     */
    @ParameterizedTest(name = "RocksDB: {0}")
    @ValueSource(booleans = {false, true})
    void anHourRestoredWithItsSketchMergedSoFarTakesTheRestExactly(boolean rocksDb) throws Exception {
        var coarse = new KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow>(
                new KeyedProcessOperator<>(new TierMergeFunction(FIVE_MINUTES, HOUR, Policies.lateness(LATENESS))),
                r -> r.seriesId, Types.LONG);
        if (rocksDb) {
            coarse.setStateBackend(new EmbeddedRocksDBStateBackend());
        }
        coarse.open();
        Random random = new Random(5);
        List<RollupRow> fineRows = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        for (int w = 0; w < 12; w++) {
            fineRows.add(fiveMinutes(w, random, all));
        }
        fineRows.add(fiveMinutes(7, random, all));

        // What the earlier version held after the first four rows (the first becomes that hour):
        // their merge, sketch and all.
        RollupRow restored = fineRows.get(0);
        for (RollupRow row : fineRows.subList(1, 4)) {
            restored.aggregate = restored.aggregate.merge(row.aggregate);
        }
        restored.windowStartMicros = 0;
        restored.windowEndMicros = HOUR;
        KeyedStateBackend<Long> backend = ((AbstractStreamOperator<?>) coarse.getOperator()).getKeyedStateBackend();
        backend.setCurrentKey(1L);
        backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                        new MapStateDescriptor<>("open-coarse-windows", Types.LONG, TypeInformation.of(RollupRow.class)))
                .put(0L, restored);
        backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                        new ValueStateDescriptor<>("open-coarse-window-starts", TypeInformation.of(long[].class)))
                .update(new long[] {0L});
        for (RollupRow row : fineRows.subList(4, fineRows.size())) {
            coarse.processElement(new StreamRecord<>(row, 0));
        }
        coarse.processWatermark((HOUR + LATENESS) / 1000);

        List<RollupRow> hours = coarse.extractOutputValues();
        assertThat(hours).hasSize(1);
        RollupAggregate hour = hours.get(0).aggregate;
        assertThat(hour.count).isEqualTo(all.size());
        DDSketch reference = SketchCodec.newSketch();
        all.forEach(reference::accept);
        DDSketch written = SketchCodec.decode(hour.sketch);
        assertThat(written.getCount()).isEqualTo(all.size());
        for (double q = 0; q <= 1; q += 0.05) {
            assertThat(written.getValueAtQuantile(q)).as("quantile %s", q).isEqualTo(reference.getValueAtQuantile(q));
        }
        assertThat(coarse.numEventTimeTimers()).isZero();
        if (!rocksDb) {
            assertThat(coarse.numKeyedStateEntries()).as("the hour's state and its sketches let go").isZero();
        }
        coarse.close();
    }

    private static RollupRow fiveMinutes(int window, Random random, List<Double> all) {
        int n = 1 + random.nextInt(20);
        long[] ts = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            ts[i] = window * FIVE_MINUTES + i * SECOND;
            values[i] = random.nextGaussian() * 1_000;
            all.add(values[i]);
        }
        RollupRow row = new RollupRow();
        row.tenant = "default";
        row.metric = "cpu";
        row.tags = Map.of();
        row.seriesId = 1L;
        row.windowStartMicros = window * FIVE_MINUTES;
        row.windowEndMicros = (window + 1) * FIVE_MINUTES;
        row.aggregate = RollupAggregate.ofSortedSamples(ts, values, n, false, Double.NaN);
        return row;
    }

    @Test
    void refusesATierThatIsNotAMultipleOfItsSource() {
        assertThatThrownBy(() -> new TierMergeFunction(7 * 60 * SECOND, HOUR, Policies.lateness(LATENESS)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a multiple");
    }
}
