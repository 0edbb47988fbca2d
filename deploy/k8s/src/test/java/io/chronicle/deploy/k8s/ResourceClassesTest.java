package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkSessionJob;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every manifest read into the resource classes the operator (API 1.10.0) and Kubernetes' fabric8
 * model declare, refusing any field they do not.
 */
class ResourceClassesTest {

    private static final Map<String, Class<?>> CLASSES = Map.of(
            "FlinkDeployment", FlinkDeployment.class,
            "FlinkSessionJob", FlinkSessionJob.class,
            "Deployment", Deployment.class,
            "Service", Service.class,
            "ConfigMap", ConfigMap.class);

    @Test
    void everyManifestIsAKnownKindThatReadsWithoutUnknownFields() {
        assertThat(Manifests.documents()).isNotEmpty().allSatisfy(document -> {
            assertThat(CLASSES).containsKey(document.kind());
            Object resource = document.kind().equals("FlinkDeployment")
                    ? StrictParsing.flinkDeployment(document.node())
                    : StrictParsing.parse(document.node(), CLASSES.get(document.kind()));
            assertThat(resource).isInstanceOf(CLASSES.get(document.kind()));
        });
    }

    @Test
    void theIngestDeploymentReadsAsTheOperatorSeesIt() {
        FlinkDeployment ingest = StrictParsing.flinkDeployment(Manifests.get("FlinkDeployment", "chronicle-ingest").node());

        assertThat(ingest.getSpec().getJob().getUpgradeMode()).isEqualTo(UpgradeMode.SAVEPOINT);
        assertThat(ingest.getSpec().getJob().getParallelism()).isEqualTo(2);
        assertThat(ingest.getSpec().getJobManager().getResource().getCpu()).isEqualTo(1.0);
        assertThat(ingest.getSpec().getPodTemplate().getSpec().getVolumes())
                .singleElement()
                .satisfies(volume -> assertThat(volume.getSecret().getDefaultMode()).isEqualTo(0440));
    }

    @Test
    void anUnknownFieldOfTheOperatorsSpecFails() {
        ObjectNode deployment = Manifests.get("FlinkDeployment", "chronicle-ingest").copy();
        ((ObjectNode) deployment.path("spec").path("jobManager")).put("replica", 2);

        assertThatThrownBy(() -> StrictParsing.flinkDeployment(deployment)).hasMessageContaining("replica");
    }

    @Test
    void anUnknownFieldOfKubernetesModelFails() {
        ObjectNode deployment = Manifests.get("FlinkDeployment", "chronicle-ingest").copy();
        ((ObjectNode) deployment.path("spec").path("podTemplate").path("spec").path("containers").get(0))
                .put("imagePullPolice", "Always");

        assertThatThrownBy(() -> StrictParsing.flinkDeployment(deployment))
                .hasMessageContaining("$.spec.podTemplate.spec.containers[0].imagePullPolice");
    }

    @Test
    void anUnknownFieldOfTheGatewayDeploymentFails() {
        ObjectNode gateway = Manifests.get("Deployment", "chronicle-sql-gateway").copy();
        ((ObjectNode) gateway.path("spec").path("template").path("spec")).put("serviceAcount", "default");

        assertThatThrownBy(() -> StrictParsing.parse(gateway, Deployment.class)).hasMessageContaining("serviceAcount");
    }

    @Test
    void aWrongEnumValueFails() {
        ObjectNode job = Manifests.get("FlinkSessionJob", "chronicle-ingest").copy();
        ((ObjectNode) job.path("spec").path("job")).put("upgradeMode", "last_state");

        assertThatThrownBy(() -> StrictParsing.parse(job, FlinkSessionJob.class)).hasMessageContaining("last_state");
    }
}
