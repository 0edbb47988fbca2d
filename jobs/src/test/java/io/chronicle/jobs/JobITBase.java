package io.chronicle.jobs;

import io.chronicle.core.EmbeddedCluster;
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

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setConfiguration(EmbeddedCluster.configuration())
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    static Path tempDir;

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
