package io.chronicle.operators.views;

import io.chronicle.core.Event;
import io.chronicle.operators.state.StateLayout;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

import java.time.Duration;

/**
 * Passes each (tenant, event_id) once: producers redeliver, and nothing downstream may count an
 * event twice. The seen-marker expires after the TTL (processing time), which bounds the state;
 * RocksDB drops expired markers in compaction.
 */
public class EventDeduplicator extends KeyedProcessFunction<String, Event, Event>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private final StateLayout layout = new StateLayout("event deduplication");

    private final Duration ttl;

    private transient ValueState<Boolean> seen;
    private transient Counter duplicates;

    public EventDeduplicator(Duration ttl) {
        this.ttl = ttl;
    }

    /** The state key: an event id is unique within its tenant. */
    public static String eventKey(Event e) {
        return eventKey(e.tenant, e.eventId);
    }

    /** The state key of a tenant's event id. */
    public static String eventKey(String tenant, String eventId) {
        return tenant + '\u0000' + eventId;
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        layout.initialize(context);
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        layout.snapshot();
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<Boolean> descriptor = new ValueStateDescriptor<>("seen", Types.BOOLEAN);
        descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        seen = getRuntimeContext().getState(layout.reads(descriptor));
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateEvents");
        layout.verify(getRuntimeContext());
    }

    @Override
    public void processElement(Event event, Context ctx, Collector<Event> out) throws Exception {
        if (seen.value() != null) {
            duplicates.inc();
            return;
        }
        seen.update(Boolean.TRUE);
        out.collect(event);
    }
}
