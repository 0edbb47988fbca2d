package io.chronicle.deploy.k8s;

import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.WatchSettings;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * chronicle-watch on Kubernetes: its configuration is the jobs' own with every job's cluster to
 * watch, it runs the watch module's runnable jar with that file, serves its metrics where its
 * Service and probes look, and takes its credentials from the Secrets the clusters use.
 */
class WatchManifestTest {

    private static final String WATCH = "chronicle-watch";

    private final Deployment deployment = StrictParsing.parse(Manifests.get("Deployment", WATCH).node(), Deployment.class);
    private final Service service = StrictParsing.parse(Manifests.get("Service", WATCH).node(), Service.class);
    private final ConfigMap config = StrictParsing.parse(Manifests.get("ConfigMap", WATCH).node(), ConfigMap.class);
    private final FlinkDeployment ingest =
            StrictParsing.flinkDeployment(Manifests.get("FlinkDeployment", "chronicle-ingest").node());

    @TempDir
    Path dir;

    /** Every job is looked for in every job's cluster, through the REST Service the operator makes for it. */
    @Test
    void itWatchesEveryJobThroughItsClustersRestService() throws IOException {
        WatchSettings settings = WatchSettings.from(configuration());

        assertThat(settings.jobs).containsExactlyElementsOf(Manifests.JOBS);
        assertThat(settings.flinkRestUrls).containsExactlyElementsOf(Manifests.JOBS.stream()
                .map(job -> URI.create("http://" + job + "-rest:" + restPort(job))).toList());
        assertThat(settings.catchUpCheckpoints).isTrue();
    }

    /** The same Kafka, catalog, S3 and receivers as the jobs: their chronicle.* options, chronicle.job aside. */
    @Test
    void itReadsWhatTheJobsWriteAndAlertsTheirReceivers() throws IOException {
        Map<String, String> watcher = new TreeMap<>(configuration().toMap());
        watcher.keySet().removeIf(key -> key.startsWith("chronicle.watch."));
        Map<String, String> jobs = new TreeMap<>();
        ingest.getSpec().getFlinkConfiguration().forEach((key, value) -> {
            if (key.startsWith(ChronicleOptions.PREFIX) && !key.equals(ChronicleOptions.JOB.key())) {
                jobs.put(key, value);
            }
        });

        assertThat(watcher).isEqualTo(jobs);
    }

    @Test
    void itRunsTheRunnableJarWithTheMountedConfiguration() throws IOException {
        String jar = "chronicle-watch-" + Manifests.CHRONICLE_VERSION + "-runnable.jar";
        Container fetcher = pod().getInitContainers().get(0);
        Volume jarFolder = volume(fetcher.getVolumeMounts().get(0).getName());
        String folder = mountPathOf(jarFolder);
        List<String> command = watch().getCommand();

        assertThat(jarFolder.getEmptyDir()).isNotNull();
        assertThat(fetcher.getArgs()).hasSize(4).startsWith("s3", "cp");
        assertThat(fetcher.getArgs().get(2)).endsWith("/" + jar);
        assertThat(URI.create(fetcher.getArgs().get(2)).resolve("."))
                .isEqualTo(URI.create(ingest.getSpec().getJob().getJarURI()).resolve("."));
        assertThat(fetcher.getArgs().get(3)).isEqualTo(folder + "/" + jar);
        assertThat(command.get(0)).isEqualTo("java");
        assertThat(command.subList(command.indexOf("-jar"), command.size()))
                .containsExactly("-jar", folder + "/" + jar, "--config",
                        mountPathOf(volume(configVolumeName())) + "/chronicle.yaml");
        assertThat(watch().getImage()).isEqualTo(OperatorRules.expectedImage());
        assertThat(deployment.getSpec().getReplicas()).as("one watcher: two would send each alert twice").isEqualTo(1);
    }

    @Test
    void theServiceAndTheProbesReachTheMetricsEndpoint() throws IOException {
        WatchSettings settings = WatchSettings.from(configuration());
        ServicePort port = service.getSpec().getPorts().get(0);
        Integer containerPort = watch().getPorts().stream()
                .filter(p -> p.getName().equals(port.getTargetPort().getStrVal()))
                .findFirst().orElseThrow().getContainerPort();

        assertThat(settings.host).isEqualTo("0.0.0.0");
        assertThat(containerPort).isEqualTo(settings.port);
        assertThat(service.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getMetadata().getAnnotations()).containsEntry("prometheus.io/port", String.valueOf(settings.port));
        for (var probe : List.of(watch().getReadinessProbe(), watch().getLivenessProbe())) {
            assertThat(probe.getHttpGet().getPath()).isEqualTo("/metrics");
            assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo(port.getTargetPort().getStrVal());
        }
    }

    @Test
    void credentialsComeFromTheSecretsTheClustersUseAndNoneIsWrittenHere() {
        Container cluster = OperatorRules.mainContainer(ingest.getSpec().getPodTemplate()).orElseThrow();

        assertThat(Secrets.refs(watch().getEnv())).isEqualTo(Secrets.refs(cluster.getEnv()));
        assertThat(Secrets.refs(pod().getInitContainers().get(0).getEnv())).isEqualTo(Secrets.refs(cluster.getEnv()));
        assertThat(env(watch(), "PGPASSFILE")).isEqualTo(env(cluster, "PGPASSFILE"));
        Volume catalogDb = pod().getVolumes().stream().filter(volume -> volume.getSecret() != null).findFirst().orElseThrow();
        assertThat(env(watch(), "PGPASSFILE")).startsWith(mountPathOf(catalogDb) + "/");
        assertThat(pod().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod().getSecurityContext().getRunAsNonRoot()).isTrue();
        for (String kind : List.of("ConfigMap", "Deployment", "Service")) {
            assertThat(Secrets.findIn(Manifests.get(kind, WATCH).node())).as(kind).isEmpty();
        }
    }

    /** The watcher's configuration file as the program reads it, validated. */
    private Configuration configuration() throws IOException {
        assertThat(config.getData()).containsOnlyKeys("chronicle.yaml");
        Path file = dir.resolve("chronicle.yaml");
        Files.writeString(file, config.getData().get("chronicle.yaml"));
        return ChronicleConfig.validated(ChronicleConfig.fromArgs(new String[] {"--config", file.toString()}));
    }

    private int restPort(String job) {
        return Configuration.fromMap(StrictParsing.flinkDeployment(Manifests.get("FlinkDeployment", job).node())
                .getSpec().getFlinkConfiguration()).get(RestOptions.PORT);
    }

    private PodSpec pod() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    private Container watch() {
        return pod().getContainers().stream().filter(c -> c.getName().equals("watch")).findFirst().orElseThrow();
    }

    private String configVolumeName() {
        return pod().getVolumes().stream()
                .filter(volume -> volume.getConfigMap() != null && volume.getConfigMap().getName().equals(WATCH))
                .findFirst().orElseThrow().getName();
    }

    private Volume volume(String name) {
        return pod().getVolumes().stream().filter(volume -> volume.getName().equals(name)).findFirst().orElseThrow();
    }

    private String mountPathOf(Volume volume) {
        return watch().getVolumeMounts().stream()
                .filter(mount -> mount.getName().equals(volume.getName()))
                .map(VolumeMount::getMountPath)
                .findFirst().orElseThrow();
    }

    private static String env(Container container, String name) {
        return OperatorRules.env(container, name).map(EnvVar::getValue).orElse(null);
    }
}
