package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The operator's validation rules and Chronicle's, on the manifests and on broken copies of them. */
class OperatorRulesTest {

    static Stream<String> jobs() {
        return Manifests.JOBS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void eachJobsApplicationDeploymentPassesEveryRule(String job) {
        assertThat(OperatorRules.forDeployment(Manifests.get("FlinkDeployment", job).copy())).isEmpty();
    }

    @Test
    void theSessionClusterPassesEveryRule() {
        assertThat(OperatorRules.forDeployment(session())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jobs")
    void eachJobsSessionJobPassesEveryRuleInItsCluster(String job) {
        assertThat(OperatorRules.forSessionJob(Manifests.get("FlinkSessionJob", job).copy(), session())).isEmpty();
    }

    @Test
    void theManifestsFollowTheBuildsVersions() {
        assertThat(ingest().at("/spec/image").asText()).isEqualTo("flink:" + Manifests.FLINK_VERSION + "-java17");
        assertThat(ingest().at("/spec/flinkVersion").asText()).isEqualTo(OperatorRules.operatorFlinkVersion());
        assertThat(ingest().at("/spec/job/jarURI").asText())
                .endsWith("/chronicle-jobs-" + Manifests.CHRONICLE_VERSION + "-job.jar");
        assertThat(OperatorRules.s3Plugin()).isEqualTo("flink-s3-fs-presto-" + Manifests.FLINK_VERSION + ".jar");
    }

    @Test
    void theRequiredJavaOptionsIncludeChroniclesOwn() {
        assertThat(OperatorRules.requiredJavaOptions())
                .contains("--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED")
                .hasSizeGreaterThan(20);
    }

    static Stream<Arguments> brokenDeployments() {
        return Stream.of(
                broken("a name the operator refuses", node -> metadata(node).put("name", "Chronicle_Ingest"),
                        "The FlinkDeployment name: Chronicle_Ingest is invalid"),
                broken("no Flink version", node -> spec(node).remove("flinkVersion"), "Flink Version must be defined."),
                broken("another Flink version", node -> spec(node).put("flinkVersion", "v2_0"),
                        "Flink version v2_0 is not the Flink the jars are built against"),
                broken("a key the operator sets itself", node -> conf(node).put("kubernetes.cluster-id", "other"),
                        "Forbidden Flink config key: kubernetes.cluster-id"),
                broken("an unknown log configuration", node -> spec(node).putObject("logConfiguration")
                        .put("log4j.properties", "rootLogger.level = INFO"), "Invalid log config key: log4j.properties"),
                broken("no checkpoint directory", node -> conf(node).remove("execution.checkpointing.dir"),
                        "Checkpoint directory[execution.checkpointing.dir] must be defined for last-state and savepoint upgrade modes"),
                broken("no savepoint directory", node -> conf(node).remove("execution.checkpointing.savepoint-dir"),
                        "Job could not be upgraded with savepoint while config key[execution.checkpointing.savepoint-dir] is not set"),
                broken("no parallelism", node -> job(node).put("parallelism", 0), "Job parallelism must be larger than 0"),
                broken("no JobManager memory", node -> ((ObjectNode) spec(node).path("jobManager").path("resource")).remove("memory"),
                        "JobManager resource memory must be defined using `spec.jobManager.resource.memory`"),
                broken("unparsable TaskManager memory", node -> ((ObjectNode) spec(node).path("taskManager").path("resource"))
                        .put("memory", "four gigabytes"), "TaskManager resource memory parse error"),
                broken("no TaskManager CPU", node -> ((ObjectNode) spec(node).path("taskManager").path("resource")).remove("cpu"),
                        "TaskManager needs a CPU request"),
                broken("standby JobManagers without HA", node -> {
                    ((ObjectNode) spec(node).path("jobManager")).put("replicas", 2);
                    conf(node).remove("high-availability.type");
                }, "High availability should be enabled when starting standby JobManagers."),
                broken("no service account", node -> spec(node).remove("serviceAccount"), "spec.serviceAccount must be defined"),
                broken("another image", node -> spec(node).put("image", "flink:2.1.0-java17"),
                        "The image is flink:2.1.0-java17, not Flink's own at the build's version"),
                broken("no job jar", node -> job(node).remove("jarURI"), "An application deployment needs job.jarURI"),
                broken("a jar over plain http", node -> job(node).put("jarURI", "http://artifacts/chronicle-jobs-"
                        + Manifests.CHRONICLE_VERSION + "-job.jar"), "is not one Flink's artifact fetching reads"),
                broken("an old job jar", node -> job(node).put("jarURI", "s3://chronicle/artifacts/chronicle-jobs-0.0.1-job.jar"),
                        "job.jarURI names chronicle-jobs-0.0.1-job.jar"),
                broken("no entry class", node -> job(node).remove("entryClass"), "job.entryClass is null"),
                broken("stateless upgrades", node -> job(node).put("upgradeMode", "stateless"),
                        "upgradeMode stateless would start every upgrade without the job's state"),
                broken("savepoint upgrades without HA", node -> conf(node).remove("high-availability.type"),
                        "upgradeMode SAVEPOINT needs high availability"),
                broken("last-state upgrades without HA", node -> {
                    job(node).put("upgradeMode", "last-state");
                    conf(node).remove("high-availability.type");
                }, "upgradeMode LAST_STATE needs high availability"),
                broken("state dropped on restore", node -> job(node).put("allowNonRestoredState", true),
                        "job.allowNonRestoredState must be false"),
                broken("generated operator uids", node -> conf(node).remove("pipeline.auto-generate-uids"),
                        "pipeline.auto-generate-uids must be false"),
                broken("no max parallelism", node -> conf(node).remove("pipeline.max-parallelism"),
                        "pipeline.max-parallelism must be set"),
                broken("a misspelt Chronicle option", node -> conf(node).set("chronicle.kafka.bootstrap-server",
                        conf(node).remove("chronicle.kafka.bootstrap-servers")),
                        "Unknown option 'chronicle.kafka.bootstrap-server' (did you mean 'chronicle.kafka.bootstrap-servers'?)"),
                broken("a bad Chronicle value", node -> conf(node).put("chronicle.s3.path-style-access", "yes please"),
                        "Chronicle refuses its options: Invalid value for option 'chronicle.s3.path-style-access'"),
                broken("checkpoints in the pod", node -> conf(node).put("execution.checkpointing.dir", "file:///tmp/checkpoints"),
                        "execution.checkpointing.dir must be on S3"),
                broken("a misspelt Flink option", node -> conf(node).set("execution.checkpointing.intervall",
                        conf(node).remove("execution.checkpointing.interval")),
                        "Flink declares no option execution.checkpointing.intervall"),
                broken("a misspelt S3 option", node -> conf(node).set("s3.path-style.access",
                        conf(node).remove("s3.path.style.access")), "Flink declares no option s3.path-style.access"),
                broken("the hashmap state backend", node -> conf(node).put("state.backend.type", "hashmap"),
                        "state.backend.type must be rocksdb"),
                broken("full checkpoints", node -> conf(node).put("execution.checkpointing.incremental", "false"),
                        "execution.checkpointing.incremental must be true"),
                broken("s3 paths without the S3 plugin", node -> mainContainerEnv(node).remove(0),
                        "s3:// paths are used but flink-main-container does not enable flink-s3-fs-presto-"),
                broken("the plugin of another Flink", node -> ((ObjectNode) mainContainerEnv(node).get(0))
                        .put("value", "flink-s3-fs-presto-2.0.0.jar"), "(ENABLE_BUILT_IN_PLUGINS is flink-s3-fs-presto-2.0.0.jar)"),
                broken("Java options without java.nio", node -> conf(node).put("env.java.opts.all",
                        conf(node).path("env.java.opts.all").asText().replace("--add-opens=java.base/java.nio=ALL-UNNAMED", "")),
                        "env.java.opts.all lacks --add-opens=java.base/java.nio=ALL-UNNAMED"),
                broken("Hadoop's security module", node -> conf(node).remove("security.module.factory.classes"),
                        "security.module.factory.classes must be only the JAAS module"),
                broken("delegation tokens", node -> conf(node).remove("security.delegation.tokens.enabled"),
                        "security.delegation.tokens.enabled must be false"),
                broken("an S3 key in the configuration", node -> conf(node).put("chronicle.s3.secret-key", "hunter2"),
                        "A secret is written into the manifest at $.spec.flinkConfiguration.chronicle.s3.secret-key"),
                broken("a catalog password in the configuration", node -> conf(node)
                        .put("chronicle.catalog.properties.jdbc.password", "hunter2"),
                        "$.spec.flinkConfiguration.chronicle.catalog.properties.jdbc.password"),
                broken("a literal AWS key", node -> {
                    ObjectNode secretKey = (ObjectNode) mainContainerEnv(node).get(2);
                    secretKey.remove("valueFrom");
                    secretKey.put("value", "not-from-a-secret");
                }, "sets AWS_SECRET_ACCESS_KEY to a literal value"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenDeployments")
    void aBrokenDeploymentFailsItsRule(String what, Consumer<ObjectNode> breakIt, String expected) {
        ObjectNode deployment = ingest();
        breakIt.accept(deployment);

        assertThat(OperatorRules.forDeployment(deployment)).anySatisfy(message -> assertThat(message).contains(expected));
    }

    static Stream<Arguments> brokenSessionJobs() {
        return Stream.of(
                broken("another cluster", node -> spec(node).put("deploymentName", "chronicle-ingest"),
                        "The session job's cluster id is not match with the session cluster"),
                broken("no job", node -> spec(node).remove("job"), "The job spec should not be empty"),
                broken("a jar from S3, which operator 1.15 does not fetch by default", node -> job(node)
                        .put("jarURI", "s3://chronicle/artifacts/chronicle-jobs-" + Manifests.CHRONICLE_VERSION + "-job.jar"),
                        "jarURI scheme 's3' is not in the allowlist [https]"),
                broken("a jar from a Service in the cluster", node -> job(node).put("jarURI",
                        "https://artifacts.chronicle.svc/chronicle-jobs-" + Manifests.CHRONICLE_VERSION + "-job.jar"),
                        "jarURI host 'artifacts.chronicle.svc' resolves to a restricted address"),
                broken("a jar from a private address", node -> job(node).put("jarURI",
                        "https://10.0.0.7/chronicle-jobs-" + Manifests.CHRONICLE_VERSION + "-job.jar"),
                        "jarURI host '10.0.0.7' resolves to a restricted address"),
                broken("generated operator uids", node -> conf(node).put("pipeline.auto-generate-uids", "true"),
                        "pipeline.auto-generate-uids must be false"),
                broken("a misspelt Flink option", node -> conf(node).set("pipeline.max-parallelizm",
                        conf(node).remove("pipeline.max-parallelism")), "Flink declares no option pipeline.max-parallelizm"),
                broken("a misspelt Chronicle option", node -> conf(node).put("chronicle.catalog.warehous", "s3://x"),
                        "Unknown option 'chronicle.catalog.warehous'"),
                broken("an S3 key", node -> conf(node).put("chronicle.s3.access-key", "AKIA"),
                        "$.spec.flinkConfiguration.chronicle.s3.access-key"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenSessionJobs")
    void aBrokenSessionJobFailsItsRule(String what, Consumer<ObjectNode> breakIt, String expected) {
        ObjectNode job = sessionJob();
        breakIt.accept(job);

        assertThat(OperatorRules.forSessionJob(job, session())).anySatisfy(message -> assertThat(message).contains(expected));
    }

    @Test
    void aSessionJobNeedsTheClustersCheckpointStorageAndHa() {
        ObjectNode cluster = session();
        conf(cluster).remove("execution.checkpointing.savepoint-dir");
        conf(cluster).remove("high-availability.type");

        assertThat(OperatorRules.forSessionJob(sessionJob(), cluster))
                .anySatisfy(message -> assertThat(message).contains("Job could not be upgraded with savepoint"))
                .anySatisfy(message -> assertThat(message).contains("upgradeMode SAVEPOINT needs high availability"));
    }

    @Test
    void aSessionJobCannotRunInAnApplicationCluster() {
        ObjectNode job = sessionJob();
        spec(job).put("deploymentName", "chronicle-ingest");

        assertThat(OperatorRules.forSessionJob(job, ingest()))
                .contains("Can not submit session job to application cluster");
    }

    private static Arguments broken(String what, Consumer<ObjectNode> breakIt, String expected) {
        return arguments(what, breakIt, expected);
    }

    private static ObjectNode ingest() {
        return Manifests.get("FlinkDeployment", "chronicle-ingest").copy();
    }

    private static ObjectNode session() {
        return Manifests.get("FlinkDeployment", "chronicle-session").copy();
    }

    private static ObjectNode sessionJob() {
        return Manifests.get("FlinkSessionJob", "chronicle-ingest").copy();
    }

    private static ObjectNode metadata(JsonNode node) {
        return (ObjectNode) node.path("metadata");
    }

    private static ObjectNode spec(JsonNode node) {
        return (ObjectNode) node.path("spec");
    }

    private static ObjectNode job(JsonNode node) {
        return (ObjectNode) node.path("spec").path("job");
    }

    private static ObjectNode conf(JsonNode node) {
        return (ObjectNode) node.path("spec").path("flinkConfiguration");
    }

    /** ENABLE_BUILT_IN_PLUGINS, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ... in that order. */
    private static ArrayNode mainContainerEnv(JsonNode node) {
        return (ArrayNode) node.path("spec").path("podTemplate").path("spec").path("containers").get(0).path("env");
    }
}
