package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.ChronicleOptions;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkSessionJob;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The manifests as one set: the kustomization, and what the alternatives and the clusters share. */
class ManifestSetTest {

    private static final Path SESSION_JOB = Path.of("session/chronicle-ingest-session-job.yaml");

    private final FlinkDeployment ingest = deployment("chronicle-ingest");
    private final FlinkDeployment session = deployment("chronicle-session");
    private final FlinkSessionJob sessionJob =
            StrictParsing.parse(Manifests.get("FlinkSessionJob", "chronicle-ingest").node(), FlinkSessionJob.class);

    /** {@code kubectl apply -k} applies every manifest but the session-job variant of ingest. */
    @Test
    void theKustomizationAppliesEveryManifestButTheSessionJobVariant() {
        List<Path> listed = new ArrayList<>();
        kustomization().path("resources").forEach(resource -> listed.add(Path.of(resource.asText())));
        List<Path> manifests = Manifests.files().stream().map(Manifests.DIR::relativize).toList();

        assertThat(manifests).contains(SESSION_JOB);
        assertThat(listed).doesNotContain(SESSION_JOB).containsExactlyInAnyOrderElementsOf(
                manifests.stream().filter(file -> !file.equals(SESSION_JOB)).toList());
    }

    @Test
    void everyManifestIsInTheKustomizationsNamespace() {
        String namespace = kustomization().path("namespace").asText();

        assertThat(namespace).isNotEmpty();
        assertThat(Manifests.documents()).allSatisfy(document -> assertThat(document.namespace()).isEqualTo(namespace));
    }

    /** The session job is the same job as the application deployment's, configured the same way. */
    @Test
    void theSessionJobVariantRunsTheSameJobWithTheSameOptions() {
        JobSpec application = ingest.getSpec().getJob();
        JobSpec session = sessionJob.getSpec().getJob();

        assertThat(chronicleOptions(sessionJob.getSpec().getFlinkConfiguration()))
                .isEqualTo(chronicleOptions(ingest.getSpec().getFlinkConfiguration()));
        assertThat(session.getEntryClass()).isEqualTo(application.getEntryClass());
        assertThat(session.getParallelism()).isEqualTo(application.getParallelism());
        assertThat(session.getUpgradeMode()).isEqualTo(application.getUpgradeMode());
        assertThat(Path.of(session.getJarURI()).getFileName()).isEqualTo(Path.of(application.getJarURI()).getFileName());
        for (String key : List.of("pipeline.auto-generate-uids", "pipeline.max-parallelism",
                "execution.checkpointing.interval", "kubernetes.operator.periodic.savepoint.interval")) {
            assertThat(sessionJob.getSpec().getFlinkConfiguration().get(key))
                    .as(key).isEqualTo(ingest.getSpec().getFlinkConfiguration().get(key));
        }
    }

    /** Both clusters run the same image with the same pods, storage, Java and security settings. */
    @Test
    void bothClustersShareImagePodsAndClusterSettings() {
        assertThat(session.getSpec().getImage()).isEqualTo(ingest.getSpec().getImage());
        assertThat(Manifests.get("FlinkDeployment", "chronicle-session").node().at("/spec/flinkVersion"))
                .isEqualTo(Manifests.get("FlinkDeployment", "chronicle-ingest").node().at("/spec/flinkVersion"));
        assertThat(session.getSpec().getServiceAccount()).isEqualTo(ingest.getSpec().getServiceAccount());
        assertThat(session.getSpec().getPodTemplate()).isEqualTo(ingest.getSpec().getPodTemplate());
        Map<String, String> sessionConf = session.getSpec().getFlinkConfiguration();
        sessionConf.forEach((key, value) -> {
            if (!key.equals("taskmanager.numberOfTaskSlots")) {
                assertThat(ingest.getSpec().getFlinkConfiguration()).as(key).containsEntry(key, value);
            }
        });
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
