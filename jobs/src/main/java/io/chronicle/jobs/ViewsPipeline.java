package io.chronicle.jobs;

import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.AgentMetricsRow;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.Event;
import io.chronicle.core.RejectedRecord;
import io.chronicle.core.TraceRow;
import io.chronicle.operators.views.AgentMetricsFunction;
import io.chronicle.operators.views.AgentSignal;
import io.chronicle.operators.views.HeartbeatSignals;
import io.chronicle.operators.views.TraceViewFunction;
import io.chronicle.sinks.IcebergSinks;
import io.chronicle.sinks.KafkaTopics;
import io.chronicle.sinks.RowConverters;
import io.chronicle.sinks.ViewTopicSink;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.iceberg.flink.CatalogLoader;

import java.io.IOException;

/**
 * The always-current views over the (deduplicated) events: {@code traces}, one row per trace,
 * and {@code agent_metrics}, one row per agent and UTC day, each upserted into Iceberg and
 * followed on a compacted Kafka topic.
 */
public final class ViewsPipeline {

    private ViewsPipeline() {}

    /** Adds the views to the events' job; returns the events refused: too late, or one too many for their trace. */
    public static DataStream<RejectedRecord> build(DataStream<Event> events, Configuration conf,
            CatalogLoader catalogLoader, String namespace) throws IOException {
        TableBootstrap.ensureTables(catalogLoader, namespace, ChronicleTable.TRACES,
                ChronicleTable.AGENT_METRICS);
        KafkaTopics.ensureCompacted(conf, conf.get(ChronicleOptions.TOPIC_TRACES));
        KafkaTopics.ensureCompacted(conf, conf.get(ChronicleOptions.TOPIC_AGENT_METRICS));

        SingleOutputStreamOperator<TraceRow> traces = events
                .filter(e -> !HeartbeatSignals.HEARTBEAT.equals(e.eventType))
                .name("trace-events")
                .uid("trace-events")
                .keyBy(TraceViewFunction::traceKey, Types.STRING)
                .process(new TraceViewFunction(
                                conf.get(ChronicleOptions.TRACES_INACTIVITY_TIMEOUT),
                                conf.get(ChronicleOptions.TRACES_TERMINAL_GRACE),
                                conf.get(ChronicleOptions.TRACES_STATE_TTL),
                                conf.get(ChronicleOptions.TRACES_MAX_EVENTS)),
                        TypeInformation.of(TraceRow.class))
                .name("traces")
                .uid("traces");

        DataStream<AgentSignal> heartbeats = events
                .filter(e -> HeartbeatSignals.HEARTBEAT.equals(e.eventType))
                .name("heartbeats")
                .uid("heartbeats")
                .flatMap(new HeartbeatSignals(), TypeInformation.of(AgentSignal.class))
                .name("heartbeat-signals")
                .uid("heartbeat-signals");
        SingleOutputStreamOperator<AgentMetricsRow> agents = traces
                .getSideOutput(TraceViewFunction.AGENT_SIGNALS)
                .union(heartbeats)
                .keyBy(AgentSignal::agentKey, Types.STRING)
                .process(new AgentMetricsFunction(conf.get(ChronicleOptions.AGENTS_DAY_GRACE)),
                        TypeInformation.of(AgentMetricsRow.class))
                .name("agent-metrics")
                .uid("agent-metrics");

        int upsertBufferRows = conf.get(ChronicleOptions.VIEWS_UPSERT_BUFFER_ROWS);
        IcebergSinks.write(traces, new RowConverters.TraceToRow(), ChronicleTable.TRACES,
                catalogLoader, namespace, upsertBufferRows);
        IcebergSinks.write(agents, new RowConverters.AgentMetricsToRow(), ChronicleTable.AGENT_METRICS,
                catalogLoader, namespace, upsertBufferRows);
        traces.sinkTo(ViewTopicSink.traces(conf)).name("topic-traces").uid("topic-traces");
        agents.sinkTo(ViewTopicSink.agentMetrics(conf)).name("topic-agent-metrics").uid("topic-agent-metrics");
        return traces.getSideOutput(TraceViewFunction.TOO_LATE)
                .union(traces.getSideOutput(TraceViewFunction.TOO_MANY_EVENTS));
    }
}
