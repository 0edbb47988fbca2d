package io.chronicle.deploy.sqlgateway;

import io.chronicle.catalog.ChronicleCatalogLoader;
import io.chronicle.catalog.ChronicleTable;
import io.chronicle.catalog.RollupTable;
import io.chronicle.catalog.TableBootstrap;
import io.chronicle.core.ChronicleConfig;
import io.chronicle.core.ChronicleOptions;
import io.chronicle.core.RollupPolicy;
import io.chronicle.services.S3Server;
import io.chronicle.sql.catalog.SampleTables;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.RestOptions;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * What the gateway tests run against: an S3-compatible server, an Iceberg JDBC catalog on SQLite
 * with Chronicle's tables created as the jobs create them and rows written through Iceberg's own
 * Flink catalog, and Flink's SQL gateway started as the local stack starts it, submitting to the
 * test's MiniCluster. The S3 secret and the catalog's password are distinctive strings, so a test
 * can look for them in anything a session sees.
 */
final class GatewayFixture implements AutoCloseable {

    static final String S3_SECRET = "s3-secret-4f1d9c";
    static final String JDBC_PASSWORD = "jdbc-password-7b2e05";
    /** The points written: metric by metric. */

    final S3Server s3;
    final Configuration chronicle;
    final FlinkSqlGateway gateway;
    final SqlGatewayClient rest;
    /** How long the gateway took from its start to answering REST requests. */
    final Duration startTime;

    private GatewayFixture(S3Server s3, Configuration chronicle, FlinkSqlGateway gateway, Duration startTime) {
        this.s3 = s3;
        this.chronicle = chronicle;
        this.gateway = gateway;
        this.startTime = startTime;
        this.rest = new SqlGatewayClient(gateway.endpoint().toString(), Duration.ofMinutes(2));
    }

    static GatewayFixture start(Path dir, URI clusterRest) throws Exception {
        return start(dir, clusterRest, Map.of());
    }

    /** As {@link #start(Path, URI)}, with more (or other) properties of the Iceberg catalog. */
    static GatewayFixture start(Path dir, URI clusterRest, Map<String, String> catalogProperties) throws Exception {
        S3Server s3 = S3Server.start(dir.resolve("s3"), 0, "gateway-it", S3_SECRET);
        try {
            s3.createBucket("lake");
            // The MiniCluster's task managers read S3 for the gateway's queries with the AWS
            // default credentials chain, as a cluster's would with its own credentials.
            System.setProperty("aws.accessKeyId", s3.accessKey());
            System.setProperty("aws.secretAccessKey", s3.secretKey());
            Map<String, String> values = new HashMap<>();
            values.put(ChronicleOptions.CATALOG_URI.key(), "jdbc:sqlite:" + dir.resolve("catalog.db"));
            values.put(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.busy_timeout", "30000");
            // SQLite takes no password; the gateway gets it in its environment all the same.
            values.put(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + "jdbc.password", JDBC_PASSWORD);
            values.put(ChronicleOptions.CATALOG_WAREHOUSE.key(), "s3://lake/warehouse");
            values.put(ChronicleOptions.S3_ENDPOINT.key(), s3.endpoint().toString());
            values.put(ChronicleOptions.S3_PATH_STYLE_ACCESS.key(), "true");
            values.put(ChronicleOptions.S3_ACCESS_KEY.key(), s3.accessKey());
            values.put(ChronicleOptions.S3_SECRET_KEY.key(), s3.secretKey());
            catalogProperties.forEach((key, value) -> values.put(ChronicleOptions.CATALOG_PROPERTIES_PREFIX + key, value));
            Configuration chronicle = ChronicleConfig.validated(Configuration.fromMap(values));
            TableBootstrap.ensureTables(ChronicleCatalogLoader.from(chronicle), "chronicle",
                    ChronicleTable.POINTS_RAW, ChronicleTable.ANOMALIES,
                    new RollupTable(RollupPolicy.Tier.parse("tier", "5m")));
            Configuration client = new Configuration();
            client.set(DeploymentOptions.TARGET, "remote");
            client.set(RestOptions.ADDRESS, clusterRest.getHost());
            client.set(RestOptions.PORT, clusterRest.getPort());
            SampleTables.write(chronicle, client);

            long start = System.nanoTime();
            FlinkSqlGateway gateway = FlinkSqlGateway.start(dir.resolve("sql-gateway"), chronicle, 0,
                    clusterRest.getHost() + ":" + clusterRest.getPort());
            Duration startTime = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("SQL gateway answered %.1f s after its start%n", startTime.toMillis() / 1e3);
            return new GatewayFixture(s3, chronicle, gateway, startTime);
        } catch (Exception | Error e) {
            s3.close();
            throw e;
        }
    }

    @Override
    public void close() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        try {
            gateway.close();
        } finally {
            s3.close();
        }
    }
}
