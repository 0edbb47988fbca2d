package io.chronicle.deploy.k8s;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.sql.catalog.ReadOnlyCatalogStoreFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.kubernetes.operator.api.FlinkDeployment;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.config.TableConfigOptions;
import org.apache.flink.table.catalog.CatalogDescriptor;
import org.apache.flink.table.catalog.CommonCatalogOptions;
import org.apache.flink.table.catalog.FileCatalogStore;
import org.apache.flink.table.gateway.api.endpoint.SqlGatewayEndpointFactoryUtils;
import org.apache.flink.table.gateway.rest.SqlGatewayRestEndpointFactory;
import org.apache.flink.table.gateway.rest.util.SqlGatewayRestOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The SQL gateway's Deployment, Service and ConfigMaps: what they run, where, and with what. */
class SqlGatewayManifestTest {

    private static final String GATEWAY = "chronicle-sql-gateway";
    private static final String REST_PREFIX =
            SqlGatewayEndpointFactoryUtils.getSqlGatewayOptionPrefix(SqlGatewayRestEndpointFactory.IDENTIFIER);
    private static final String CATALOG_STORE_PATH = CommonCatalogOptions.TABLE_CATALOG_STORE_OPTION_PREFIX
            + ReadOnlyCatalogStoreFactory.IDENTIFIER + "." + ReadOnlyCatalogStoreFactory.PATH.key();
    private static final Pattern SET = Pattern.compile("^SET '([^']+)' = '([^']*)'$", Pattern.MULTILINE);

    private final Deployment deployment = StrictParsing.parse(Manifests.get("Deployment", GATEWAY).node(), Deployment.class);
    private final Service service = StrictParsing.parse(Manifests.get("Service", GATEWAY).node(), Service.class);
    private final ConfigMap catalogs =
            StrictParsing.parse(Manifests.get("ConfigMap", "chronicle-catalogs").node(), ConfigMap.class);
    private final ConfigMap init = StrictParsing.parse(Manifests.get("ConfigMap", "chronicle-sql-init").node(), ConfigMap.class);
    private final FlinkDeployment session =
            StrictParsing.flinkDeployment(Manifests.get("FlinkDeployment", "chronicle-session").node());
    private final Configuration ingest = Configuration.fromMap(
            StrictParsing.flinkDeployment(Manifests.get("FlinkDeployment", "chronicle-ingest").node())
                    .getSpec().getFlinkConfiguration());

    @Test
    void itRunsFlinksOwnGatewayOnTheSessionClustersImage() {
        Container gateway = gateway();

        assertThat(gateway.getImage()).isEqualTo(OperatorRules.expectedImage()).isEqualTo(session.getSpec().getImage());
        assertThat(gateway.getCommand()).containsExactly("/opt/flink/bin/sql-gateway.sh", "start-foreground");
        assertThat(gateway.getArgs()).allSatisfy(arg -> assertThat(arg).startsWith("-D").contains("="));
    }

    @Test
    void queriesRunOnTheSessionClusterInBatchMode() {
        Configuration conf = options();

        assertThat(conf.get(DeploymentOptions.TARGET)).isEqualTo("remote");
        // The operator exposes a cluster's REST API as the Service <name>-rest, on Flink's REST port.
        assertThat(conf.get(RestOptions.ADDRESS)).isEqualTo(session.getMetadata().getName() + "-rest");
        assertThat(conf.get(RestOptions.PORT))
                .isEqualTo(Configuration.fromMap(session.getSpec().getFlinkConfiguration()).get(RestOptions.PORT));
        assertThat(conf.get(ExecutionOptions.RUNTIME_MODE)).isEqualTo(RuntimeExecutionMode.BATCH);
    }

    @Test
    void theServiceReachesTheGatewaysEndpoint() {
        Configuration conf = options();
        ServicePort port = service.getSpec().getPorts().get(0);
        Integer containerPort = gateway().getPorts().stream()
                .filter(p -> p.getName().equals(port.getTargetPort().getStrVal()))
                .findFirst().orElseThrow().getContainerPort();

        assertThat(conf.getString(REST_PREFIX + SqlGatewayRestOptions.BIND_ADDRESS.key(), null)).isEqualTo("0.0.0.0");
        assertThat(conf.getString(REST_PREFIX + SqlGatewayRestOptions.PORT.key(), null))
                .isEqualTo(String.valueOf(containerPort));
        assertThat(conf.getString(REST_PREFIX + SqlGatewayRestOptions.ADDRESS.key(), null))
                .isEqualTo(service.getMetadata().getName());
        assertThat(service.getSpec().getSelector()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(gateway().getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo(port.getTargetPort().getStrVal());
    }

    @Test
    void theCatalogStoreIsTheMountedConfigMap() {
        Configuration conf = options();

        assertThat(conf.get(CommonCatalogOptions.TABLE_CATALOG_STORE_KIND)).isEqualTo(ReadOnlyCatalogStoreFactory.IDENTIFIER);
        assertThat(mountPathOf(configMapVolume(catalogs.getMetadata().getName())))
                .isEqualTo(conf.getString(CATALOG_STORE_PATH, null));
        // Sessions start in Chronicle's catalog.
        assertThat(conf.get(TableConfigOptions.TABLE_CATALOG_NAME)).isEqualTo(ingest.get(ChronicleOptions.CATALOG_NAME));
    }

    /** The catalog definition in the ConfigMap, in the format of Flink's own file catalog store. */
    @Test
    void theChronicleCatalogIsTheOneTheJobWrites(@TempDir Path store) throws IOException {
        for (Map.Entry<String, String> file : catalogs.getData().entrySet()) {
            Files.writeString(store.resolve(file.getKey()), file.getValue());
        }
        FileCatalogStore catalogStore = new FileCatalogStore(store.toString());
        catalogStore.open();
        String name = ingest.get(ChronicleOptions.CATALOG_NAME);

        assertThat(catalogStore.listCatalogs()).containsExactly(name);
        Map<String, String> options = catalogStore.getCatalog(name).orElseThrow().getConfiguration().toMap();
        Map<String, String> expected = new HashMap<>();
        expected.put(CommonCatalogOptions.CATALOG_TYPE.key(), "chronicle");
        expected.put("catalog-type", ingest.get(ChronicleOptions.CATALOG_TYPE));
        expected.put("uri", ingest.get(ChronicleOptions.CATALOG_URI));
        expected.put("warehouse", ingest.get(ChronicleOptions.CATALOG_WAREHOUSE));
        expected.put("s3.endpoint", ingest.get(ChronicleOptions.S3_ENDPOINT));
        expected.put("s3.path-style-access", String.valueOf(ingest.get(ChronicleOptions.S3_PATH_STYLE_ACCESS)));
        expected.put("s3.region", ingest.get(ChronicleOptions.S3_REGION));
        expected.put(CommonCatalogOptions.DEFAULT_DATABASE_KEY, ingest.get(ChronicleOptions.CATALOG_NAMESPACE));
        assertThat(options).isEqualTo(expected);
    }

    @Test
    void noSecretIsWrittenIntoTheGatewaysManifests() {
        for (String kind : List.of("Deployment", "Service")) {
            assertThat(Secrets.findIn(Manifests.get(kind, GATEWAY).node())).isEmpty();
        }
        assertThat(Secrets.findIn(Manifests.get("ConfigMap", "chronicle-catalogs").node())).isEmpty();
        assertThat(Secrets.findIn(Manifests.get("ConfigMap", "chronicle-sql-init").node())).isEmpty();
    }

    @Test
    void aPasswordInTheCatalogFileIsFound() {
        ObjectNode withPassword = Manifests.get("ConfigMap", "chronicle-catalogs").copy();
        ObjectNode data = (ObjectNode) withPassword.get("data");
        data.put("chronicle.yaml", data.get("chronicle.yaml").asText() + "jdbc.password: hunter2\n");

        assertThat(Secrets.findIn(withPassword)).containsExactly("$.data.chronicle.yaml.jdbc.password");
    }

    @Test
    void credentialsComeFromTheSecretsTheClustersUse() {
        Map<String, String> clusterSecrets = Secrets.refs(OperatorRules.mainContainer(session.getSpec().getPodTemplate())
                .orElseThrow().getEnv());
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();

        assertThat(clusterSecrets).containsOnlyKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
        assertThat(Secrets.refs(gateway().getEnv())).isEqualTo(clusterSecrets);
        assertThat(Secrets.refs(fetcher().getEnv())).isEqualTo(clusterSecrets);
        assertThat(env(gateway(), "PGPASSFILE")).isEqualTo(env(OperatorRules.mainContainer(session.getSpec().getPodTemplate())
                .orElseThrow(), "PGPASSFILE"));
        Volume catalogDb = pod.getVolumes().stream()
                .filter(volume -> volume.getSecret() != null).findFirst().orElseThrow();
        assertThat(env(gateway(), "PGPASSFILE")).startsWith(mountPathOf(catalogDb) + "/");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    }

    /**
     * Chronicle's SQL jar is copied into a folder of Flink's lib/ (the start script puts jars of
     * lib/ and its subfolders on the classpath) and shipped with every query.
     */
    @Test
    void chroniclesSqlJarIsFetchedIntoLibAndShippedWithEveryQuery() {
        String jar = "chronicle-sql-" + Manifests.CHRONICLE_VERSION + "-gateway.jar";
        Container fetcher = fetcher();
        List<String> args = fetcher.getArgs();
        Volume lib = pod().getVolumes().stream()
                .filter(volume -> volume.getName().equals(fetcher.getVolumeMounts().get(0).getName()))
                .findFirst().orElseThrow();
        String libFolder = mountPathOf(lib);

        assertThat(lib.getEmptyDir()).isNotNull();
        assertThat(libFolder).startsWith("/opt/flink/lib/");
        assertThat(fetcher.getVolumeMounts().get(0).getMountPath()).isEqualTo(libFolder);
        assertThat(args).hasSize(4).startsWith("s3", "cp");
        assertThat(args.get(2)).startsWith("s3://").endsWith("/" + jar);
        assertThat(args.get(3)).isEqualTo(libFolder + "/" + jar);
        assertThat(options().get(PipelineOptions.JARS)).containsExactly("file://" + libFolder + "/" + jar);
        String jobJar = Manifests.get("FlinkDeployment", "chronicle-ingest").node().at("/spec/job/jarURI").asText();
        assertThat(URI.create(args.get(2)).resolve(".")).isEqualTo(URI.create(jobJar).resolve("."));
        assertThat(env(fetcher, "AWS_ENDPOINT_URL_S3")).isEqualTo(ingest.get(ChronicleOptions.S3_ENDPOINT));
        assertThat(env(fetcher, "AWS_REGION")).isEqualTo(ingest.get(ChronicleOptions.S3_REGION));
    }

    /**
     * The init file is the local stack's, word for word, and runs as a SQL client runs it: in a
     * table environment where the catalog store's catalog is an in-memory one, every statement
     * parses and runs and leaves the session in Chronicle's catalog and namespace.
     */
    @Test
    void theInitFileIsTheSqlClientsAndSelectsChroniclesCatalogAndNamespace() throws IOException {
        String sql = initSql();
        String catalog = ingest.get(ChronicleOptions.CATALOG_NAME);
        TableEnvironment tEnv = inMemoryCatalog(catalog);
        tEnv.executeSql("CREATE DATABASE `" + catalog + "`.`" + ingest.get(ChronicleOptions.CATALOG_NAMESPACE) + "`");

        assertThat(sql).isEqualTo(Files.readString(Path.of("../sql-client/init.sql")));
        assertThat(sql).doesNotContain("${");
        for (String statement : statements(sql)) {
            // SET is the client's own statement: it sets a session option, as here.
            Matcher set = SET.matcher(statement);
            if (set.find()) {
                tEnv.getConfig().set(set.group(1), set.group(2));
            } else {
                tEnv.executeSql(statement);
            }
        }
        assertThat(tEnv.getConfig().get(ExecutionOptions.RUNTIME_MODE)).isEqualTo(RuntimeExecutionMode.BATCH);
        assertThat(tEnv.getCurrentCatalog()).isEqualTo(catalog);
        assertThat(tEnv.getCurrentDatabase()).isEqualTo(ingest.get(ChronicleOptions.CATALOG_NAMESPACE));
    }

    private Configuration options() {
        Map<String, String> options = new HashMap<>();
        for (String arg : gateway().getArgs()) {
            String[] keyValue = arg.substring(2).split("=", 2);
            assertThat(options.put(keyValue[0], keyValue[1])).as("%s given twice", keyValue[0]).isNull();
        }
        return Configuration.fromMap(options);
    }

    private PodSpec pod() {
        return deployment.getSpec().getTemplate().getSpec();
    }

    private Container gateway() {
        return pod().getContainers().stream().filter(c -> c.getName().equals("sql-gateway")).findFirst().orElseThrow();
    }

    private Container fetcher() {
        return pod().getInitContainers().stream().findFirst().orElseThrow();
    }

    private Volume configMapVolume(String configMap) {
        return pod().getVolumes().stream()
                .filter(volume -> volume.getConfigMap() != null && volume.getConfigMap().getName().equals(configMap))
                .findFirst().orElseThrow();
    }

    private String mountPathOf(Volume volume) {
        return gateway().getVolumeMounts().stream()
                .filter(mount -> mount.getName().equals(volume.getName()))
                .map(VolumeMount::getMountPath)
                .findFirst().orElseThrow();
    }

    private String initSql() {
        assertThat(init.getData()).containsOnlyKeys("init.sql");
        return init.getData().get("init.sql");
    }

    private static TableEnvironment inMemoryCatalog(String name) {
        TableEnvironment tEnv = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        tEnv.createCatalog(name, CatalogDescriptor.of(name,
                Configuration.fromMap(Map.of(CommonCatalogOptions.CATALOG_TYPE.key(), "generic_in_memory"))));
        return tEnv;
    }

    private static List<String> statements(String sql) {
        return Arrays.stream(sql.split(";")).map(String::trim)
                .filter(statement -> !statement.lines().allMatch(line -> line.isBlank() || line.trim().startsWith("--")))
                .toList();
    }

    private static String env(Container container, String name) {
        return OperatorRules.env(container, name).map(EnvVar::getValue).orElse(null);
    }
}
