package io.chronicle.core;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChronicleJobTest {

    private static final String RECEIVER = "chronicle.alerts.receivers.ops.url";
    private static final String RECEIVER_TYPE = "chronicle.alerts.receivers.ops.type";

    @Test
    void aJobIsChosenByItsNameInAnyCaseAndIsTheAllInOneJobByDefault() {
        assertThat(ChronicleConfig.fromArgs(new String[0]).get(ChronicleOptions.JOB)).isEqualTo(ChronicleJob.ALL);
        assertThat(ChronicleConfig.fromArgs(new String[] {"--chronicle.job", "Rollups"}).get(ChronicleOptions.JOB))
                .isEqualTo(ChronicleJob.ROLLUPS);
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.job", "tiers"}))
                .hasMessageStartingWith("Invalid value for option 'chronicle.job'");
    }

    @Test
    void eachJobHasAStableNameAndAConsumerGroupOfItsOwnButAllReadsAsIngest() {
        Configuration conf = ChronicleConfig.fromArgs(new String[] {"--chronicle.kafka.group-id", "prod"});

        assertThat(ChronicleJob.INGEST.jobName()).isEqualTo("chronicle-ingest");
        assertThat(ChronicleJob.DELIVERY.jobName()).isEqualTo("chronicle-delivery");
        assertThat(ChronicleJob.ALL.jobName()).isEqualTo("chronicle-all");
        assertThat(ChronicleJob.INGEST.consumerGroup(conf)).isEqualTo("prod-ingest");
        assertThat(ChronicleJob.ROLLUPS.consumerGroup(conf)).isEqualTo("prod-rollups");
        assertThat(ChronicleJob.ALL.consumerGroup(conf)).isEqualTo("prod-ingest");
        // The default keeps the consumer group the single ingest job read under before the split.
        assertThat(ChronicleJob.INGEST.consumerGroup(new Configuration())).isEqualTo("chronicle-ingest");
    }

    @Test
    void theSplitJobsAreIngestAndEachCapabilitySwitchedOnWithDeliveryOnlyForAReceiver() {
        assertThat(ChronicleJob.split(ChronicleConfig.fromArgs(new String[0]))).containsExactly(
                ChronicleJob.INGEST, ChronicleJob.ROLLUPS, ChronicleJob.VIEWS, ChronicleJob.ALERTS,
                ChronicleJob.MAINTENANCE);
        assertThat(ChronicleJob.split(ChronicleConfig.fromArgs(new String[] {"--" + RECEIVER, "http://127.0.0.1:1/",
                "--" + RECEIVER_TYPE, "webhook"})))
                .containsExactly(ChronicleJob.INGEST, ChronicleJob.ROLLUPS, ChronicleJob.VIEWS,
                        ChronicleJob.ALERTS, ChronicleJob.DELIVERY, ChronicleJob.MAINTENANCE);
        assertThat(ChronicleJob.split(ChronicleConfig.fromArgs(new String[] {"--chronicle.rollup.enabled", "false",
                "--chronicle.alerts.enabled", "false", "--chronicle.maintenance.enabled", "false",
                "--" + RECEIVER, "http://127.0.0.1:1/", "--" + RECEIVER_TYPE, "webhook"})))
                .containsExactly(ChronicleJob.INGEST, ChronicleJob.VIEWS);
    }

    @Test
    void theMaintenanceJobReadsNoKafkaAndNeedsMaintenanceSwitchedOn() {
        assertThat(ChronicleJob.values()).filteredOn(job -> !job.readsKafka())
                .containsExactly(ChronicleJob.MAINTENANCE);
        assertThat(ChronicleJob.MAINTENANCE.jobName()).isEqualTo("chronicle-maintenance");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.job", "maintenance", "--chronicle.maintenance.enabled", "false"}))
                .hasMessage("Invalid value for option 'chronicle.job': the maintenance job needs"
                        + " 'chronicle.maintenance.enabled' true");
    }

    @Test
    void aCapabilitysJobNeedsTheCapabilitySwitchedOnNamingTheOptions() {
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.job", "views", "--chronicle.views.enabled", "false"}))
                .hasMessage("Invalid value for option 'chronicle.job': the views job needs"
                        + " 'chronicle.views.enabled' true");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {
                "--chronicle.job", "delivery", "--chronicle.alerts.enabled", "false", "--" + RECEIVER, "http://h/",
                "--" + RECEIVER_TYPE, "webhook"}))
                .hasMessage("Invalid value for option 'chronicle.job': the delivery job needs"
                        + " 'chronicle.alerts.enabled' true");
        assertThatThrownBy(() -> ChronicleConfig.fromArgs(new String[] {"--chronicle.job", "delivery"}))
                .hasMessage("Invalid value for option 'chronicle.job': the delivery job needs a receiver"
                        + " (chronicle.alerts.receivers.<name>.url)");
        // Ingest and the all-in-one job run whatever is switched off.
        for (String job : new String[] {"ingest", "all"}) {
            assertThat(ChronicleConfig.fromArgs(new String[] {"--chronicle.job", job, "--chronicle.rollup.enabled",
                    "false", "--chronicle.views.enabled", "false", "--chronicle.alerts.enabled", "false"})
                    .get(ChronicleOptions.JOB).toString()).isEqualTo(job);
        }
    }
}
