package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

/**
 * The custom resources against the operator's CRD schemas: those of operator 1.15.0, the release
 * the README installs, and those shipped in the operator API jar 1.10.0 on the classpath.
 */
class CustomResourceSchemaTest {

    private static final String CRDS = "io/chronicle/deploy/k8s/crds/1.15.0/";
    static final CrdSchema DEPLOYMENTS =
            CrdSchema.fromClasspath(CRDS + "flinkdeployments.flink.apache.org-v1.yml", "v1beta1");
    static final CrdSchema SESSION_JOBS =
            CrdSchema.fromClasspath(CRDS + "flinksessionjobs.flink.apache.org-v1.yml", "v1beta1");
    private static final CrdSchema DEPLOYMENTS_1_10 =
            CrdSchema.fromClasspath("META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml", "v1beta1");
    private static final CrdSchema SESSION_JOBS_1_10 =
            CrdSchema.fromClasspath("META-INF/fabric8/flinksessionjobs.flink.apache.org-v1.yml", "v1beta1");

    static Stream<Manifests.Document> flinkDeployments() {
        return Manifests.ofKind("FlinkDeployment").stream();
    }

    static Stream<Manifests.Document> sessionJobs() {
        return Manifests.ofKind("FlinkSessionJob").stream();
    }

    @Test
    void theManifestsHoldAnApplicationClusterPerJobASessionClusterAndASessionJobPerJob() {
        List<String> clusters = new ArrayList<>(Manifests.JOBS);
        clusters.add("chronicle-session");
        assertThat(flinkDeployments().map(Manifests.Document::name)).containsExactlyInAnyOrderElementsOf(clusters);
        assertThat(sessionJobs().map(Manifests.Document::name)).containsExactlyInAnyOrderElementsOf(Manifests.JOBS);
        assertThat(Manifests.documents()).allSatisfy(document ->
                assertThat(document.node().path("apiVersion").asText()).isNotEmpty());
        assertThat(flinkDeployments()).allSatisfy(document ->
                assertThat(document.node().path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("flinkDeployments")
    void flinkDeploymentsMatchTheOperatorsSchema(Manifests.Document document) {
        assertThat(DEPLOYMENTS.violations(document.node())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sessionJobs")
    void sessionJobsMatchTheOperatorsSchema(Manifests.Document document) {
        assertThat(SESSION_JOBS.violations(document.node())).isEmpty();
    }

    /**
     * Operator 1.10.0's schema differs in the Flink versions it knows (up to v1_20) and in
     * flinkConfiguration (strings only, where 1.13 accepts any YAML): the manifests keep to strings,
     * so the Flink version is all that ties them to a newer operator.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("flinkDeployments")
    void onlyTheFlinkVersionIsNewerThanOperator110Knows(Manifests.Document document) {
        assertThat(DEPLOYMENTS_1_10.violations(document.node()))
                .singleElement(STRING)
                .contains("flinkVersion")
                .contains("enum");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sessionJobs")
    void sessionJobsMatchOperator110sSchema(Manifests.Document document) {
        assertThat(SESSION_JOBS_1_10.violations(document.node())).isEmpty();
    }

    @Test
    void aMisspeltSpecFieldFails() {
        ObjectNode deployment = ingest();
        ObjectNode spec = (ObjectNode) deployment.get("spec");
        spec.set("jobManger", spec.remove("jobManager"));

        assertThat(DEPLOYMENTS.violations(deployment)).singleElement(STRING)
                .contains("jobManger");
    }

    @Test
    void aWrongEnumValueFails() {
        ObjectNode deployment = ingest();
        ((ObjectNode) deployment.path("spec").path("job")).put("upgradeMode", "savepoints");

        assertThat(DEPLOYMENTS.violations(deployment)).singleElement(STRING)
                .contains("upgradeMode");
    }

    @Test
    void aWrongTypeFails() {
        ObjectNode deployment = ingest();
        ((ObjectNode) deployment.path("spec").path("job")).put("parallelism", "two");
        ((ObjectNode) deployment.path("spec").path("jobManager").path("resource")).put("cpu", "one");

        assertThat(DEPLOYMENTS.violations(deployment)).hasSize(2)
                .anySatisfy(message -> assertThat(message).contains("parallelism"))
                .anySatisfy(message -> assertThat(message).contains("cpu"));
    }

    @Test
    void anUnknownFieldInsideThePodTemplateFails() {
        ObjectNode deployment = ingest();
        ObjectNode container = (ObjectNode) deployment.path("spec").path("podTemplate").path("spec")
                .path("containers").get(0);
        container.set("envv", container.remove("env"));

        assertThat(DEPLOYMENTS.violations(deployment)).singleElement(STRING)
                .contains("envv");
    }

    @Test
    void aMisspeltSessionJobFieldFails() {
        ObjectNode job = sessionJobs().findFirst().orElseThrow().copy();
        ObjectNode spec = (ObjectNode) job.get("spec");
        spec.set("deployment", spec.remove("deploymentName"));

        assertThat(SESSION_JOBS.violations(job)).singleElement(STRING)
                .contains("deployment");
    }

    @Test
    void intOrStringFieldsTakeEitherAndNothingElse() {
        ObjectNode deployment = ingest();
        ObjectNode container = (ObjectNode) deployment.path("spec").path("podTemplate").path("spec")
                .path("containers").get(0);
        ObjectNode limits = container.putObject("resources").putObject("limits");
        limits.put("cpu", 2);
        limits.put("memory", "4Gi");
        assertThat(DEPLOYMENTS.violations(deployment)).isEmpty();

        limits.put("cpu", true);
        assertThat(DEPLOYMENTS.violations(deployment)).singleElement(STRING)
                .contains("cpu");
    }

    @Test
    void preservedFieldsTakeAnyValue() {
        ObjectNode deployment = ingest();
        ((ObjectNode) deployment.path("spec").path("flinkConfiguration")).putObject("nested").put("answer", 42);

        assertThat(DEPLOYMENTS.violations(deployment)).isEmpty();
        assertThat(DEPLOYMENTS_1_10.violations(deployment)).anySatisfy(message -> assertThat(message).contains("nested"));
    }

    @Test
    void theTranslationRefusesSchemaKeywordsItCannotCheck() throws Exception {
        JsonNode celRule = Manifests.YAML.readTree(
                "type: object\nx-kubernetes-validations:\n  - rule: self.replicas >= 1\n");

        assertThatThrownBy(() -> CrdSchema.toJsonSchema(celRule, false))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("x-kubernetes-validations");
    }

    @Test
    void theTranslationKeepsNullableAndRequired() throws Exception {
        JsonNode schema = Manifests.YAML.readTree(String.join("\n",
                "type: object",
                "required: [name]",
                "properties:",
                "  name: {type: string}",
                "  comment: {type: string, nullable: true}",
                ""));
        ObjectNode crd = Manifests.YAML.createObjectNode();
        ArrayNode versions = crd.putObject("spec").putArray("versions");
        ObjectNode version = versions.addObject().put("name", "v1");
        version.putObject("schema").set("openAPIV3Schema", schema);
        CrdSchema check = CrdSchema.fromCrd("test", crd, "v1");

        assertThat(check.violations(Manifests.YAML.readTree("name: a\ncomment: null\n"))).isEmpty();
        assertThat(check.violations(Manifests.YAML.readTree("comment: b\n")))
                .singleElement(STRING).contains("name");
        assertThat(check.violations(Manifests.YAML.readTree("name: null\n"))).hasSize(1);
    }

    private static ObjectNode ingest() {
        return Manifests.get("FlinkDeployment", "chronicle-ingest").copy();
    }
}
