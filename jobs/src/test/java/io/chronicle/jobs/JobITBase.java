package io.chronicle.jobs;

import io.chronicle.core.EmbeddedCluster;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * What every job integration test class has: a MiniCluster configured as the embedded cluster,
 * and a real Kafka broker and S3-compatible server of its own.
 */
abstract class JobITBase {

    /**
     * Parent-first class loading: a job jar submitted to this cluster (as {@code flink run} does)
     * holds the Kafka connector and Kafka's client, which the test's classpath holds too, while a
     * cluster outside a test has neither on its own classpath. Jobs built in the test's own
     * process load everything from that classpath either way.
     */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(parentFirst(EmbeddedCluster.configuration()))
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    static Path tempDir;

    private static Configuration parentFirst(Configuration conf) {
        conf.set(CoreOptions.CLASSLOADER_RESOLVE_ORDER, "parent-first");
        return conf;
    }

    static ItServices services;

    @BeforeAll
    static void startServices() throws Exception {
        services = ItServices.start(tempDir);
    }

    @AfterAll
    static void stopServices() throws Exception {
        if (services != null) {
            services.close();
            services = null;
        }
    }
}
