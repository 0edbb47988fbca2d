package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleJob;
import io.chronicle.core.ChronicleOptions;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkSessionJob;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The manifests as one set: the kustomization, and what the jobs, the alternatives and the clusters share. */
class ManifestSetTest {

    private final FlinkDeployment ingest = deployment("chronicle-ingest");
    private final FlinkDeployment session = deployment("chronicle-session");

    /** {@code kubectl apply -k} applies every manifest but the session-job variants. */
    @Test
    void theKustomizationAppliesEveryManifestButTheSessionJobVariants() {
        List<Path> listed = new ArrayList<>();
        kustomization().path("resources").forEach(resource -> listed.add(Path.of(resource.asText())));
        List<Path> manifests = Manifests.files().stream().map(Manifests.DIR::relativize).toList();
        List<Path> sessionJobs = Manifests.JOBS.stream()
                .map(job -> Path.of("session/" + job + "-session-job.yaml")).toList();

        assertThat(manifests).containsAll(sessionJobs);
        assertThat(listed).doesNotContainAnyElementsOf(sessionJobs).containsExactlyInAnyOrderElementsOf(
                manifests.stream().filter(file -> !sessionJobs.contains(file)).toList());
    }

    @Test
    void everyManifestIsInTheKustomizationsNamespace() {
        String namespace = kustomization().path("namespace").asText();

        assertThat(namespace).isNotEmpty();
        assertThat(Manifests.documents()).allSatisfy(document -> assertThat(document.namespace()).isEqualTo(namespace));
    }

    /**
     * The deployments run the jobs that together do what the all-in-one job does, with one
     * configuration: every job normalizes as ingest does, reads the same topics and writes the
     * same catalog, so their chronicle.* options differ in chronicle.job alone.
     */
    @Test
    void theDeploymentsRunEverySplitJobWithOneConfiguration() {
        Map<String, String> shared = chronicleOptions(ingest.getSpec().getFlinkConfiguration());
        shared.remove(ChronicleOptions.JOB.key());
        Configuration conf = ChronicleConfig.validated(Configuration.fromMap(shared));

        assertThat(ChronicleJob.split(conf).stream().map(ChronicleJob::jobName)).containsExactlyElementsOf(Manifests.JOBS);
        for (String name : Manifests.JOBS) {
            Map<String, String> options = chronicleOptions(deployment(name).getSpec().getFlinkConfiguration());
            assertThat(options.remove(ChronicleOptions.JOB.key())).as(name).isEqualTo(name.substring("chronicle-".length()));
            assertThat(options).as(name).isEqualTo(shared);
            assertThat(deployment(name).getSpec().getJob().getEntryClass()).isEqualTo(ingest.getSpec().getJob().getEntryClass());
        }
    }

    /** Each session job is the same job as its application deployment's, configured the same way. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void eachSessionJobVariantRunsTheSameJobWithTheSameOptions(String name) {
        FlinkDeployment application = deployment(name);
        FlinkSessionJob sessionJob =
                StrictParsing.parse(Manifests.get("FlinkSessionJob", name).node(), FlinkSessionJob.class);
        JobSpec applicationJob = application.getSpec().getJob();
        JobSpec session = sessionJob.getSpec().getJob();

        assertThat(chronicleOptions(sessionJob.getSpec().getFlinkConfiguration()))
                .isEqualTo(chronicleOptions(application.getSpec().getFlinkConfiguration()));
        assertThat(session.getEntryClass()).isEqualTo(applicationJob.getEntryClass());
        assertThat(session.getParallelism()).isEqualTo(applicationJob.getParallelism());
        assertThat(session.getUpgradeMode()).isEqualTo(applicationJob.getUpgradeMode());
        assertThat(Path.of(session.getJarURI()).getFileName()).isEqualTo(Path.of(applicationJob.getJarURI()).getFileName());
        for (String key : List.of("pipeline.auto-generate-uids", "pipeline.max-parallelism",
                "execution.checkpointing.interval", "kubernetes.operator.periodic.savepoint.interval")) {
            assertThat(sessionJob.getSpec().getFlinkConfiguration().get(key))
                    .as(key).isEqualTo(application.getSpec().getFlinkConfiguration().get(key));
        }
    }

    static Stream<String> jobs() {
        return Manifests.JOBS.stream();
    }

    /** Every cluster runs the same image with the same pods, storage, Java and security settings. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void everyClusterSharesImagePodsAndClusterSettings(String name) {
        FlinkDeployment job = deployment(name);
        assertThat(session.getSpec().getImage()).isEqualTo(job.getSpec().getImage());
        assertThat(Manifests.get("FlinkDeployment", "chronicle-session").node().at("/spec/flinkVersion"))
                .isEqualTo(Manifests.get("FlinkDeployment", name).node().at("/spec/flinkVersion"));
        assertThat(session.getSpec().getServiceAccount()).isEqualTo(job.getSpec().getServiceAccount());
        assertThat(session.getSpec().getPodTemplate()).isEqualTo(job.getSpec().getPodTemplate());
        Map<String, String> sessionConf = session.getSpec().getFlinkConfiguration();
        sessionConf.forEach((key, value) -> {
            if (!key.equals("taskmanager.numberOfTaskSlots")) {
                assertThat(job.getSpec().getFlinkConfiguration()).as(key).containsEntry(key, value);
            }
        });
        for (String key : List.of("pipeline.auto-generate-uids", "pipeline.max-parallelism",
                "execution.checkpointing.interval", "kubernetes.operator.periodic.savepoint.interval")) {
            assertThat(job.getSpec().getFlinkConfiguration().get(key))
                    .as(key).isEqualTo(ingest.getSpec().getFlinkConfiguration().get(key));
        }
    }

    /** Flink's S3 filesystem, Iceberg's S3 client and the AWS SDK's region all address one store. */
    @Test
    void flinkAndIcebergAddressTheSameS3() {
        Configuration conf = Configuration.fromMap(ingest.getSpec().getFlinkConfiguration());
        Container main = OperatorRules.mainContainer(ingest.getSpec().getPodTemplate()).orElseThrow();

        assertThat(conf.getString("s3.endpoint", null)).isEqualTo(conf.get(ChronicleOptions.S3_ENDPOINT));
        assertThat(conf.getString("s3.path.style.access", null))
                .isEqualTo(String.valueOf(conf.get(ChronicleOptions.S3_PATH_STYLE_ACCESS)));
        assertThat(OperatorRules.env(main, "AWS_REGION").map(EnvVar::getValue))
                .contains(conf.get(ChronicleOptions.S3_REGION));
    }

    private static JsonNode kustomization() {
        return Manifests.read(Manifests.DIR.resolve(Manifests.KUSTOMIZATION));
    }

    private static FlinkDeployment deployment(String name) {
        return StrictParsing.flinkDeployment(Manifests.get("FlinkDeployment", name).node());
    }

    private static Map<String, String> chronicleOptions(Map<String, String> conf) {
        Map<String, String> chronicle = new TreeMap<>();
        conf.forEach((key, value) -> {
            if (key.startsWith(ChronicleOptions.PREFIX)) {
                chronicle.put(key, value);
            }
        });
        return chronicle;
    }
}
