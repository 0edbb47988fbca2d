package io.chronicle.operators.views;

import io.chronicle.core.Event;
import io.chronicle.core.Provenance;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

import java.util.Comparator;

/**
 * The deduplication of a replayed range of events, as the live job did it: of the range's events
 * with one key ({@link EventDeduplicator#eventKey}), the first in Kafka (lowest topic, partition
 * and offset) passes, and none passes when the table already holds the key outside the range (the
 * live job kept that one and dropped the range's). The first input is the range's events, the
 * second the keys of the table's rows outside the range. Each key's verdict is given at the end
 * of its input (a timer at the end of time, which a bounded input reaches), and its state cleared.
 */
public class ReplayDeduplicator extends KeyedCoProcessFunction<String, Event, String, Event> {
    private static final long serialVersionUID = 1L;

    private static final Comparator<Provenance> KAFKA_ORDER = Comparator
            .comparing((Provenance p) -> p.topic)
            .thenComparingInt(p -> p.partition)
            .thenComparingLong(p -> p.offset);

    private transient ValueState<Event> first;
    private transient ValueState<Boolean> inTable;

    @Override
    public void open(OpenContext openContext) {
        first = getRuntimeContext().getState(new ValueStateDescriptor<>("first", TypeInformation.of(Event.class)));
        inTable = getRuntimeContext().getState(new ValueStateDescriptor<>("in-table", Types.BOOLEAN));
    }

    @Override
    public void processElement1(Event event, Context ctx, Collector<Event> out) throws Exception {
        Event kept = first.value();
        if (kept == null) {
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        if (kept == null || KAFKA_ORDER.compare(event.provenance, kept.provenance) < 0) {
            first.update(event);
        }
    }

    @Override
    public void processElement2(String key, Context ctx, Collector<Event> out) throws Exception {
        if (first.value() == null && inTable.value() == null) {
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        inTable.update(Boolean.TRUE);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Event> out) throws Exception {
        if (inTable.value() == null && first.value() != null) {
            out.collect(first.value());
        }
        first.clear();
        inTable.clear();
    }
}
