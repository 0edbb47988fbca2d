package io.chronicle.operators.rollup;

import io.chronicle.core.MetricPoint;
import io.chronicle.core.Provenance;
import io.chronicle.core.rollup.RollupRow;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.event.WatermarkEvent;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.io.PushingAsyncDataInput;
import org.apache.flink.streaming.runtime.streamrecord.LatencyMarker;
import org.apache.flink.streaming.runtime.streamrecord.RecordAttributes;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.StatusWatermarkValve;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The 5 minute tier's subtasks feed every subtask of the hour's merge, which Flink's own
 * watermark valve combines. The sources fall quiet now and then and resume with event time far
 * ahead; the subtasks, the exchanges and the merge run in random order, each channel in its own
 * order. Every hour the merge writes must hold every sample of it.
 */
class TierIdlenessTest {

    private static final long SECOND = 1_000_000L;
    private static final long FIVE_MINUTES = 300 * SECOND;
    private static final long HOUR = 3_600 * SECOND;
    private static final long LATENESS = 60 * SECOND;
    private static final long TICK = 30 * SECOND;
    private static final int SUBTASKS = 2;
    private static final int SERIES = 8;

    @Test
    void everyHourHoldsEverySampleWhateverOrderTheSubtasksTakeAJumpAfterAQuietSpell() throws Exception {
        for (long seed = 1; seed <= 30; seed++) {
            Run run = new Run(seed, TierOperator::new);
            assertThat(run.hours()).as("seed %d", seed).isEqualTo(run.expectedHours());
        }
    }

    /**
     * Why the tiers keep their watermark status to themselves: with Flink passing a quiet
     * subtask's idleness on, the merge writes some hours before their last fine rows come.
     */
    @Test
    void passingIdlenessOnLetsTheMergeWriteAnHourBeforeItsLastFineRows() throws Exception {
        int writtenShort = 0;
        for (long seed = 1; seed <= 30; seed++) {
            Run run = new Run(seed, KeyedProcessOperator::new);
            if (!run.hours().equals(run.expectedHours())) {
                writtenShort++;
            }
        }
        assertThat(writtenShort).as("runs with an hour written short").isPositive();
    }

    /** One run: points, quiet spells and jumps, delivered in a random order. */
    private static final class Run {
        private final Random random;
        private final List<KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow>> fine = new ArrayList<>();
        private final List<ArrayDeque<Object>> fineInputs = new ArrayList<>();
        private final List<ArrayDeque<Object>> channels = new ArrayList<>();
        private final KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow> merge;
        private final StatusWatermarkValve valve = new StatusWatermarkValve(SUBTASKS);
        private final PushingAsyncDataInput.DataOutput<RollupRow> intoMerge;
        /** Series and hour start to the samples' values, in time order. */
        private final Map<String, List<Double>> samples = new TreeMap<>();
        private long offset;

        Run(long seed, Function<KeyedProcessFunction<Long, PointBatch, RollupRow>,
                KeyedProcessOperator<Long, PointBatch, RollupRow>> tierOperator) throws Exception {
            random = new Random(seed);
            for (int s = 0; s < SUBTASKS; s++) {
                var h = new KeyedOneInputStreamOperatorTestHarness<Long, PointBatch, RollupRow>(
                        tierOperator.apply(new SeriesRollupFunction(FIVE_MINUTES, Policies.lateness(LATENESS),
                                24 * HOUR, new CounterRule(Set.of()), 8)),
                        b -> b.seriesId, Types.LONG);
                h.open();
                fine.add(h);
                fineInputs.add(new ArrayDeque<>());
                channels.add(new ArrayDeque<>());
            }
            merge = new KeyedOneInputStreamOperatorTestHarness<>(
                    new KeyedProcessOperator<>(new TierMergeFunction(FIVE_MINUTES, HOUR, Policies.lateness(LATENESS))),
                    r -> r.seriesId, Types.LONG);
            merge.open();
            intoMerge = new MergeInput(merge);
            traffic();
            deliverInRandomOrder();
            for (ArrayDeque<Object> input : fineInputs) {
                input.add(Watermark.MAX_WATERMARK);
            }
            deliverInRandomOrder();
        }

        /**
         * Ten spells of traffic, each a point per series and tick and a watermark a tick behind,
         * then a quiet spell for every subtask's inputs and event time ahead by up to three hours.
         */
        private void traffic() {
            long now = 0;
            for (int spell = 0; spell < 10; spell++) {
                int ticks = 1 + random.nextInt(150);
                for (int t = 0; t < ticks; t++, now += TICK) {
                    for (int series = 0; series < SERIES; series++) {
                        long ts = now + random.nextInt((int) TICK);
                        double value = random.nextInt(1_000);
                        samples.computeIfAbsent(series + "@" + Math.floorDiv(ts, HOUR) * HOUR,
                                k -> new ArrayList<>()).add(value);
                        fineInputs.get(series % SUBTASKS).add(new StreamRecord<>(PointBatch.of(point(series, ts, value)),
                                ts / 1_000L));
                    }
                    broadcast(new Watermark((now - TICK) / 1_000L));
                }
                broadcast(WatermarkStatus.IDLE);
                now += random.nextInt(3 * (int) (HOUR / SECOND)) * SECOND;
                broadcast(WatermarkStatus.ACTIVE);
            }
        }

        private void broadcast(Object event) {
            fineInputs.forEach(input -> input.add(event));
        }

        private MetricPoint point(int series, long ts, double value) {
            MetricPoint p = new MetricPoint();
            p.tenant = "default";
            p.metric = "cpu";
            p.tags = new TreeMap<>(Map.of("host", "h" + series));
            p.seriesId = series;
            p.timestampMicros = ts;
            p.value = value;
            p.provenance = new Provenance("points", series % 4, offset++, 0);
            return p;
        }

        /** Runs a random subtask or channel one event on, until all are empty. */
        private void deliverInRandomOrder() throws Exception {
            List<ArrayDeque<Object>> queues = new ArrayList<>(fineInputs);
            queues.addAll(channels);
            while (queues.stream().anyMatch(q -> !q.isEmpty())) {
                int q = random.nextInt(queues.size());
                Object event = queues.get(q).poll();
                if (event == null) {
                    continue;
                }
                if (q < SUBTASKS) {
                    intoSubtask(q, event);
                } else {
                    intoValve(q - SUBTASKS, event);
                }
            }
        }

        @SuppressWarnings("unchecked")
        private void intoSubtask(int subtask, Object event) throws Exception {
            var h = fine.get(subtask);
            if (event instanceof Watermark w) {
                h.processWatermark(w);
            } else if (event instanceof WatermarkStatus status) {
                h.processWatermarkStatus(status);
            } else {
                h.processElement((StreamRecord<PointBatch>) event);
            }
            channels.get(subtask).addAll(h.getOutput());
            h.getOutput().clear();
        }

        @SuppressWarnings("unchecked")
        private void intoValve(int channel, Object event) throws Exception {
            if (event instanceof Watermark w) {
                valve.inputWatermark(w, channel, intoMerge);
            } else if (event instanceof WatermarkStatus status) {
                valve.inputWatermarkStatus(status, channel, intoMerge);
            } else {
                merge.processElement((StreamRecord<RollupRow>) event);
            }
        }

        /** Each hour the merge wrote: series and hour start to count, sum, min, max, first, last. */
        Map<String, String> hours() {
            Map<String, String> hours = new TreeMap<>();
            for (RollupRow row : merge.extractOutputValues()) {
                var a = row.aggregate;
                hours.put(row.seriesId + "@" + row.windowStartMicros, a.count + " " + a.totalSum() + " " + a.min
                        + " " + a.max + " " + a.firstValue + " " + a.lastValue);
            }
            return hours;
        }

        /** The same from the samples alone. */
        Map<String, String> expectedHours() {
            Map<String, String> hours = new TreeMap<>();
            samples.forEach((key, values) -> hours.put(key, values.size() + " "
                    + values.stream().mapToDouble(Double::doubleValue).sum() + " "
                    + values.stream().mapToDouble(Double::doubleValue).min().orElseThrow() + " "
                    + values.stream().mapToDouble(Double::doubleValue).max().orElseThrow() + " "
                    + values.get(0) + " " + values.get(values.size() - 1)));
            return hours;
        }
    }

    /** What the valve lets through, into the merge. */
    private record MergeInput(KeyedOneInputStreamOperatorTestHarness<Long, RollupRow, RollupRow> merge)
            implements PushingAsyncDataInput.DataOutput<RollupRow> {

        @Override
        public void emitRecord(StreamRecord<RollupRow> record) throws Exception {
            merge.processElement(record);
        }

        @Override
        public void emitWatermark(Watermark watermark) throws Exception {
            merge.processWatermark(watermark);
        }

        @Override
        public void emitWatermarkStatus(WatermarkStatus status) throws Exception {
            merge.processWatermarkStatus(status);
        }

        @Override
        public void emitLatencyMarker(LatencyMarker marker) {
            throw new UnsupportedOperationException("the valve passes on only watermarks and their statuses, not latency markers");
        }

        @Override
        public void emitRecordAttributes(RecordAttributes attributes) {
            throw new UnsupportedOperationException("the valve passes on only watermarks and their statuses, not record attributes");
        }

        @Override
        public void emitWatermark(WatermarkEvent watermark) {
            throw new UnsupportedOperationException("the valve passes on only watermarks and their statuses, not generalized watermarks");
        }
    }
}
