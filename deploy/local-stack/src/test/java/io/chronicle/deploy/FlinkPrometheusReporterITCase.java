package io.chronicle.deploy;

import io.chronicle.core.EmbeddedCluster;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Flink's Prometheus reporter as the local stack configures it, on the Flink 2.1 runtime (the
 * reporter is published for 2.0 only): it loads, binds its port and serves the cluster's metrics.
 */
class FlinkPrometheusReporterITCase {

    @Test
    void servesTheClustersMetrics() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Configuration conf = EmbeddedCluster.configuration();
        conf.setString("metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", Integer.toString(port));
        try (MiniCluster flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf).setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            flink.start();
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            List<String> lines = response.body().lines().filter(l -> !l.startsWith("#")).toList();
            assertThat(lines).anyMatch(l -> l.matches("flink_jobmanager_numRegisteredTaskManagers\\{.*} 1\\.0"));
            assertThat(lines).anyMatch(l -> l.matches("flink_jobmanager_taskSlotsTotal\\{.*} 2\\.0"));
        }
    }
}
