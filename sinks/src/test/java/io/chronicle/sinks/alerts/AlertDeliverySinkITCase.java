package io.chronicle.sinks.alerts;

import io.chronicle.core.EmbeddedCluster;
import io.chronicle.core.alerts.AlertNotification;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sink in a Flink job: the writer's state handling and metrics as Flink wires them. */
class AlertDeliverySinkITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    @Test
    void aBoundedJobDeliversEveryStateChangeBeforeItFinishes() throws Exception {
        try (TestReceiver hook = TestReceiver.accepting()) {
            Configuration conf = Configuration.fromMap(Map.of(
                    "chronicle.alerts.receivers.hook.type", "webhook",
                    "chronicle.alerts.receivers.hook.url", hook.url("/hook")));
            Configuration job = new Configuration();
            job.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job);
            env.setParallelism(1);
            // The final checkpoint at the end of input takes the writer's state through Flink.
            env.enableCheckpointing(100);
            env.fromData(TypeInformation.of(AlertNotification.class),
                            AlertDeliveryWriterTest.alert("Down", "a1", "pending"),
                            AlertDeliveryWriterTest.alert("Down", "a1", "firing"),
                            AlertDeliveryWriterTest.alert("Down", "a1", "firing"),
                            AlertDeliveryWriterTest.alert("Down", "a2", "firing"),
                            AlertDeliveryWriterTest.alert("Down", "a1", "resolved"))
                    .uid("alerts").name("alerts")
                    .sinkTo(AlertDeliverySink.fromConfig(conf).orElseThrow())
                    .uid("alert-delivery").name("alert-delivery");
            env.execute("alert delivery");

            assertThat(hook.accepted()).containsExactly("a1 firing", "a2 firing", "a1 resolved");
        }
    }
}
