package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.kubernetes.operator.api.FlinkSessionJob;
import org.apache.flink.kubernetes.operator.api.spec.FlinkDeploymentSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobSpec;
import org.apache.flink.kubernetes.operator.api.spec.Resource;
import org.apache.flink.kubernetes.operator.api.spec.TaskManagerSpec;
import org.apache.flink.kubernetes.operator.api.spec.UpgradeMode;
import org.apache.flink.runtime.jobmanager.HighAvailabilityMode;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The checks a manifest must pass before the operator runs it. First the rules of the operator's
 * {@code DefaultValidator} (release 1.15.0, {@code flink-kubernetes-operator/.../validation/}),
 * restated here because the operator's own jar is not on the registry; each message is the
 * operator's. Then Chronicle's own rules for running its job on Kubernetes safely.
 */
final class OperatorRules {

    static final String MAIN_CONTAINER = "flink-main-container";
    static final String INGEST_CLASS = "io.chronicle.jobs.IngestJob";
    static final String S3_PLUGIN_ENV = "ENABLE_BUILT_IN_PLUGINS";

    private static final Pattern DEPLOYMENT_NAME = Pattern.compile("[a-z]([-a-z\\d]{0,43}[a-z\\d])?");
    private static final List<String> FORBIDDEN_KEYS =
            List.of("kubernetes.namespace", "kubernetes.cluster-id", HighAvailabilityOptions.HA_CLUSTER_ID.key());
    private static final Set<String> LOG_CONFIG_KEYS = Set.of("log4j-console.properties", "logback-console.xml");
    private static final String PERIODIC_SAVEPOINT_INTERVAL = "kubernetes.operator.periodic.savepoint.interval";
    /** Operator 1.15's defaults for a session job's jar: https only, from a public host. */
    private static final Set<String> SESSION_JAR_SCHEMES = Set.of("https");
    /** The operator's own options, which its jar (not on the registry) declares. */
    private static final String OPERATOR_PREFIX = "kubernetes.operator.";
    /**
     * Keys of Flink's presto S3 plugin, which maps {@code s3.*} to presto's {@code presto.s3.*}
     * ({@code s3.path.style.access} being Flink's alias of {@code path-style-access}).
     */
    private static final Set<String> S3_PLUGIN_KEYS = Set.of("s3.endpoint", "s3.path.style.access",
            "s3.path-style-access", "s3.use-instance-credentials", "s3.ssl.enabled", "s3.signer-type");
    /** Schemes Flink's artifact fetching reads for an application's jar (s3 through the plugin). */
    private static final Set<String> APPLICATION_JAR_SCHEMES = Set.of("s3", "https", "local");

    private OperatorRules() {}

    /** Every rule a FlinkDeployment breaks, empty if none. */
    static List<String> forDeployment(JsonNode node) {
        FlinkDeployment deployment = StrictParsing.flinkDeployment(node);
        FlinkDeploymentSpec spec = deployment.getSpec();
        Map<String, String> confMap = orEmpty(spec.getFlinkConfiguration());
        Configuration conf = Configuration.fromMap(confMap);
        List<String> violations = new ArrayList<>();

        // The operator's DefaultValidator.validateDeployment, in its order.
        deploymentName(deployment.getMetadata().getName(), violations);
        flinkVersion(node.path("spec").path("flinkVersion"), violations);
        for (String key : FORBIDDEN_KEYS) {
            if (confMap.containsKey(key)) {
                violations.add("Forbidden Flink config key: " + key);
            }
        }
        if (spec.getIngress() != null && spec.getIngress().getTemplate() == null) {
            violations.add("Ingress template must be defined");
        }
        for (String key : orEmpty(spec.getLogConfiguration()).keySet()) {
            if (!LOG_CONFIG_KEYS.contains(key)) {
                violations.add("Invalid log config key: " + key + ". Allowed keys are " + LOG_CONFIG_KEYS);
            }
        }
        if (spec.getJob() != null) {
            jobSpec(spec.getJob(), spec.getTaskManager(), conf, violations);
        }
        Resource jm = spec.getJobManager() == null ? null : spec.getJobManager().getResource();
        memory("JobManager", jm, "spec.jobManager.resource.memory", violations);
        if (spec.getJobManager() != null) {
            int replicas = spec.getJobManager().getReplicas();
            if (replicas < 1) {
                violations.add("JobManager replicas should not be configured less than one.");
            } else if (replicas > 1 && !HighAvailabilityMode.isHighAvailabilityModeActivated(conf)) {
                violations.add("High availability should be enabled when starting standby JobManagers.");
            }
        }
        Resource tm = spec.getTaskManager() == null ? null : spec.getTaskManager().getResource();
        memory("TaskManager", tm, "spec.taskManager.resource.memory", violations);
        if (spec.getTaskManager() != null && spec.getTaskManager().getReplicas() != null
                && spec.getTaskManager().getReplicas() < 1) {
            violations.add("TaskManager replicas should not be configured less than one.");
        }
        if (spec.getServiceAccount() == null) {
            violations.add("spec.serviceAccount must be defined. If you use helm, its value should be the same with the name of jobServiceAccount.");
        }

        // Chronicle's rules.
        cpu("JobManager", jm, violations);
        cpu("TaskManager", tm, violations);
        image(spec.getImage(), violations);
        if (spec.getJob() != null) {
            applicationJob(spec.getJob(), violations);
            upgrades(spec.getJob(), conf, violations);
            chronicleOptions(confMap, violations);
        }
        knownKeys(confMap, violations);
        durableStorage(conf, violations);
        s3Plugin(spec, confMap, violations);
        javaOptions(conf, violations);
        hadoopSecurityOff(conf, violations);
        Secrets.findIn(node).forEach(where -> violations.add("A secret is written into the manifest at " + where));
        return violations;
    }

    /** Every rule a FlinkSessionJob breaks in the session cluster {@code clusterNode}, empty if none. */
    static List<String> forSessionJob(JsonNode node, JsonNode clusterNode) {
        FlinkSessionJob sessionJob = StrictParsing.parse(node, FlinkSessionJob.class);
        FlinkDeployment cluster = StrictParsing.flinkDeployment(clusterNode);
        JobSpec job = sessionJob.getSpec().getJob();
        List<String> violations = new ArrayList<>();

        // The operator's DefaultValidator.validateSessionJob.
        deploymentName(sessionJob.getSpec().getDeploymentName(), violations);
        if (job == null) {
            violations.add("The job spec should not be empty");
            return violations;
        }
        sessionJarUri(job.getJarURI(), violations);
        if (cluster.getSpec().getJob() != null) {
            violations.add("Can not submit session job to application cluster");
        }
        if (!cluster.getMetadata().getName().equals(sessionJob.getSpec().getDeploymentName())) {
            violations.add("The session job's cluster id is not match with the session cluster");
        }
        Map<String, String> merged = new HashMap<>(orEmpty(cluster.getSpec().getFlinkConfiguration()));
        merged.putAll(orEmpty(sessionJob.getSpec().getFlinkConfiguration()));
        Configuration conf = Configuration.fromMap(merged);
        jobSpec(job, null, conf, violations);

        // Chronicle's rules; the cluster's own are checked with the cluster.
        if (job.getJarURI() != null) {
            jarFileName(job.getJarURI(), violations);
        }
        entryClass(job, violations);
        upgrades(job, conf, violations);
        chronicleOptions(orEmpty(sessionJob.getSpec().getFlinkConfiguration()), violations);
        knownKeys(orEmpty(sessionJob.getSpec().getFlinkConfiguration()), violations);
        Secrets.findIn(node).forEach(where -> violations.add("A secret is written into the manifest at " + where));
        return violations;
    }

    /** {@code v2_1} for Flink 2.1.x: the operator's name for the build's Flink version. */
    static String operatorFlinkVersion() {
        String[] parts = Manifests.FLINK_VERSION.split("\\.");
        return "v" + parts[0] + "_" + parts[1];
    }

    static String expectedImage() {
        return "flink:" + Manifests.FLINK_VERSION + "-java17";
    }

    static String s3Plugin() {
        return "flink-s3-fs-presto-" + Manifests.FLINK_VERSION + ".jar";
    }

    static Optional<Container> mainContainer(PodTemplateSpec template) {
        if (template == null || template.getSpec() == null) {
            return Optional.empty();
        }
        return template.getSpec().getContainers().stream()
                .filter(container -> MAIN_CONTAINER.equals(container.getName()))
                .findFirst();
    }

    static Optional<EnvVar> env(Container container, String name) {
        return container.getEnv().stream().filter(env -> name.equals(env.getName())).findFirst();
    }

    // ---- the operator's rules

    private static void deploymentName(String name, List<String> violations) {
        if (name == null || !DEPLOYMENT_NAME.matcher(name).matches()) {
            violations.add("The FlinkDeployment name: " + name + " is invalid, must consist of lower case "
                    + "alphanumeric characters or '-', start with an alphabetic character, and end with an "
                    + "alphanumeric character (e.g. 'my-name',  or 'abc-123'), and the length must be no more "
                    + "than 45 characters.");
        }
    }

    /**
     * The operator refuses a missing or unsupported version. Chronicle's jars are built against one
     * Flink version, so the deployment must name exactly that one.
     */
    private static void flinkVersion(JsonNode version, List<String> violations) {
        if (version.isMissingNode() || version.isNull()) {
            violations.add("Flink Version must be defined.");
        } else if (!version.asText().equals(operatorFlinkVersion())) {
            violations.add("Flink version " + version.asText() + " is not the Flink the jars are built against ("
                    + Manifests.FLINK_VERSION + ", " + operatorFlinkVersion() + ")");
        }
    }

    private static void jobSpec(JobSpec job, TaskManagerSpec tm, Configuration conf, List<String> violations) {
        if (job.getUpgradeMode() != UpgradeMode.STATELESS
                && isBlank(conf.getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY))) {
            violations.add("Checkpoint directory[" + CheckpointingOptions.CHECKPOINTS_DIRECTORY.key()
                    + "] must be defined for last-state and savepoint upgrade modes");
        }
        if (isBlank(conf.getOptional(CheckpointingOptions.SAVEPOINT_DIRECTORY))) {
            String key = CheckpointingOptions.SAVEPOINT_DIRECTORY.key();
            if (job.getUpgradeMode() == UpgradeMode.SAVEPOINT) {
                violations.add("Job could not be upgraded with savepoint while config key[" + key + "] is not set");
            } else if (job.getSavepointTriggerNonce() != null) {
                violations.add("Savepoint could not be manually triggered for the running job while config key["
                        + key + "] is not set");
            } else if (conf.containsKey(PERIODIC_SAVEPOINT_INTERVAL)) {
                violations.add("Periodic savepoints cannot be enabled when config key[" + key + "] is not set");
            }
        }
        boolean tmReplicas = tm != null && tm.getReplicas() != null;
        if (tmReplicas && tm.getReplicas() < 1) {
            violations.add("TaskManager replicas must be larger than 0");
        } else if (!tmReplicas && job.getParallelism() < 1) {
            violations.add("Job parallelism must be larger than 0");
        }
    }

    /**
     * The operator derives the memory from Flink's configuration when the resource does not give
     * it; Chronicle's deployments give it in the resource, where the operator parses it as a Flink
     * memory size or a Kubernetes quantity.
     */
    private static void memory(String component, Resource resource, String field, List<String> violations) {
        if (resource == null || isBlank(Optional.ofNullable(resource.getMemory()))) {
            violations.add(component + " resource memory must be defined using `" + field + "`");
            return;
        }
        try {
            MemorySize.parse(resource.getMemory());
        } catch (IllegalArgumentException notFlinkSize) {
            try {
                Quantity.getAmountInBytes(Quantity.parse(resource.getMemory()));
            } catch (IllegalArgumentException notQuantity) {
                violations.add(component + " resource memory parse error: " + notQuantity.getMessage());
            }
        }
    }

    /** Operator 1.15 fetches a session job's jar itself and, by default, only over https from a public host. */
    private static void sessionJarUri(String jarUri, List<String> violations) {
        if (jarUri == null) {
            return;
        }
        URI uri;
        try {
            uri = new URI(jarUri);
        } catch (URISyntaxException e) {
            violations.add("jarURI is not a valid URI: " + e.getMessage());
            return;
        }
        if (uri.getScheme() == null) {
            violations.add("jarURI must include a scheme");
        } else if (!SESSION_JAR_SCHEMES.contains(uri.getScheme().toLowerCase())) {
            violations.add("jarURI scheme '" + uri.getScheme() + "' is not in the allowlist " + SESSION_JAR_SCHEMES
                    + ". Configure 'kubernetes.operator.user.artifacts.allowed-schemes' to extend the allowlist.");
        } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
            violations.add("jarURI must include a host for http/https schemes");
        } else if (isRestrictedHost(uri.getHost())) {
            violations.add("jarURI host '" + uri.getHost() + "' resolves to a restricted address");
        }
    }

    /**
     * The operator resolves the host and refuses loopback, link-local, site-local, wildcard and
     * multicast addresses. Without DNS here: literal addresses are checked as the operator would,
     * and names only a cluster resolves (Services) are refused, since they resolve to such addresses.
     */
    private static boolean isRestrictedHost(String host) {
        if (host.equals("localhost") || host.endsWith(".svc") || host.endsWith(".cluster.local") || !host.contains(".")) {
            return true;
        }
        if (!host.matches("[0-9.]+") && !host.contains(":")) {
            return false;
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            return address.isLoopbackAddress() || address.isLinkLocalAddress() || address.isSiteLocalAddress()
                    || address.isAnyLocalAddress() || address.isMulticastAddress();
        } catch (UnknownHostException e) {
            return true;
        }
    }

    // ---- Chronicle's rules

    private static void cpu(String component, Resource resource, List<String> violations) {
        if (resource == null || resource.getCpu() == null || resource.getCpu() <= 0) {
            violations.add(component + " needs a CPU request (resource.cpu), or the operator gives it one core");
        }
    }

    /** Flink's own image at the version the jars are built against. */
    private static void image(String image, List<String> violations) {
        if (!expectedImage().equals(image)) {
            violations.add("The image is " + image + ", not Flink's own at the build's version: " + expectedImage());
        }
    }

    /** An application cluster runs Chronicle's job jar, fetched by Flink itself. */
    private static void applicationJob(JobSpec job, List<String> violations) {
        if (job.getJarURI() == null || job.getJarURI().isBlank()) {
            violations.add("An application deployment needs job.jarURI");
            return;
        }
        String scheme = URI.create(job.getJarURI()).getScheme();
        if (scheme == null || !APPLICATION_JAR_SCHEMES.contains(scheme)) {
            violations.add("job.jarURI " + job.getJarURI() + " is not one Flink's artifact fetching reads "
                    + "without more settings: " + APPLICATION_JAR_SCHEMES);
        }
        jarFileName(job.getJarURI(), violations);
        entryClass(job, violations);
    }

    private static void jarFileName(String jarUri, List<String> violations) {
        String expected = "chronicle-jobs-" + Manifests.CHRONICLE_VERSION + "-job.jar";
        String file = Path.of(URI.create(jarUri).getPath()).getFileName().toString();
        if (!file.equals(expected)) {
            violations.add("job.jarURI names " + file + ", not the job jar the build makes: " + expected);
        }
    }

    private static void entryClass(JobSpec job, List<String> violations) {
        if (!INGEST_CLASS.equals(job.getEntryClass())) {
            violations.add("job.entryClass is " + job.getEntryClass() + ", not " + INGEST_CLASS
                    + " (the job jar holds several programs)");
        }
    }

    /**
     * Upgrades keep state: a savepoint (or, for last-state, the latest checkpoint) is restored,
     * which needs HA so a lost JobManager does not lose the job's checkpoints, operator uids that
     * never change, a fixed max parallelism, and no state silently dropped on restore.
     */
    private static void upgrades(JobSpec job, Configuration conf, List<String> violations) {
        if (job.getUpgradeMode() == UpgradeMode.STATELESS) {
            violations.add("upgradeMode stateless would start every upgrade without the job's state");
        } else if (!HighAvailabilityMode.isHighAvailabilityModeActivated(conf)) {
            violations.add("upgradeMode " + job.getUpgradeMode() + " needs high availability ("
                    + HighAvailabilityOptions.HA_MODE.key() + ")");
        }
        if (!Boolean.FALSE.equals(job.getAllowNonRestoredState())) {
            violations.add("job.allowNonRestoredState must be false: state no operator claims would be dropped");
        }
        if (conf.get(PipelineOptions.AUTO_GENERATE_UIDS)) {
            violations.add(PipelineOptions.AUTO_GENERATE_UIDS.key() + " must be false: a generated uid changes "
                    + "with the job graph and its state is not restored");
        }
        if (conf.getOptional(PipelineOptions.MAX_PARALLELISM).isEmpty()) {
            violations.add(PipelineOptions.MAX_PARALLELISM.key() + " must be set: savepoints restore only at "
                    + "the max parallelism they were taken with");
        }
        if (job.getParallelism() > conf.getOptional(PipelineOptions.MAX_PARALLELISM).orElse(Integer.MAX_VALUE)) {
            violations.add("job.parallelism exceeds " + PipelineOptions.MAX_PARALLELISM.key());
        }
    }

    /** Chronicle's keys must be declared options with valid values. */
    private static void chronicleOptions(Map<String, String> confMap, List<String> violations) {
        Map<String, String> chronicle = new TreeMap<>();
        confMap.forEach((key, value) -> {
            if (key.startsWith(ChronicleOptions.PREFIX)) {
                chronicle.put(key, value);
            }
        });
        if (chronicle.isEmpty()) {
            violations.add("The job's flinkConfiguration holds no Chronicle option");
            return;
        }
        try {
            ChronicleConfig.validated(Configuration.fromMap(chronicle));
        } catch (IllegalArgumentException e) {
            violations.add("Chronicle refuses its options: " + e.getMessage());
        }
    }

    /** Flink ignores a key it does not know, so a misspelt one would silently leave its default. */
    private static void knownKeys(Map<String, String> confMap, List<String> violations) {
        Set<String> declared = FlinkOptions.declaredKeys();
        for (String key : confMap.keySet()) {
            boolean known = key.startsWith(ChronicleOptions.PREFIX) || key.startsWith(OPERATOR_PREFIX)
                    || S3_PLUGIN_KEYS.contains(key) || declared.contains(key);
            if (!known) {
                violations.add("Flink declares no option " + key);
            }
        }
    }

    /** Checkpoints, savepoints and HA metadata must outlive the pods: on S3, never a local path. */
    private static void durableStorage(Configuration conf, List<String> violations) {
        List<ConfigOption<String>> storage = List.of(CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                CheckpointingOptions.SAVEPOINT_DIRECTORY, HighAvailabilityOptions.HA_STORAGE_PATH);
        for (ConfigOption<String> option : storage) {
            String value = conf.getOptional(option).orElse("");
            if (!value.startsWith("s3://")) {
                violations.add(option.key() + " must be on S3 (s3://...), is '" + value + "'");
            }
        }
        if (!"rocksdb".equals(conf.get(StateBackendOptions.STATE_BACKEND))) {
            violations.add(StateBackendOptions.STATE_BACKEND.key() + " must be rocksdb");
        }
        if (!conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)) {
            violations.add(CheckpointingOptions.INCREMENTAL_CHECKPOINTS.key() + " must be true");
        }
    }

    /**
     * Flink reads s3:// paths (checkpoints, savepoints, HA, the job jar) through a filesystem
     * plugin, which the image's entrypoint enables from its opt/ folder by file name.
     */
    private static void s3Plugin(FlinkDeploymentSpec spec, Map<String, String> confMap, List<String> violations) {
        boolean flinkReadsS3 = spec.getJob() != null && spec.getJob().getJarURI() != null
                && spec.getJob().getJarURI().startsWith("s3://");
        for (Map.Entry<String, String> entry : confMap.entrySet()) {
            // Chronicle's own S3 locations are read by Iceberg's S3 client, not by Flink.
            if (!entry.getKey().startsWith(ChronicleOptions.PREFIX) && entry.getValue().startsWith("s3://")) {
                flinkReadsS3 = true;
            }
        }
        if (!flinkReadsS3) {
            return;
        }
        Optional<String> plugins = mainContainer(spec.getPodTemplate())
                .flatMap(container -> env(container, S3_PLUGIN_ENV))
                .map(EnvVar::getValue);
        if (plugins.isEmpty() || !Arrays.asList(plugins.get().split(";")).contains(s3Plugin())) {
            violations.add("s3:// paths are used but " + MAIN_CONTAINER + " does not enable " + s3Plugin()
                    + " (" + S3_PLUGIN_ENV + " is " + plugins.orElse("unset") + ")");
        }
    }

    /** The Java 17 module openings of Flink's distribution and of Chronicle's build. */
    private static void javaOptions(Configuration conf, List<String> violations) {
        Set<String> given = new LinkedHashSet<>(Arrays.asList(conf.get(CoreOptions.FLINK_JVM_OPTIONS).split("\\s+")));
        for (String option : requiredJavaOptions()) {
            if (!given.contains(option)) {
                violations.add(CoreOptions.FLINK_JVM_OPTIONS.key() + " lacks " + option);
            }
        }
    }

    static Set<String> requiredJavaOptions() {
        Set<String> required = new LinkedHashSet<>();
        JsonNode cluster = Manifests.read(Manifests.DIR.resolve("../cluster/conf/config.yaml"));
        required.addAll(Arrays.asList(cluster.path(CoreOptions.FLINK_JVM_OPTIONS.key()).asText().split("\\s+")));
        for (String arg : System.getProperty("chronicle.test.jvm.args", "").split("\\s+")) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
                required.add(arg);
            }
        }
        required.remove("");
        return required;
    }

    /** Chronicle's jars carry hadoop-common; Flink's Hadoop security module and tokens must stay off. */
    private static void hadoopSecurityOff(Configuration conf, List<String> violations) {
        List<String> modules = conf.get(SecurityOptions.SECURITY_MODULE_FACTORY_CLASSES);
        if (!modules.equals(List.of("org.apache.flink.runtime.security.modules.JaasModuleFactory"))) {
            violations.add(SecurityOptions.SECURITY_MODULE_FACTORY_CLASSES.key() + " must be only the JAAS module, is "
                    + modules);
        }
        if (conf.get(SecurityOptions.DELEGATION_TOKENS_ENABLED)) {
            violations.add(SecurityOptions.DELEGATION_TOKENS_ENABLED.key() + " must be false");
        }
    }

    private static boolean isBlank(Optional<String> value) {
        return value.map(String::isBlank).orElse(true);
    }

    private static <K, V> Map<K, V> orEmpty(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
